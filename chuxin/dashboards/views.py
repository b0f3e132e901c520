import io
from datetime import date
from html import escape
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from chuxin.audit.actions import do_record_export
from chuxin.audit.events import AuditEvent
from chuxin.campaigns.access import campaign_for, covering_cached
from chuxin.core.dbrouter import reads_from_replica
from chuxin.core.templatetags.numbers import num_formatter
from chuxin.core.xlsx import SafeWorkbook
from chuxin.orgs.models import Unit
from chuxin.orgs.scope import get_unit_for_user, scope_for
from chuxin.orgs.watermark import watermark_text
from chuxin.problems.models import Kind, Level, Source, Status, ladder_bands
from chuxin.rollups.queries import dashboard
from chuxin.rollups.snapshots import trend

from .leadership import leadership_first, subtree_activity


def as_of(request, campaign, today: date) -> date:
    """The day a dashboard reports as of: ``?as_of=YYYY-MM-DD``, else the campaign's report day (its last
    day once it is closed, else today). A malformed date is a 400."""
    raw = request.GET.get("as_of")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise BadRequest("as_of is not a date (YYYY-MM-DD)") from None
    return campaign.report_day(today)


def _data(request, code):
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    # children of a visible unit are inside the scope too. Their figures name them (code, name, short name)
    # and nothing else of theirs is read: the other columns of ~180 rows, the creation time above all (a
    # parse in Python per row), were a tenth of the root dashboard's extra cost over a leaf's.
    children = Unit.objects.children_of(unit).only("path", "depth", "numchild", "code", "name", "short_name")
    today = timezone.localdate()
    return (
        unit,
        campaign,
        dashboard(unit, campaign.pk, today, children, as_of=as_of(request, campaign, today)),
    )


def _bucket_labels():
    """One band per rung of the escalation ladder, named by the rung and its days."""
    labels = []
    for lo, hi, level in ladder_bands():
        days = (
            _("%(lo)s-%(hi)s days") % {"lo": lo, "hi": hi} if hi else _("over %(lo)s days") % {"lo": lo - 1}
        )
        labels.append(f"{Level(level).label} · {days}")
    return labels


