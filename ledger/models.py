"""The points ledger: accounts with cached balances, immutable balanced transactions, holds, funding
records, the asynchronous hash chain and reconciliation runs.

Sign convention: a posting's amount is a debit when positive and a credit when negative, seen from
where the points are. A citizen receiving 100 FZB gets a +100 posting; the district's funding source
goes negative as it issues points. Every transaction's postings sum to zero per currency (checked by
a deferred constraint trigger at commit), so all balances together always sum to zero.
"""

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from djmoney.models.fields import MoneyField
from djmoney.money import Money

from core.models import TimeStampedModel

POINTS = "FZB"
# Busy system accounts are split into this many shards, picked by the counterparty account's id, so
# no single balance row sits on every transfer's path. Reconciliation adds the shards up.
SYSTEM_SHARDS = 16


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen wallet")
    AGENCY_BUDGET = "agency_budget", _("Agency budget")
    AGENCY_ESCROW = "agency_escrow", _("Agency task escrow")
    FUNDING_SOURCE = "funding_source", _("District funding source")
    SHOP_HOLDS = "shop_holds", _("Shop order holds")
    REDEEMED = "redeemed", _("Redeemed (shop sink)")
    FORFEITED = "forfeited", _("Expired or forfeited")


SYSTEM_KINDS = (AccountKind.FUNDING_SOURCE, AccountKind.SHOP_HOLDS, AccountKind.REDEEMED, AccountKind.FORFEITED)


class TransactionKind(models.TextChoices):
    FUNDING = "funding", _("Funding")
    TASK_ESCROW = "task_escrow", _("Task escrow")
    TASK_PAYOUT = "task_payout", _("Task payout")
    ESCROW_RETURN = "escrow_return", _("Escrow return")
    TIP_REWARD = "tip_reward", _("Tip reward")
    REDEMPTION_HOLD = "redemption_hold", _("Redemption hold")
    CAPTURE = "capture", _("Capture")
    RELEASE = "release", _("Release")
    REVERSAL = "reversal", _("Reversal")
    FORFEIT = "forfeit", _("Forfeit")
    QUIZ_ESCROW = "quiz_escrow", _("Quiz escrow")
    QUIZ_PAYOUT = "quiz_payout", _("Quiz payout")


class HoldStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("hold status", "Open")
    CAPTURED = "captured", _("Captured")
    RELEASED = "released", _("Released")


