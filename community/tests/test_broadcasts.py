"""Broadcasts: grid-centre or station staff send an alert to chosen grids; the fan-out (through the
outbox, in-process here) pins it in each group and writes one delivery and one inbox message per
member, set-based; the sender's organisation sees delivered and read counts per group."""

import json

import pytest
from django.utils import timezone

from accounts.models import GridLevel
from accounts.services import grid_membership_add
from accounts.tests.factories import GridFactory, box
from community import services
from community.models import Broadcast, BroadcastDelivery, Invitation, Post
from core.models import OutboxMessage
from engagement.models import Notification, NotificationKind


@pytest.fixture
def centre_staff(town, make_user):
    user = make_user(display_name="Centre Li")
    grid_membership_add(user=user, grid=town.district)
    return user


def _north(town, make_user):
    """A third community in the district, with a member of its own: not among the chosen grids."""
    north = GridFactory(
        code="c-north", level=GridLevel.COMMUNITY, parent=town.district, boundary=box(26.15, 119.30, 26.19, 119.35)
    )
    group = services.community_group_ensure(grid=north, station_id=town.station.id)
    outsider = make_user(display_name="North Resident")
    services.group_join(group=group, user=outsider)
    return group, outsider


def test_a_broadcast_to_two_grids_reaches_exactly_their_members(
    town, api_as, make_user, centre_staff, memory_log, django_capture_on_commit_callbacks
):
    # given east (member, officer), west (other member) and north (outsider); a person in east and west
    north_group, outsider = _north(town, make_user)
    both = make_user(display_name="Two Homes")
    services.group_join(group=town.group, user=both)
    Invitation.objects.create(group=town.other_group, user=both, invited_by=town.officer)  # west's officer let them in
    services.group_join(group=town.other_group, user=both)
    expected = {town.member.id, town.officer.id, town.other_member.id, both.id}

    # when the district's grid-centre staff broadcast to east and west
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(centre_staff).post(
            "/broadcasts",
            {
                "title": "反诈提醒 Anti-fraud",
                "body": "Nobody from the police asks for a transfer.",
                "grid_ids": [town.east.id, town.west.id],
            },
        )

    # then exactly their members got one delivery and one inbox message each, and each group a pinned post
    assert response.status_code == 201, response.content
    broadcast_id = response.json()["id"]
    assert response.json() == {"id": broadcast_id, "recipients": 4}
    deliveries = BroadcastDelivery.objects.filter(broadcast_id=broadcast_id)
    assert set(deliveries.values_list("user_id", flat=True)) == expected
    assert deliveries.count() == 4
    inbox = Notification.objects.filter(kind=NotificationKind.BROADCAST)
    assert sorted(inbox.values_list("user_id", flat=True)) == sorted(expected)
    assert set(inbox.values_list("title", flat=True)) == {"反诈提醒 Anti-fraud"}
    assert not Notification.objects.filter(user=outsider).exists()
    pinned = Post.objects.filter(broadcast_id=broadcast_id, pinned=True)
    assert sorted(pinned.values_list("group_id", flat=True)) == sorted([town.group.id, town.other_group.id])
    assert not Post.objects.filter(group=north_group, broadcast_id=broadcast_id).exists()
    # ... a `broadcast` live event per group to its members
    events = [json.loads(record) for _id, record in memory_log.after((0, 0)) if '"broadcast"' in record]
    audiences = sorted(key for event in events for key in event["aud"])
    assert audiences == sorted(f"u:{user_id}" for user_id in expected)

    # when the member opens the east group, and the centre asks for the counts
    page = api_as(town.member).get(f"/groups/{town.group.id}/posts").json()
    counts = api_as(centre_staff).get(f"/broadcasts/{broadcast_id}").json()

    # then the broadcast is pinned first, and the counts say delivered and read per group
    assert page["items"][0]["broadcast_id"] == broadcast_id
    assert (counts["recipients"], counts["delivered"], counts["read"]) == (4, 4, 1)
    per_group = {g["group_id"]: (g["delivered"], g["read"]) for g in counts["groups"]}
    east_count = BroadcastDelivery.objects.filter(broadcast_id=broadcast_id, group=town.group).count()
    assert per_group == {town.group.id: (east_count, 1), town.other_group.id: (4 - east_count, 0)}


