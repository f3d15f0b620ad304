"""Shared model bits: timestamps, and the stored responses behind Idempotency-Key."""

from django.conf import settings
from django.db import models


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
