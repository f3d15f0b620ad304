"""Demo community groups (docs/api.md, community groups): the demo community grid's group, kept by the
Guxi police station's duty desk, with citizen@example.com a member and grid@example.com its officer,
a few posts, and a service directory. Idempotent."""

from typing import Any

from community import services
from community.models import DutyDesk, Group, MemberRole, Membership, Post, ServiceEntry

DIRECTORY = [
    ("开锁服务 Locksmith", "生活服务 Home", "0591-87001234"),
    ("物业维修 Repairs", "生活服务 Home", "0591-87005678"),
    ("市场监管热线 Market regulation hotline", "热线 Hotlines", "12315"),
    ("法律援助 Legal aid", "热线 Hotlines", "12348"),
]


def seed(ctx: dict[str, Any]) -> None:
    station = ctx["agency"]  # the demo police station: its duty desk covers the group
    users = ctx["users"]
    desk, _ = DutyDesk.objects.get_or_create(station=station, defaults={"name": "鼓西警事 Guxi duty desk"})
    if desk.lead_id is None:
        desk.lead = users["agency@example.com"]
        desk.save(update_fields=["lead", "updated_at"])
    group = services.community_group_ensure(grid=ctx["grids"]["guxi-xihu"], station_id=station.id)
    services.officer_set(group=group, user=users["grid@example.com"])
    Membership.objects.get_or_create(group=group, user=ctx["citizen"], defaults={"role": MemberRole.MEMBER})
    for name, category, phone in DIRECTORY:
        ServiceEntry.objects.get_or_create(group=group, name=name, defaults={"category": category, "phone": phone})
    if not Post.objects.filter(group=group).exists():
        Post.objects.create(
            group=group,
            author=users["grid@example.com"],
            text="欢迎加入西湖社区警民群！有事请 @社区民警。Welcome: @ the officer when you need help.",
            pinned=True,
        )
    ctx["community_group"] = group
    ctx["groups"] = list(Group.objects.filter(pk=group.pk))
