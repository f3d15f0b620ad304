"""Users, their roles, and the organisations that scope staff: agencies, grids, pickup points."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.geo import point_in_ring, ring_area_deg2, ring_bbox
from core.models import TimeStampedModel


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    GRID_STAFF = "grid_staff", _("Grid-centre staff")
    CLERK = "clerk", _("Pickup-point clerk")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("roles", [Role.ADMIN])
        return self._create_user(email, password, **extra)


def default_roles() -> list[str]:
    return [Role.CITIZEN]


class User(AbstractUser):
    """A person: logs in with an email address; what they may do comes from roles and memberships."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    roles = ArrayField(models.CharField(max_length=20, choices=Role.choices), default=default_roles, blank=True)
    # A verified mobile number (E.164) and when it was verified by a one-time SMS code
    # (accounts.services.phone_verify). Only the user sees it; one account per number.
    phone = models.CharField(_("phone number"), max_length=20, blank=True, editable=False)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~models.Q(phone=""), name="user_phone_unique"),
            models.CheckConstraint(
                condition=models.Q(phone="", phone_verified_at__isnull=True)
                | (~models.Q(phone="") & models.Q(phone_verified_at__isnull=False)),
                name="user_phone_only_verified",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def has_role(self, role: str) -> bool:
        return role in (self.roles or []) or (role == Role.ADMIN and self.is_superuser)

    def get_role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in (self.roles or []) if role in Role.values]

    @property
    def shown_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class AgencyKind(models.TextChoices):
    POLICE_STATION = "police_station", _("Police station")
    STREET_OFFICE = "street_office", _("Street office")
    TRAFFIC_POLICE = "traffic_police", _("Traffic police")
    ELDER_CARE = "elder_care", _("Elder-care centre")
    GRID_CENTRE = "grid_centre", _("Grid-management centre")
    # Departments (立码办) that cases are routed to (tips.routing): they work them in their own queue.
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    URBAN_MANAGEMENT = "urban_management", _("Urban management")
    SCENIC_AREA = "scenic_area", _("Scenic-area management")
    FIRE_SAFETY = "fire_safety", _("Fire safety")
    COMMUNITY_COMMITTEE = "community", _("Community committee")
    OTHER = "other", _("Other")


class Agency(TimeStampedModel):
    """An organisation that posts tasks or handles cases, and holds a points budget."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    grid = models.ForeignKey(
        "Grid", verbose_name=_("area"), null=True, blank=True, on_delete=models.SET_NULL, related_name="agencies"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class GridLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")


class Grid(TimeStampedModel):
    """An area of the grid-management system: district → street → community, with a boundary.

    The boundary is a closed ring of [lon, lat] pairs (GeoJSON order); the bounding box is kept in
    columns so "which grids may contain this point" is an index lookup before the exact test.
    """

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=GridLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("boundary"), help_text=_("Closed ring of [lon, lat] pairs"))
    min_lat = models.FloatField(editable=False, default=0)
    min_lon = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)
    max_lon = models.FloatField(editable=False, default=0)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # Residents (the census or the grid centre's own register): rankings per 1,000 residents use it;
    # a grid without one (0) is never ranked.
    population = models.PositiveIntegerField(_("population"), default=0)
    handling_agency = models.ForeignKey(
        Agency,
        verbose_name=_("default handling agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_grids",
    )

    class Meta:
        ordering = ["depth", "name"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lon", "max_lon"], name="grid_bbox_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.min_lat, self.min_lon, self.max_lat, self.max_lon = ring_bbox(self.boundary)
        self.depth = (self.parent.depth + 1) if self.parent_id else 0
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "min_lat", "min_lon", "max_lat", "max_lon", "depth"}
        super().save(*args, **kwargs)

    def contains(self, lat: float, lon: float) -> bool:
        return point_in_ring(lat, lon, self.boundary)

    @property
    def area(self) -> float:
        return ring_area_deg2(self.boundary)

    @property
    def center(self) -> tuple[float, float]:
        return (self.min_lat + self.max_lat) / 2, (self.min_lon + self.max_lon) / 2

    def ancestors(self) -> list["Grid"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class PickupPoint(TimeStampedModel):
    """An offline counter where clerks hand over physical rewards."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    address = models.CharField(_("address"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="pickup_points")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")

    def __str__(self) -> str:
        return self.name


class AgencyMembership(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["agency", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="agency_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class GridMembership(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grid_memberships")
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["grid", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "grid"], name="grid_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.grid}"


class PickupPointMembership(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pickup_point_memberships")
    pickup_point = models.ForeignKey(PickupPoint, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["pickup_point", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "pickup_point"], name="pickup_point_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.pickup_point}"


class PhoneVerification(TimeStampedModel):
    """One SMS code sent to a number for a user: only its HMAC is kept, it expires, and it takes a
    limited number of tries (accounts.services.phone_code_send / phone_verify). The rows are also
    the record the send limits count."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_verifications")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="phone_verif_user_idx"),
            models.Index(fields=["phone", "created_at"], name="phone_verif_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.phone[:-4]}****"


class UserSession(AbstractBaseSession):
    """A Django database session (a browser's cookie or an app's X-Session-Token), with the signed-in
    user's id in a column of its own: the API loads a token's session and its user in one statement
    (accounts.security), and deleting a user deletes their sessions. Django's documented way to extend
    the database session engine; the engine is accounts.sessions."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user")
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> type:
        from accounts.sessions import SessionStore

        return SessionStore
