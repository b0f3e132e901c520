"""Typical cases (正面典型、反面典型, M12): advanced persons and replicable good experiences to promote, negative
cases for warning education; promoted by a superior to a subtree, adopted by units (with what came of it),
used as material in study sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit


class CaseKind(models.TextChoices):
    PERSON = "person", _("Advanced person")
    EXPERIENCE = "experience", _("Replicable good experience")
    NEGATIVE = "negative", _("Negative typical case")


class Visibility(models.TextChoices):
    UNIT = "unit", _("This unit and the units above it")
    SUBTREE = "subtree", _("This unit and its subordinate units")
    PUBLIC = "public", _("Public")


class Case(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("kind of case"), max_length=12, choices=CaseKind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    work_areas = models.PositiveSmallIntegerField(_("work areas"), default=0)
    topic = models.ForeignKey(
        "special.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("special rectification topic"),
    )
    visibility = models.CharField(
        _("published to"), max_length=8, choices=Visibility.choices, default=Visibility.SUBTREE
    )
    # the text cut into words (Chinese segmentation), for search without a search engine
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="cases_kind_recent")]

    def __str__(self) -> str:
        return self.title


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    blob = models.ForeignKey("problems.EvidenceBlob", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("file name"), max_length=200)


class Promotion(models.Model):
    """A superior promotes a case to its subtree: every unit there sees it and may adopt it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="promotions")
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("promoted to")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    promoted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "to_unit"], name="cases_promoted_once")]


class Adoption(models.Model):
    """A unit took up a promoted experience, and what came of it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="adoptions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    outcome = models.TextField(_("what came of it"))
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adopted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path"]
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="cases_adopted_once")]


class StudyUse(models.Model):
    """A case used as material of a study session (e.g. a negative case in 警示教育)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="uses")
    meeting = models.ForeignKey("study.Meeting", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "meeting"], name="cases_used_once")]
