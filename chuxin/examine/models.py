"""Self-examination (检视反思), M7: the comparisons as checklists, the gaps found (找差距), each leader's
examination material (检视剖析材料) with its review, and the strand's roll-up counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person, Unit

# The four comparisons of 2019; a campaign defines its own headings (these are the demo's).
HEADINGS_2019 = [
    "对照新思想和党中央决策部署",
    "对照党章党规",
    "对照人民群众新期待",
    "对照先进典型、身边榜样",
]


class ComparisonHeading(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="comparison_headings")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("comparison"), max_length=100)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("comparison heading")

    def __str__(self) -> str:
        return self.title


class Checklist(models.Model):
    """One leading cadre's checklist in one campaign: the gaps found under each heading."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="checklists", verbose_name=_("cadre")
    )
    opened_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist")
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="examine_one_checklist")]
        indexes = [models.Index(fields=["unit", "campaign"], name="examine_checklist_unit")]

    def __str__(self) -> str:
        return f"{self.person} · {self.campaign}"


class Gap(models.Model):
    """A gap found against one heading (找差距), with its root cause, direction and measures."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="gaps")
    heading = models.ForeignKey(ComparisonHeading, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("gap found"))
    root_cause = models.TextField(_("root cause"), blank=True)
    direction = models.TextField(_("direction of effort"), blank=True)
    measures = models.TextField(_("measures"), blank=True)
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["heading__order", "id"]
        verbose_name = _("gap")


class MaterialStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the secretary")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class Material(models.Model):
    """A leader's examination material: the comparisons, root causes and measures; versioned on submission."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("cadre"))
    status = models.CharField(
        _("status"), max_length=10, choices=MaterialStatus.choices, default=MaterialStatus.DRAFT
    )
    comparisons = models.JSONField(default=dict)  # heading id (str) -> text
    root_causes = models.TextField(_("root causes"), blank=True)
    measures = models.TextField(_("measures"), blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    submissions = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("examination material")
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="examine_one_material")]
        indexes = [models.Index(fields=["unit", "campaign"], name="examine_material_unit")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_status_display()}"

    def sections(self, headings) -> list[tuple[ComparisonHeading, str]]:
        return [(h, self.comparisons.get(str(h.pk), "")) for h in headings]


class MaterialVersion(models.Model):
    """The text as submitted, and what the reviewer decided about it."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    comparisons = models.JSONField(default=dict)
    root_causes = models.TextField(blank=True)
    measures = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=MaterialStatus.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="examine_version_unique")]


COUNT_FIELDS = [
    "checklists",
    "checklists_done",
    "gaps",
    "gaps_to_problems",
    *(f"m_{s.value}" for s in MaterialStatus),
    "dlm",
    "olm",
]


class ExamineCounts(models.Model):
    """The 检视问题 figures of one unit's subtree in one campaign, kept by the actions (see counters.py)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    locals().update({f: models.BigIntegerField(default=0) for f in COUNT_FIELDS})

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "campaign"], name="examine_counts_one_row")]
