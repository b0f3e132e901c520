"""The typical-case library: search, record, promote, adopt, use in study sessions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.core.errors import ActionError
from chuxin.orgs.scope import get_unit_for_user, scope_for
from chuxin.special.models import Topic
from chuxin.study.models import Meeting

from . import actions
from .forms import CaseForm, SearchForm
from .models import Case


def _get_case(user, case_id) -> Case:
    case = actions.cases_for(user).filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case")
    return case


@login_required
def case_list(request):
    form = SearchForm(request.GET or None)
    qs = actions.cases_for(request.user)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
        qs = actions.search(qs, form.cleaned_data["q"])
    roots = scope_for(request.user).root_units()
    return render(request, "cases/case_list.html", {"form": form, "cases": qs[:100], "roots": roots[:5]})


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request, code):
    unit = get_unit_for_user(request.user, code, need="record")
    campaign = campaign_for(request, unit)
    topics = Topic.objects.filter(campaign=campaign).covering(unit).order_by("root_unit__path", "order")
    form = CaseForm(request.POST or None, topics=topics)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["work_areas"] = sum(set(data["work_areas"]))
        try:
            case = actions.do_record_case(
                acting_user=request.user,
                campaign=campaign,
                unit=unit,
                files=request.FILES.getlist("files"),
                **data,
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The case is in the library."))
            return redirect("case_detail", case_id=case.pk)
    return render(request, "cases/case_form.html", {"unit": unit, "form": form})


@login_required
def case_detail(request, case_id):
    case = _get_case(request.user, case_id)
    scope = scope_for(request.user)
    managed = [u for u in scope.root_units() if scope.can_manage(u)]
    recordable = [u for u in scope.root_units() if scope.can_record(u)]
    meetings = Meeting.objects.filter(unit__in=recordable).order_by("-date")[:20] if recordable else []
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "attachments": case.attachments.all(),
            "promotions": case.promotions.select_related("to_unit"),
            "adoptions": case.adoptions.select_related("unit"),
            "uses": case.uses.select_related("meeting", "meeting__unit"),
            "promote_to": managed,
            "adopt_as": recordable,
            "meetings": meetings,
        },
    )


def _unit_from_post(request, need):
    code = request.POST.get("unit", "")
    return get_unit_for_user(request.user, code, need=need) if code else None


@login_required
@require_POST
def case_promote(request, case_id):
    case = _get_case(request.user, case_id)
    try:
        unit = _unit_from_post(request, "manage")
        if unit is None:
            raise ActionError(_("Choose the subtree to promote it to."))
        actions.do_promote_case(
            acting_user=request.user, case=case, to_unit=unit, note=request.POST.get("note", "")[:300]
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Promoted to %(unit)s and its subordinate units.") % {"unit": unit.name})
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
def case_adopt(request, case_id):
    case = _get_case(request.user, case_id)
    try:
        unit = _unit_from_post(request, "record")
        if unit is None:
            raise ActionError(_("Choose the unit that adopted it."))
        actions.do_adopt_case(
            acting_user=request.user, case=case, unit=unit, outcome=request.POST.get("outcome", "")[:4000]
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The adoption is recorded."))
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
def case_use(request, case_id):
    case = _get_case(request.user, case_id)
    meeting_id = request.POST.get("meeting", "")
    meeting = (
        scope_for(request.user)
        .filter(Meeting.objects.select_related("unit"), "unit__path")
        .filter(pk=meeting_id)
        .first()
        if meeting_id.isdigit()
        else None
    )
    try:
        if meeting is None:
            raise ActionError(_("Choose the study session."))
        actions.do_use_in_study(acting_user=request.user, case=case, meeting=meeting)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The case is material of %(meeting)s.") % {"meeting": meeting.title})
    return redirect("case_detail", case_id=case.pk)
