from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.core.errors import ActionError
from chuxin.orgs.models import Person, subtree_q
from chuxin.orgs.scope import get_unit_for_user, require_record, scope_for

from . import actions
from .access import get_topic_for_user
from .forms import ExchangeForm, LineForm, ReportForm, ReviewForm, TopicForm, VisitForm
from .models import ExchangeMeeting, Report, ReportStatus, Topic


@login_required
def research_index(request):
    return render(request, "research/index.html", {"units": scope_for(request.user).root_units()[:50]})


@login_required
def research_unit(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    topics = (
        Topic.objects.filter(unit=unit, campaign=campaign).select_related("cadre", "report").order_by("-id")
    )
    page = Paginator(topics, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "research/unit.html",
        {
            "unit": unit,
            "campaign": campaign,
            "page": page,
            "exchanges": ExchangeMeeting.objects.filter(unit=unit, campaign=campaign)[:20],
            "can_record": scope_for(request.user).can_record(unit),
        },
    )


def _cadres(unit):
    return list(
        Person.objects.filter(subtree_q(unit.path, "home_unit__path"), is_active=True)
        .select_related("home_unit")
        .order_by("home_unit__depth", "-rank", "pk")[:300]
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    require_record(request.user, unit)
    scope = scope_for(request.user)
    people = _cadres(unit)
    form = TopicForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        codes = data.pop("units_to_visit")
        units = list(scope.units().filter(code__in=codes))
        try:
            missing = set(codes) - {u.code for u in units}
            if missing:
                raise ActionError(
                    _("%(codes)s: not units you may reach.") % {"codes": "、".join(sorted(missing))}
                )
            topic = actions.do_create_topic(
                campaign=campaign,
                unit=unit,
                cadre=next(p for p in people if p.pk == data["cadre"]),
                title=data["title"],
                field=data["field"],
                units_to_visit=units,
                acting_user=request.user,
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Research topic recorded."))
            return redirect("topic_detail", topic_id=topic.pk)
    return render(request, "research/topic_form.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def exchange_create(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    require_record(request.user, unit)
    form = ExchangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_exchange(
                campaign=campaign, unit=unit, **form.cleaned_data, acting_user=request.user
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Exchange meeting recorded."))
            return redirect("research_unit", code=unit.code)
    return render(request, "research/exchange_form.html", {"unit": unit, "form": form})


def _report_of(topic):
    """The topic's report, or an empty draft that is not saved: a GET never writes (the actions create the
    row when something is written into it)."""
    return Report.objects.filter(topic=topic).first() or Report(topic=topic)


@login_required
def topic_detail(request, topic_id):
    topic = get_topic_for_user(request.user, topic_id)
    scope = scope_for(request.user)
    report = _report_of(topic)
    lines = list(report.lines.select_related("problem")) if report.pk else []
    return render(
        request,
        "research/topic_detail.html",
        {
            "topic": topic,
            "unit": topic.unit,
            "report": report,
            "lines": lines,
            "pending_lines": [ln for ln in lines if ln.problem_id is None],
            "visits": topic.visits.all(),
            "units_to_visit": topic.units_to_visit.all(),
            "can_record": scope.can_record(topic.unit),
            "can_review": scope.can_manage(topic.unit) and report.status == ReportStatus.SUBMITTED,
            "visit_form": VisitForm(),
            "line_form": LineForm(),
            "review_form": ReviewForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, topic_id):
    topic = get_topic_for_user(request.user, topic_id, need="record")
    report = _report_of(topic)
    initial = {"problem_is": report.problem_is, "crux": report.crux, "solutions": report.solutions}
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_report(topic, **form.cleaned_data, acting_user=request.user)
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("topic_detail", topic_id=topic.pk)
    return render(request, "research/report_form.html", {"topic": topic, "unit": topic.unit, "form": form})


REPORT_VERBS = {"submit", "review", "return", "handoff", "add_line", "add_visit"}


@login_required
@require_POST
def report_action(request, topic_id, verb):
    topic = get_topic_for_user(request.user, topic_id)
    if verb not in REPORT_VERBS:
        raise Http404("No such action")
    try:
        if verb == "submit":
            actions.do_submit_report(topic, acting_user=request.user)
            messages.success(request, _("The report went to review."))
        elif verb in ("review", "return"):
            actions.do_review_report(
                topic, request.POST.get("note", ""), accept=verb == "review", acting_user=request.user
            )
            messages.success(request, _("Review recorded."))
        elif verb == "handoff":
            created = actions.do_hand_off_problems(topic, acting_user=request.user)
            messages.success(request, _("%(n)d problems handed to the problem list.") % {"n": len(created)})
        elif verb == "add_line":
            form = LineForm(request.POST)
            if not form.is_valid():
                raise ActionError(_("A problem needs a description of what is wrong."))
            actions.do_add_report_problem(topic, **form.cleaned_data, acting_user=request.user)
        elif verb == "add_visit":
            form = VisitForm(request.POST)
            if not form.is_valid():
                raise ActionError(_("A field visit needs a date and a place."))
            actions.do_add_visit(topic, **form.cleaned_data, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("topic_detail", topic_id=topic.pk)
