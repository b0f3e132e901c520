"""Evaluation (成效评估, M15): each unit assessed against its campaign's specific goals.

An assessment has three parts, combined with weights the campaign's leading office sets (`Scheme`):

* computed indicators, read from the roll-ups (never recounted per request): study completion,
  rectification completion, items not overdue, opinions answered;
* the public satisfaction survey (群众满意度) through the unit's public link: one response per device and
  campaign, the opinions' anti-abuse rules (`chuxin.opinions.abuse`);
* the guidance groups' ratings of the units assigned to them.

Questions and criteria live in fixed slots (a1…a10 on a response, r1…r8 on a rating), so that each slot's
points are one roll-up tally (`evaluation.survey.3`): a subtree's mean for question 3 is its tally divided
by its number of responses, one row per unit at any size of tree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chuxin.campaigns.models import Campaign, Goal
from chuxin.orgs.models import GuidanceGroup, Unit

MAX_QUESTIONS = 10  # survey questions per campaign (the 2019 survey asks 8)
MAX_CRITERIA = 8  # rating criteria per campaign (the 2019 campaign has 5 specific goals)


def tally_key(part: str, slot: int) -> str:
    return f"evaluation.{part}.{slot}"


class Part(models.TextChoices):
    SURVEY = "survey", _("Satisfaction survey question")
    RATING = "rating", _("Guidance group rating criterion")


class Satisfaction(models.IntegerChoices):
    """The survey's answers, as points out of 100."""

    VERY = 100, pgettext_lazy("satisfaction", "Very satisfied")
    SATISFIED = 75, pgettext_lazy("satisfaction", "Satisfied")
    BASIC = 50, pgettext_lazy("satisfaction", "Basically satisfied")
    LESS = 25, pgettext_lazy("satisfaction", "Not quite satisfied")
    NOT = 0, pgettext_lazy("satisfaction", "Not satisfied")


class Grade(models.IntegerChoices):
    """A guidance group's grade for one criterion, as points out of 100."""

    EXCELLENT = 100, pgettext_lazy("evaluation grade", "Excellent")
    GOOD = 75, pgettext_lazy("evaluation grade", "Good")
    FAIR = 50, pgettext_lazy("evaluation grade", "Fair")
    WEAK = 25, pgettext_lazy("evaluation grade", "Weak")
    POOR = 0, pgettext_lazy("evaluation grade", "Poor")


# The parts of the score, in the order the page shows them; each has a weight on the scheme.
WEIGHT_FIELDS = ["w_study", "w_rectify", "w_overdue", "w_answers", "w_survey", "w_rating"]
DEFAULT_WEIGHTS = {
    "w_study": 10,
    "w_rectify": 20,
    "w_overdue": 10,
    "w_answers": 10,
    "w_survey": 30,
    "w_rating": 20,
}


DEFAULT_MIN_RESPONSES = 30
MAX_MIN_RESPONSES = 10_000


class Scheme(models.Model):
    """How a campaign evaluates its units: the weights of the parts (summing to 100) and the questions."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="evaluation_scheme")
    w_study = models.PositiveSmallIntegerField(_("weight of study completion"))
    w_rectify = models.PositiveSmallIntegerField(_("weight of rectification completion"))
    w_overdue = models.PositiveSmallIntegerField(_("weight of items on time"))
    w_answers = models.PositiveSmallIntegerField(_("weight of opinions answered"))
    w_survey = models.PositiveSmallIntegerField(_("weight of public satisfaction"))
    w_rating = models.PositiveSmallIntegerField(_("weight of the guidance groups' rating"))
    # A survey score counts only from this many responses in the subtree: below it the score is shown as
    # 样本不足 and its weight goes to the other parts (a handful of answers says little about a unit).
    min_responses = models.PositiveIntegerField(
        _("minimum number of survey responses"), default=DEFAULT_MIN_RESPONSES
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("evaluation scheme")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    w_study__lte=100, w_rectify__lte=100, w_overdue__lte=100, w_answers__lte=100
                )
                & models.Q(w_survey__lte=100, w_rating__lte=100),
                name="evaluation_weights_at_most_100",
            )
        ]

    def __str__(self) -> str:
        return str(self.campaign)

    def weights(self) -> dict[str, int]:
        return {f: getattr(self, f) for f in WEIGHT_FIELDS}


class Question(models.Model):
    """A survey question or a rating criterion in its slot, usually tied to one specific goal."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="questions")
    part = models.CharField(max_length=8, choices=Part.choices)
    slot = models.PositiveSmallIntegerField()
    label = models.CharField(_("short name"), max_length=40)  # a table's column: the goal, or 获得感
    text = models.CharField(_("survey question"), max_length=200)
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specific goal"),
    )

    class Meta:
        ordering = ["part", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "part", "slot"], name="evaluation_one_question_per_slot"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def tally(self) -> str:
        return tally_key(self.part, self.slot)


def _slots(prefix: str, n: int, label):
    return {
        f"{prefix}{i}": models.PositiveSmallIntegerField(label, null=True, blank=True)
        for i in range(1, n + 1)
    }


class SurveyResponse(models.Model):
    """One public answer to the satisfaction survey at a unit. No name, no address: a salted hash of the
    address (rate limits) and of the device's cookie (one response per device and campaign)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    locals().update(_slots("a", MAX_QUESTIONS, _("points out of 100")))
    comment = models.TextField(_("remarks"), blank=True)
    device_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64, blank=True)
    challenge_nonce = models.CharField(max_length=32, null=True, blank=True, unique=True)  # one use per image
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "device_hash"], name="evaluation_one_response_per_device"
            )
        ]
        indexes = [
            models.Index(fields=["ip_hash", "created_at"], name="evaluation_survey_ip_rate"),  # per address
            models.Index(fields=["unit", "created_at"], name="evaluation_survey_unit_rate"),  # per unit
        ]

    def points(self) -> dict[int, int | None]:
        return {i: getattr(self, f"a{i}") for i in range(1, MAX_QUESTIONS + 1)}


class GroupRating(models.Model):
    """A guidance group's rating of one unit assigned to it, per criterion; changed in place (versioned,
    audited), one per group, campaign and unit."""

    group = models.ForeignKey(GuidanceGroup, on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    locals().update(_slots("r", MAX_CRITERIA, _("points out of 100")))
    comment = models.TextField(_("remarks"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("guidance group rating")
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "campaign", "unit"], name="evaluation_one_rating_per_group"
            )
        ]
        # the ratings of one unit on its page: (unit, campaign)
        indexes = [models.Index(fields=["unit", "campaign"], name="evaluation_rating_unit")]

    def points(self) -> dict[int, int | None]:
        return {i: getattr(self, f"r{i}") for i in range(1, MAX_CRITERIA + 1)}
