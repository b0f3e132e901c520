"""Every change to an evaluation goes through here: checked, counted, audited, one transaction.

Scheme:    set up once per campaign by the office of its leading unit (weights, the minimum number of survey
           responses before the survey counts, and the questions drawn
           from the campaign's specific goals, plus 获得感、幸福感、安全感); its weights change later
           (versioned). Questions are fixed once answers exist: their slots are the roll-ups' keys.
Survey:    a public response at a unit (no account): honeypot, rate limits and the image challenge of the
           opinions' public form (chuxin/opinions/abuse.py), and one response per device and campaign.
Rating:    a member of a guidance group grades a unit assigned to the group on every criterion; a second
           rating by the same group replaces the first (versioned, audited: the log keeps both).

Every response and rating adds its points to the unit's and its ancestors' tallies in its transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record
from chuxin.campaigns.actions import ensure_open
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.core.forms import is_bad_version
from chuxin.opinions import abuse
from chuxin.opinions.actions import Throttled
from chuxin.orgs.models import GuidanceGroup, Unit
from chuxin.orgs.scope import scope_for
from chuxin.rollups import tallies

from .models import (
    DEFAULT_MIN_RESPONSES,
    DEFAULT_WEIGHTS,
    MAX_CRITERIA,
    MAX_MIN_RESPONSES,
    MAX_QUESTIONS,
    WEIGHT_FIELDS,
    Grade,
    GroupRating,
    Part,
    Question,
    Satisfaction,
    Scheme,
    SurveyResponse,
    tally_key,
)

# The 2019 survey's wording (data, in the campaign's language, like the strands' descriptions).
GOAL_QUESTION = "您对本单位党员干部在“{goal}”方面的成效是否满意？"
SENSES = ["获得感", "幸福感", "安全感"]  # 不断增强人民群众获得感、幸福感、安全感 (the seed)
SENSE_QUESTION = "主题教育开展以来，您对自己{sense}的提升是否满意？"
GOAL_CRITERION = "“{goal}”的实现情况"


def _check_version(obj, expected) -> None:
    """None: the caller does not track versions (the demo, a test); a page always sends one, and a missing
    or garbled one (core.forms.posted_version) is refused like a stale one."""
    if expected is None:
        return
    if is_bad_version(expected) or not str(expected).isdigit() or int(expected) != obj.version:
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


def _clean_minimum(value) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        v = 0
    if not 1 <= v <= MAX_MIN_RESPONSES:
        raise ActionError(
            _("The minimum number of survey responses is a whole number from 1 to %(max)s.")
            % {"max": MAX_MIN_RESPONSES}
        )
    return v


def do_set_up_evaluation(
    campaign: Campaign,
    weights: dict | None = None,
    *,
    min_responses: int = DEFAULT_MIN_RESPONSES,
    acting_user,
) -> Scheme:
    """The campaign's evaluation: weights (the defaults unless given), the minimum number of survey
    responses before the survey counts, and the default questions."""
    _require_owner(acting_user, campaign)
    ensure_open(campaign)
    clean = _clean_weights(weights or DEFAULT_WEIGHTS)
    clean["min_responses"] = _clean_minimum(min_responses)
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


def do_set_evaluation_weights(
    scheme: Scheme, weights: dict, expected_version=None, *, min_responses: int | None = None, acting_user
) -> Scheme:
    """New weights (and, if given, a new minimum number of survey responses), versioned and audited."""
    campaign = scheme.campaign
    _require_owner(acting_user, campaign)
    ensure_open(campaign)
    clean = _clean_weights(weights)
    if min_responses is not None:
        clean["min_responses"] = _clean_minimum(min_responses)
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


# --- the public satisfaction survey ---------------------------------------------------------------------


class AlreadyAnswered(ActionError):
    """This device has answered this campaign's survey already: nothing was written."""


def _survey_snapshot(response: SurveyResponse) -> dict:
    """What the audit log keeps of a response: the answers, never an address, device or challenge."""
    data = model_to_dict(response, exclude=["device_hash", "ip_hash", "challenge_nonce"])
    return {k: v for k, v in data.items() if v is not None}


def _clean_points(values: dict, questions: list[Question], allowed: set[int], message: str) -> dict[int, int]:
    out = {}
    for q in questions:
        raw = values.get(q.slot)
        try:
            v = int(raw)
        except (TypeError, ValueError):
            raise ActionError(message % {"question": q.label}) from None
        if v not in allowed:
            raise ActionError(message % {"question": q.label})
        out[q.slot] = v
    return out


def scheme_of(campaign: Campaign) -> Scheme:
    scheme = Scheme.objects.filter(campaign=campaign).first()
    if scheme is None:
        raise ActionError(_("The evaluation of this campaign is not set up yet."))
    return scheme


def has_answered(campaign: Campaign, device: str | None) -> bool:
    return (
        bool(device)
        and SurveyResponse.objects.filter(campaign=campaign, device_hash=abuse.device_hash(device)).exists()
    )


