"""core.queries: the Idempotency-Key's two statements give what the ORM gives."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from core.models import IdempotencyRecord
from core.queries import idempotency_key_take, idempotency_record_store
from core.tests.rowcheck import row_values

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_a_stored_answer_is_the_row_the_orm_would_write(make_user) -> None:
    user = make_user()
    answer = {"fingerprint": "f" * 64, "status_code": 201, "content_type": "application/json", "body": b'{"id": 7}'}
    # when one answer is stored by the fast path and the same by the ORM under another key
    idempotency_record_store(user_id=user.pk, key="fast", now=NOW, **answer)
    IdempotencyRecord.objects.create(user=user, key="orm", **answer)
    IdempotencyRecord.objects.filter(key="orm").update(created_at=NOW, updated_at=NOW)
    # then both rows hold the same values, field for field
    fast = row_values(IdempotencyRecord.objects.get(key="fast"))
    orm = row_values(IdempotencyRecord.objects.get(key="orm"))
    assert fast.pop("id") != orm.pop("id")
    assert (fast.pop("key"), orm.pop("key")) == ("fast", "orm")
    fast["body"], orm["body"] = bytes(fast["body"]), bytes(orm["body"])
    assert fast == orm
    assert fast == {"created_at": NOW, "updated_at": NOW, "user_id": user.pk, **answer}


@pytest.mark.django_db
def test_taking_a_key_answers_what_the_orm_reads_under_it(make_user) -> None:
    user = make_user()
    with transaction.atomic():
        # a key nobody stored an answer under: nothing
        assert idempotency_key_take(user_id=user.pk, key="k1") is None
    IdempotencyRecord.objects.create(
        user=user, key="k1", fingerprint="a" * 64, status_code=200, content_type="text/plain", body=b"ok"
    )
    with transaction.atomic():
        taken = idempotency_key_take(user_id=user.pk, key="k1")
    orm = IdempotencyRecord.objects.values_list("fingerprint", "status_code", "content_type", "body").get(key="k1")
    assert (taken[0], taken[1], taken[2], bytes(taken[3])) == (orm[0], orm[1], orm[2], bytes(orm[3]))
    assert taken[:3] == ("a" * 64, 200, "text/plain")
    # another user's same key is not theirs
    assert idempotency_key_take(user_id=make_user().pk, key="k1") is None
