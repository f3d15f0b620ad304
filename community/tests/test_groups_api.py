"""The group API (docs/api.md, community groups): joining, my groups, posts with photos, replies, what
non-members see (nothing), nicknames only, the post rate limit and Idempotency-Key replays."""

import io
import json

from django.test import Client
from PIL import Image

from community import services
from community.models import Group, GroupKind, Invitation, Membership, Post, PostPhoto
from community.models import group_photo_storage as storage
from community.tests.conftest import member_count, photo_upload
from conftest import login_token


def test_my_groups_list_my_role_in_each(town, api_as):
    # given the officer, who is also a member of nothing else
    # when member and officer ask for their groups
    as_member = api_as(town.member).get("/groups").json()
    as_officer = api_as(town.officer).get("/groups").json()

    # then each sees the east group with their role
    assert as_member == {
        "items": [
            {
                "id": town.group.id,
                "name": town.east.name,
                "kind": "community",
                "grid_id": town.east.id,
                "my_role": "member",
            }
        ],
        "count": 1,
    }
    assert [item["my_role"] for item in as_officer["items"]] == ["officer"]


def test_a_citizen_joins_a_community_group_once_but_a_circle_only_when_invited(town, api_as, make_user):
    # given a new citizen and a circle made by the officer
    newcomer = make_user(display_name="New Neighbour")
    circle = services.circle_create(name="School gate", creator=town.duty, station_id=town.station.id)
    client = api_as(newcomer)

    # when they join the community group twice and the circle without, then with, an invitation
    first = client.post(f"/groups/{town.group.id}/join")
    second = client.post(f"/groups/{town.group.id}/join")
    refused = client.post(f"/groups/{circle.id}/join")
    services.invitation_create(group=circle, user=newcomer, invited_by=town.duty)
    invited = client.post(f"/groups/{circle.id}/join")

    # then they are one member of each, and the uninvited try was 403
    assert (first.status_code, second.status_code, invited.status_code) == (200, 200, 200)
    assert first.json() == {"id": town.group.id, "my_role": "member"}
    assert (refused.status_code, refused.json()["code"]) == (403, "invitation_required")
    assert member_count(town.group) == 3
    assert Membership.objects.filter(group=circle, user=newcomer).count() == 1
    assert circle.kind == GroupKind.CIRCLE


def test_members_post_text_and_read_posts_newest_first_pinned_on_top(town, api_as):
    # given a pinned welcome and two posts
    Post.objects.create(group=town.group, author=town.officer, text="Welcome", pinned=True)
    client = api_as(town.member)
    client.post(f"/groups/{town.group.id}/posts", {"text": "first"})
    created = client.post(f"/groups/{town.group.id}/posts", {"text": "second"})

    # when the member reads the group
    page = client.get(f"/groups/{town.group.id}/posts").json()

    # then the pinned post is first, then the newest; authors appear by nickname only
    assert created.status_code == 201
    assert [item["text"] for item in page["items"]] == ["Welcome", "second", "first"]
    assert (page["count"], page["count_exact"]) == (3, True)
    assert page["items"][1]["author"] == {"display_name": "Resident Zhang"}
    assert page["items"][1]["request"] is None
    assert town.member.email not in json.dumps(page)


def test_a_photo_post_is_stored_without_its_exif_and_served_to_members_only(town, api_as):
    # given a JPEG whose EXIF carries a camera and a GPS position
    client = api_as(town.member)

    # when the member posts it as multipart
    response = client.post(
        f"/groups/{town.group.id}/posts", data={"text": "Smoke in the stairwell", "photos": [photo_upload()]}
    )

    # then the stored photo is a fresh JPEG without EXIF, shown to a member, 404 to the other community
    assert response.status_code == 201, response.content
    (photo,) = response.json()["photos"]
    stored = PostPhoto.objects.get(pk=photo["id"])
    with Image.open(storage.open(stored.image.name)) as image:
        assert (image.format, image.getexif()) == ("JPEG", {})
    token = login_token(Client(), town.member.email)
    assert Client().get(photo["url"], headers={"X-Session-Token": token}).status_code == 200
    other = login_token(Client(), town.other_member.email)
    assert Client().get(photo["url"], headers={"X-Session-Token": other}).status_code == 404


