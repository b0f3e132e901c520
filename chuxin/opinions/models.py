"""Opinions heard (广泛听取意见), M6: public and office channels, routing, groups and answers (回应关切).

Anonymity is a property of the row, not of the page: an anonymous opinion stores no name and no phone at
all, and no opinion stores an IP address — only a salted hash of it, for rate limiting (see abuse.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit, subtree_q

ANSWER_DAYS = 15  # an opinion with a contact is answered within this many days


class Channel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public form")
    SYMPOSIUM = "symposium", _("Symposium")
    VISIT = "visit", _("Visit")
    SUGGESTION_BOX = "box", _("Suggestion box")
    HOTLINE = "hotline", _("Hotline")


OFFICE_CHANNELS = [c for c in Channel.choices if c[0] != Channel.PUBLIC_FORM]


class OpinionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ROUTED = "routed", _("Routed, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    SENT_BACK = "sent_back", _("Sent back")


class OpinionQuerySet(models.QuerySet):
    def in_subtree(self, unit: Unit) -> OpinionQuerySet:
        return self.filter(subtree_q(unit.path, "handling_unit__path"))

    def answer_overdue(self, today: date | None = None) -> OpinionQuerySet:
        return self.filter(
            has_contact=True, answered_at__isnull=True, answer_due__lt=today or timezone.localdate()
        )


class Opinion(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit that heard it")
    )
    # The unit responsible now: the receiving unit, or the one it was routed to.
    handling_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible unit")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    text = models.TextField(_("opinion"))
    # Contact: empty for an anonymous opinion. Shown only to the office of `unit`; masked elsewhere.
    contact_name = models.CharField(pgettext_lazy("person", "name"), max_length=40, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    has_contact = models.BooleanField(default=False)
    ip_hash = models.CharField(max_length=64, blank=True)  # salted; never the address itself
    challenge_nonce = models.CharField(max_length=32, null=True, blank=True, unique=True)  # one use per image
    receipt_code = models.CharField(_("receipt code"), max_length=16, unique=True)
    taken_on = models.DateField(_("date"), default=timezone.localdate)
    taken_by = models.CharField(_("taken down by"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OpinionStatus.choices, default=OpinionStatus.RECEIVED
    )
    route_note = models.CharField(_("reason"), max_length=300, blank=True)
    group = models.ForeignKey(
        "OpinionGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="opinions"
    )
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="opinions"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ip_hash", "created_at"], name="opinion_ip_rate"),  # per-address limit
            models.Index(fields=["unit", "created_at"], name="opinion_unit_rate"),  # per-unit limit
            models.Index(fields=["handling_unit", "status"], name="opinion_handling"),  # the unit's list
            models.Index(fields=["answered_at", "answer_due"], name="opinion_answer_due"),  # overdue answers
        ]

    def __str__(self) -> str:
        return self.text[:40]

    def is_answer_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.has_contact and not self.answered_at and self.answer_due and self.answer_due < today)


def default_answer_due(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=ANSWER_DAYS)


class OpinionGroup(models.Model):
    """Similar opinions gathered by the grouping run, reviewed by the office: merged, split, made a problem."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    key_terms = models.CharField(_("key terms"), max_length=200, blank=True)
    representative = models.TextField(_("representative opinion"), blank=True)
    size = models.PositiveIntegerField(_("opinions"), default=0)
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("group of opinions")
        ordering = ["-size", "id"]
        indexes = [models.Index(fields=["unit", "campaign", "size"], name="opinion_group_unit")]

    def __str__(self) -> str:
        return self.key_terms or self.representative[:30]
