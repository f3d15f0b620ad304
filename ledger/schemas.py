"""In/Out schemas of the ledger API."""

from datetime import datetime
from typing import Any

from ninja import Schema


class WalletOut(Schema):
    balance: int
    held: int
    available: int
    currency: str


class EntryOut(Schema):
    id: int
    transaction_id: int
    amount: int
    kind: str
    memo: str
    created_at: datetime
    balance_after: int


class EntriesOut(Schema):
    items: list[EntryOut]
    count: int


class ReconciliationOut(Schema):
    ok: bool
    as_of: datetime
    transactions: int
    postings: int
    accounts_checked: int
    mismatches: list[dict[str, Any]]
    chain_ok: bool
    chain: dict[str, Any]
    unsealed: int
    total_issued: int
    total_redeemed: int
    total_forfeited: int
    in_circulation: int
    open_holds: int
    fzb_cny_rate: str
    in_circulation_cny: str
    funded_cny: str


class TrialBalanceRowOut(Schema):
    account: str
    account_id: int
    kind: str
    currency: str
    debits: int
    credits: int
    balance: int
