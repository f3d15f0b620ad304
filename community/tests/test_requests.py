"""Tracked requests: an @ of the officer opens one with its clocks; the officer's reply, resolve and
the poster's rating; outside the officer's hours the duty desk takes it and the poster is told who
and by when; unanswered requests climb to the desk, then to the lead (time moved by passing `now`);
forwarding one into the case queue keeps its photos."""

from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from community import selectors, services
from community.models import DeskShift, Membership, Request, RequestStage
from community.services import clock
from community.tasks import requests_escalate_task
from community.tests.conftest import live_events, photo_upload
from engagement.models import Notification
from tips.models import Tip


def _officer_hours_exclude_now(town) -> None:
    later = (timezone.localtime() + timedelta(hours=3)).time().replace(second=0, microsecond=0, tzinfo=None)
    until = (timezone.localtime() + timedelta(hours=4)).time().replace(second=0, microsecond=0, tzinfo=None)
    Membership.objects.filter(group=town.group, user=town.officer).update(hours_from=later, hours_to=until)


def _officer_hours_all_day(town) -> None:
    Membership.objects.filter(group=town.group, user=town.officer).update(hours_from=time(0), hours_to=time(23, 59))


def test_an_at_of_the_officer_is_a_request_answered_resolved_and_rated(
    town, api_as, django_capture_on_commit_callbacks
):
    # given the officer at work
    _officer_hours_all_day(town)
    member, officer = api_as(town.member), api_as(town.officer)

    # when the resident @s the officer, the officer replies, resolves, and the resident rates
    with django_capture_on_commit_callbacks(execute=True):
        post = member.post(f"/groups/{town.group.id}/posts", {"text": "楼道有焦味! @Officer Wang"}).json()
    opened = post["request"]
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(f"/posts/{post['id']}/replies", {"text": "On my way"})
    responded = Request.objects.get(pk=opened["id"])
    with django_capture_on_commit_callbacks(execute=True):
        resolved = officer.post(f"/requests/{opened['id']}/resolve", {"note": "A pot on the stove; owner told"})
    rated = member.post(f"/requests/{opened['id']}/rate", {"stars": 5})
    again = member.post(f"/requests/{opened['id']}/rate", {"stars": 1})

    # then the clocks ran from the post: respond within the hour, resolve within 24 h
    stored = Request.objects.get(pk=opened["id"])
    created = stored.post.created_at
    assert opened["status"] == "open"
    assert opened["assignee"] == {"display_name": "Officer Wang"}
    assert (stored.respond_by, stored.resolve_by) == (created + timedelta(hours=1), created + timedelta(hours=24))
    assert abs(datetime.fromisoformat(opened["respond_by"]) - stored.respond_by) < timedelta(milliseconds=1)
    assert (responded.status, responded.responded_by) == ("responded", town.officer)
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    assert (rated.status_code, rated.json()["stars"]) == (200, 5)
    assert (again.status_code, again.json()["code"]) == (409, "already_rated")
    # ... and the resident heard who has it, that it was answered and resolved
    causes = set(Notification.objects.filter(user=town.member).values_list("cause", flat=True))
    rid = opened["id"]
    assert causes == {f"request:{rid}:received", f"request:{rid}:responded", f"request:{rid}:resolved"}


