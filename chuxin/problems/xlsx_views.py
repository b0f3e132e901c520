"""Excel 台账 views: export a unit's ledger, download the blank template, import with a dry run first,
download the refused rows. The import itself is `actions.do_import_ledger`; uploads and jobs: ledger/jobs.py."""

import io
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chuxin.audit.actions import do_record_export
from chuxin.audit.events import AuditEvent
from chuxin.campaigns.access import campaign_for
from chuxin.campaigns.actions import ensure_open
from chuxin.core.dbrouter import reads_from_replica
from chuxin.core.errors import ActionError
from chuxin.core.filecheck import check_upload
from chuxin.core.xlsx import Limits, XlsxRefused, check_size, inspect_xlsx, megabytes, name_refused
from chuxin.orgs.scope import get_unit_for_user, require_record

from .ledger import export, jobs
from .ledger.layout import BIG_IMPORT_ROWS
from .ledger.plan import MODES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
@reads_from_replica
def ledger_export(request, code):
    """The unit's (or subtree's) ledger as .xlsx: written in the request up to
    LEDGER_EXPORT_BACKGROUND_ROWS rows, by the worker beyond (this URL with ?job= then shows its progress and
    the download; only to the user who asked, in the same scope)."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    key = request.GET.get("job")
    if key:
        return _export_job(request, unit, campaign, key)
    subtree = request.GET.get("subtree") == "1"
    n = export.export_count(unit, subtree, campaign)
    if n > settings.LEDGER_EXPORT_BACKGROUND_ROWS:
        key = jobs.new_export_key()
        state = {"status": "queued", "user": request.user.pk, "unit": unit.code, "campaign": campaign.pk}
        jobs.write_job(
            unit.code, key, state | {"subtree": subtree, "processed": 0, "total": n}, jobs.EXPORT_DIR
        )
        jobs.ledger_export_task.enqueue(key, request.user.pk, unit.code, campaign.pk, subtree)
        query = urlencode({"job": key, "campaign": campaign.pk})
        return redirect(reverse("ledger_export", kwargs={"code": unit.code}) + "?" + query)
    out = tempfile.TemporaryFile()  # on disk, so a 100 000-row subtree never sits in memory
    export.write_ledger(out, unit, request.user, subtree=subtree, campaign=campaign)
    return _send_export(request, unit, out, subtree)


def _send_export(request, unit, out, subtree: bool, job: str | None = None):
    detail = {"what": "ledger.xlsx", "subtree": subtree} | ({"job": job} if job else {})
    do_record_export(AuditEvent.EXPORT, detail, acting_user=request.user, obj=unit)
    out.seek(0)
    suffix = "（含下级）" if subtree else ""
    name = f"{unit.name}{suffix}整改台账{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def _export_job(request, unit, campaign, key):
    """A background export of this user's, at this unit, in this campaign (404 for anyone else): its
    progress, polled by the page, and when done its file."""
    state = jobs.own_state(unit.code, key, request.user.pk, campaign_id=campaign.pk, root=jobs.EXPORT_DIR)
    if state is None:
        raise Http404("No such export")
    path = jobs.upload_path(unit.code, key, jobs.EXPORT_DIR)
    if state.get("status") == "done" and request.GET.get("download") == "1":
        try:
            out = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
        except OSError:
            raise Http404("The export has expired") from None
        return _send_export(request, unit, out, bool(state.get("subtree")), job=key)
    ctx = {
        "unit": unit,
        "campaign": campaign,
        "job": state,
        "key": key,
        "expired": state.get("status") == "done" and not path.exists(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "problems/_export_progress.html", ctx)
    return render(request, "problems/ledger_export_job.html", ctx)


@login_required
@require_GET
def ledger_template(request):
    out = tempfile.TemporaryFile()
    export.write_template(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="主题教育整改台账模板.xlsx", content_type=XLSX)


def _import_unit(request, code):
    """The unit (404 outside the scope), the campaign the import writes into (404 if it does not cover the
    unit), then the recording role (403)."""
    unit = get_unit_for_user(request.user, code)
    campaign = campaign_for(request, unit)
    require_record(request.user, unit)
    return unit, campaign


def _job_url(unit, sha, campaign):
    query = {"job": sha, "campaign": campaign.pk}
    return reverse("ledger_import", kwargs={"code": unit.code}) + "?" + urlencode(query)


def _mode(value) -> str:
    return value if value in MODES else "stop"


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request, code):
    unit, campaign = _import_unit(request, code)
    ctx = {
        "unit": unit,
        "campaign": campaign,
        "big_rows": BIG_IMPORT_ROWS,
        "mode": "stop",
        "limit_mb": megabytes(Limits.from_settings().max_bytes),
        "import_url": reverse("ledger_import", kwargs={"code": unit.code}),
    }
    if request.method == "GET":
        sha = request.GET.get("job")
        if sha:
            return _job_page(request, unit, sha, ctx)
        ctx |= {
            "waiting": jobs.waiting(unit.code, request.user.pk, campaign_id=campaign.pk),
            "retention_days": jobs.retention_days(),
        }
        return render(request, "problems/ledger_import.html", ctx)

    if request.POST.get("cancel") == "1":
        return _cancel(request, unit, campaign, request.POST.get("sha", ""))
    try:
        ensure_open(campaign)  # nothing is written into a closed campaign, so nothing is uploaded or checked
    except ActionError as exc:
        ctx["file_error"] = exc.messages[0]
        return render(request, "problems/ledger_import.html", ctx, status=400)
    confirm = request.POST.get("confirm") == "1"
    mode = ctx["mode"] = _mode(request.POST.get("mode"))
    sha = request.POST.get("sha", "")
    name = ""
    if confirm:
        own = jobs.own_state(unit.code, sha, request.user.pk, campaign_id=campaign.pk)
        if own is None or not jobs.upload_path(unit.code, sha).exists():
            ctx["file_error"] = _("The uploaded file has expired; upload it again.")
            return render(request, "problems/ledger_import.html", ctx, status=400)
        name = own.get("name", "")
    else:
        f = request.FILES.get("file")
        if f is None:
            ctx["file_error"] = _("Choose an Excel file (.xlsx) to import.")
            return render(request, "problems/ledger_import.html", ctx, status=400)
        if refused := name_refused(f.name):
            ctx["file_error"] = refused
            return render(request, "problems/ledger_import.html", ctx, status=400)
        try:
            check_size(f.size)
        except XlsxRefused as exc:
            ctx["file_error"] = str(exc)
            return render(request, "problems/ledger_import.html", ctx, status=400)
        try:
            check_upload(f, "ledger_import")  # by content, not by name
        except ActionError as exc:
            ctx["file_error"] = exc.messages[0]
            return render(request, "problems/ledger_import.html", ctx, status=400)
        try:
            sha = jobs.save_upload(f, unit.code, jobs.owner(request.user.pk, "ledger", campaign.pk))
        except jobs.QuotaExceeded as exc:
            ctx["file_error"] = str(exc)
            return render(request, "problems/ledger_import.html", ctx, status=400)
        name = f.name[:200]

    # Bounds first (size, zip entries, inflated sizes, dimensions), without parsing: the row count decides
    # whether the file is parsed here or in the worker.
    try:
        nrows = inspect_xlsx(jobs.upload_path(unit.code, sha)).rows
    except XlsxRefused as exc:
        jobs.discard(unit.code, sha)
        ctx["file_error"] = str(exc)
        return render(request, "problems/ledger_import.html", ctx, status=400)

    state = {
        "status": "queued",
        "mode": mode,
        "confirm": confirm,
        "processed": 0,
        "total": nrows,
        "user": request.user.pk,
        "unit": unit.code,
        "campaign": campaign.pk,
        "name": name,
    }
    if nrows > BIG_IMPORT_ROWS + 20:
        jobs.write_job(unit.code, sha, state)
        jobs.ledger_import_task.enqueue(sha, request.user.pk, unit.code, confirm, mode, campaign.pk)
        return redirect(_job_url(unit, sha, campaign))

    result = jobs.run_import(sha, request.user, unit, confirm, mode, name=name, campaign=campaign)
    state |= result
    jobs.write_job(unit.code, sha, state)
    if result.get("applied"):
        _done_message(request, result["summary"])
        return redirect(_job_url(unit, sha, campaign))
    ctx |= _result_ctx(state, sha)
    return render(
        request, "problems/ledger_import.html", ctx, status=200 if not ctx.get("file_error") else 400
    )


def _done_message(request, summary):
    messages.success(
        request,
        _("Imported: %(new)s new items, %(changed)s items changed, %(unchanged)s rows unchanged.") % summary,
    )


def _result_ctx(result, sha):
    summary = result.get("summary") or {}
    mode = result.get("mode", "stop")
    errors = result.get("errors") or []
    applicable = jobs.writes(result)
    open_ = result.get("status") == "done" and not result.get("applied") and not result.get("file_error")
    return {
        "file_error": result.get("file_error"),
        "errors": errors,
        "errors_total": result.get("errors_total", len(errors)),
        "summary": summary,
        "sheet": result.get("sheet", ""),
        "diffs": result.get("diffs") or [],
        "diff_rows": result.get("diff_rows", 0),
        "sha": sha,
        "mode": mode,
        "checked": True,
        "applied": result.get("applied", False),
        "has_refused": bool(result.get("refused")),
        "can_confirm": result.get("status") == "done"
        and not result.get("applied")
        and not result.get("file_error")
        and applicable > 0
        and (not errors or mode != "stop"),
        # the upload stays (to be applied, or cancelled) unless nothing in it differs from the ledger
        "nothing_to_apply": open_ and not errors and not applicable,
        "kept": open_ and bool(errors or applicable),
    }


def _job_state(request, unit, sha, campaign):
    state = jobs.own_state(unit.code, sha, request.user.pk, campaign_id=campaign.pk)
    if state is None:
        raise Http404("No such import")
    return state


def _cancel(request, unit, campaign, sha):
    """Cancel one of the user's own uploads (a checked or refused file never applied): it leaves the disk and
    the unit's quota at once instead of after the retention."""
    state = _job_state(request, unit, sha, campaign)
    if state.get("status") in ("queued", "running"):
        messages.error(
            request, _("This file is being processed; it can be cancelled once the check has finished.")
        )
    else:
        jobs.forget(unit.code, sha)
        messages.success(request, _("The import was cancelled and the uploaded file deleted."))
    return redirect(
        reverse("ledger_import", kwargs={"code": unit.code}) + "?" + urlencode({"campaign": campaign.pk})
    )


def _job_page(request, unit, sha, ctx):
    state = _job_state(request, unit, sha, ctx["campaign"])
    finished = state.get("status") in ("done", "failed")
    ctx |= {"job": state, "sha": sha, "finished": finished}
    if finished:
        ctx |= _result_ctx(state, sha)
    if request.headers.get("HX-Request"):
        return render(request, "problems/_import_progress.html", ctx)
    return render(request, "problems/ledger_import.html", ctx)


@login_required
@require_GET
def ledger_import_refused(request, code):
    """The refused rows of an import as .xlsx: row, column, reason (in Chinese), and the row's cells."""
    unit, campaign = _import_unit(request, code)
    state = _job_state(request, unit, request.GET.get("job", ""), campaign)
    buf = io.BytesIO()
    n = export.write_refused(buf, state)
    if not n:
        raise Http404("Nothing was refused")
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote(f"{unit.name}未导入的行.xlsx")
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
