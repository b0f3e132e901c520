"""Evaluation pages: a unit's assessment with its children worst first (倒排名), the campaign's scheme
(weights) for its leading office, and a guidance group's rating of a unit assigned to it."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chuxin.campaigns.access import campaign_for
from chuxin.campaigns.views import get_campaign_for_user
from chuxin.core.dbrouter import reads_from_replica
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.core.forms import posted_version
from chuxin.orgs.models import Unit
from chuxin.orgs.scope import get_unit_for_user, scope_for

from . import actions
from .forms import RatingForm, WeightsForm
from .models import DEFAULT_MIN_RESPONSES, DEFAULT_WEIGHTS, WEIGHT_FIELDS, Grade, GroupRating, Scheme
from .scores import PARTS, assess, by_goal, questions_of, worst_first

SORTS = ["total", *PARTS]


def _ranking_rows(ranked, campaign_id: int) -> str:
    """The ranking's rows (one per unit directly below, hundreds at the centre), built here rather than by
    the template engine, as the dashboards' per-child rows are (dashboards._children_rows)."""
    from .templatetags.evaluation import score

    base = reverse("evaluation_unit", args=["__code__"])
    short = escape(_("Too few responses"))
    rows = []
    for n, a in enumerate(ranked, 1):
        url = escape(f"{base.replace('__code__', quote(a.unit.code))}?campaign={campaign_id}")
        survey = a.scores["survey"]
        rows.append(
            f'<tr><td>{n}</td><td class="text-nowrap"><a href="{url}">{escape(a.unit.name)}</a></td>'
            f'<td class="text-end fw-semibold">{score(a.total)}</td><td class="text-end">{score(a.indicators)}</td>'
            f'<td class="text-end">{short if survey.short else score(survey.value)}</td>'
            f'<td class="text-end">{score(a.scores["rating"].value)}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 — built from escaped values above


def _method(scheme_weights: dict[str, int]) -> list[tuple[str, int]]:
    from .scores import LABELS

    return [(str(LABELS[k]), scheme_weights[f"w_{k}"]) for k in PARTS]


@login_required
@reads_from_replica
def unit_evaluation(request, code):
    """The assessment of the unit's subtree and of each child's, worst first: a fixed number of queries
    whatever the size of the tree (scores.assess reads the roll-up rows of the unit and its children)."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    scheme = Scheme.objects.filter(campaign=campaign).first()
    context = {
        "unit": unit,
        "campaign": campaign,
        "scheme": scheme,
        "can_manage": actions.can_manage(request.user, campaign),
        "ancestors": [a for a in unit.ancestors() if scope_for(request.user).contains(a)],
    }
    if scheme is None:
        return render(request, "evaluation/unit.html", context)
    questions = questions_of(scheme)
    children = list(Unit.objects.children_of(unit))
    found = assess([unit, *children], scheme, timezone.localdate(), questions)
    me = found[unit.pk]
    sort = request.GET.get("sort", "total")
    if sort not in SORTS:
        sort = "total"
    goals, senses = by_goal(me)
    context = {
        **context,
        **{
            "me": me,
            "goals": goals,
            "senses": senses,
            "ranked_rows": _ranking_rows(worst_first([found[c.pk] for c in children], sort), campaign.pk),
            "sort": sort,
            "sorts": [(k, me.part(k).label) for k in PARTS],
            "w": scheme.weights(),
            "w_indicators": sum(
                scheme.weights()[f"w_{k}"] for k in ("study", "rectify", "overdue", "answers")
            ),
            "method": _method(scheme.weights()),
            "survey_questions": questions[0],
            "rating_questions": questions[1],
            "can_rate": actions.rating_groups(request.user, unit).exists(),
            "own_ratings": _own_ratings(unit, campaign, questions[1]),
            "survey_url": request.build_absolute_uri(reverse("public_survey", args=[unit.code, campaign.pk])),
        },
    }
    return render(request, "evaluation/unit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request, campaign_id):
    """The campaign's weights, set by the office of its leading unit (403 for others who see it)."""
    campaign = get_campaign_for_user(request.user, campaign_id, write=True)
    scheme = Scheme.objects.filter(campaign=campaign).first()
    initial = {
        **(scheme.weights() if scheme else DEFAULT_WEIGHTS),
        "min_responses": scheme.min_responses if scheme else DEFAULT_MIN_RESPONSES,
        "version": scheme.version if scheme else "",
    }
    form = WeightsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        weights = {f: form.cleaned_data[f] for f in WEIGHT_FIELDS}
        minimum = form.cleaned_data["min_responses"]
        try:
            if scheme is None:
                actions.do_set_up_evaluation(
                    campaign,
                    weights,
                    min_responses=minimum or DEFAULT_MIN_RESPONSES,
                    acting_user=request.user,
                )
                messages.success(request, _("The evaluation is set up."))
            else:
                actions.do_set_evaluation_weights(
                    scheme,
                    weights,
                    posted_version(request.POST.get("version")),
                    min_responses=minimum,
                    acting_user=request.user,
                )
                messages.success(request, _("The weights are saved."))
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            return redirect("evaluation_scheme", campaign_id=campaign.pk)
    questions = questions_of(scheme) if scheme else ([], [])
    return render(
        request,
        "evaluation/scheme.html",
        {
            "campaign": campaign,
            "scheme": scheme,
            "form": form,
            "survey_questions": questions[0],
            "rating_questions": questions[1],
        },
    )


def _own_ratings(unit: Unit, campaign, criteria) -> list[tuple]:
    """The groups' ratings of this very unit, each with its grade per criterion (one query)."""
    rows = GroupRating.objects.filter(unit=unit, campaign=campaign).select_related("group")[:20]
    out = []
    for r in rows:
        points = r.points()
        grades = [
            (q.label, Grade(points[q.slot]).label if points[q.slot] is not None else "—") for q in criteria
        ]
        out.append((r, grades))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def rate_unit(request, code):
    """A guidance group's member grades a unit assigned to the group (403 for anyone else who sees it)."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    groups = list(actions.rating_groups(request.user, unit))
    if not groups:
        raise ActionForbidden(
            _(
                "Only the members of a guidance group rate the units assigned to it: %(unit)s is not assigned to you."
            )
            % {"unit": unit.name}
        )
    wanted = request.POST.get("group") or request.GET.get("group")
    group = next((g for g in groups if str(g.pk) == str(wanted)), groups[0])
    scheme = Scheme.objects.filter(campaign=campaign).first()
    if scheme is None:
        raise Http404("The evaluation is not set up")
    _survey, criteria = questions_of(scheme)
    rating = GroupRating.objects.filter(group=group, campaign=campaign, unit=unit).first()
    initial = {}
    if rating is not None:
        grades = {f"r{s}": v for s, v in rating.points().items() if v is not None}
        initial = {**grades, "comment": rating.comment, "version": rating.version}
    form = RatingForm(request.POST or None, initial=initial, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_rate_unit(
                group=group,
                campaign=campaign,
                unit=unit,
                grades=form.grades(),
                comment=form.cleaned_data["comment"],
                expected_version=posted_version(request.POST.get("version")),
                acting_user=request.user,
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The rating of %(unit)s is saved.") % {"unit": unit.name})
            return redirect(f"{reverse('evaluation_unit', args=[unit.code])}?campaign={campaign.pk}")
    return render(
        request,
        "evaluation/rate.html",
        {
            "unit": unit,
            "campaign": campaign,
            "groups": groups,
            "group": group,
            "rating": rating,
            "form": form,
            "ancestors": [a for a in unit.ancestors() if scope_for(request.user).contains(a)],
        },
    )


@login_required
def survey_poster(request, code, fmt):
    """The survey's poster for the unit's notice board (PNG or .docx): its QR code opens the unit's public
    survey, as the opinions' poster opens the public opinion form (chuxin/opinions/poster.py)."""
    from chuxin.opinions import poster

    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    if not Scheme.objects.filter(campaign=campaign).exists():
        raise Http404("The evaluation is not set up")
    url = request.build_absolute_uri(reverse("public_survey", args=[unit.code, campaign.pk]))
    return poster.poster_response(unit, campaign, url, fmt, poster.SURVEY, "survey-poster")
