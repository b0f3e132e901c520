"""Excel 台账 views: export a unit's ledger, download the blank template, import with a dry run first."""

import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chuxin.core.xlsx import Limits, XlsxRefused, inspect_xlsx
from chuxin.orgs.scope import get_unit_for_user

from . import ledger_xlsx as lx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def ledger_export(request, code):
    unit = get_unit_for_user(request.user, code)
    subtree = request.GET.get("subtree") == "1"
    out = tempfile.TemporaryFile()  # on disk, so a 100 000-row subtree never sits in memory
    lx.write_ledger(out, unit, request.user, subtree=subtree)
    out.seek(0)
    suffix = "（含下级）" if subtree else ""
    name = f"{unit.name}{suffix}整改台账{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def ledger_template(request):
    out = tempfile.TemporaryFile()
    lx.write_template(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename="主题教育整改台账模板.xlsx", content_type=XLSX)


def _import_unit(request, code):
    unit = get_unit_for_user(request.user, code, need="record")
    return unit


def _job_url(unit, sha):
    return reverse("ledger_import", kwargs={"code": unit.code}) + "?" + urlencode({"job": sha})


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request, code):
    unit = _import_unit(request, code)
    ctx = {"unit": unit, "big_rows": lx.BIG_IMPORT_ROWS}
    if request.method == "GET":
        sha = request.GET.get("job")
        if sha:
            return _job_page(request, unit, sha, ctx)
        return render(request, "problems/ledger_import.html", ctx)

    confirm = request.POST.get("confirm") == "1"
    sha = request.POST.get("sha", "")
    if confirm:
        try:
            if not lx.upload_path(sha).exists():
                raise ValueError
        except ValueError:
            ctx["file_error"] = _("The uploaded file has expired; upload it again.")
            return render(request, "problems/ledger_import.html", ctx, status=400)
    else:
        f = request.FILES.get("file")
        if f is None:
            ctx["file_error"] = _("Choose an Excel file (.xlsx) to import.")
            return render(request, "problems/ledger_import.html", ctx, status=400)
        if not f.name.lower().endswith(".xlsx"):
            ctx["file_error"] = _("Only Excel workbooks (.xlsx) can be imported.")
            return render(request, "problems/ledger_import.html", ctx, status=400)
        limit = Limits.from_settings().max_bytes
        if f.size > limit:
            ctx["file_error"] = _(
                "The file is %(size)s MB; at most %(limit)s MB can be imported. Split it into smaller files."
            ) % {"size": f"{f.size / 1e6:.1f}", "limit": f"{limit / 1e6:.0f}"}
            return render(request, "problems/ledger_import.html", ctx, status=400)
        sha = lx.save_upload(f)

    # Bounds first (size, zip entries, inflated sizes, dimensions), without parsing: the row count decides
    # whether the file is parsed here or in the worker.
    try:
        nrows = inspect_xlsx(lx.upload_path(sha)).rows
    except XlsxRefused as exc:
        lx.upload_path(sha).unlink(missing_ok=True)
        ctx["file_error"] = str(exc)
        return render(request, "problems/ledger_import.html", ctx, status=400)

    if nrows > lx.BIG_IMPORT_ROWS + 10:
        lx.write_job(
            sha,
            {
                "status": "queued",
                "mode": "apply" if confirm else "check",
                "processed": 0,
                "total": nrows,
                "user": request.user.pk,
                "unit": unit.code,
            },
        )
        lx.ledger_import_task.enqueue(sha, request.user.pk, unit.code, confirm)
        return redirect(_job_url(unit, sha))

    result = lx.run_import(sha, request.user, unit, confirm)
    if result.get("applied"):
        _done_message(request, result["summary"])
        lx.upload_path(sha).unlink(missing_ok=True)
        return redirect("ledger_import", code=unit.code)
    ctx.update(_result_ctx(result, sha, confirm))
    return render(
        request, "problems/ledger_import.html", ctx, status=200 if not ctx.get("file_error") else 400
    )


def _done_message(request, summary):
    messages.success(
        request,
        _("Imported: %(new)s new items, %(changed)s items changed, %(unchanged)s rows unchanged.") % summary,
    )


def _result_ctx(result, sha, confirm):
    return {
        "file_error": result.get("file_error"),
        "errors": result.get("errors") or [],
        "summary": result.get("summary") or {},
        "sha": sha,
        "checked": True,
        "applied": result.get("applied", False),
        "can_confirm": result.get("status") == "done"
        and not result.get("errors")
        and not result.get("applied"),
    }


def _job_page(request, unit, sha, ctx):
    try:
        state = lx.read_job(sha)
    except ValueError:
        state = None
    if not state or state.get("user") != request.user.pk or state.get("unit") != unit.code:
        raise Http404("No such import")
    finished = state.get("status") in ("done", "failed")
    ctx.update(job=state, sha=sha, finished=finished)
    if finished:
        ctx.update(_result_ctx(state, sha, state.get("mode") == "apply"))
        if state.get("applied") and not request.headers.get("HX-Request"):
            lx.upload_path(sha).unlink(missing_ok=True)
    if request.headers.get("HX-Request"):
        return render(request, "problems/_import_progress.html", ctx)
    return render(request, "problems/ledger_import.html", ctx)
