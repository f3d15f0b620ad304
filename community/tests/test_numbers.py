"""The district's numbers: per group and officer, requests, median minutes to respond and resolve,
the share answered within 24 h and satisfaction, from requests with known times; API and CSV."""

from datetime import timedelta

from accounts.services import grid_membership_add
from community import selectors, services
from community.models import Request


def _request(town, *, respond_minutes, resolve_minutes, stars=None):
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    post = services.post_create(reader=reader, author=town.member, text="help", request=True)
    request = Request.objects.get(post=post)
    at = post.created_at
    Request.objects.filter(pk=request.pk).update(
        status="resolved" if resolve_minutes is not None else "responded" if respond_minutes is not None else "open",
        responded_at=at + timedelta(minutes=respond_minutes) if respond_minutes is not None else None,
        responded_by=town.officer if respond_minutes is not None else None,
        resolved_at=at + timedelta(minutes=resolve_minutes) if resolve_minutes is not None else None,
        stars=stars,
    )


def test_numbers_per_group_and_officer(town, api_as, make_user, settings):
    # given four requests: answered in 10, 30 and 2000 minutes, one not yet; two rated 5 and 3
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "group_posts": ""}
    _request(town, respond_minutes=10, resolve_minutes=60, stars=5)
    _request(town, respond_minutes=30, resolve_minutes=120, stars=3)
    _request(town, respond_minutes=2000, resolve_minutes=None)
    _request(town, respond_minutes=None, resolve_minutes=None)
    centre = make_user(display_name="Centre")
    grid_membership_add(user=centre, grid=town.district)

    # when the district's staff ask
    numbers = api_as(centre).get("/community/numbers").json()
    refused = api_as(town.member).get("/community/numbers")

    # then the east group's row and the officer's row say it exactly
    (east,) = [row for row in numbers["groups"] if row["key"] == town.group.id]
    assert east == {
        "key": town.group.id,
        "name": town.east.name,
        "requests": 4,
        "responded": 3,
        "resolved": 2,
        "median_respond_minutes": 30.0,
        "median_resolve_minutes": 90.0,
        "answered_24h_share": 0.5,
        "rated": 2,
        "satisfaction": 4.0,
    }
    assert [(r["name"], r["requests"], r["median_respond_minutes"]) for r in numbers["officers"]] == [
        ("Officer Wang", 3, 30.0)
    ]
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def test_a_period_given_with_a_far_offset_is_read_as_its_moment(town, api_as, make_user):
    # the fuzz test sent since=0104-02-12T14:26+23:35: PostgreSQL refused the offset with a 500
    centre = make_user(display_name="Centre")
    grid_membership_add(user=centre, grid=town.district)

    response = api_as(centre).get("/community/numbers", {"since": "2026-01-01T00:00:00+23:35"})

    assert response.status_code == 200
    assert (response.json()["groups"], response.json()["officers"]) == ([], [])
