"""The shop's fast paths: the statements of an order that a burst repeats thousands of times, each a
named function with keyword arguments, run as prepared statements (core.rows).

Why hand-written: a sold-out burst is thousands of orders answered after one read each, and an order
that goes through is about ten statements; built by the ORM each cost ~0.3 ms of Python to compile,
most of a refused order's CPU (docs/performance.md: ~1.3 ms of gunicorn and Django per refused
keyed order). rewards/tests/test_queries.py holds each answer equal to the ORM's.
Lock order (rewards.services): the order row → the tally row → the ledger → the reward row, last.
"""

from datetime import datetime
from typing import NamedTuple

from accounts.models import PickupPoint
from core.rows import PlainRead, prepared_cursor
from rewards.models import Redemption, RedemptionTally, Reward

_REWARD = f'"{Reward._meta.db_table}"'
_REDEMPTION = f'"{Redemption._meta.db_table}"'
_TALLY = f'"{RedemptionTally._meta.db_table}"'
_POINTS = Reward.pickup_points.field
# The order this citizen's request key already made, if any.
_REPLAYED = f"(SELECT r.id FROM {_REDEMPTION} r WHERE r.user_id = %(user_id)s AND r.request_key = %(request_key)s)"  # noqa: S608

_REWARD_ON_SALE = PlainRead(
    Reward,
    fields=["name", "kind", "price_points", "stock_left", "per_user_limit"],
    extra=[_REPLAYED, "pp.id", "pp.name", "pp.address"],
    joins=(
        f'LEFT JOIN LATERAL (SELECT p.id, p.name, p.address FROM "{PickupPoint._meta.db_table}" p'  # noqa: S608
        f' JOIN "{_POINTS.m2m_db_table()}" m ON m."{_POINTS.m2m_reverse_name()}" = p.id'
        f' WHERE m."{_POINTS.m2m_column_name()}" = {_REWARD}.id AND p.id = %(pickup_point_id)s AND p.is_active) pp'
        " ON true"
    ),
    where=(
        f"{_REWARD}.id = %(reward_id)s AND {_REWARD}.is_active"
        f" AND ({_REWARD}.starts_at IS NULL OR {_REWARD}.starts_at <= %(now)s)"
        f" AND ({_REWARD}.ends_at IS NULL OR {_REWARD}.ends_at > %(now)s)"
    ),
)
_STOCK_AND_REPLAY = PlainRead(Reward, fields=["stock_left"], extra=[_REPLAYED], where=f"{_REWARD}.id = %(reward_id)s")


class RewardOnSale(NamedTuple):
    reward: Reward  # name, kind, price_points, stock_left, per_user_limit loaded; the rest on access
    replayed_id: int | None  # the order this (user, request_key) made already
    pickup_point: PickupPoint | None  # id, name, address: the chosen point, if it is one of the reward's active points


def reward_on_sale(
    *, reward_id: int, user_id: int, request_key: str | None, pickup_point_id: int | None, now: datetime
) -> RewardOnSale | None:
    """The first read of every order, one round trip: the reward if it is on sale at ``now`` (as
    ``Reward.objects.available()``), the order this citizen's request key already made, and the
    chosen pickup point if it is one of the reward's active points; None when it is not on sale."""
    found = _REWARD_ON_SALE.get_with_extra(
        reward_id=reward_id, user_id=user_id, request_key=request_key, pickup_point_id=pickup_point_id, now=now
    )
    if found is None:
        return None
    reward, (replayed_id, *point) = found
    pickup_point = PickupPoint.from_db("default", ["id", "name", "address"], point) if point[0] is not None else None
    return RewardOnSale(reward, replayed_id, pickup_point)


def reward_stock_and_replay(*, reward_id: int, user_id: int, request_key: str | None) -> tuple[int, int | None] | None:
    """(the reward's stock left, the order this citizen's request key already made or None), read
    again once the citizen's tally row is locked; None when no such reward."""
    found = _STOCK_AND_REPLAY.get_with_extra(reward_id=reward_id, user_id=user_id, request_key=request_key)
    if found is None:
        return None
    reward, (replayed_id,) = found
    return reward.stock_left, replayed_id