def do_submit_survey(
    *,
    unit: Unit,
    campaign: Campaign,
    answers: dict[int, int],
    comment: str = "",
    address: str,
    device: str | None,
    token: str,
    answer: str,
    honeypot: str = "",
    acting_user=None,
) -> SurveyResponse:
    """A public response (no account), checked like a public opinion: honeypot, rate limits, the image
    challenge, then one response per device and campaign, every question answered."""
    if honeypot:
        raise ActionError(_("The answers could not be accepted."))
    ensure_open(campaign)
    survey, _rating = _questions(scheme_of(campaign))
    if not device:
        raise ActionError(
            _("Your browser did not keep our cookie: allow cookies for this site and try again.")
        )
    if has_answered(campaign, device):
        raise AlreadyAnswered(_("This device has already taken part in the survey. Thank you."))
    address_hash = abuse.ip_hash(address)
    if abuse.throttled(address_hash, unit.pk, rows=SurveyResponse.objects.all()):
        raise Throttled(_("Too many answers have been sent from here in the last hour. Please try later."))
    nonce = abuse.check_answer(token, answer)
    if nonce is None:
        raise ActionError(_("The answer to the sum in the picture is not right. Please try the new picture."))
    points = _clean_points(
        answers, survey, set(Satisfaction.values), _("Choose an answer to the question on %(question)s.")
    )
    response = SurveyResponse(
        campaign=campaign,
        unit=unit,
        comment=abuse.clean_text(comment, 300),
        device_hash=abuse.device_hash(device),
        ip_hash=address_hash,
        challenge_nonce=nonce,
    )
    for slot, v in points.items():
        setattr(response, f"a{slot}", v)
    try:
        with transaction.atomic():
            response.save()
            deltas = {"evaluation.responses": 1, **{tally_key(Part.SURVEY, s): v for s, v in points.items()}}
            tallies.add(unit, campaign.pk, deltas)  # roll-ups before audit, as in every action
            record(
                acting_user,
                AuditEvent.EVALUATION_SURVEY,
                response,
                None,
                _survey_snapshot(response),
                unit=unit,
            )
    except IntegrityError as exc:
        if SurveyResponse.objects.filter(challenge_nonce=nonce).exists():
            raise ActionError(_("This picture was already used. Please answer the new one.")) from exc
        raise AlreadyAnswered(_("This device has already taken part in the survey. Thank you.")) from exc
    return response


# --- the guidance groups' rating ------------------------------------------------------------------------


def rating_groups(user, unit: Unit):
    """The active groups the user sits in that are assigned this very unit: who may rate it."""
    if not getattr(user, "is_authenticated", False):
        return GuidanceGroup.objects.none()
    return GuidanceGroup.objects.filter(
        is_active=True,
        members__person__user=user,
        members__person__is_active=True,
        assigned_units=unit,
    ).distinct()


def _rating_snapshot(rating: GroupRating) -> dict:
    return {k: v for k, v in model_to_dict(rating).items() if v is not None}


def do_rate_unit(
    *,
    group: GuidanceGroup,
    campaign: Campaign,
    unit: Unit,
    grades: dict[int, int],
    comment: str = "",
    expected_version=None,
    acting_user,
) -> GroupRating:
    """A member grades a unit assigned to the group on every criterion; the group's rating of the unit in
    this campaign is one row, replaced by a later rating (versioned; the audit log keeps each)."""
    if not rating_groups(acting_user, unit).filter(pk=group.pk).exists():
        raise ActionForbidden(
            _(
                "Only the members of a guidance group rate the units assigned to it: %(unit)s is not assigned to you."
            )
            % {"unit": unit.name}
        )
    ensure_open(campaign)
    _survey, criteria = _questions(scheme_of(campaign))
    points = _clean_points(grades, criteria, set(Grade.values), _("Grade the criterion %(question)s."))
    with transaction.atomic():
        rating = (
            GroupRating.objects.select_for_update().filter(group=group, campaign=campaign, unit=unit).first()
        )
        if rating is None:
            rating = GroupRating(group=group, campaign=campaign, unit=unit, version=0)
            before, deltas = None, {"evaluation.ratings": 1}
        else:
            _check_version(rating, expected_version)
            before, deltas = _rating_snapshot(rating), {}
        for slot, v in points.items():
            old = getattr(rating, f"r{slot}") or 0
            deltas[tally_key(Part.RATING, slot)] = v - (old if before is not None else 0)
            setattr(rating, f"r{slot}", v)
        rating.comment = abuse.clean_text(comment, 500)
        rating.rated_by = acting_user
        rating.rated_at = timezone.now()
        rating.version += 1
        rating.save()
        tallies.add(unit, campaign.pk, deltas)
        record(acting_user, AuditEvent.EVALUATION_RATE, rating, before, _rating_snapshot(rating), unit=unit)
    return rating


def _questions(scheme: Scheme):
    from .scores import questions_of

    return questions_of(scheme)
