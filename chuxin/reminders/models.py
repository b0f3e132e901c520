"""Reminders (M19): in-app notifications and the record of each person's daily digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.problems.models import Level, RectificationItem


class NotificationKind(models.TextChoices):
    DUE_IN_7_DAYS = "due_in_7_days", _("Due in 7 days")
    DUE_TOMORROW = "due_tomorrow", _("Due tomorrow")
    OVERDUE = "overdue", _("Overdue")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
    ESCALATED = "escalated", _("Escalated to your office")
    ANSWER_OVERDUE = "answer_overdue", _("Answer to an opinion overdue")
    # sent at once, in the transaction of the change (chuxin.reminders.receivers)
    CLAIMED = "claimed", _("Claim awaiting your verification")
    VERIFIED = "verified", _("Verified and closed")
    EXT_REQUESTED = "ext_requested", _("Extension request awaiting your decision")
    EXT_DECIDED = "ext_decided", _("Extension request decided")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    item = models.ForeignKey(
        RectificationItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    text = models.TextField(_("text"))
    due_date = models.DateField(null=True, blank=True)
    days_overdue = models.PositiveIntegerField(default=0)
    level = models.CharField(max_length=10, choices=Level.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digest_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        indexes = [
            # The badge and "unread first": a user's unread notifications, newest first.
            models.Index(
                fields=["user", "-created_at"], condition=Q(read_at__isnull=True), name="notif_user_unread"
            ),
            # The full list, newest first.
            models.Index(fields=["user", "-created_at"], name="notif_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Digest(models.Model):
    """One row per person and day: the guard that makes the daily run idempotent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    date = models.DateField()
    events = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="reminders_one_digest_per_day")]
        indexes = [models.Index(fields=["date", "emailed_at"], name="digest_date_emailed")]