def _children_rows(children, campaign_id: int, as_of_day: date | None = None) -> str:
    """The rows of the per-child table, built here rather than by the template engine: the root has about
    180 children with 7 cells each, and the engine's cost per variable made the root page three times a
    leaf's. Same markup as a template loop; every text is escaped (the link's fixed parts once, a quoted
    code needs none: quote() leaves no character that escape() would change)."""
    query = f"?campaign={campaign_id}" + (f"&as_of={as_of_day.isoformat()}" if as_of_day else "")
    head, tail = reverse("unit_dashboard", args=["__code__"]).split("__code__")
    head, tail = escape(head), escape(tail + query)
    num = num_formatter()
    rows = []
    for k in children:
        rate = "—" if k.completion is None else f"{k.completion} %"
        rows.append(
            f'<tr><td><a href="{head}{quote(k.unit.code)}{tail}">{escape(k.unit.name)}</a></td>'
            f'<td class="text-end">{num(k.items)}</td><td class="text-end">{num(k.closed)}</td>'
            f'<td class="text-end">{num(k.kept_up)}</td><td class="text-end">{num(k.not_done)}</td>'
            f'<td class="text-end">{num(k.overdue)}</td><td class="text-end">{rate}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 — built from escaped values above


def _breadcrumb_ancestors(request, unit, campaign):
    """The ancestors the user sees whose dashboard exists for this campaign: the breadcrumb climbs back up
    the dashboards, never to a unit the campaign does not cover (that page would be a 404). One query (the
    ancestors); whether the campaign covers each is the campaign rule answered from the campaign directory
    that campaign_for() already read for this request (covering_cached)."""
    scope = scope_for(request.user)
    return [
        a
        for a in unit.ancestors()
        if scope.contains(a) and any(c.pk == campaign.pk for c in covering_cached(request, a))
    ]


@login_required
@reads_from_replica
def unit_dashboard(request, code):
    unit, campaign, d = _data(request, code)
    me = d["me"]
    history = trend(unit.pk, campaign.pk, until=d["cut_off"])
    ranked = [k for k in d["children"] if k.completion is not None]
    chart = {
        "trend": {
            "dates": [date_format(h.date, "MONTH_DAY_FORMAT") for h in history],
            "overdue": [h.overdue for h in history],
            "completion": [round(100 * h.closed / h.items, 2) if h.items else 0 for h in history],
        },
        "status": [{"name": Status(k).label, "value": v} for k, v in me.status_mix().items()],
        "kinds": [{"name": Kind(k).label, "value": v} for k, v in me.kind_mix().items()],
        # worst first, every subordinate with items (the chart labels each bar and scrolls past 30)
        "children": {
            "names": [k.unit.display_name for k in ranked],
            "completion": [k.completion for k in ranked],
        },
        "overdue": {"labels": _bucket_labels(), "values": me.buckets},
        "labels": {
            "status": _("Status mix"),
            "kinds": _("Kinds"),
            "completion": _("Completion rate (%)"),
            "overdue": _("Overdue items by days"),
            "items_axis": _("Items"),
            "date_axis": _("Date"),
            "trend_overdue": _("Overdue items"),
            "trend_completion": _("Completion rate (%)"),
        },
    }
    return render(
        request,
        "dashboards/unit_dashboard.html",
        {
            "unit": unit,
            "campaign": campaign,
            "ancestors": _breadcrumb_ancestors(request, unit, campaign),
            "chart": chart,
            # a snapshot keeps the overdue total, not its bands by days
            "bucket_rows": [] if d["historical"] else list(zip(_bucket_labels(), me.buckets, strict=True)),
            "history": history[-14:],
            "sources": [(Source(k).label, v) for k, v in me.source_mix().items()],
            "statuses": [(Status(k).label, v) for k, v in me.status_mix().items()],
            "kinds": [(Kind(k).label, v) for k, v in me.kind_mix().items()],
            "children_rows": _children_rows(
                d["children"], campaign.pk, d["cut_off"] if d["historical"] else None
            ),
            "today": timezone.localdate(),
            **d,
        },
    )


@login_required
@reads_from_replica
def children_xlsx(request, code):
    unit, campaign, d = _data(request, code)
    do_record_export(
        AuditEvent.EXPORT, {"what": "dashboard_children.xlsx"}, acting_user=request.user, obj=unit
    )
    buf = io.BytesIO()
    # unit names are text, never formulas; the viewer's watermark in the page header and footer
    wb = SafeWorkbook(buf, {"in_memory": True}, viewer=watermark_text(request.user))
    ws = wb.add_worksheet(_("Completion by unit")[:31])
    bold = wb.add_format({"bold": True})
    ws.write(
        0,
        0,
        f"{unit.name} · {campaign.title} · {_('as of %(date)s') % {'date': date_format(d['cut_off'], 'DATE_FORMAT')}}",
        bold,
    )
    ws.write(
        1,
        0,
        _("Exported by %(user)s at %(time)s")
        % {"user": request.user.username, "time": date_format(timezone.localtime(), "DATETIME_FORMAT")},
    )
    head = [
        _("Unit"),
        _("Code"),
        _("Items"),
        str(Status.CLOSED.label),
        str(Status.KEPT_UP.label),
        _("Not done"),
        _("Overdue"),
        _("Completion rate (%)"),
    ]
    ws.write_row(3, 0, head, bold)
    for r, k in enumerate(d["children"], 4):
        ws.write_row(
            r,
            0,
            [
                k.unit.name,
                k.unit.code,
                k.items,
                k.closed,
                k.kept_up,
                k.not_done,
                k.overdue,
                k.completion if k.completion is not None else "",
            ],
        )
    wb.close()
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="rollup-{unit.code}.xlsx"'
    return response


@login_required
@reads_from_replica
def strand_progress(request, code):
    """Leadership first (先学一步) at this unit, and its direct children's study and research progress:
    the organs' figures for the unit and its children in one batch, the subtree counts from the
    tallies; a fixed number of queries at any size of tree."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    children = list(Unit.objects.children_of(unit))
    lf = leadership_first(unit, campaign, children)
    activity = subtree_activity([unit, *children], campaign.pk)
    children = [(fig, activity[fig.unit.pk]) for fig in lf["children"]]
    return render(
        request,
        "dashboards/progress.html",
        {
            "unit": unit,
            "campaign": campaign,
            "lf": lf,
            "own_activity": activity[unit.pk],
            "children": children,
            "children_rows": _progress_rows(children),
        },
    )


def _progress_rows(children) -> str:
    """The per-child rows of the progress page, built here for the reason given at _children_rows()."""
    base = reverse("strand_progress", args=["__code__"])
    rows = []
    for fig, act in children:
        url = escape(base.replace("__code__", quote(fig.unit.code)))
        pct = "—" if fig.study_pct is None else f"{fig.study_pct}%"
        rows.append(
            f'<tr><td><a href="{url}">{escape(fig.unit.name)}</a></td><td>{pct}</td>'
            f"<td>{fig.reports_submitted} / {fig.members}</td><td>{act['study_sessions']}</td>"
            f"<td>{act['topics']}</td><td>{act['reports']}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 — built from escaped values above