def test_the_fan_out_run_twice_writes_nothing_more(town, centre_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = services.broadcast_send(sender=centre_staff, title="t", body="b", grid_ids=None, urgent=False)
    assert OutboxMessage.objects.filter(key=f"community.broadcast:{broadcast.id}").count() == 1

    again = services.broadcast_fan_out(broadcast_id=broadcast.id)

    assert again == 0
    assert BroadcastDelivery.objects.filter(broadcast=broadcast).count() == 3  # member, officer, other member
    assert Notification.objects.filter(kind=NotificationKind.BROADCAST).count() == 3
    assert Post.objects.filter(broadcast=broadcast).count() == 2


def test_who_may_send_and_read_a_broadcast(town, api_as, centre_staff, make_user, django_capture_on_commit_callbacks):
    # given a station's staff member (duty), another station's, a citizen, and a grid outside the reach
    far = GridFactory(code="c-far", level=GridLevel.DISTRICT, boundary=box(30.0, 120.0, 30.1, 120.1))
    body = {"title": "Missing child", "body": "Red coat, 6 years old", "grid_ids": None}

    with django_capture_on_commit_callbacks(execute=True):
        by_station = api_as(town.duty).post("/broadcasts", body)
    by_citizen = api_as(town.member).post("/broadcasts", body)
    outside = api_as(centre_staff).post("/broadcasts", {**body, "grid_ids": [far.id]})
    other_station_east = api_as(town.other_staff).post("/broadcasts", {**body, "grid_ids": [town.east.id]})

    # then the station reaches the group it covers (east: member and officer); the rest are refused
    assert (by_station.status_code, by_station.json()["recipients"]) == (201, 2)
    assert (by_citizen.status_code, by_citizen.json()["code"]) == (403, "forbidden")
    assert (outside.status_code, outside.json()["code"]) == (404, "not_found")
    assert (other_station_east.status_code, other_station_east.json()["code"]) == (404, "not_found")
    assert Broadcast.objects.count() == 1
    broadcast_id = by_station.json()["id"]
    assert api_as(town.lead).get(f"/broadcasts/{broadcast_id}").status_code == 200  # same station
    assert api_as(town.other_staff).get(f"/broadcasts/{broadcast_id}").status_code == 404
    assert api_as(town.member).get(f"/broadcasts/{broadcast_id}").status_code == 404


def test_an_urgent_broadcast_goes_by_sms_to_verified_phones_once(
    town, centre_staff, django_capture_on_commit_callbacks
):
    # given the member with a verified phone (the officer and the other member have none)
    from accounts import sms
    from accounts.models import User

    User.objects.filter(pk=town.member.pk).update(phone="+8613800138111", phone_verified_at=timezone.now())
    sms.outbox.clear()

    # when an urgent broadcast and then an ordinary one go to everyone
    with django_capture_on_commit_callbacks(execute=True):
        urgent = services.broadcast_send(
            sender=centre_staff, title="走失儿童", body="Red coat, 6", grid_ids=None, urgent=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(
            sender=centre_staff, title="Weekly tip", body="Lock your bike", grid_ids=None, urgent=False
        )
    again = services.broadcast_fan_out(broadcast_id=urgent.id)

    # then one SMS went to the member, for the urgent one only, and a second fan-out sent nothing
    assert again == 0
    assert [message.to for message in sms.outbox] == ["+8613800138111"]
    assert "走失儿童" in sms.outbox[0].text
    assert OutboxMessage.objects.filter(key__startswith="notify.deliver:").count() == 1