def _protect(model: str) -> list[pgtrigger.Protect]:
    # PostgreSQL itself refuses UPDATE and DELETE; corrections are reversal transactions.
    # TRUNCATE stays possible so test databases can be flushed.
    return [
        pgtrigger.Protect(name=f"{model}_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(name=f"{model}_no_delete", operation=pgtrigger.Delete),
    ]


class Account(TimeStampedModel):
    """Where points sit: a citizen's wallet, an agency's budget or escrow, or one shard of a system account.

    `posted` is the cached sum of this account's postings, updated under a row lock in the same
    database transaction as the postings; `held` is the sum of this account's open holds (the held
    points themselves sit in a shop-holds shard). The wallet shows balance = posted + held,
    available = posted.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    shard = models.PositiveSmallIntegerField(_("shard"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default=POINTS)
    posted = models.BigIntegerField(_("posted balance"), default=0)
    held = models.BigIntegerField(_("held"), default=0)
    allow_negative = models.BooleanField(_("may go negative"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(kind="citizen"), name="ledger_account_one_wallet_per_user"
            ),
            models.UniqueConstraint(
                fields=["agency", "kind"], condition=Q(agency__isnull=False), name="ledger_account_one_per_agency_kind"
            ),
            models.UniqueConstraint(
                fields=["kind", "shard"],
                condition=Q(kind__in=[k.value for k in SYSTEM_KINDS]),
                name="ledger_account_one_system_shard",
            ),
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(posted__gte=0), name="ledger_account_available_not_negative"
            ),
            models.CheckConstraint(condition=Q(held__gte=0), name="ledger_account_held_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind="citizen", user__isnull=False, agency__isnull=True))
                | (Q(kind__in=["agency_budget", "agency_escrow"], agency__isnull=False, user__isnull=True))
                | (Q(kind__in=[k.value for k in SYSTEM_KINDS], agency__isnull=True, user__isnull=True)),
                name="ledger_account_owner_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(allow_negative=False) | Q(kind="funding_source"),
                name="ledger_account_only_funding_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """A short human name: 'citizen 12', 'agency 3 budget', 'funding_source #5'."""
        if self.kind == AccountKind.CITIZEN:
            return f"citizen {self.user_id}"
        if self.agency_id:
            return f"agency {self.agency_id} {self.kind.removeprefix('agency_')}"
        return f"{self.kind} #{self.shard}"

    @property
    def beancount_name(self) -> str:
        """A valid Beancount account name (ASCII, capitalised components)."""
        if self.kind == AccountKind.CITIZEN:
            return f"Assets:Citizens:U{self.user_id}"
        if self.kind == AccountKind.AGENCY_BUDGET:
            return f"Assets:Agencies:A{self.agency_id}:Budget"
        if self.kind == AccountKind.AGENCY_ESCROW:
            return f"Assets:Agencies:A{self.agency_id}:Escrow"
        names = {
            AccountKind.FUNDING_SOURCE: "Equity:District:Funding",
            AccountKind.SHOP_HOLDS: "Assets:Shop:Holds",
            AccountKind.REDEEMED: "Expenses:Shop:Redeemed",
            AccountKind.FORFEITED: "Expenses:Forfeited",
        }
        return f"{names[AccountKind(self.kind)]}:S{self.shard:02d}"

    @property
    def balance(self) -> int:
        return self.posted + self.held

    @property
    def available(self) -> int:
        return self.posted


class Transaction(models.Model):
    """One movement of points: two or more postings summing to zero per currency. Never changed.

    Immutable, so it has created_at only (no updated_at).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    ref_type = models.CharField(_("caused by (type)"), max_length=100, blank=True)
    ref_id = models.BigIntegerField(_("caused by (id)"), null=True, blank=True)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        indexes = [models.Index(fields=["ref_type", "ref_id"], name="ledger_tx_ref")]
        triggers = [
            *_protect("ledger_tx"),
            # A transaction row without postings would escape the posting trigger: check it at commit too.
            pgtrigger.Trigger(
                name="ledger_tx_has_postings",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                timing=pgtrigger.Deferred,
                func="""
                IF (SELECT count(*) FROM ledger_posting WHERE transaction_id = NEW.id) < 2 THEN
                    RAISE EXCEPTION 'ledger transaction % has fewer than two postings', NEW.id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.idempotency_key}"


class Posting(models.Model):
    """One leg of a transaction on one account; balance_after is the account's posted balance after it."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=POINTS)
    balance_after = models.BigIntegerField(_("balance after"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account", "-id"], name="ledger_posting_account_id")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_amount_not_zero")]
        triggers = [
            *_protect("ledger_posting"),
            # The zero-sum rule, held by PostgreSQL: at commit, every transaction that received a
            # posting must sum to zero per currency and have at least two postings.
            pgtrigger.Trigger(
                name="ledger_posting_balanced",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                timing=pgtrigger.Deferred,
                func="""
                -- one index scan: fewer than two postings, or a currency that does not sum to zero
                IF (SELECT coalesce(sum(g.n), 0) < 2 OR coalesce(bool_or(g.total <> 0), false)
                    FROM (SELECT count(*) AS n, sum(amount) AS total FROM ledger_posting
                          WHERE transaction_id = NEW.transaction_id GROUP BY currency) g) THEN
                    RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.currency} on {self.account_id} (tx {self.transaction_id})"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Hold(TimeStampedModel):
    """Points reserved from an account (a shop order): placed, then captured or released once."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    holding_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=POINTS)
    status = models.CharField(_("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.OPEN)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    ref_type = models.CharField(max_length=100, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    place_transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")
    close_transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="open", close_transaction__isnull=True)
                | (~Q(status="open") & Q(close_transaction__isnull=False)),
                name="ledger_hold_closed_has_transaction",
            ),
        ]
        indexes = [models.Index(fields=["account", "status"], name="ledger_hold_account_status")]

    def __str__(self) -> str:
        return f"hold {self.pk} {self.amount} {self.status}"


class Funding(models.Model):
    """The real money behind a funding transaction: points credited to an agency and their CNY value."""

    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="funding")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="fundings")
    points = models.BigIntegerField(_("points"))
    cny = MoneyField(
        _("CNY"), max_digits=16, decimal_places=2, default_currency="CNY", currency_choices=[("CNY", "CNY")]
    )
    rate = models.DecimalField(_("FZB:CNY rate"), max_digits=10, decimal_places=6, default=Decimal("0.02"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("funding")
        verbose_name_plural = _("fundings")
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="ledger_funding_points_positive")]
        triggers = _protect("ledger_funding")

    def __str__(self) -> str:
        return f"{self.points} FZB → agency {self.agency_id} ({self.cny})"


class ChainSeal(models.Model):
    """One link of the tamper-evident chain: hash = sha256(prev_hash + canonical transaction).

    Filled asynchronously by ledger_seal in transaction-id order, so no transfer waits on a
    global "last hash" row. Append-only.
    """

    seq = models.BigIntegerField(primary_key=True)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="seal")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("chain seal")
        verbose_name_plural = _("chain seals")
        triggers = _protect("ledger_seal")

    def __str__(self) -> str:
        return f"seal {self.seq} tx {self.transaction_id} {self.hash[:12]}"


class OpaqueRef(models.Model):
    """The true cause of a transaction posted under an opaque reference (an anonymous tip's reward).

    The transaction itself carries (opaque_type, token): a random number that says nothing of its
    cause, in every export, report and admin page an auditor reads. Only this table, which no page,
    export or admin shows, leads back: ledger.selectors.transaction_cause follows it, and
    reconciliation uses it to check those transactions against their causes. Append-only.
    """

    token = models.BigIntegerField(unique=True)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="opaque_ref")
    opaque_type = models.CharField(max_length=100)
    ref_type = models.CharField(max_length=100)
    ref_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["ref_type", "ref_id"], name="ledger_opaqueref_cause")]
        triggers = _protect("ledger_opaqueref")

    def __str__(self) -> str:
        return f"opaque {self.opaque_type}:{self.token}"


class ReconciliationRun(models.Model):
    """The stored result of one reconciliation (the nightly job and on demand)."""

    ok = models.BooleanField(_("ok"))
    chain_ok = models.BooleanField(_("chain ok"))
    report = models.JSONField(_("report"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self) -> str:
        return f"reconciliation {self.pk} {'ok' if self.ok else 'NOT OK'}"
