"""The audit log for auditors (审计管理员): search by unit subtree, account, event and time; export."""

import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuxin.core.xlsx import SafeWorkbook
from chuxin.orgs.watermark import watermark_text

from .actions import do_record_export
from .events import AuditEvent
from .search import auditor_paths, search

PER_PAGE = 50
EXPORT_MAX = 100_000


def _require_auditor(user):
    paths = auditor_paths(user)
    if paths == []:
        raise PermissionDenied("Reading the audit log needs the auditor role")


@login_required
@require_GET
def audit_log(request):
    _require_auditor(request.user)
    form, qs = search(request.user, request.GET)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": query.urlencode(), "retention": settings.AUDIT_RETENTION_DAYS},
    )


@login_required
@require_GET
def audit_export(request):
    _require_auditor(request.user)
    form, qs = search(request.user, request.GET)
    rows = list(qs[:EXPORT_MAX])
    do_record_export(
        AuditEvent.AUDIT_EXPORT, {"filters": request.GET.dict(), "rows": len(rows)}, acting_user=request.user
    )
    buf = io.BytesIO()
    wb = SafeWorkbook(buf, {"in_memory": True}, viewer=watermark_text(request.user))
    ws = wb.add_worksheet(_("Audit log")[:31])
    bold = wb.add_format({"bold": True})
    ws.write(
        0,
        0,
        _("Exported by %(user)s at %(time)s")
        % {"user": request.user.username, "time": date_format(timezone.localtime(), "DATETIME_FORMAT")},
    )
    head = [
        _("No."),
        _("Time"),
        _("Account"),
        _("Event"),
        _("Unit"),
        _("Object"),
        _("Before"),
        _("After"),
        "MAC",
    ]
    ws.write_row(2, 0, head, bold)
    labels = dict(AuditEvent.choices)
    for r, e in enumerate(rows, 3):
        ws.write_row(
            r,
            0,
            [
                e.pk,
                date_format(timezone.localtime(e.at), "DATETIME_FORMAT"),
                e.actor_name,
                str(labels.get(e.action, e.action)),
                e.unit.name if e.unit_id and e.unit else "",
                f"{e.model} #{e.object_id}" if e.model else "",
                str(e.before or ""),
                str(e.after or ""),
                e.hash,
            ],
        )
    wb.close()
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
