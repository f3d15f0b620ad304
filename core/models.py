"""Shared model bits: timestamps, the stored responses behind Idempotency-Key, the outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(TimeStampedModel):
    """The first successful response to a POST carrying an Idempotency-Key, per user.

    The row is written in the same transaction as the request's effects, so it exists exactly
    when the effects do. Twins wait on a transaction-level advisory lock on (user, key) taken by
    the SQL function fubi_idempotency_take (migration 0002), not on this table.
    """

    # no index of its own: the unique (user, key) index leads with user
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200)
    body = models.BinaryField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class OutboxMessage(TimeStampedModel):
    """A background job or side effect, written in the same transaction as the change that causes it
    and handed to Celery by the relay after commit (core.outbox). `key` names the effect: recording
    it twice records it once, and the Celery task gets it as its id."""

    key = models.CharField(max_length=200, unique=True)
    task = models.CharField(max_length=200, help_text="the Celery task's name")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    available_at = models.DateTimeField(default=timezone.now, help_text="not handed over before this (backoff)")
    attempts = models.PositiveIntegerField(default=0, help_text="failed attempts so far")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="when the broker took it (or it ran here)")
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            # the relay's batch: messages not sent yet, due first; a sent message leaves the index
            models.Index(fields=["available_at", "id"], condition=Q(sent_at__isnull=True), name="core_outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({'sent' if self.sent_at else 'pending'})"
