"""Every change to an evaluation goes through here: checked, counted, audited, one transaction.

Scheme:    set up once per campaign by the office of its leading unit (weights and the questions drawn
           from the campaign's specific goals, plus 获得感、幸福感、安全感); its weights change later
           (versioned). Questions are fixed once answers exist: their slots are the roll-ups' keys.
Survey:    a public response at a unit (no account): honeypot, rate limits and the image challenge of the
           opinions' public form (chuxin/opinions/abuse.py), and one response per device and campaign.
Rating:    a member of a guidance group grades a unit assigned to the group on every criterion; a second
           rating by the same group replaces the first (versioned, audited: the log keeps both).

Every response and rating adds its points to the unit's and its ancestors' tallies in its transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.campaigns.actions import ensure_open
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.orgs.scope import scope_for

from .models import DEFAULT_WEIGHTS, MAX_CRITERIA, MAX_QUESTIONS, WEIGHT_FIELDS, Part, Question, Scheme

# The 2019 survey's wording (data, in the campaign's language, like the strands' descriptions).
GOAL_QUESTION = "您对本单位党员干部在“{goal}”方面的成效是否满意？"
SENSES = ["获得感", "幸福感", "安全感"]  # 不断增强人民群众获得感、幸福感、安全感 (the seed)
SENSE_QUESTION = "主题教育开展以来，您对自己{sense}的提升是否满意？"
GOAL_CRITERION = "“{goal}”的实现情况"


def _check_version(obj, expected) -> None:
    if expected in (None, ""):
        return
    if not str(expected).isdigit() or int(expected) != obj.version:
        raise StaleVersion(
            _("Someone else changed this record since you opened it. Reload the page to see their change.")
        )


def can_manage(user, campaign: Campaign) -> bool:
    return scope_for(user).can_manage(campaign.root_unit)


def _require_owner(user, campaign: Campaign) -> None:
    """The office of the campaign's leading unit; None is the system (the demo generator)."""
    if user is not None and not can_manage(user, campaign):
        raise ActionForbidden(
            _("Setting up the evaluation needs the office role at the campaign's leading unit.")
        )


def _clean_weights(weights: dict) -> dict[str, int]:
    out = {}
    for f in WEIGHT_FIELDS:
        try:
            v = int(weights.get(f, 0))
        except (TypeError, ValueError):
            raise ActionError(_("Each weight is a whole number from 0 to 100.")) from None
        if not 0 <= v <= 100:
            raise ActionError(_("Each weight is a whole number from 0 to 100."))
        out[f] = v
    if sum(out.values()) != 100:
        raise ActionError(
            _("The weights add up to %(sum)s; they must add up to 100.") % {"sum": sum(out.values())}
        )
    return out


def _snapshot(scheme: Scheme) -> dict:
    data = model_to_dict(scheme, exclude=["created_by"])
    data["questions"] = [[q.part, q.slot, q.text] for q in scheme.questions.order_by("part", "slot")]
    return data


def default_questions(campaign: Campaign) -> list[Question]:
    """One survey question and one rating criterion per specific goal, and the three senses."""
    goals = list(campaign.goals.filter(unit=None).order_by("order", "id"))
    survey = [
        Question(part=Part.SURVEY, label=g.text[:40], text=GOAL_QUESTION.format(goal=g.text)[:200], goal=g)
        for g in goals[: MAX_QUESTIONS - len(SENSES)]
    ]
    survey += [Question(part=Part.SURVEY, label=s, text=SENSE_QUESTION.format(sense=s)) for s in SENSES]
    rating = [
        Question(part=Part.RATING, label=g.text[:40], text=GOAL_CRITERION.format(goal=g.text)[:200], goal=g)
        for g in goals[:MAX_CRITERIA]
    ]
    if not rating:  # a campaign without specific goals is rated as a whole
        rating = [Question(part=Part.RATING, label="总体成效", text="主题教育总体成效")]
    for part in (survey, rating):
        for slot, q in enumerate(part, 1):
            q.slot = slot
    return survey + rating


def do_set_up_evaluation(campaign: Campaign, weights: dict | None = None, *, acting_user) -> Scheme:
    """The campaign's evaluation: weights (the defaults unless given) and the default questions."""
    _require_owner(acting_user, campaign)
    ensure_open(campaign)
    clean = _clean_weights(weights or DEFAULT_WEIGHTS)
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one set-up at a time
        if Scheme.objects.filter(campaign=campaign).exists():
            raise ActionError(_("The evaluation of this campaign is already set up."))
        scheme = Scheme.objects.create(
            campaign=campaign, created_by=acting_user if getattr(acting_user, "pk", None) else None, **clean
        )
        questions = default_questions(campaign)
        for q in questions:
            q.scheme = scheme
        Question.objects.bulk_create(questions)
        record(
            acting_user,
            AuditEvent.EVALUATION_SET_UP,
            scheme,
            None,
            _snapshot(scheme),
            unit=campaign.root_unit,
        )
    return scheme


def do_set_evaluation_weights(scheme: Scheme, weights: dict, expected_version=None, *, acting_user) -> Scheme:
    campaign = scheme.campaign
    _require_owner(acting_user, campaign)
    ensure_open(campaign)
    clean = _clean_weights(weights)
    with transaction.atomic():
        locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
        _check_version(locked, expected_version)
        before = _snapshot(locked)
        for f, v in clean.items():
            setattr(locked, f, v)
        locked.version += 1
        locked.save()
        record(
            acting_user,
            AuditEvent.EVALUATION_WEIGHTS,
            locked,
            before,
            _snapshot(locked),
            unit=campaign.root_unit,
        )
    return locked
