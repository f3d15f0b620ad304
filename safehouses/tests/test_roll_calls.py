"""Roll calls (查岗): the beat job plans and asks them once, marks missed ones; the guard answers with
a photo and a position; the station sees the missed ones."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from PIL import Image

from engagement.models import Notification, NotificationKind
from safehouses import services
from safehouses.models import RollCall, RollCallStatus
from safehouses.tasks import roll_calls_run_task
from safehouses.tests.conftest import ORIGIN, photo_upload


def _asked(make_shift, captured) -> RollCall:
    """A shift under way whose one roll call is asked now (the answer window runs to its end)."""
    make_shift(starts_at=timezone.now() - timedelta(minutes=50), hours=1)
    with captured(execute=True):
        services.roll_calls_run()
    return RollCall.objects.get()


def test_job_run_twice_makes_and_asks_one_roll_call(make_shift, guard, django_capture_on_commit_callbacks):
    # given a guard's shift under way, with one roll call, ending within the time to answer
    make_shift(starts_at=timezone.now() - timedelta(minutes=50), hours=1, roll_call_count=1)

    # when the beat job runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = roll_calls_run_task.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = roll_calls_run_task.apply().get()

    # then one roll call was made and asked, and the guard was told once
    assert (first["planned"], first["asked"], second["planned"], second["asked"]) == (1, 1, 0, 0)
    roll_call = RollCall.objects.get()
    assert roll_call.status == RollCallStatus.ASKED
    assert roll_call.due_at == roll_call.asked_at + timedelta(minutes=10)
    assert list(Notification.objects.filter(user=guard).values_list("kind", "cause")) == [
        (NotificationKind.ROLL_CALL, f"rollcall:{roll_call.pk}:asked")
    ]


def test_roll_call_moments_fall_inside_the_shift(make_shift):
    # given a long shift with three roll calls
    shift = make_shift(starts_at=timezone.now() - timedelta(minutes=1), hours=8, roll_call_count=3)
    now = timezone.now()

    # when they are planned
    services.roll_calls_plan(now=now)

    # then each is asked between now and the shift's end less the time to answer, none yet
    moments = list(RollCall.objects.values_list("ask_at", "status"))
    assert len(moments) == 3
    for ask_at, status in moments:
        assert now <= ask_at <= shift.ends_at - timedelta(minutes=10)
        assert status == RollCallStatus.PLANNED


def test_unanswered_roll_call_is_missed_after_its_time(make_shift, django_capture_on_commit_callbacks):
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)

    counts = services.roll_calls_run(now=roll_call.due_at + timedelta(seconds=1))

    roll_call.refresh_from_db()
    assert (counts["missed"], roll_call.status) == (1, RollCallStatus.MISSED)


def test_missed_roll_call_shows_on_the_station_page(
    make_shift, make_user, station, guard, django_capture_on_commit_callbacks
):
    # given a missed roll call of the station's guard
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)
    services.roll_calls_mark_missed(now=roll_call.due_at + timedelta(minutes=1))
    from accounts.services import agency_membership_add

    chief = make_user(display_name="Chief Lin")
    agency_membership_add(user=chief, agency=station)
    client = Client()
    client.force_login(chief)

    # when the station's staff open their page
    response = client.get("/staff/safe-houses/")

    # then the missed roll call is listed with its guard
    assert response.status_code == 200
    assert [r.id for r in response.context["missed"]] == [roll_call.id]
    html = response.content.decode()
    assert f'data-testid="sh-missed-row" data-id="{roll_call.id}"' in html
    assert "Guard Wang" in html


def test_station_page_refuses_someone_of_no_station(make_user):
    client = Client()
    client.force_login(make_user())

    response = client.get("/staff/safe-houses/")

    assert response.status_code == 403


def test_guard_answers_with_photo_and_position(
    api_as, make_shift, guard, photo_root, django_capture_on_commit_callbacks
):
    # given a roll call asked of the guard
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)

    # when the guard answers from 30 m away with a photo carrying GPS in its EXIF
    response = api_as(guard).post(
        f"/roll-calls/{roll_call.id}/answer",
        data={"lat": ORIGIN[0] + 0.00027, "lon": ORIGIN[1], "photo": photo_upload()},
    )

    # then it is answered on site, and the stored photo has no EXIF left
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["distance_m"], body["on_site"]) == ("answered", 30, True)
    roll_call.refresh_from_db()
    assert roll_call.status == RollCallStatus.ANSWERED
    with Image.open(photo_root / roll_call.photo.name) as stored:
        assert dict(stored.getexif()) == {}


def test_answer_after_the_time_is_refused_as_missed(api_as, make_shift, guard, django_capture_on_commit_callbacks):
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)
    RollCall.objects.filter(pk=roll_call.pk).update(due_at=timezone.now() - timedelta(seconds=1))

    response = api_as(guard).post(
        f"/roll-calls/{roll_call.id}/answer", data={"lat": ORIGIN[0], "lon": ORIGIN[1], "photo": photo_upload()}
    )

    assert (response.status_code, response.json()["code"]) == (409, "roll_call_missed")
    roll_call.refresh_from_db()
    assert (roll_call.status, roll_call.photo.name) == (RollCallStatus.ASKED, "")


def test_second_answer_is_refused(api_as, make_shift, guard, django_capture_on_commit_callbacks):
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)
    client = api_as(guard)
    form = {"lat": ORIGIN[0], "lon": ORIGIN[1]}
    assert client.post(f"/roll-calls/{roll_call.id}/answer", data={**form, "photo": photo_upload()}).status_code == 200

    response = client.post(f"/roll-calls/{roll_call.id}/answer", data={**form, "photo": photo_upload()})

    assert (response.status_code, response.json()["code"]) == (409, "roll_call_answered")


def test_a_planned_roll_call_is_not_found_before_it_is_asked(api_as, make_shift, guard):
    make_shift(starts_at=timezone.now() - timedelta(minutes=1), hours=8)
    services.roll_calls_plan(now=timezone.now())
    roll_call = RollCall.objects.get()

    response = api_as(guard).post(
        f"/roll-calls/{roll_call.id}/answer", data={"lat": ORIGIN[0], "lon": ORIGIN[1], "photo": photo_upload()}
    )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_answer_with_a_bad_position_is_refused_with_422(api_as, make_shift, guard, django_capture_on_commit_callbacks):
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)

    response = api_as(guard).post(
        f"/roll-calls/{roll_call.id}/answer", data={"lat": 95, "lon": ORIGIN[1], "photo": photo_upload()}
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid")


def test_guard_lists_asked_roll_calls_only(api_as, make_shift, guard, django_capture_on_commit_callbacks):
    roll_call = _asked(make_shift, django_capture_on_commit_callbacks)
    make_shift(starts_at=timezone.now() - timedelta(minutes=1), hours=8)
    services.roll_calls_plan(now=timezone.now())  # a planned one of the second shift stays hidden

    response = api_as(guard).get("/roll-calls")

    assert [item["id"] for item in response.json()["items"]] == [roll_call.id]
