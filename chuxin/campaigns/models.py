"""Campaigns (M1): a campaign is data, never code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chuxin.orgs.models import Rank, Unit


class StrandKey(models.TextChoices):
    STUDY = "study", _("Study and education")
    RESEARCH = "research", _("Investigation and research")
    EXAMINE = "examine", _("Examining problems")
    RECTIFY = "rectify", _("Rectification")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("campaign status", "Planned")
    RUNNING = "running", pgettext_lazy("campaign status", "Running")
    CLOSED = "closed", pgettext_lazy("campaign status", "Closed")


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, scope) -> CampaignQuerySet:
        """Campaigns whose subtree overlaps the user's: rooted above or inside what they reach."""
        if scope.is_all:
            return self
        paths = scope.paths()
        if not paths:
            return self.none()
        from chuxin.orgs.models import ancestor_paths, subtrees_q

        above = {a for p in paths for a in ancestor_paths(p)}
        return self.filter(models.Q(root_unit__path__in=above) | subtrees_q(paths, "root_unit__path"))


class Campaign(models.Model):
    title = models.CharField(_("title"), max_length=200)
    root_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("leading unit")
    )
    general_requirement = models.CharField(_("general requirement"), max_length=200)
    fundamental_task = models.TextField(_("fundamental task"))
    focus_rank = models.PositiveSmallIntegerField(
        _("focus group: rank at or above"), choices=Rank.choices, default=Rank.VICE_COUNTY
    )
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(
        _("campaign status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.RUNNING
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-launched_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == CampaignStatus.CLOSED

    def last_day(self):
        """The day its figures are reported as of by default: the end date, else the last batch's end."""
        return self.ended_on or max((b.end for b in self.batches.all()), default=None)

    def report_day(self, today):
        """The day dashboards and documents report as of unless told otherwise: the last day of a closed
        campaign (its figures as they stood when it ended), else today (the live figures)."""
        if self.is_closed:
            return min(self.last_day() or today, today)
        return today


class Goal(models.Model):
    """A specific goal: the campaign's own (unit empty), or one a unit added for its subtree."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("specific goal"), max_length=200)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
        help_text=_("Empty for the campaign's own goals; a unit for the goals it adds for its subtree."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("specific goal")

    def __str__(self) -> str:
        return self.text


class Strand(models.Model):
    """One of the strands that run through the whole campaign (the 2019 campaign has four)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="strands")
    # A short stable key for URLs (the 2019 strands use the StrandKey values; others s5, s6, ...)
    key = models.CharField(max_length=12)
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_strand_unique")]

    def __str__(self) -> str:
        return self.title


class Emphasis(models.Model):
    """A local emphasis on one strand, added by a unit for its subtree (结合本地区本部门本单位实际)."""

    strand = models.ForeignKey(Strand, on_delete=models.CASCADE, related_name="emphases")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("added by"))
    text = models.TextField(_("local emphasis"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("local emphasis")

    def __str__(self) -> str:
        return self.text[:40]


class Batch(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=120)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    units = models.ManyToManyField(
        Unit, blank=True, related_name="batches", verbose_name=_("subtrees covered")
    )
    description = models.CharField(_("who takes part"), max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="campaigns_batch_number_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="campaigns_batch_dates"
            ),
        ]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")

    def __str__(self) -> str:
        return self.name


def current_campaign(user) -> Campaign | None:
    """The shell's default only: the newest campaign the user's scope reaches. Pages choose their
    campaign with `chuxin.campaigns.access.campaign_for(request, unit)`, never with this.
    Computed once per user object (i.e. once per request), like the scope."""
    from chuxin.orgs.scope import scope_for

    from .access import newest_first

    cached = getattr(user, "_chuxin_campaign", False)
    if cached is not False:
        return cached
    campaign = newest_first(Campaign.objects.visible_to(scope_for(user))).first()
    if user is not None and user.is_authenticated:
        user._chuxin_campaign = campaign
    return campaign


class DirectoryStamp(models.Model):
    """One row: a random token that changes whenever the campaigns, their batches' units, their strands
    or the units change (chuxin/campaigns/directory.py), so every process knows when to reload them."""

    token = models.CharField(max_length=32)
