"""accounts.queries: the reads of every signed-in request give what the ORM gives."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User, UserSession
from accounts.queries import session_user, session_user_taking_key, user_by_pk
from conftest import login_token
from core.models import IdempotencyRecord
from core.tests.rowcheck import row_values


@pytest.fixture
def signed_in(client, make_user):
    user = make_user(email="queries.citizen@example.com", roles=[Role.CITIZEN, Role.CLERK])
    return user, login_token(client, user.email)


@pytest.mark.django_db
def test_user_by_pk_is_the_orms_user(make_user) -> None:
    user = make_user(roles=[Role.CITIZEN, Role.CLERK])
    assert row_values(user_by_pk(user_id=user.pk)) == row_values(User.objects.get(pk=user.pk))
    assert user_by_pk(user_id=user.pk + 1000) is None


@pytest.mark.django_db
def test_session_user_is_the_orms_session_and_user(signed_in) -> None:
    user, token = signed_in
    now = timezone.now()
    found_user, session_data = session_user(token=token, now=now)
    session = UserSession.objects.select_related("user").get(session_key=token, expire_date__gt=now)
    assert row_values(found_user) == row_values(session.user)
    assert found_user.pk == user.pk
    assert session_data == session.session_data
    # past its expiry date, and for an unknown token, nothing
    assert session_user(token=token, now=session.expire_date + timedelta(seconds=1)) is None
    assert session_user(token="x" * 32, now=now) is None


@pytest.mark.django_db
def test_session_user_taking_key_also_answers_what_is_stored_under_the_key(signed_in) -> None:
    user, token = signed_in
    now = timezone.now()
    with transaction.atomic():
        found_user, session_data, stored = session_user_taking_key(token=token, now=now, key="k1")
    assert row_values(found_user) == row_values(User.objects.get(pk=user.pk))
    assert session_data == UserSession.objects.get(session_key=token).session_data
    assert stored is None
    IdempotencyRecord.objects.create(
        user=user, key="k1", fingerprint="b" * 64, status_code=201, content_type="application/json", body=b"{}"
    )
    with transaction.atomic():
        _user, _data, stored = session_user_taking_key(token=token, now=now, key="k1")
    orm = IdempotencyRecord.objects.values_list("fingerprint", "status_code", "content_type", "body").get(key="k1")
    assert stored[:3] == orm[:3]
    assert bytes(stored[3]) == bytes(orm[3])
    assert session_user_taking_key(token="x" * 32, now=now, key="k1") is None
