"""Guidance groups' pages: their groups, visits with logs and attachments, findings and their rectification,
and the group's report upward. Reads: the members and the dispatching office; writes: the members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.core.errors import ActionError
from chuxin.documents.generate import with_viewer
from chuxin.orgs.models import Unit
from chuxin.orgs.watermark import watermark_text

from . import actions, report
from .forms import FindingForm, VisitForm, VisitLogForm
from .models import Finding

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def group_list(request):
    groups = actions.groups_for(request.user).prefetch_related("assigned_units")
    return render(request, "supervision/group_list.html", {"groups": groups[:200]})


def _findings(group):
    return list(
        Finding.objects.filter(visit__group=group)
        .select_related("problem", "problem__unit", "visit")
        .order_by("-sent_at")[:500]
    )


@login_required
def group_detail(request, group_id):
    group = actions.get_group_for_user(request.user, group_id)
    findings = _findings(group)
    progress = actions.findings_progress(findings)
    return render(
        request,
        "supervision/group_detail.html",
        {
            "group": group,
            "members": group.members.select_related("person").order_by("post", "pk"),
            "units": group.assigned_units.order_by("path"),
            "visits": group.visits.select_related("unit")[:200],
            "findings": [(f, progress[f.problem_id]) for f in findings],
            "is_member": actions.is_member(request.user, group),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request, group_id):
    group = actions.get_group_for_user(request.user, group_id, member=True)
    units = list(group.assigned_units.order_by("path"))
    # the assigned units and their children: where a group usually goes
    near = Q(pk__in=[])
    for u in units:
        near |= Q(path__startswith=u.path, depth=u.depth + 1)
    children = list(Unit.objects.filter(near))
    choices = sorted({u.pk: u for u in units + children}.values(), key=lambda u: u.path)
    form = VisitForm(request.POST or None, units=choices)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in choices if u.pk == form.cleaned_data["unit"])
        try:
            visit = actions.do_plan_visit(
                acting_user=request.user,
                group=group,
                campaign=campaign_for(request, unit),
                unit=unit,
                planned_on=form.cleaned_data["planned_on"],
                purpose=form.cleaned_data["purpose"],
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The visit is planned."))
            return redirect("supervision_visit", visit_id=visit.pk)
    return render(request, "supervision/visit_form.html", {"group": group, "form": form})


@login_required
def visit_detail(request, visit_id):
    visit = actions.get_visit_for_user(request.user, visit_id)
    findings = list(visit.findings.select_related("problem"))
    progress = actions.findings_progress(findings)
    return render(
        request,
        "supervision/visit_detail.html",
        {
            "visit": visit,
            "group": visit.group,
            "attachments": visit.attachments.all(),
            "findings": [(f, progress[f.problem_id]) for f in findings],
            "is_member": actions.is_member(request.user, visit.group),
            "log_form": VisitLogForm(
                initial={
                    "visited_on": visit.visited_on or timezone.localdate(),
                    "talks": visit.talks,
                    "documents": visit.documents,
                    "spot_checks": visit.spot_checks,
                }
            ),
            "finding_form": FindingForm(),
        },
    )


@login_required
@require_POST
def visit_log(request, visit_id):
    visit = actions.get_visit_for_user(request.user, visit_id, member=True)
    form = VisitLogForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(" ".join(e for errs in form.errors.values() for e in errs))
        actions.do_log_visit(
            acting_user=request.user,
            visit=visit,
            files=request.FILES.getlist("files"),
            expected_version=request.POST.get("version"),
            **form.cleaned_data,
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The visit is recorded."))
    return redirect("supervision_visit", visit_id=visit.pk)


@login_required
@require_POST
def finding_create(request, visit_id):
    visit = actions.get_visit_for_user(request.user, visit_id, member=True)
    form = FindingForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(_("A finding needs a description of what is wrong."))
        actions.do_send_finding(acting_user=request.user, visit=visit, **form.cleaned_data)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The finding is sent to %(unit)s and is now a problem on its list.")
            % {"unit": visit.unit.name},
        )
    return redirect("supervision_visit", visit_id=visit.pk)


@login_required
def group_report(request, group_id):
    group = actions.get_group_for_user(request.user, group_id)
    findings = _findings(group)
    body = report.build(
        group, list(group.visits.select_related("unit")), findings, actions.findings_progress(findings)
    )
    body = with_viewer(body, watermark_text(request.user))
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = (
        f'attachment; filename="guidance-report-{group.pk}-{timezone.localdate().isoformat()}.docx"'
    )
    return response
