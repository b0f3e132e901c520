"""Investigation and research (M5): topics taken by leading cadres, field visits, the report
answering the three questions, its problems handed to the ledger, the results exchange meeting."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person, Unit


class Topic(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="research_topics")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="research_topics", verbose_name=_("unit")
    )
    cadre = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="research_topics", verbose_name=_("leading cadre")
    )
    title = models.CharField(_("topic"), max_length=200)
    field = models.CharField(_("field"), max_length=120, blank=True)
    units_to_visit = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("units to visit")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("research topic")

    def __str__(self) -> str:
        return self.title


class Visit(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    met = models.CharField(_("whom we met"), max_length=300, blank=True)
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("field visit")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    REVIEWED = "reviewed", _("Reviewed")


# A report counts as submitted once it went to review, whether reviewed yet or not.
SUBMITTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.REVIEWED)


class Report(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="report")
    problem_is = models.TextField(_("What is the problem"), blank=True)
    crux = models.TextField(_("Where is the crux"), blank=True)
    solutions = models.TextField(_("What are the real and hard measures"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    review_note = models.TextField(_("review note"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("research report")


class ReportProblem(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="lines")
    title = models.CharField(_("problem"), max_length=200)
    root_cause = models.TextField(_("root cause"), blank=True)
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("problem found")


class ExchangeMeeting(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="research_exchanges")
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("results exchange meeting")
