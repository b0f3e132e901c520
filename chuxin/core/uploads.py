"""Uploaded files waiting to be imported (the 台账, the organisation sheet): where they live, how long, how many.

- An upload is kept as MEDIA_ROOT/imports/<unit code>/<key>.xlsx, with its job's state beside it as
  <key>.json (status, progress, the result) and a dry run's signed plan as <key>.plan (the 台账 import,
  problems/ledger/kept.py). The key is the SHA-256 of its owner (user, import and, for the 台账, the campaign:
  `owner`) and the file's bytes: the same file sent again by the same user to the same import finds its
  upload again, while two members sending the same file, or one file checked in two campaigns, are two
  uploads that do not overwrite each other's state. A unit may hold at most IMPORT_QUOTA_FILES uploads and
  IMPORT_QUOTA_BYTES bytes at once (settings), so nobody fills the disk.
- Applied imports delete their upload at once; refused and abandoned ones are deleted with their state after
  IMPORT_RETENTION_DAYS days (default 7) by `purge` (the daily task `purge_imports`, `manage.py purgeimports`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .xlsx import megabytes

IMPORT_DIR = "imports"
# ledger exports too big for one request, written by the worker and kept for their user to download (their
# key is random, their state says whose): MEDIA_ROOT/exports/<unit code>/<key>.xlsx and .json, purged with
# the uploads
EXPORT_DIR = "exports"
_SHA = re.compile(r"^[0-9a-f]{64}$")


def retention_days() -> int:
    return settings.IMPORT_RETENTION_DAYS


def quota() -> tuple[int, int]:
    return settings.IMPORT_QUOTA_FILES, settings.IMPORT_QUOTA_BYTES


def _unit_dir_name(unit_code: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]{1,32}", unit_code or ""):
        return unit_code
    return "u" + hashlib.sha256((unit_code or "").encode()).hexdigest()[:16]


def import_dir(unit_code: str | None = None, root: str = IMPORT_DIR) -> Path:
    d = Path(settings.MEDIA_ROOT) / root
    if unit_code is not None:
        d = d / _unit_dir_name(unit_code)
    d.mkdir(parents=True, exist_ok=True)
    return d


def upload_path(unit_code: str, sha: str, root: str = IMPORT_DIR) -> Path:
    if not _SHA.match(sha or ""):
        raise ValueError("bad hash")
    return import_dir(unit_code, root) / f"{sha}.xlsx"


def job_path(unit_code: str, sha: str, root: str = IMPORT_DIR) -> Path:
    return upload_path(unit_code, sha, root).with_suffix(".json")


class QuotaExceeded(Exception):
    pass


def check_quota(unit_code: str, incoming: int) -> None:
    files, limit = quota()
    held = [p for p in import_dir(unit_code).glob("*.xlsx")]
    used = sum(p.stat().st_size for p in held)
    if len(held) >= files or used + incoming > limit:
        raise QuotaExceeded(
            _(
                "This unit already holds %(n)s uploaded files (%(mb)s MB) waiting to be imported; apply or "
                "cancel them, or wait until they expire after %(days)s days."
            )
            % {"n": len(held), "mb": megabytes(used), "days": retention_days()}
        )


def owner(user_id: int, kind: str = "ledger", campaign_id: int | None = None) -> str:
    """Whose upload it is, for `save_upload`: the user, the import ("ledger" or "org") and the campaign the
    台账 import writes into."""
    return f"{kind}:{user_id}:{campaign_id or ''}"


def save_upload(f, unit_code: str, owner: str) -> str:
    """Keep the upload as imports/<unit>/<key>.xlsx; returns the key (SHA-256 of `owner` and the bytes)."""
    check_quota(unit_code, f.size)
    h = hashlib.sha256(owner.encode() + b"\n")
    tmp = import_dir(unit_code) / f".upload-{os.getpid()}-{id(f)}"
    with open(tmp, "wb") as out:
        for chunk in f.chunks():
            h.update(chunk)
            out.write(chunk)
    sha = h.hexdigest()
    os.replace(tmp, upload_path(unit_code, sha))
    return sha


def read_job(unit_code: str, sha: str, root: str = IMPORT_DIR) -> dict | None:
    try:
        return json.loads(job_path(unit_code, sha, root).read_text())
    except (OSError, ValueError):
        return None


def write_job(unit_code: str, sha: str, state: dict, root: str = IMPORT_DIR) -> None:
    path = job_path(unit_code, sha, root)
    state = {**state, "updated": time.time()}
    tmp = path.with_suffix(f".json.{os.getpid()}")
    tmp.write_text(json.dumps(state, ensure_ascii=False))
    os.replace(tmp, path)


def discard(unit_code: str, sha: str) -> None:
    upload_path(unit_code, sha).unlink(missing_ok=True)
    upload_path(unit_code, sha).with_suffix(".plan").unlink(missing_ok=True)  # a dry run's kept plan


def forget(unit_code: str, sha: str) -> None:
    """Cancel an upload: the file, a dry run's kept plan and the job's state."""
    discard(unit_code, sha)
    job_path(unit_code, sha).unlink(missing_ok=True)


def own_state(
    unit_code: str,
    sha: str,
    user_id: int,
    kind: str = "ledger",
    campaign_id: int | None = None,
    root: str = IMPORT_DIR,
) -> dict | None:
    """The state of this user's upload of this kind ("ledger": the ledger import, "org": the organisation's)
    at this unit, and with `campaign_id` checked in that campaign; None for a bad key, a lost state, another
    user's upload, the other import's or another campaign's."""
    try:
        state = read_job(unit_code, sha, root)
    except ValueError:
        return None
    if not state or state.get("user") != user_id or state.get("unit") != unit_code:
        return None
    if campaign_id is not None and state.get("campaign", campaign_id) != campaign_id:
        return None
    return state if state.get("kind", "ledger") == kind else None


