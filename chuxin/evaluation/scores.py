"""The scores: each unit's subtree assessed from the roll-ups, in a fixed number of queries.

Every part is a score out of 100 for the unit's whole subtree (本单位及下级单位):

* study completion     = attendance present or made up / attendance recorded     (tallies study.attendance*)
* rectification        = items closed or kept up long-term / items                (SubtreeCounts)
* items on time        = 100 − overdue items / items × 100                        (SubtreeDue)
* opinions answered    = opinions answered / opinions owed an answer (with a contact) (tallies opinions.*)
* public satisfaction  = mean points of the survey's answers (很满意 100 … 不满意 0)  (tallies evaluation.survey.*),
                         counted only from the scheme's minimum number of responses in the subtree
                         (`Scheme.min_responses`, 30 unless the office sets another): below it the part
                         shows 样本不足 (`Score.short`) and is left out like a part without data
* guidance rating      = mean points of the groups' grades (好 100 … 差 0)          (tallies evaluation.rating.*)

The total is the weighted mean of the parts that have data (a part without data — no items, no
response, no rating — leaves its weight out and is named as missing beside the total). Pooling the
subtree's figures is what makes the scores roll up: a province's score is computed from the province's
roll-up rows exactly as a county's is from the county's, never as an average of averages.

`assess(units, …)` costs three queries for any number of units (the ledger's counters, its due dates,
the tallies), so the centre's page with its children is as cheap as a county's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from chuxin.core.templatetags.numbers import num
from chuxin.orgs.models import Unit
from chuxin.rollups import tallies
from chuxin.rollups.queries import figures_for

from .models import Part, Question, Scheme

INDICATORS = ["study", "rectify", "overdue", "answers"]
PARTS = [*INDICATORS, "survey", "rating"]
LABELS = {
    "study": _("Study completion"),
    "rectify": _("Rectification completion"),
    "overdue": _("Items on time"),
    "answers": _("Opinions answered"),
    "survey": _("Public satisfaction"),
    "rating": _("Guidance group rating"),
}
# What each score is made of, shown beside it.
BASIS = {
    "study": _("%(done)s of %(base)s attendances present or made up"),
    "rectify": _("%(done)s of %(base)s items closed or kept up long-term"),
    "overdue": _("%(done)s of %(base)s items not overdue"),
    "answers": _("%(done)s of %(base)s opinions with a contact answered"),
    "survey": _("%(base)s survey responses"),
    "rating": _("%(base)s ratings by guidance groups"),
}
# The survey's basis below the scheme's minimum number of responses.
SHORT_BASIS = _("%(base)s survey responses, fewer than the %(minimum)s needed: not counted")
BASE_TALLIES = [
    "study.attendance",
    "study.attendance_done",
    "opinions.owed_answer",
    "opinions.answered",
    "evaluation.responses",
    "evaluation.ratings",
]


def _pct(done: float, base: float) -> float | None:
    return round(100 * done / base, 1) if base else None


@dataclass
class Score:
    key: str
    weight: int
    value: float | None  # out of 100; None: no data
    done: float = 0  # the figures behind it, for the page ("688 / 697")
    base: float = 0
    short: bool = False  # the survey below the scheme's minimum responses: value None, shown as 样本不足
    minimum: int = 0

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def basis(self) -> str:
        if self.short:
            return str(SHORT_BASIS) % {"base": num(int(self.base)), "minimum": num(self.minimum)}
        return str(BASIS[self.key]) % {"done": num(int(self.done)), "base": num(int(self.base))}


@dataclass
class QuestionScore:
    question: Question
    value: float | None
    short: bool = False  # the survey below the scheme's minimum responses


@dataclass
class Assessment:
    unit: Unit
    scores: dict[str, Score]
    survey: list[QuestionScore] = field(default_factory=list)
    rating: list[QuestionScore] = field(default_factory=list)

    @cached_property  # read several times per unit by the ranking's sort and the page
    def total(self) -> float | None:
        have = [s for s in self.scores.values() if s.value is not None and s.weight]
        weight = sum(s.weight for s in have)
        return round(sum(s.value * s.weight for s in have) / weight, 1) if weight else None

    @cached_property
    def indicators(self) -> float | None:
        """The computed indicators together (weighted like the total), for the ranking's column."""
        have = [
            self.scores[k] for k in INDICATORS if self.scores[k].value is not None and self.scores[k].weight
        ]
        weight = sum(s.weight for s in have)
        return round(sum(s.value * s.weight for s in have) / weight, 1) if weight else None

    @property
    def missing(self) -> list[Score]:
        return [s for s in self.scores.values() if s.value is None and s.weight]

    @property
    def without_data(self) -> list[Score]:
        return [s for s in self.missing if not s.short]

    @property
    def too_few(self) -> list[Score]:
        """Parts left out because the survey has fewer responses than the scheme's minimum (样本不足)."""
        return [s for s in self.missing if s.short]

    @property
    def responses(self) -> int:
        return int(self.scores["survey"].base)

    @property
    def ratings(self) -> int:
        return int(self.scores["rating"].base)

    def part(self, key: str) -> Score:
        return self.scores[key]

    @property
    def parts(self) -> list[Score]:
        return [self.scores[k] for k in PARTS]