def tally_lock(*, user_id: int, reward_id: int, now: datetime) -> RedemptionTally:
    """The citizen's tally row for the reward, created if missing and locked either way, in one
    statement: ON CONFLICT DO UPDATE takes the row lock as SELECT … FOR UPDATE would, so a twin
    inserting at the same moment waits on the unique index, then both queue on the same row.
    (The ORM: get_or_create, then select_for_update — three statements and a savepoint.)"""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TALLY} AS t (created_at, updated_at, user_id, reward_id, quantity)"  # noqa: S608
            " VALUES (%(now)s, %(now)s, %(user_id)s, %(reward_id)s, 0)"
            " ON CONFLICT (user_id, reward_id) DO UPDATE SET updated_at = t.updated_at"
            " RETURNING t.id, t.created_at, t.updated_at, t.user_id, t.reward_id, t.quantity",
            {"now": now, "user_id": user_id, "reward_id": reward_id},
        )
        row = cursor.fetchone()
    fields = ["id", "created_at", "updated_at", "user_id", "reward_id", "quantity"]
    return RedemptionTally.from_db("default", fields, row)


def redemption_insert(*, redemption: Redemption, now: datetime) -> bool:
    """Insert the unsaved order under its ``code`` unless that pickup code is taken; True when
    inserted (the instance is then saved: pk, created_at, updated_at set). A taken code inserts
    nothing and answers False, so the caller tries another without a savepoint per attempt."""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_REDEMPTION} (created_at, updated_at, user_id, reward_id, quantity, points, status, code,"  # noqa: S608
            " pickup_point_id, request_key, expires_at) VALUES (%(now)s, %(now)s, %(user_id)s, %(reward_id)s,"
            " %(quantity)s, %(points)s, %(status)s, %(code)s, %(pickup_point_id)s, %(request_key)s, %(expires_at)s)"
            " ON CONFLICT (code) DO NOTHING RETURNING id",
            {
                "now": now,
                "user_id": redemption.user_id,
                "reward_id": redemption.reward_id,
                "quantity": redemption.quantity,
                "points": redemption.points,
                "status": redemption.status,
                "code": redemption.code,
                "pickup_point_id": redemption.pickup_point_id,
                "request_key": redemption.request_key,
                "expires_at": redemption.expires_at,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return False
    redemption.pk, redemption.created_at, redemption.updated_at = row[0], now, now
    redemption._state.adding = False
    redemption._state.db = "default"
    return True


def order_stock_take(
    *, reward_id: int, quantity: int, tally_id: int, redemption_id: int, hold_id: int, now: datetime
) -> bool:
    """The order's last statement: count ``quantity`` on the citizen's tally, link the order to its
    hold, and take the stock from the hot reward row by a conditional UPDATE that decides who gets
    the last items. True when taken; False (nothing taken: the caller rolls back) when the stock is
    short. The first two touch rows the order has locked already; the reward row is then locked
    only until the commit."""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"WITH t AS (UPDATE {_TALLY} SET quantity = quantity + %(quantity)s, updated_at = %(now)s"  # noqa: S608
            " WHERE id = %(tally_id)s),"
            f" o AS (UPDATE {_REDEMPTION} SET hold_id = %(hold_id)s, updated_at = %(now)s WHERE id = %(redemption_id)s)"
            f" UPDATE {_REWARD} SET stock_left = stock_left - %(quantity)s, updated_at = %(now)s"
            " WHERE id = %(reward_id)s AND stock_left >= %(quantity)s",
            {
                "quantity": quantity,
                "now": now,
                "tally_id": tally_id,
                "hold_id": hold_id,
                "redemption_id": redemption_id,
                "reward_id": reward_id,
            },
        )
        return cursor.rowcount == 1
