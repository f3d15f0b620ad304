"""Community groups (警民群): a group per community grid and circles that staff make, their members
and officers, posts with photos and replies, tracked requests with their clocks, the duty desk's
roster, broadcasts, a service directory and the record of moderation.

Members see one another only by display name (User.shown_name): no phone number or email of anyone
leaves this app. Hidden posts are kept for the record (hidden_at), never deleted.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.db import models
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class PrivateGroupPhotoStorage(LazyObject):
    """Group photos beside the tips' private photos, never under MEDIA_ROOT: only the group's members
    see them (community.views.photo_view). Lazy so tests can move the folder with settings."""

    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=Path(settings.FUBI_TIPS_PHOTO_ROOT).parent / "group-photos")


group_photo_storage = PrivateGroupPhotoStorage()


@receiver(setting_changed)
def _photo_root_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "FUBI_TIPS_PHOTO_ROOT":
        group_photo_storage._wrapped = empty


def _group_photo_storage() -> FileSystemStorage:
    return group_photo_storage


class GroupKind(models.TextChoices):
    COMMUNITY = "community", _("Community group")
    CIRCLE = "circle", _("Circle")


class Group(TimeStampedModel):
    """A group: one per community grid (open to citizens), or a circle made by staff (a shopping
    centre's merchants and guards, a school's gate, a patrol team) whose members are invited."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=GroupKind.choices, default=GroupKind.COMMUNITY)
    grid = models.ForeignKey(
        "accounts.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The police station whose duty desk covers the group outside its officers' hours.
    station = models.ForeignKey(
        "accounts.Agency", verbose_name=_("station"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [
            models.UniqueConstraint(fields=["grid"], condition=Q(kind="community"), name="group_one_per_community"),
            models.CheckConstraint(condition=Q(kind="circle") | Q(grid__isnull=False), name="group_community_has_grid"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Member")
    OFFICER = "officer", _("Officer")


class Membership(TimeStampedModel):
    """A person in a group, as a member or an officer (社区民警). A removed member's row stays, with
    removed_at, for the record; a muted one may read but not post until muted_until."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    # An officer's working hours on the city's clock; outside them the duty desk takes requests.
    hours_from = models.TimeField(_("hours from"), null=True, blank=True)
    hours_to = models.TimeField(_("hours to"), null=True, blank=True)

    class Meta:
        ordering = ["group", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_membership_unique")]
        indexes = [
            models.Index(fields=["user", "group"], name="group_member_user_idx", condition=Q(removed_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.group_id} ({self.role})"


class Invitation(TimeStampedModel):
    """An officer's invitation of a person into a group (circles are by invitation only)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.group_id}"


class Post(TimeStampedModel):
    """A message in a group: text and photos, or a broadcast pinned in it. Hidden posts stay."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_posts")
    text = models.TextField(_("text"), max_length=2000)
    pinned = models.BooleanField(_("pinned"), default=False)
    broadcast = models.ForeignKey("Broadcast", null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(fields=["group", "broadcast"], name="group_post_one_per_broadcast"),
        ]
        indexes = [
            # the group's page: its visible posts, pinned first then newest (an index scan, no sort)
            models.Index(
                F("group"),
                F("pinned").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="group_post_page_idx",
                condition=Q(hidden_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}#{self.id}"


class PostPhoto(TimeStampedModel):
    """A post's photo as stored: re-encoded JPEG, orientation applied, no metadata (tips.photos)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(default=0)
    image = models.FileField(storage=_group_photo_storage, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["post", "position"]
        constraints = [models.UniqueConstraint(fields=["post", "position"], name="group_photo_position_unique")]

    def __str__(self) -> str:
        return f"{self.post_id}#{self.position}"


class Reply(TimeStampedModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"), max_length=2000)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    class Meta:
        ordering = ["post", "created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.post_id}/{self.id}"


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    RESPONDED = "responded", _("Responded")
    RESOLVED = "resolved", _("Resolved")


class RequestStage(models.TextChoices):
    NONE = "", _("Not escalated")
    DESK = "desk", _("Escalated to the duty desk")
    LEAD = "lead", _("Escalated to the station's lead")


class Request(TimeStampedModel):
    """A tracked request (反映—响应—反馈): a post that @s an officer or is marked as a request, with a
    clock to respond by and one to resolve by."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="request")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="requests")
    poster = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_requests")
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via_desk = models.BooleanField(_("taken by the duty desk"), default=False)
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.TextField(_("note"), blank=True)
    stars = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    escalation_stage = models.CharField(max_length=8, choices=RequestStage.choices, default="", blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    tip_id = models.BigIntegerField(_("forwarded as tip"), null=True, blank=True)

    class Meta:
        ordering = ["respond_by", "id"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5), name="request_stars_1_5"
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False), name="request_resolved_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "respond_by"], name="group_request_clock_idx")]

    def __str__(self) -> str:
        return f"request {self.id} ({self.status})"


class DutyDesk(TimeStampedModel):
    """A station's duty desk (公号, such as 叶城警事): its roster covers nights and training days, and
    its lead hears of requests nobody answered."""

    station = models.OneToOneField("accounts.Agency", on_delete=models.CASCADE, related_name="duty_desk")
    name = models.CharField(_("name"), max_length=120)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("duty desk")
        verbose_name_plural = _("duty desks")

    def __str__(self) -> str:
        return self.name


class DeskShift(TimeStampedModel):
    """A staff member on duty at a desk from starts_at to ends_at (the roster, by the hour)."""

    desk = models.ForeignKey(DutyDesk, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("desk shift")
        verbose_name_plural = _("desk shifts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="deskshift_ends_after_start")
        ]
        indexes = [models.Index(fields=["desk", "ends_at", "starts_at"], name="deskshift_window_idx")]

    def __str__(self) -> str:
        return f"{self.desk_id} {self.user_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Broadcast(TimeStampedModel):
    """An alert from district, grid-centre or station staff to chosen groups; fanned out in the
    background into a pinned post per group and a delivery (and inbox message) per member."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=4000)
    urgent = models.BooleanField(_("urgent"), default=False)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_grid = models.ForeignKey("accounts.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    groups = models.ManyToManyField(Group, related_name="broadcasts", blank=True)
    recipients = models.PositiveIntegerField(default=0)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return self.title


class BroadcastDelivery(models.Model):
    """One member's copy of a broadcast (one per person, whatever number of groups): read when they
    open a group that shows it. Written in bulk by the fan-out, hence no updated_at."""

    # Few indexes: the fan-out writes 400,000 rows at once. (broadcast, user) is unique and serves
    # the counts per broadcast; user_id serves "mark my deliveries in this group read" and deletes.
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["broadcast", "user"]
        constraints = [models.UniqueConstraint(fields=["broadcast", "user"], name="broadcast_delivery_once")]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.user_id}"


class ServiceEntry(TimeStampedModel):
    """One line of a community's service directory (locksmith, repairs, hotlines, legal aid), kept by
    its officers and shown in the group."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="directory")
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=60, blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["group", "category", "name"]
        verbose_name = _("service entry")
        verbose_name_plural = _("service directory")

    def __str__(self) -> str:
        return self.name


class PostReport(TimeStampedModel):
    """A member's report of a post to the officers; closed when an officer acts on it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="post_report_once")]

    def __str__(self) -> str:
        return f"report {self.post_id} by {self.reporter_id}"


class ModerationAction(models.TextChoices):
    REPORT = "report", _("Reported")
    HIDE = "hide", _("Hidden")
    MUTE = "mute", _("Muted")
    REMOVE = "remove", _("Removed")
    DISMISS = "dismiss", _("Report dismissed")


class ModerationStep(TimeStampedModel):
    """Every moderation step, kept for the record: who did what to which post or member, and why."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="moderation")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=ModerationAction.choices)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    until = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation step")
        verbose_name_plural = _("moderation steps")

    def __str__(self) -> str:
        return f"{self.action} in {self.group_id}"
