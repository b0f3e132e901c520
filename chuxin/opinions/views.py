"""Office pages for opinions: the unit's list, recording, routing, groups, answers, export, poster."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for
from chuxin.core.errors import ActionError
from chuxin.orgs.scope import get_unit_for_user, scope_for

from . import actions, poster
from .access import contact_for, get_group_for_user, get_opinion_for_user, office_unit_ids
from .forms import RecordOpinionForm
from .models import Channel, Opinion, OpinionGroup, OpinionStatus
from .views_public import public_url


def _rows(user, opinions):
    offices = office_unit_ids(user)
    return [(op, contact_for(user, op, offices)) for op in opinions]


@login_required
def opinion_list(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    qs = (
        Opinion.objects.in_subtree(unit)
        .filter(campaign=campaign)
        .select_related("unit", "handling_unit", "problem")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status")
    if status in OpinionStatus.values:
        qs = qs.filter(status=status)
    channel = request.GET.get("channel")
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    if request.GET.get("overdue"):
        qs = qs.answer_overdue()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    return render(
        request,
        "opinions/list.html",
        {
            "unit": unit,
            "campaign": campaign,
            "page": page,
            "rows": _rows(request.user, page.object_list),
            "statuses": OpinionStatus.choices,
            "channels": Channel.choices,
            "status": status,
            "channel": channel,
            "can_record": scope.can_record(unit),
            "can_manage": scope.can_manage(unit),
            "public_url": public_url(request, unit, campaign),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_create(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)  # the one rule: before any role check
    if not scope_for(request.user).can_record(unit):
        raise PermissionDenied("Recording opinions needs a recording role")
    form = RecordOpinionForm(request.POST or None, initial={"taken_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            op = actions.do_record_opinion(
                unit=unit, campaign=campaign, acting_user=request.user, **form.cleaned_data
            )
        except ActionError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Opinion recorded."))
            return redirect("opinion_detail", opinion_id=op.pk)
    return render(request, "opinions/record_form.html", {"unit": unit, "form": form})


@login_required
def opinion_detail(request, opinion_id):
    op = get_opinion_for_user(request.user, opinion_id)
    scope = scope_for(request.user)
    return render(
        request,
        "opinions/detail.html",
        {
            "op": op,
            "unit": op.handling_unit,
            "contact": contact_for(request.user, op),
            "can_route": scope.can_manage(op.unit)
            and op.status in (OpinionStatus.RECEIVED, OpinionStatus.SENT_BACK),
            "can_handle": scope.can_record(op.handling_unit),
            "template_answer": op.answer or actions.template_answer(op),
            "overdue": op.is_answer_overdue(),
        },
    )


OPINION_VERBS = {"route", "accept", "send_back", "answer"}


@login_required
@require_POST
def opinion_action(request, opinion_id, verb):
    op = get_opinion_for_user(request.user, opinion_id)
    if verb not in OPINION_VERBS:
        raise Http404("No such action")
    version = request.POST.get("version")
    try:
        if verb == "route":
            code = (request.POST.get("unit_code") or "").strip()
            to = scope_for(request.user).units().filter(code=code).first()
            if to is None:
                raise ActionError(_("%(code)s is not a unit you may reach.") % {"code": code})
            actions.do_route_opinion(op, to, request.POST.get("note", ""), version, acting_user=request.user)
            messages.success(request, _("Routed to %(unit)s.") % {"unit": to.name})
        elif verb == "accept":
            actions.do_accept_opinion(op, version, acting_user=request.user)
            messages.success(request, _("Accepted."))
        elif verb == "send_back":
            actions.do_send_back_opinion(
                op, request.POST.get("reason", ""), version, acting_user=request.user
            )
            messages.success(request, _("Sent back."))
        elif verb == "answer":
            actions.do_answer_opinion(op, request.POST.get("answer", ""), version, acting_user=request.user)
            messages.success(request, _("Answer saved; the submitter sees it with the receipt code."))
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("opinion_detail", opinion_id=op.pk)


@login_required
def group_list(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    groups = (
        OpinionGroup.objects.filter(unit=unit, campaign=campaign)
        .select_related("problem")
        .order_by("-size", "id")
    )
    page = Paginator(groups, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "opinions/groups.html",
        {
            "unit": unit,
            "campaign": campaign,
            "page": page,
            "ungrouped": actions.groupable(unit, campaign).filter(group__isnull=True).count(),
            "can_manage": scope_for(request.user).can_manage(unit),
        },
    )


@login_required
@require_POST
def group_run(request, code):
    unit = get_unit_for_user(request.user, code)
    try:
        n = actions.do_group_opinions(unit, campaign_for(request, unit), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s groups made.") % {"n": n})
    return redirect("opinion_groups", code=unit.code)


@login_required
def group_detail(request, group_id):
    group = get_group_for_user(request.user, group_id)
    opinions = group.opinions.select_related("unit").order_by("pk")
    page = Paginator(opinions, 100).get_page(request.GET.get("page"))
    others = (
        OpinionGroup.objects.filter(unit=group.unit, campaign=group.campaign, problem__isnull=True)
        .exclude(pk=group.pk)
        .order_by("-size", "id")[:200]
    )
    return render(
        request,
        "opinions/group_detail.html",
        {
            "group": group,
            "unit": group.unit,
            "page": page,
            "rows": _rows(request.user, page.object_list),
            "others": others,
            "can_manage": scope_for(request.user).can_manage(group.unit),
        },
    )


GROUP_VERBS = {"merge", "split", "to_problem"}


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@login_required
@require_POST
def group_action(request, group_id, verb):
    group = get_group_for_user(request.user, group_id)
    if verb not in GROUP_VERBS:
        raise Http404("No such action")
    target = group
    try:
        if verb == "merge":
            others = list(
                OpinionGroup.objects.filter(
                    unit=group.unit, campaign=group.campaign, pk__in=_ids(request.POST.getlist("groups"))
                )
            )
            actions.do_merge_groups(group, others, acting_user=request.user)
            messages.success(request, _("Groups merged."))
        elif verb == "split":
            target = actions.do_split_group(
                group, _ids(request.POST.getlist("opinions")), acting_user=request.user
            )
            messages.success(request, _("Opinions split off into a new group."))
        elif verb == "to_problem":
            problem = actions.do_group_to_problem(
                group, request.POST.get("title", ""), acting_user=request.user
            )
            messages.success(request, _("The group is now a problem on the problem list."))
            return redirect("problem_detail", problem_id=problem.pk)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("opinion_group_detail", group_id=target.pk)


@login_required
def opinion_export(request, code):
    """The subtree's opinions as .xlsx; contacts by the same rule as the pages, never an address or a
    receipt code (the submitter's key). Cells are written as text through SafeWorkbook."""
    from chuxin.core.xlsx import SafeWorkbook
    from chuxin.orgs.watermark import watermark_text

    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    offices = office_unit_ids(request.user)
    buf = io.BytesIO()
    wb = SafeWorkbook(buf, {"in_memory": True}, viewer=watermark_text(request.user))
    ws = wb.add_worksheet("征求意见")
    bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2"})
    now = timezone.localtime()
    ws.write_string(
        0, 0, f"{unit.name}征求意见汇总　　导出人：{request.user.get_username()} {now:%Y-%m-%d %H:%M}"
    )
    head = [
        "序号",
        "受理单位",
        "责任单位",
        "渠道",
        "日期",
        "意见内容",
        "联系人",
        "联系电话",
        "办理状态",
        "回应关切",
    ]
    for i, h in enumerate(head):
        ws.write_string(1, i, h, bold)
    qs = (
        Opinion.objects.in_subtree(unit)
        .filter(campaign=campaign)
        .select_related("unit", "handling_unit")
        .order_by("pk")
    )
    for n, op in enumerate(qs.iterator(chunk_size=2000), 1):
        c = contact_for(request.user, op, offices)
        d = op.taken_on
        values = [
            op.unit.name,
            op.handling_unit.name,
            op.get_channel_display(),
            f"{d.year}年{d.month}月{d.day}日",
            op.text,
            "匿名" if c["anonymous"] else c["name"],
            c["phone"],
            op.get_status_display(),
            op.answer,
        ]
        ws.write_number(n + 1, 0, n)
        for col, v in enumerate(values, 1):
            ws.write_string(n + 1, col, str(v))
    wb.close()
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="opinions-{unit.code}.xlsx"'
    return response


@login_required
def poster_file(request, code, fmt):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    return poster.poster_response(unit, campaign, public_url(request, unit, campaign), fmt)