def waiting(unit_code: str, user_id: int, kind: str = "ledger", campaign_id: int | None = None) -> list[dict]:
    """This user's uploads of this kind at this unit (of this campaign, for the 台账) that wait to be imported
    (checked, refused or being checked, never applied), newest first: the import pages list them so that
    they can be opened again or cancelled before they fill the unit's quota."""
    out = []
    for path in import_dir(unit_code).glob("*.xlsx"):
        state = own_state(unit_code, path.stem, user_id, kind, campaign_id)
        if state is None:
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        out.append(
            {
                "sha": path.stem,
                "name": state.get("name") or "",
                "status": state.get("status", ""),
                "busy": state.get("status") in ("queued", "running"),
                "when": datetime.fromtimestamp(st.st_mtime, tz=UTC),
                "size": st.st_size,
            }
        )
    return sorted(out, key=lambda w: w["when"], reverse=True)


def new_export_key() -> str:
    """A random key for a background export's file (not the hash of anything: an export is not content)."""
    return secrets.token_hex(32)


def purge(now: float | None = None, days: int | None = None) -> int:
    """Delete uploads, background exports and job states older than the retention, except a job still
    running today."""
    now = now or time.time()
    cutoff = now - 86400 * (retention_days() if days is None else days)
    removed = 0
    paths = [p for d in (IMPORT_DIR, EXPORT_DIR) for p in (Path(settings.MEDIA_ROOT) / d).glob("*/*")]
    for path in paths:
        if path.suffix not in (".xlsx", ".json", ".plan", ".part") and not path.name.startswith(".upload-"):
            continue
        try:
            if path.stat().st_mtime >= cutoff:
                continue
        except OSError:
            continue
        if path.suffix == ".json":
            try:
                state = json.loads(path.read_text())
            except (OSError, ValueError):
                state = {}
            if state.get("status") in ("queued", "running") and state.get("updated", 0) >= now - 86400:
                continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed
