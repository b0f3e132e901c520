"""Uploads and background jobs of the import and the big export: where files live, how long, and the
worker's tasks.

- An upload is kept as MEDIA_ROOT/imports/<unit code>/<key>.xlsx, with its job's state beside it as
  <key>.json (status, progress, the result); the key is the owner's and the file's (core/uploads.py). Uploads
  are per unit: a unit may hold at most
  IMPORT_QUOTA_FILES uploads and IMPORT_QUOTA_BYTES bytes at once (settings), so nobody fills the disk.
- Applied imports delete their upload at once; refused and abandoned ones are deleted with their state after
  IMPORT_RETENTION_DAYS days (default 7) by `purge_imports`, the daily task (`manage.py purgeimports`).
- Files with more than BIG_IMPORT_ROWS rows (counted by the bounded inspection, without parsing) are parsed,
  checked and applied in the worker; the page polls the job's progress.
- Ledger exports of more than LEDGER_EXPORT_BACKGROUND_ROWS rows are written by the worker to
  MEDIA_ROOT/exports/<unit code>/<random key>.xlsx, downloaded by the user who asked, purged with the uploads.
"""

from __future__ import annotations

import time

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from django_tasks import task

from chuxin.core.uploads import (  # noqa: F401 (the upload store, shared with the organisation import)
    EXPORT_DIR,
    IMPORT_DIR,
    QuotaExceeded,
    check_quota,
    discard,
    forget,
    import_dir,
    job_path,
    new_export_key,
    own_state,
    owner,
    purge,
    quota,
    read_job,
    retention_days,
    save_upload,
    upload_path,
    waiting,
    write_job,
)


@task()
def purge_imports() -> int:
    """The daily clean-up of import uploads (queued by `manage.py purgeimports` from cron)."""
    return purge()


def run_import(
    sha: str, user, unit, confirm: bool, mode: str = "stop", progress=None, name: str = "", *, campaign
) -> dict:
    """Read, check and (with confirm) apply into `campaign` (the import page's, see campaigns/access.py)
    through the one action; returns a JSON-able result."""
    from chuxin.problems.actions import do_import_ledger

    result = do_import_ledger(
        unit=unit,
        path=upload_path(unit.code, sha),
        mode=mode,
        confirm=confirm,
        progress=progress,
        campaign=campaign,
        acting_user=user,
    )
    result["name"] = name
    checked = not confirm and result.get("status") == "done"
    if (
        result.get("applied")
        or (not confirm and result.get("status") == "failed")
        or (checked and not result.get("errors") and not writes(result))
    ):
        # applied, refused as a whole, or nothing in it differs from the ledger: it will never be applied
        discard(unit.code, sha)
    return result


def writes(result: dict) -> int:
    """How many writes a checked file's apply would make: new items, changed items, changed problems."""
    summary = result.get("summary") or {}
    return sum(summary.get(k) or 0 for k in ("new", "changed", "problems_changed"))


@task()
def ledger_export_task(key: str, user_id: int, unit_code: str, campaign_id: int, subtree: bool) -> None:
    """Write a big ledger export to exports/<unit>/<key>.xlsx for the user who asked (the page polls the
    state and offers the download when done). The user's scope is checked again: it may have changed."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    from chuxin.campaigns.models import Campaign
    from chuxin.orgs.scope import get_unit_for_user

    from . import export

    state = read_job(unit_code, key, EXPORT_DIR) or {}
    state.update(status="running", processed=0)
    write_job(unit_code, key, state, EXPORT_DIR)
    progress = _progress(unit_code, key, state, EXPORT_DIR)
    target = upload_path(unit_code, key, EXPORT_DIR)
    part = target.with_suffix(".part")
    try:
        user = get_user_model().objects.get(pk=user_id, is_active=True)
        unit = get_unit_for_user(user, unit_code)
        campaign = Campaign.objects.get(pk=campaign_id)
        n = export.write_ledger(part, unit, user, subtree=subtree, campaign=campaign, progress=progress)
        part.replace(target)
        state.update(status="done", processed=n, total=n)
    except (Http404, ObjectDoesNotExist):
        state.update(status="failed", error=_("This ledger is no longer yours to export."))
    except Exception as exc:  # the page must end, whatever happened
        state.update(status="failed", error=str(exc)[:300])
    finally:
        part.unlink(missing_ok=True)  # a failed export's half-written file (gone already when done)
    write_job(unit_code, key, state, EXPORT_DIR)


def _progress(unit_code: str, key: str, state: dict, root: str = IMPORT_DIR):
    """A job's progress callback, `(done, total=None)`: kept in its state, written at most twice a second
    and when done reaches the total (the page polls it every second)."""
    last = [0.0]

    def progress(done, total=None):
        state["processed"] = done
        if total is not None:
            state["total"] = total
        if time.monotonic() - last[0] > 0.5 or done == total:
            last[0] = time.monotonic()
            write_job(unit_code, key, state, root)

    return progress


@task()
def ledger_import_task(
    sha: str, user_id: int, unit_code: str, confirm: bool, mode: str = "stop", campaign_id: int | None = None
) -> None:
    from django.contrib.auth import get_user_model

    from chuxin.campaigns.access import covering
    from chuxin.orgs.models import Unit

    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.get(code=unit_code)
    # the campaign the page (or the API call) checked the file in; never another one
    campaign = covering(unit).filter(pk=campaign_id).first() if campaign_id else None
    state = read_job(unit_code, sha) or {}
    state.update(
        status="running",
        mode=mode,
        confirm=confirm,
        processed=0,
        total=0,
        user=user_id,
        unit=unit_code,
    )
    write_job(unit_code, sha, state)
    progress = _progress(unit_code, sha, state)
    try:
        if campaign is None:
            result = {
                "status": "failed",
                "file_error": _("The campaign of this import does not cover the unit (any more)."),
                "errors": [],
                "summary": {},
            }
        else:
            result = run_import(
                sha,
                user,
                unit,
                confirm,
                mode,
                progress=progress,
                name=state.get("name", ""),
                campaign=campaign,
            )
    except Exception as exc:  # the page must end, whatever happened
        result = {"status": "failed", "file_error": str(exc)[:300], "errors": [], "summary": {}}
    state.update(result)
    write_job(unit_code, sha, state)
