"""Special rectification (专项整治, M9): topics pushed down a subtree, "none found" statements, the public
notice, and referral of violations to discipline inspection (移交纪检监察机关).

A topic's items are ordinary ledger problems and items with `Problem.topic` set, so the whole ledger
machinery (workflow, audit, roll-ups, Excel) applies to them; per-topic figures are roll-up counters
(`rollups.TopicCounts`) kept in the same transaction as the ledger's own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit, UnitKind, ancestor_paths


class TopicQuerySet(models.QuerySet):
    def covering(self, unit: Unit) -> TopicQuerySet:
        """Topics whose subtree holds the unit (rooted at the unit or above it): what its pages show."""
        return self.filter(root_unit__path__in=ancestor_paths(unit.path))


class Topic(models.Model):
    """One area of prominent problems to rectify (整治事项), set by the centre or a province for its subtree."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="special_topics")
    root_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="special_topics", verbose_name=_("set by")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    done_criteria = models.TextField(_("what counts as done"), blank=True)
    # ",county,city," — empty means every kind of unit; portable (no array field).
    unit_kinds = models.CharField(_("kinds of unit covered"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "root_unit__path", "order", "id"]
        verbose_name = _("special rectification topic")
        indexes = [models.Index(fields=["campaign", "root_unit"], name="special_topic_campaign_root")]

    def __str__(self) -> str:
        return self.title

    def kinds(self) -> list[str]:
        return [k for k in self.unit_kinds.split(",") if k]

    def kind_labels(self) -> list[str]:
        labels = dict(UnitKind.choices)
        return [str(labels.get(k, k)) for k in self.kinds()]

    def covers(self, unit: Unit) -> bool:
        """The unit lies in the topic's subtree: it sees the topic and its figures."""
        return unit.path.startswith(self.root_unit.path)

    def applies_to(self, unit: Unit) -> bool:
        """The unit must list its items (or state none found): in the subtree and of a kind covered."""
        return self.covers(unit) and (not self.unit_kinds or f",{unit.kind}," in self.unit_kinds)


class NoneFoundStatus(models.TextChoices):
    STATED = "stated", _("None found, stated")
    CHALLENGED = "challenged", _("Challenged by a superior")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NoneFound(models.Model):
    """A unit's reasoned statement that it has nothing to rectify under a topic; a superior may challenge it."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="none_found")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=12, choices=NoneFoundStatus.choices, default=NoneFoundStatus.STATED
    )
    stated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stated_at = models.DateTimeField(default=timezone.now)
    challenge = models.TextField(_("challenge"), blank=True)
    challenged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    challenged_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "unit"], name="special_none_found_once")]


class Publication(models.Model):
    """What an office published for the public about a unit's special rectification: a frozen snapshot of
    the aggregate figures and statements, never live data."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateField(_("figures as of"))
    # [{"topic": title, "found": n, "fixed": n, "ongoing": n, "rate": "98.71%", "statement": text}, ...]
    content = models.JSONField()
    etag = models.CharField(max_length=64)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["unit", "campaign", "published_at"], name="special_pub_latest")]


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    RECEIVED = "received", _("Received")
    REVIEWING = "reviewing", _("Under review")
    CONCLUDED = "concluded", _("Concluded")
    RETURNED = "returned", _("Returned")


class ReferralOutcome(models.TextChoices):
    PARTY_DISCIPLINE = "party_discipline", _("Party disciplinary action")
    GOVERNMENT_SANCTION = "sanction", _("Government sanction")
    ORGANISATIONAL = "organisational", _("Organisational handling")
    CRIMINAL = "criminal", _("Transferred to judicial organs")
    NOT_ESTABLISHED = "not_established", _("Not established")


class Referral(models.Model):
    """A problem that reveals a violation of discipline or law, referred to the discipline inspectors of
    the competent level. Restricted: only those inspectors and the referring office see it."""

    problem = models.OneToOneField("problems.Problem", on_delete=models.PROTECT, related_name="referral")
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("discipline body of")
    )
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("facts and reason for referral"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReferralOutcome.choices, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referred_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-referred_at", "-id"]
        indexes = [models.Index(fields=["to_unit", "status"], name="special_referral_inbox")]
