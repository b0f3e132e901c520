"""Pages of the 检视问题 strand: the unit's strand page, checklists, examination materials."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.core.errors import ActionError
from chuxin.documents.generate import with_viewer
from chuxin.orgs.models import Unit
from chuxin.orgs.scope import get_unit_for_user, scope_for
from chuxin.orgs.watermark import watermark_text
from chuxin.problems.models import Source

from . import actions
from .access import get_checklist_for_user, get_material_for_user
from .docx import material_docx
from .models import Checklist, Material, MaterialStatus
from .queries import strand_figures

MAX_CHILDREN = 200


@login_required
def examine_index(request):
    return render(request, "examine/index.html", {"units": scope_for(request.user).root_units()[:50]})


@login_required
def examine_unit(request, code):
    """The unit and its subordinates: checklists, materials, problems by source, life meetings —
    all from the roll-up rows (two queries for the unit and its children together)."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    children = list(Unit.objects.children_of(unit).order_by("path")[:MAX_CHILDREN])
    figs = strand_figures([unit, *children], campaign.pk)
    checklists = list(
        Checklist.objects.filter(unit=unit, campaign=campaign)
        .select_related("person")
        .order_by("-person__rank", "pk")
    )
    materials = {m.person_id: m for m in Material.objects.filter(unit=unit, campaign=campaign)}
    return render(
        request,
        "examine/unit.html",
        {
            "unit": unit,
            "campaign": campaign,
            "me": figs[unit.pk],
            "children": [figs[c.pk] for c in children],
            "rows": [(c, materials.get(c.person_id)) for c in checklists],
            "mine": next((c for c in checklists if c.person.user_id == request.user.pk), None),
            "headings": actions.headings_for(campaign),
            "can_manage": scope_for(request.user).can_manage(unit),
            "source_rows": [(label, figs[unit.pk].sources.get(value, 0)) for value, label in Source.choices],
        },
    )


@login_required
@require_POST
def examine_open(request, code):
    unit = get_unit_for_user(request.user, code)
    try:
        n = actions.do_open_checklists(unit, campaign_for(request, unit), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s checklists opened.") % {"n": n})
    return redirect("examine_unit", code=unit.code)


@login_required
def checklist_detail(request, checklist_id):
    c = get_checklist_for_user(request.user, checklist_id)
    headings = actions.headings_for(c.campaign)
    gaps = list(c.gaps.select_related("problem"))
    material = Material.objects.filter(campaign=c.campaign, person=c.person).first()
    return render(
        request,
        "examine/checklist.html",
        {
            "c": c,
            "unit": c.unit,
            "sections": [(h, [g for g in gaps if g.heading_id == h.pk]) for h in headings],
            "headings": headings,
            "material": material,
            "can_write": actions._may_write_for(request.user, c.person, c.unit),
            "open_gaps": sum(1 for g in gaps if not g.problem_id),
        },
    )


CHECKLIST_VERBS = {"add_gap", "complete", "to_problems", "material"}


@login_required
@require_POST
def checklist_action(request, checklist_id, verb):
    c = get_checklist_for_user(request.user, checklist_id)
    if verb not in CHECKLIST_VERBS:
        raise Http404("No such action")
    P = request.POST
    try:
        if verb == "add_gap":
            heading = next(
                (h for h in actions.headings_for(c.campaign) if str(h.pk) == P.get("heading")), None
            )
            if heading is None:
                raise ActionError(_("Choose the comparison."))
            actions.do_add_gap(
                c,
                heading,
                P.get("text", ""),
                P.get("root_cause", ""),
                P.get("direction", ""),
                P.get("measures", ""),
                acting_user=request.user,
            )
            messages.success(request, _("Gap recorded."))
        elif verb == "complete":
            actions.do_complete_checklist(c, acting_user=request.user)
            messages.success(request, _("Checklist complete."))
        elif verb == "to_problems":
            n = actions.do_gaps_to_problems(c, acting_user=request.user)
            messages.success(request, _("%(n)s problems added to the problem list.") % {"n": n})
        elif verb == "material":
            m = actions.do_start_material(c, acting_user=request.user)
            return redirect("material_detail", material_id=m.pk)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("checklist_detail", checklist_id=c.pk)


@login_required
def material_detail(request, material_id):
    m = get_material_for_user(request.user, material_id)
    headings = actions.headings_for(m.campaign)
    return render(
        request,
        "examine/material.html",
        {
            "m": m,
            "unit": m.unit,
            "sections": m.sections(headings),
            "versions": m.versions.select_related("decided_by", "submitted_by"),
            "editable": m.status in (MaterialStatus.DRAFT, MaterialStatus.RETURNED)
            and actions._may_write_for(request.user, m.person, m.unit),
            "can_review": m.status == MaterialStatus.SUBMITTED and actions.reviewer_ok(request.user, m),
            "checklist": Checklist.objects.filter(campaign=m.campaign, person=m.person).first(),
        },
    )


MATERIAL_VERBS = {"save", "submit", "approve", "return"}


@login_required
@require_POST
def material_action(request, material_id, verb):
    m = get_material_for_user(request.user, material_id)
    if verb not in MATERIAL_VERBS:
        raise Http404("No such action")
    P = request.POST
    version = P.get("version")
    try:
        if verb in ("save", "submit") and "root_causes" in P:
            comparisons = {k.removeprefix("cmp_"): v for k, v in P.items() if k.startswith("cmp_")}
            m = actions.do_edit_material(
                m,
                comparisons=comparisons,
                root_causes=P.get("root_causes", ""),
                measures=P.get("measures", ""),
                expected_version=version,
                acting_user=request.user,
            )
            version = m.version
        if verb == "save":
            messages.success(request, _("Saved."))
        elif verb == "submit":
            actions.do_submit_material(m, version, acting_user=request.user)
            messages.success(request, _("Submitted to the secretary."))
        elif verb in ("approve", "return"):
            actions.do_review_material(
                m, verb == "approve", P.get("note", ""), version, acting_user=request.user
            )
            messages.success(request, _("Approved.") if verb == "approve" else _("Returned."))
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("material_detail", material_id=m.pk)


@login_required
@require_http_methods(["GET"])
def material_export(request, material_id):
    m = get_material_for_user(request.user, material_id)
    data = with_viewer(material_docx(m, actions.headings_for(m.campaign)), watermark_text(request.user))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="material-{m.pk}.docx"'
    return response
