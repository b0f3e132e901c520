"""The Excel ledger import as an asynchronous job: upload (bounded, then checked by the worker: the dry
run), poll, read the dry run's result, apply. The same job files, task and `do_import_ledger` action as
the import page."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Status
from ninja.files import UploadedFile

from chuxin.campaigns.access import campaign_for
from chuxin.campaigns.actions import ensure_open
from chuxin.core.errors import ActionError
from chuxin.core.xlsx import XlsxRefused, check_size, inspect_xlsx, name_refused
from chuxin.orgs.scope import get_unit_for_user
from chuxin.problems.ledger import jobs
from chuxin.problems.ledger.plan import MODES

from . import schemas as s
from .api import ERRORS, WRITE_ERRORS, api


def _job_out(sha: str, state: dict) -> dict:
    return {
        "id": sha,
        "status": state.get("status", "queued"),
        "mode": state.get("mode", "stop"),
        "confirm": bool(state.get("confirm")),
        "processed": state.get("processed") or 0,
        "total": state.get("total") or 0,
        "applied": bool(state.get("applied")),
        "file_error": state.get("file_error"),
        "errors": [list(e) if isinstance(e, list | tuple) else [str(e)] for e in state.get("errors") or []],
        "summary": {k: v for k, v in (state.get("summary") or {}).items() if isinstance(v, int)},
    }


def _own_job(request, code: str, job_id: str):
    """The job if the caller started it at this unit (404 for anyone else, as outside the scope)."""
    unit = get_unit_for_user(request.user, code, need="record")
    try:
        state = jobs.read_job(unit.code, job_id)
    except ValueError:
        state = None
    if not state or state.get("user") != request.user.pk:
        raise Http404("No such import")
    return unit, state


def _start(request, unit, sha: str, state: dict, confirm: bool, mode: str) -> dict:
    state = {**state, "status": "queued", "mode": mode, "confirm": confirm, "processed": 0}
    state.update(user=request.user.pk, unit=unit.code)
    jobs.write_job(unit.code, sha, state)
    jobs.ledger_import_task.enqueue(sha, request.user.pk, unit.code, confirm, mode, state["campaign"])
    return jobs.read_job(unit.code, sha) or state


@api.post(
    "/units/{code}/imports",
    response={202: s.ImportJob, **WRITE_ERRORS},
    url_name="api_import_upload",
    tags=["import"],
)
def import_upload(request, code: str, file: File[UploadedFile], mode: Form[str] = "stop"):
    """Upload a 台账 workbook (.xlsx). The worker checks every row (the dry run) and writes nothing;
    poll the job for its result. `mode`: stop (apply nothing if any row is refused), skip, update.
    `?campaign=<id>`: the campaign it goes into (default: the newest covering the unit); the apply
    writes into the same one."""
    unit = get_unit_for_user(request.user, code, need="record")
    campaign = campaign_for(request, unit)  # ?campaign=<id>, else the newest covering the unit (404 if none)
    ensure_open(campaign)  # a closed campaign is read-only: nothing is uploaded into it
    if mode not in MODES:
        raise ActionError(_("Unknown import mode %(mode)s.") % {"mode": mode})
    if refused := name_refused(file.name or ""):
        raise ActionError(refused)
    try:
        check_size(file.size)
    except XlsxRefused as exc:
        raise ActionError(str(exc)) from exc
    try:
        sha = jobs.save_upload(file, unit.code, jobs.owner(request.user.pk, "ledger", campaign.pk))
    except jobs.QuotaExceeded as exc:
        raise ActionError(str(exc)) from exc
    try:
        rows = inspect_xlsx(jobs.upload_path(unit.code, sha)).rows
    except XlsxRefused as exc:
        jobs.discard(unit.code, sha)
        raise ActionError(str(exc)) from exc
    # the job keeps its campaign: the apply writes where the dry run checked
    state = {"total": rows, "name": (file.name or "")[:200], "campaign": campaign.pk}
    return Status(202, _job_out(sha, _start(request, unit, sha, state, confirm=False, mode=mode)))


@api.get(
    "/units/{code}/imports/{job_id}",
    response={200: s.ImportJob, **ERRORS},
    url_name="api_import_status",
    tags=["import"],
)
def import_status(request, code: str, job_id: str):
    """Poll the job: queued, running, done (with the dry run's refused rows and summary) or failed."""
    _unit, state = _own_job(request, code, job_id)
    return _job_out(job_id, state)


@api.post(
    "/units/{code}/imports/{job_id}/apply",
    response={202: s.ImportJob, **WRITE_ERRORS},
    url_name="api_import_apply",
    tags=["import"],
)
def import_apply(request, code: str, job_id: str):
    """Apply a checked file, in the mode it was checked in."""
    unit, state = _own_job(request, code, job_id)
    if state.get("status") != "done" or state.get("confirm") or state.get("applied"):
        raise ActionError(_("Only a checked file can be applied, once."))
    if state.get("mode", "stop") == "stop" and state.get("errors"):
        raise ActionError(_("The file has refused rows; fix them, or check it again in the skip mode."))
    if not state.get("errors") and not jobs.writes(state):
        raise ActionError(_("Every row of this file matches the ledger: there is nothing to import."))
    if not state.get("campaign"):
        raise ActionError(_("The file was checked before imports named their campaign; upload it again."))
    if not jobs.upload_path(unit.code, job_id).exists():
        raise ActionError(_("The uploaded file has expired; upload it again."))
    started = _start(request, unit, job_id, state, confirm=True, mode=state.get("mode", "stop"))
    return Status(202, _job_out(job_id, started))