def test_non_image_and_oversized_photos_are_refused_as_tips_are(town, api_as, settings):
    # given a text file named like a photo, and a tiny byte limit
    client = api_as(town.member)
    fake = io.BytesIO(b"not a picture at all")
    fake.name = "cat.jpg"

    # when both are posted
    not_image = client.post(f"/groups/{town.group.id}/posts", data={"text": "x", "photos": [fake]})
    settings.FUBI_MAX_PHOTO_BYTES = 100
    too_big = client.post(f"/groups/{town.group.id}/posts", data={"text": "x", "photos": [photo_upload()]})

    # then 415 and 413, and nothing was posted
    assert (not_image.status_code, not_image.json()["code"]) == (415, "unsupported_media_type")
    assert (too_big.status_code, too_big.json()["code"]) == (413, "photo_too_large")
    assert Post.objects.count() == 0


def test_non_members_and_another_community_see_nothing(town, api_as, make_user):
    # given a post in the east group
    post = Post.objects.create(group=town.group, author=town.member, text="east only")

    # when the west member, a stranger and the other station's staff try to read, post and reply
    answers = []
    for user in (town.other_member, make_user(), town.other_staff):
        client = api_as(user)
        answers += [
            client.get(f"/groups/{town.group.id}/posts").status_code,
            client.post(f"/groups/{town.group.id}/posts", {"text": "hi"}).status_code,
            client.post(f"/posts/{post.id}/replies", {"text": "hi"}).status_code,
        ]

    # then every answer is 404, as for no such group
    assert answers == [404] * 9
    assert Post.objects.count() == 1


def test_a_hidden_post_is_gone_for_members_at_once(town, api_as):
    # given two posts, one hidden by the officer
    kept = Post.objects.create(group=town.group, author=town.member, text="kept")
    hidden = Post.objects.create(group=town.group, author=town.member, text="hidden")
    Post.objects.filter(pk=hidden.pk).update(hidden_at=hidden.created_at, hidden_by=town.officer)

    # when the member reads the group and replies to the hidden post
    page = api_as(town.member).get(f"/groups/{town.group.id}/posts").json()
    reply = api_as(town.member).post(f"/posts/{hidden.id}/replies", {"text": "?"})

    # then only the kept post shows and the hidden one is not found
    assert [item["id"] for item in page["items"]] == [kept.id]
    assert reply.status_code == 404


def test_posting_is_rate_limited(town, api_as, settings):
    # given a limit of two posts
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "group_posts": "2/h"}
    client = api_as(town.member)

    # when the member posts three times
    codes = [client.post(f"/groups/{town.group.id}/posts", {"text": f"p{i}"}).status_code for i in range(3)]
    refused = client.post(f"/groups/{town.group.id}/posts", {"text": "again"})

    # then the third is refused with Retry-After and two posts exist
    assert codes == [201, 201, 429]
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert Post.objects.count() == 2


def test_a_replayed_post_with_the_same_idempotency_key_makes_one_post(town, api_as):
    # given a member's post sent with a key
    client = api_as(town.member)
    headers = {"Idempotency-Key": "post-1"}

    # when it is sent twice, then once more with another text
    first = client.post(f"/groups/{town.group.id}/posts", {"text": "lost cat"}, headers=headers)
    again = client.post(f"/groups/{town.group.id}/posts", {"text": "lost cat"}, headers=headers)
    other = client.post(f"/groups/{town.group.id}/posts", {"text": "other"}, headers=headers)

    # then the replay answers the first post and makes nothing; the other body is a conflict
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    assert Post.objects.count() == 1


def test_bad_post_bodies_answer_clear_4xx(town, api_as):
    client = api_as(town.member).client
    token = login_token(Client(), town.member.email)
    url = f"/api/v1/groups/{town.group.id}/posts"
    headers = {"X-Session-Token": token}

    broken = client.post(url, "{not json", content_type="application/json", headers=headers)
    listed = client.post(url, "[1]", content_type="application/json", headers=headers)
    empty = client.post(url, "{}", content_type="application/json", headers=headers)
    text = client.post(url, "hello", content_type="text/plain", headers=headers)

    assert [broken.status_code, listed.status_code, empty.status_code, text.status_code] == [400, 422, 422, 415]
    assert Post.objects.count() == 0
    assert Group.objects.count() == 2