def questions_of(scheme: Scheme) -> tuple[list[Question], list[Question]]:
    qs = list(scheme.questions.select_related("goal").order_by("part", "slot"))
    return [q for q in qs if q.part == Part.SURVEY], [q for q in qs if q.part == Part.RATING]


def assess(
    units: list[Unit], scheme: Scheme, today: date, questions: tuple[list, list] | None = None
) -> dict[int, Assessment]:
    """unit id -> the assessment of its subtree; three queries (plus one for the questions if not given)."""
    survey_qs, rating_qs = questions if questions is not None else questions_of(scheme)
    campaign_id = scheme.campaign_id
    survey_keys = [(q, q.tally) for q in survey_qs]  # the keys once, not per unit and question
    rating_keys = [(q, q.tally) for q in rating_qs]
    keys = BASE_TALLIES + [k for _q, k in survey_keys] + [k for _q, k in rating_keys]
    figs = figures_for(units, campaign_id, today)
    counts = tallies.read(units, campaign_id, keys)
    w = scheme.weights()
    out = {}
    for u in units:
        f, t = figs[u.pk], counts[u.pk]
        fixed = f.closed + f.kept_up
        responses, ratings = t["evaluation.responses"], t["evaluation.ratings"]
        survey_points = sum(t[k] for _q, k in survey_keys)
        # a few responses are not a unit's satisfaction: below the minimum the part does not count
        counted = responses >= max(scheme.min_responses, 1)
        short = bool(responses) and not counted
        rating_points = sum(t[k] for _q, k in rating_keys)
        scores = {
            "study": Score(
                "study",
                w["w_study"],
                _pct(t["study.attendance_done"], t["study.attendance"]),
                t["study.attendance_done"],
                t["study.attendance"],
            ),
            "rectify": Score("rectify", w["w_rectify"], _pct(fixed, f.items), fixed, f.items),
            "overdue": Score(
                "overdue",
                w["w_overdue"],
                _pct(f.items - f.overdue, f.items),
                f.items - f.overdue,
                f.items,
            ),
            "answers": Score(
                "answers",
                w["w_answers"],
                _pct(t["opinions.answered"], t["opinions.owed_answer"]),
                t["opinions.answered"],
                t["opinions.owed_answer"],
            ),
            "survey": Score(
                "survey",
                w["w_survey"],
                round(survey_points / (responses * len(survey_qs)), 1) if counted and survey_qs else None,
                survey_points,
                responses,
                short=short,
                minimum=scheme.min_responses,
            ),
            "rating": Score(
                "rating",
                w["w_rating"],
                round(rating_points / (ratings * len(rating_qs)), 1) if ratings and rating_qs else None,
                rating_points,
                ratings,
            ),
        }
        out[u.pk] = Assessment(
            unit=u,
            scores=scores,
            survey=[
                QuestionScore(q, round(t[k] / responses, 1) if counted else None, short)
                for q, k in survey_keys
            ],
            rating=[QuestionScore(q, round(t[k] / ratings, 1) if ratings else None) for q, k in rating_keys],
        )
    return out


def worst_first(assessments: list[Assessment], key: str = "total") -> list[Assessment]:
    """倒排名: the lowest score first; units without a score at the end, by name."""

    def value(a: Assessment):
        return a.total if key == "total" else a.part(key).value

    return sorted(assessments, key=lambda a: (value(a) is None, value(a) or 0, a.unit.path))


@dataclass
class GoalRow:
    """One specific goal: the survey's question and the groups' criterion tied to it."""

    goal_text: str
    survey: float | None
    rating: float | None
    survey_short: bool = False


def by_goal(a: Assessment) -> tuple[list[GoalRow], list[QuestionScore]]:
    """The rows per specific goal, and the survey questions tied to no goal (获得感、幸福感、安全感)."""
    rows: dict[int, GoalRow] = {}
    order: list[int] = []
    for part, scores in (("survey", a.survey), ("rating", a.rating)):
        for s in scores:
            if s.question.goal_id is None:
                continue
            row = rows.get(s.question.goal_id)
            if row is None:
                row = rows[s.question.goal_id] = GoalRow(s.question.label, None, None)
                order.append(s.question.goal_id)
            setattr(row, part, s.value)
            if part == "survey":
                row.survey_short = s.short
    others = [s for s in a.survey if s.question.goal_id is None]
    return [rows[g] for g in order], others
