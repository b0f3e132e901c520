"""The burden meter's pages: a unit's meter (its subtree's counts, its own months, what was asked again),
recording a request, and one request."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chuxin.campaigns.access import campaign_for, check_campaign_param
from chuxin.core.errors import ActionError
from chuxin.core.templatetags.numbers import num
from chuxin.orgs.models import RECORDING_ROLES, Unit, subtree_q
from chuxin.orgs.scope import get_scoped_or_404, get_unit_for_user, scope_for
from chuxin.rollups import tallies

from . import actions, known
from .forms import RequestForm
from .models import Receipt, Request, RequestField

KEYS = ["burden.requests", "burden.fields", "burden.known", "burden.answered"]
RECEIVED = 20  # rows of the unit's newest requests received
LISTED = 30  # rows of the "asked again" lists


def _share(asked: int, knew: int) -> str:
    return f"{round(100 * knew / asked, 1)} %" if asked else "—"


def get_request_for_user(user, request_id: int) -> Request:
    """A request is seen by those who see the unit that asked, or one of the units asked; else 404."""
    req = Request.objects.select_related("from_unit", "asked_by", "campaign").filter(pk=request_id).first()
    if req is None:
        raise Http404("No such request")
    scope = scope_for(user)
    if scope.contains(req.from_unit):
        return req
    if scope.filter(Receipt.objects.filter(request=req), "unit__path").exists():
        return req
    raise Http404("No such request")


def _children_rows(children, figures, campaign_id: int) -> str:
    """The per-child rows, built here rather than by the template engine (see dashboards._children_rows)."""
    base = reverse("burden_meter", args=["__code__"])
    rows = []
    for c in children:
        f = figures[c.pk]
        url = escape(f"{base.replace('__code__', quote(c.code))}?campaign={campaign_id}")
        asked, knew = f["burden.fields"], f["burden.known"]
        rows.append(
            f'<tr><td><a href="{url}">{escape(c.name)}</a></td><td class="text-end">{num(f["burden.requests"])}</td>'
            f'<td class="text-end">{num(asked)}</td><td class="text-end">{num(knew)}</td>'
            f'<td class="text-end">{_share(asked, knew)}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 — built from escaped values above


@login_required
def burden_meter(request, code):
    """A fixed number of queries at any size of tree: the tallies of the unit and its children (one), the
    unit's own receipts by month (its index), and the newest requests that asked for known figures."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    children = list(Unit.objects.children_of(unit).order_by("path"))
    figures = tallies.read([unit, *children], campaign.pk, KEYS)
    me = figures[unit.pk]
    # a withdrawn request is no burden: left out of every count and list below (and of the tallies)
    mine = Receipt.objects.filter(unit=unit, request__campaign=campaign)
    months = list(
        mine.filter(request__withdrawn_at=None)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(
            requests=Count("id"),
            asked=Sum("request__fields_asked"),
            knew=Sum("request__fields_known"),
            answered=Count("answered_at"),
        )
        .order_by("month")
    )
    withdrawn = mine.exclude(request__withdrawn_at=None).count()
    received = list(
        mine.select_related("request__from_unit", "request__asked_by").order_by("-request_id")[:RECEIVED]
    )
    for m in months:
        m["share"] = _share(m["asked"], m["knew"])
    asked_here = list(
        RequestField.objects.filter(
            request__receipts__unit=unit, request__campaign=campaign, request__withdrawn_at=None
        )
        .exclude(known="")
        .select_related("request__from_unit", "request__asked_by")
        .order_by("-request_id", "order")[:LISTED]
    )
    sent_below = list(
        Request.objects.filter(
            subtree_q(unit.path, "from_unit__path"), campaign=campaign, fields_known__gt=0, withdrawn_at=None
        )
        .select_related("from_unit", "asked_by")
        .order_by("-id")[:LISTED]
    )
    scope = scope_for(request.user)
    return render(
        request,
        "burden/meter.html",
        {
            "unit": unit,
            "campaign": campaign,
            "me": {
                "requests": me["burden.requests"],
                "asked": me["burden.fields"],
                "knew": me["burden.known"],
                "share": _share(me["burden.fields"], me["burden.known"]),
                "answered": me["burden.answered"],
            },
            "withdrawn": withdrawn,
            "received": [
                (
                    r,
                    not campaign.is_closed
                    and not r.request.is_withdrawn
                    and scope.can_record_below(unit, r.request.from_unit),
                )
                for r in received
            ],
            "months": months,
            "asked_here": [(f, known.BY_KEY.get(f.known)) for f in asked_here],
            "sent_below": sent_below,
            "children": children,
            "children_rows": _children_rows(children, figures, campaign.pk),
            "can_ask": scope.can_manage(unit) and bool(children) and not campaign.is_closed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def burden_request_create(request, code):
    unit = get_unit_for_user(request.user, code, need="manage")
    campaign = campaign_for(request, unit)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = form.codes()
        if codes:
            to_units = list(
                Unit.objects.filter(subtree_q(unit.path), code__in=codes[: actions.MAX_RECIPIENTS + 1])
            )
            missing = set(codes) - {u.code for u in to_units}
            if missing:
                form.add_error(
                    "to_codes",
                    _("Not below this unit: %(codes)s") % {"codes": "、".join(sorted(missing)[:20])},
                )
        elif form.cleaned_data["to_children"]:
            to_units = list(Unit.objects.children_of(unit))
        else:
            to_units = []
        if not form.errors:
            try:
                req = actions.do_make_request(
                    acting_user=request.user,
                    campaign=campaign,
                    from_unit=unit,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    fields=form.field_lines(),
                    to_units=to_units,
                    note=form.cleaned_data["note"],
                    due_date=form.cleaned_data["due_date"],
                )
            except ActionError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The request is recorded."))
                return redirect(f"{reverse('burden_request_detail', args=[req.pk])}?campaign={campaign.pk}")
    return render(request, "burden/request_form.html", {"unit": unit, "campaign": campaign, "form": form})


@login_required
def burden_request_detail(request, request_id):
    req = get_request_for_user(request.user, request_id)
    check_campaign_param(request, req.campaign_id)
    scope = scope_for(request.user)
    fields = [(f, known.BY_KEY.get(f.known)) for f in req.fields.order_by("order")]
    receipts = list(req.receipts.select_related("unit").order_by("unit__path")[:100])
    open_ = not req.campaign.is_closed and not req.is_withdrawn
    # the units asked that this user answers for (a role held below the asking unit), at most a page
    mine = [
        r
        for r in scope.filter(req.receipts.select_related("unit"), "unit__path", RECORDING_ROLES).order_by(
            "unit__path"
        )[:RECEIVED]
        if scope.can_record_below(r.unit, req.from_unit)
    ]
    return render(
        request,
        "burden/request_detail.html",
        {
            "req": req,
            "campaign": req.campaign,
            "unit": req.from_unit,
            "fields": fields,
            "receipts": receipts,
            "answered": req.receipts.exclude(answered_at=None).count(),
            "mine": mine,
            "can_answer": open_,
            "can_withdraw": open_ and scope.can_manage(req.from_unit),
        },
    )


@login_required
@require_POST
def burden_request_withdraw(request, request_id):
    """The asking unit's office withdraws a request (403 for others who see it, 404 outside)."""
    req = get_request_for_user(request.user, request_id)
    check_campaign_param(request, req.campaign_id)
    try:
        actions.do_withdraw_request(req, reason=request.POST.get("reason", ""), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The request is withdrawn; it no longer counts as burden."))
    return redirect(f"{reverse('burden_request_detail', args=[req.pk])}?campaign={req.campaign_id}")


@login_required
@require_POST
def burden_receipt_answer(request, receipt_id):
    """A unit asked marks the request answered (403 for the asker and those above it, 404 outside)."""
    receipt = get_scoped_or_404(
        request.user,
        Receipt.objects.select_related("request__from_unit", "request__campaign"),
        receipt_id,
        "unit__path",
    )
    try:
        actions.do_mark_request_answered(receipt, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as answered by %(unit)s.") % {"unit": receipt.unit.name})
    back = reverse("burden_meter", args=[receipt.unit.code]) if request.POST.get("back") == "meter" else None
    back = back or reverse("burden_request_detail", args=[receipt.request_id])
    return redirect(f"{back}?campaign={receipt.request.campaign_id}")
