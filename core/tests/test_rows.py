"""core.rows: hot reads built once give the ORM's own instances, and run as prepared statements."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from accounts.models import Role, User
from core.rows import PlainRead, prepared_cursor
from rewards.models import Reward, RewardKind

REWARD_BY_PK = PlainRead(Reward, where='"rewards_reward".id = %(reward_id)s')
REWARD_NAME = PlainRead(
    Reward,
    fields=["name", "stock_left"],
    extra=["%(number)s::int * 2", '(SELECT count(*) FROM "accounts_user" u WHERE u.email LIKE %(pattern)s)'],
    where='"rewards_reward".id = %(reward_id)s',
)


@pytest.fixture
def reward(db) -> Reward:
    return Reward.objects.create(
        name="洗衣液 Detergent",
        kind=RewardKind.PHYSICAL,
        price_points=120,
        cost=Money(Decimal("18.50"), "CNY"),
        stock_left=7,
    )


@pytest.mark.django_db
def test_a_row_is_the_instance_the_orm_gives(reward, make_user) -> None:
    # given a reward (money in two columns) and a user (an array column)
    user = make_user(email="rows.citizen@example.com", roles=[Role.CITIZEN, Role.CLERK])
    # when both are read through PlainRead
    plain_reward = REWARD_BY_PK.get(reward_id=reward.pk)
    plain_user = PlainRead(User, where='"accounts_user".id = %(user_id)s').get(user_id=user.pk)
    # then every field equals the ORM's reading, converters included
    orm_reward = Reward.objects.get(pk=reward.pk)
    for field in Reward._meta.concrete_fields:
        assert getattr(plain_reward, field.attname) == getattr(orm_reward, field.attname), field.name
    assert plain_reward.cost == Money(Decimal("18.50"), "CNY")
    assert plain_user.roles == [Role.CITIZEN, Role.CLERK]
    assert plain_user.check_password("correct-horse-battery-9") is True
    assert plain_reward._state.adding is False
    assert plain_reward._state.db == "default"


@pytest.mark.django_db
def test_chosen_fields_extras_and_a_missing_row(reward, make_user) -> None:
    make_user(email="rows.a@example.com")
    make_user(email="rows.b@example.com")
    # when only two fields are read, with two extra expressions taking named parameters (given in
    # another order than the statement's)
    found = REWARD_NAME.get_with_extra(reward_id=reward.pk, pattern="rows.%", number=21)
    # then the extras come back in order, the fields are set and the rest load on access
    instance, extras = found
    assert extras == (42, 2)
    assert instance.name == "洗衣液 Detergent"
    assert instance.get_deferred_fields() >= {"price_points", "description"}
    with CaptureQueriesContext(connection) as queries:
        assert instance.price_points == 120
    assert len(queries) == 1
    # and no row is None
    assert REWARD_BY_PK.get(reward_id=reward.pk + 1000) is None
    assert REWARD_NAME.get_with_extra(number=1, pattern="x", reward_id=reward.pk + 1000) is None


@pytest.mark.django_db
def test_a_read_refuses_a_missing_or_unknown_name(reward) -> None:
    # when a value is left out, or a name the statement does not use is given
    with pytest.raises(TypeError) as missing:
        REWARD_NAME.get_with_extra(reward_id=reward.pk, number=1)
    with pytest.raises(TypeError) as unknown:
        REWARD_BY_PK.get(reward_id=reward.pk, user_id=1)
    # then nothing runs and the error names what is wrong
    assert str(missing.value) == "Reward read: missing ['pattern'], unknown []"
    assert str(unknown.value) == "Reward read: missing [], unknown ['user_id']"


def test_positional_placeholders_are_refused() -> None:
    with pytest.raises(ValueError, match="named placeholders only"):
        PlainRead(Reward, where='"rewards_reward".id = %s')


@pytest.mark.django_db
def test_reads_are_prepared_once_per_connection_and_logged_with_their_values(reward) -> None:
    # when the same read runs twice
    with CaptureQueriesContext(connection) as queries:
        REWARD_BY_PK.get(reward_id=reward.pk)
        REWARD_BY_PK.get(reward_id=reward.pk)
    # then the query log shows the statement with its value, as the ORM's log does
    assert len(queries) == 2
    assert queries[0]["sql"].endswith(f'WHERE "rewards_reward".id = {reward.pk}')
    # and after the ORM runs its own read of the same table many times
    for _ in range(6):
        assert Reward.objects.filter(pk=reward.pk).first() is not None
    # PostgreSQL holds exactly one prepared statement for the table: ours (the ORM's are never prepared)
    with prepared_cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert sum('FROM "rewards_reward" WHERE "rewards_reward".id = $1' in s for s in statements) == 1, statements
    assert not any("LIMIT" in s and "rewards_reward" in s for s in statements), statements