def test_the_poster_hears_live_that_the_officer_answered(town, api_as, memory_log, django_capture_on_commit_callbacks):
    _officer_hours_all_day(town)
    with django_capture_on_commit_callbacks(execute=True):
        post = api_as(town.member).post(f"/groups/{town.group.id}/posts", {"text": "@officer help"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        api_as(town.officer).post(f"/posts/{post['id']}/replies", {"text": "Coming"})

    events = live_events(memory_log, "request")
    assert [(e["data"]["type"], e["data"]["status"]) for e in events] == [
        ("request.opened", "open"),
        ("request.responded", "responded"),
    ]
    assert f"u:{town.member.id}" in events[1]["aud"]
    assert f"a:{town.station.id}" in events[1]["aud"]
    assert set(events[1]["data"]) == {"id", "type", "post_id", "group_id", "status", "at"}


def test_a_post_marked_request_is_tracked_and_a_plain_post_is_not(town, api_as):
    client = api_as(town.member)
    marked = client.post(f"/groups/{town.group.id}/posts", {"text": "Streetlight out", "request": True}).json()
    plain = client.post(f"/groups/{town.group.id}/posts", {"text": "Nice weather"}).json()
    assert marked["request"]["status"] == "open"
    assert plain["request"] is None
    assert Request.objects.count() == 1


def test_outside_the_officers_hours_the_duty_desk_takes_it_and_the_poster_is_told(
    town, api_as, django_capture_on_commit_callbacks
):
    # given the officer off duty and Desk Chen on the desk's roster now (the resident reads English)
    _officer_hours_exclude_now(town)
    town.member.preferred_language = "en"
    town.member.save(update_fields=["preferred_language"])
    now = timezone.now()
    DeskShift.objects.create(
        desk=town.desk, user=town.duty, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )

    # when the resident @s the officer
    with django_capture_on_commit_callbacks(execute=True):
        post = api_as(town.member).post(f"/groups/{town.group.id}/posts", {"text": "Noise @officer"}).json()

    # then the desk has it, and the resident is told at once who and by when
    request = post["request"]
    assert (request["assignee"], request["via_desk"]) == ({"display_name": "Desk Chen"}, True)
    told = Notification.objects.get(user=town.member, cause=f"request:{request['id']}:received")
    due = timezone.localtime(datetime.fromisoformat(request["respond_by"])).strftime("%H:%M")
    assert told.title == f"Desk Chen has your request; expect an answer by {due}"
    assert (
        Notification.objects.filter(user=town.duty, cause=f"request:{request['id']}:assigned:{town.duty.id}").count()
        == 1
    )


def test_nobody_on_duty_at_night_means_an_answer_an_hour_after_the_day_starts():
    # given 22:30 on the city's clock, nobody on duty
    city = timezone.get_current_timezone()
    late = datetime(2026, 12, 7, 22, 30, tzinfo=city)

    # when the clock is asked
    due = clock.respond_due(at=late, covered=False)
    covered = clock.respond_due(at=late, covered=True)

    # then the answer is due an hour after 08:00 next morning; covered, an hour from now
    assert due == datetime(2026, 12, 8, settings.FUBI_GROUP_DAY_START_HOUR + 1, 0, tzinfo=city)
    assert covered == late + timedelta(hours=1)
    assert clock.in_day(datetime(2026, 12, 7, 2, 0, tzinfo=UTC)) is True  # 10:00 in Fuzhou


def test_an_unanswered_request_climbs_to_the_desk_then_to_the_lead_once_each(town, django_capture_on_commit_callbacks):
    # given an open request, with Desk Chen on duty all day
    _officer_hours_all_day(town)
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    post = services.post_create(reader=reader, author=town.member, text="@Officer Wang water leak")
    request = Request.objects.get(post=post)
    day = request.respond_by
    DeskShift.objects.create(
        desk=town.desk, user=town.duty, starts_at=day - timedelta(hours=2), ends_at=day + timedelta(hours=6)
    )

    # when the sweep runs before the clock, just after it (twice), and an hour later
    with django_capture_on_commit_callbacks(execute=True):
        early = services.request_escalate_overdue(now=day - timedelta(minutes=1))
        to_desk = services.request_escalate_overdue(now=day + timedelta(minutes=1))
        repeat = services.request_escalate_overdue(now=day + timedelta(minutes=2))
    at_desk = Request.objects.get(pk=request.pk)
    with django_capture_on_commit_callbacks(execute=True):
        to_lead = services.request_escalate_overdue(now=day + timedelta(hours=1, minutes=1))

    # then it reached the desk once (and the desk has it), then the lead once
    assert (early, to_desk, repeat, to_lead) == (0, 1, 0, 1)
    assert (at_desk.escalation_stage, at_desk.assignee, at_desk.via_desk) == (RequestStage.DESK, town.duty, True)
    assert Request.objects.get(pk=request.pk).escalation_stage == RequestStage.LEAD
    assert Notification.objects.filter(
        user=town.duty, cause=f"request:{request.pk}:escalated:desk:{town.duty.id}"
    ).exists()
    assert Notification.objects.filter(
        user=town.lead, cause=f"request:{request.pk}:escalated:lead:{town.lead.id}"
    ).exists()


def test_an_answered_request_does_not_escalate_but_an_unresolved_one_reaches_the_lead_after_24_hours(town):
    _officer_hours_all_day(town)
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    post = services.post_create(reader=reader, author=town.member, text="@officer bike stolen")
    officer_reader = selectors.group_reader(user=town.officer, group_id=town.group.id)
    services.reply_create(post=post, reader=officer_reader, author=town.officer, text="Looking")
    request = Request.objects.get(post=post)

    assert services.request_escalate_overdue(now=request.respond_by + timedelta(hours=3)) == 0
    assert services.request_escalate_overdue(now=request.resolve_by + timedelta(minutes=1)) == 1
    assert Request.objects.get(pk=request.pk).escalation_stage == RequestStage.LEAD


def test_the_beat_job_escalates_and_is_scheduled(town):
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    post = services.post_create(reader=reader, author=town.member, text="help", request=True)
    Request.objects.filter(post=post).update(respond_by=timezone.now() - timedelta(minutes=5))

    assert requests_escalate_task.apply().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["community-escalate-requests"]["task"] == requests_escalate_task.name


def test_forward_makes_an_anonymous_tip_with_the_posts_text_photos_and_place(town, api_as):
    # given a request with a photo
    member = api_as(town.member)
    post = member.post(
        f"/groups/{town.group.id}/posts",
        data={"text": "Fake medicine sold at the market", "request": "true", "photos": [photo_upload()]},
    ).json()

    # when the officer forwards it, twice
    officer = api_as(town.officer)
    first = officer.post(f"/requests/{post['request']['id']}/forward")
    second = officer.post(f"/requests/{post['request']['id']}/forward")

    # then one tip is in the east grid's case queue with the text and the photo, reporter hidden
    assert first.status_code == 201, first.content
    tip = Tip.objects.get(pk=first.json()["tip_id"])
    assert (tip.description, tip.grid_id, tip.anonymous, tip.reporter_id) == (
        "Fake medicine sold at the market",
        town.east.id,
        True,
        town.member.id,
    )
    assert tip.photos.count() == 1
    assert (second.status_code, second.json()["code"]) == (409, "already_forwarded")


def test_who_sees_which_requests(town, api_as):
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    mine = services.post_create(reader=reader, author=town.member, text="mine", request=True)
    request_id = Request.objects.get(post=mine).id

    def ids(user):
        return [item["id"] for item in api_as(user).get("/requests").json()["items"]]

    assert (ids(town.member), ids(town.officer), ids(town.duty)) == ([request_id], [request_id], [request_id])
    assert (ids(town.other_member), ids(town.other_staff)) == ([], [])
    resolve = api_as(town.other_staff).post(f"/requests/{request_id}/resolve", {"note": "x"})
    rate = api_as(town.officer).post(f"/requests/{request_id}/rate", {"stars": 3})
    assert (resolve.status_code, rate.status_code) == (404, 404)


def test_station_staff_put_a_colleague_on_the_roster_and_the_desk_then_takes_requests(town, api_as):
    # given the officer off duty
    _officer_hours_exclude_now(town)
    now = timezone.now()
    body = {
        "user_id": town.duty.id,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=7)).isoformat(),
    }

    # when the lead puts Desk Chen on the roster, and others try
    added = api_as(town.lead).post(f"/duty-desks/{town.station.id}/shifts", body)
    other = api_as(town.other_staff).post(f"/duty-desks/{town.station.id}/shifts", body)
    outsider = api_as(town.lead).post(f"/duty-desks/{town.station.id}/shifts", {**body, "user_id": town.member.id})
    backwards = api_as(town.lead).post(f"/duty-desks/{town.station.id}/shifts", {**body, "ends_at": body["starts_at"]})
    post = api_as(town.member).post(f"/groups/{town.group.id}/posts", {"text": "@officer help"}).json()

    # then the shift is on the roster and the desk has the new request; the rest were refused
    assert (added.status_code, added.json()["user"]) == (201, {"display_name": "Desk Chen"})
    assert (other.status_code, outsider.status_code, backwards.status_code) == (404, 422, 422)
    assert DeskShift.objects.count() == 1
    assert (post["request"]["assignee"], post["request"]["via_desk"]) == ({"display_name": "Desk Chen"}, True)