def test_staff_make_a_circle_and_invite_by_email_then_the_invitee_joins(town, api_as, make_user):
    # given a shopkeeper with an account, and the station's staff member
    shopkeeper = make_user(display_name="Shopkeeper Lin")
    desk = api_as(town.duty)

    # when the staff member makes a circle, invites the shopkeeper, and the shopkeeper joins
    made = desk.post("/groups", {"name": "Wanda Plaza merchants and guards", "station_id": town.station.id})
    circle_id = made.json()["id"]
    invited = desk.post(f"/groups/{circle_id}/invitations", {"email": shopkeeper.email.upper()})
    joined = api_as(shopkeeper).post(f"/groups/{circle_id}/join")

    # then the circle is theirs to run, the invitation names the invitee by nickname, and they are in
    assert made.status_code == 201
    assert made.json()["kind"] == "circle"
    assert made.json()["my_role"] == "officer"
    assert (invited.status_code, invited.json()["display_name"]) == (201, "Shopkeeper Lin")
    assert shopkeeper.email not in invited.content.decode()
    assert (joined.status_code, joined.json()["my_role"]) == (200, "member")


def test_citizens_make_no_circles_and_members_invite_nobody(town, api_as):
    by_citizen = api_as(town.member).post("/groups", {"name": "My club"})
    by_member = api_as(town.member).post(f"/groups/{town.group.id}/invitations", {"email": town.other_member.email})
    unknown = api_as(town.officer).post(f"/groups/{town.group.id}/invitations", {"email": "nobody@example.com"})
    other_station = api_as(town.other_staff).post("/groups", {"name": "x", "station_id": town.station.id})

    assert (by_citizen.status_code, by_citizen.json()["code"]) == (403, "forbidden")
    assert (by_member.status_code, by_member.json()["code"]) == (403, "forbidden")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (other_station.status_code, other_station.json()["code"]) == (404, "not_found")
    assert Group.objects.count() == 2


def test_a_busy_groups_count_stops_at_the_cap(town, api_as, monkeypatch):
    # given three posts and a cap of two
    import community.api

    monkeypatch.setattr(community.api, "POSTS_COUNT_CAP", 2)
    for text in ("a", "b", "c"):
        Post.objects.create(group=town.group, author=town.member, text=text)

    page = api_as(town.member).get(f"/groups/{town.group.id}/posts", {"limit": 2, "offset": 1}).json()

    assert (page["count"], page["count_exact"]) == (2, False)
    assert [item["text"] for item in page["items"]] == ["b", "a"]


def test_a_resident_is_in_one_community_group_and_leaves_it_to_join_another(town, api_as):
    # given a resident of the east community, in its group
    client = api_as(town.member)

    # when they try to join the west community's group, then leave theirs and join again
    refused = client.post(f"/groups/{town.other_group.id}/join")
    left = client.post(f"/groups/{town.group.id}/leave")
    joined = client.post(f"/groups/{town.other_group.id}/join")

    # then the first is refused naming their group, and after leaving they belong to the west one only
    assert (refused.status_code, refused.json()["code"], refused.json()["details"]) == (
        409,
        "not_your_community",
        {"group_id": town.group.id},
    )
    assert (left.status_code, joined.status_code) == (204, 200)
    assert list(
        Membership.objects.filter(user=town.member, removed_at__isnull=True).values_list("group_id", flat=True)
    ) == [town.other_group.id]


def test_an_officers_invitation_lets_a_resident_into_another_community_and_officers_cannot_leave(town, api_as):
    Invitation.objects.create(group=town.other_group, user=town.member, invited_by=town.officer)

    joined = api_as(town.member).post(f"/groups/{town.other_group.id}/join")
    officer_leaves = api_as(town.officer).post(f"/groups/{town.group.id}/leave")
    stranger_leaves = api_as(town.other_member).post(f"/groups/{town.group.id}/leave")

    assert joined.status_code == 200
    assert (officer_leaves.status_code, officer_leaves.json()["code"]) == (403, "forbidden")
    assert (stranger_leaves.status_code, stranger_leaves.json()["code"]) == (404, "not_found")
