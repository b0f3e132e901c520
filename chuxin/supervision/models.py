"""Supervision (督促指导、巡回指导, M11): a guidance group's visits (talks, documents checked, spot checks) and
its findings, each sent to the unit as feedback and becoming a problem there (source 指导组反馈).

The groups themselves, their members and assigned units live in `orgs` (they are part of who may see what:
`orgs/scope.py` gives members the assigned units' subtrees, read-only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import GuidanceGroup, Unit


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Carried out")


class Visit(models.Model):
    group = models.ForeignKey(GuidanceGroup, on_delete=models.PROTECT, related_name="visits")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit visited"))
    planned_on = models.DateField(_("planned for"))
    purpose = models.CharField(_("purpose"), max_length=300)
    status = models.CharField(
        _("status"), max_length=8, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    talks = models.TextField(_("talks held"), blank=True)
    documents = models.TextField(_("documents checked"), blank=True)
    spot_checks = models.TextField(_("spot checks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["group", "planned_on"], name="supervision_visit_group")]


class VisitAttachment(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="attachments")
    blob = models.ForeignKey("problems.EvidenceBlob", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)


class Finding(models.Model):
    """A problem the group found, sent to the unit as feedback; the unit must rectify its problem."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="findings")
    problem = models.OneToOneField("problems.Problem", on_delete=models.PROTECT, related_name="finding")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
