"""Moderation and the service directory: a member reports a post, the officer hides it (gone for
members at once, kept for the record), mutes or removes its author; every step is recorded; the
officer keeps the directory the group shows."""

from datetime import timedelta

from django.utils import timezone

from community import selectors, services
from community.models import Membership, ModerationStep, Post, ServiceEntry


def _post(town, text="Selling fake tickets, DM me"):
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    return services.post_create(reader=reader, author=town.member, text=text)


def test_a_reported_post_hidden_by_the_officer_is_gone_for_members_and_kept(town, api_as, make_user):
    # given a post, and a neighbour who reports it
    post = _post(town)
    neighbour = make_user(display_name="Neighbour Wu")
    services.group_join(group=town.group, user=neighbour)
    reported = api_as(neighbour).post(f"/posts/{post.id}/report", {"reason": "scam"})
    queue = api_as(town.officer).get(f"/groups/{town.group.id}/moderation").json()

    # when the officer hides it
    hidden = api_as(town.officer).post(f"/posts/{post.id}/moderate", {"action": "hide", "note": "scam"})

    # then members no longer see it, the database keeps it, and both steps are on the record
    assert reported.status_code == 201
    assert queue["reported"] == [
        {
            "post_id": post.id,
            "text": post.text,
            "author": {"display_name": "Resident Zhang"},
            "hidden": False,
            "reports": 1,
            "reasons": ["scam"],
        }
    ]
    assert (hidden.status_code, hidden.json()["action"]) == (200, "hide")
    page = api_as(neighbour).get(f"/groups/{town.group.id}/posts").json()
    assert post.id not in [item["id"] for item in page["items"]]
    assert Post.objects.get(pk=post.id).hidden_by == town.officer
    steps = list(ModerationStep.objects.order_by("id").values_list("action", "actor_id", "post_id"))
    assert steps == [("report", neighbour.id, post.id), ("hide", town.officer.id, post.id)]
    assert api_as(town.officer).get(f"/groups/{town.group.id}/moderation").json()["reported"] == []


def test_a_muted_member_cannot_post_until_the_time_is_over_and_a_removed_one_sees_nothing(town, api_as):
    # given the member's post
    post = _post(town)
    member = api_as(town.member)

    # when the officer mutes the author for 30 minutes
    muted = api_as(town.officer).post(f"/posts/{post.id}/moderate", {"action": "mute", "minutes": 30})
    refused = member.post(f"/groups/{town.group.id}/posts", {"text": "again"})
    Membership.objects.filter(group=town.group, user=town.member).update(
        muted_until=timezone.now() - timedelta(minutes=1)
    )
    after = member.post(f"/groups/{town.group.id}/posts", {"text": "after the mute"})
    # ... and then removes them
    removed = api_as(town.officer).post(f"/posts/{post.id}/moderate", {"action": "remove", "note": "repeated scams"})

    # then the mute refused a post, the removal shut the group, and a rejoin is refused
    assert (muted.status_code, muted.json()["member"]) == (200, {"display_name": "Resident Zhang"})
    assert (refused.status_code, refused.json()["code"]) == (403, "muted")
    assert after.status_code == 201
    assert removed.status_code == 200
    assert member.get(f"/groups/{town.group.id}/posts").status_code == 404
    rejoin = member.post(f"/groups/{town.group.id}/join")
    assert (rejoin.status_code, rejoin.json()["code"]) == (403, "removed_from_group")
    assert list(ModerationStep.objects.order_by("id").values_list("action", flat=True)) == ["mute", "remove"]


def test_only_officers_and_the_desk_moderate(town, api_as):
    post = _post(town)
    by_member = api_as(town.member).post(f"/posts/{post.id}/moderate", {"action": "hide"})
    by_other = api_as(town.other_staff).post(f"/posts/{post.id}/moderate", {"action": "hide"})
    by_desk = api_as(town.duty).post(f"/posts/{post.id}/moderate", {"action": "dismiss"})
    mute_no_minutes = api_as(town.officer).post(f"/posts/{post.id}/moderate", {"action": "mute"})

    assert (by_member.status_code, by_member.json()["code"]) == (403, "forbidden")
    assert by_other.status_code == 404
    assert by_desk.status_code == 200
    assert (mute_no_minutes.status_code, mute_no_minutes.json()["code"]) == (422, "invalid")
    assert Post.objects.get(pk=post.id).hidden_at is None


def test_the_officer_keeps_the_directory_the_group_shows(town, api_as):
    officer = api_as(town.officer)
    added = officer.post(
        f"/groups/{town.group.id}/directory", {"name": "Locksmith Lin", "category": "Home", "phone": "0591-8888"}
    )
    by_member = api_as(town.member).post(f"/groups/{town.group.id}/directory", {"name": "Me"})
    shown = api_as(town.member).get(f"/groups/{town.group.id}/directory").json()
    removed = officer.client.delete(
        f"/api/v1/groups/{town.group.id}/directory/{added.json()['id']}", headers={"X-Session-Token": officer.token}
    )

    assert added.status_code == 201
    assert (by_member.status_code, by_member.json()["code"]) == (403, "forbidden")
    assert [(i["name"], i["phone"]) for i in shown["items"]] == [("Locksmith Lin", "0591-8888")]
    assert removed.status_code == 204
    assert ServiceEntry.objects.count() == 0
    assert api_as(town.other_member).get(f"/groups/{town.group.id}/directory").status_code == 404
