"""Evidence files: content-addressed by SHA-256 under MEDIA_ROOT/evidence, written once, never overwritten."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from chuxin.core.errors import ActionError

from .models import EvidenceBlob

MAX_BYTES = 20 * 1024 * 1024
ALLOWED = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".txt": "text/plain",
    ".ofd": "application/ofd",
}


def blob_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence" / sha256[:2] / sha256[2:4] / sha256


def check_file(name: str, size: int) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED:
        raise ActionError(
            _("%(name)s: this file type is not accepted (allowed: %(types)s).")
            % {"name": name, "types": " ".join(sorted(ALLOWED))}
        )
    if size > MAX_BYTES:
        raise ActionError(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise ActionError(_("%(name)s is empty.") % {"name": name})
    return ALLOWED[ext]


def check_upload(uploaded) -> str:
    """The name, size and content check for one evidence file; returns its content type."""
    from chuxin.core.filecheck import check_upload as check_content

    check_content(uploaded, "evidence")
    return ALLOWED[os.path.splitext(uploaded.name)[1].lower()]


def _unit_use(unit):
    """The bytes of evidence attached to the unit's items, as a one-value queryset."""
    from django.db.models import Sum

    from .models import Evidence

    return (
        Evidence.objects.filter(item__unit=unit)
        .order_by()
        .values("item__unit")
        .annotate(n=Sum("blob__size"))
        .values("n")
    )


def check_unit_quota(unit, files, used: int) -> None:
    """The unit's evidence (every file attached to its items, `used` bytes, read by store_for_unit) stays
    within EVIDENCE_UNIT_QUOTA_BYTES."""
    incoming = sum(f.size for f in files)
    if not incoming:
        return
    quota = settings.EVIDENCE_UNIT_QUOTA_BYTES
    if used + incoming > quota:
        raise ActionError(
            _("%(unit)s has used %(used)s MB of its %(quota)s MB for evidence; this upload does not fit.")
            % {"unit": unit.name, "used": used // (1024 * 1024), "quota": quota // (1024 * 1024)}
        )


def store(uploaded) -> EvidenceBlob:
    """Store an uploaded file (Django UploadedFile) by content; returns its blob row."""
    content_type = check_upload(uploaded)
    sha = _sha256(uploaded)
    _write_file(uploaded, sha)
    blob, _ = EvidenceBlob.objects.get_or_create(
        sha256=sha, defaults={"size": uploaded.size, "content_type": content_type}
    )
    return blob


def _sha256(uploaded) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def _write_file(uploaded, sha: str) -> None:
    """The file under its SHA-256, unless it is there (files are never overwritten)."""
    path = blob_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as fh:
            for chunk in uploaded.chunks():
                fh.write(chunk)
        os.replace(tmp, path)  # atomic: readers never see half a file


_BLOB_FIELDS = ["id", "sha256", "size", "content_type"]  # as store_for_unit and _insert_blob read a blob


def store_for_unit(unit, files) -> list[tuple[str, EvidenceBlob]]:
    """`check_unit_quota()` then `store()` for each file, with the unit's use and the files' blobs already
    stored read by one statement (a claim's evidence is mostly a file stored before or a new one): nothing
    is written when the files do not fit. Returns (name, blob) per file."""
    from django.db import connection

    if not files:
        return []
    seen = []
    for f in files:
        content_type = check_upload(f)
        seen.append((f, _sha256(f), content_type))
    use_sql, use_params = _unit_use(unit).query.sql_with_params()
    known_sql, known_params = (
        EvidenceBlob.objects.filter(sha256__in=sorted({sha for _f, sha, _c in seen}))
        .order_by()
        .values_list("pk", "sha256", "size", "content_type")
        .query.sql_with_params()
    )
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT ({use_sql}), k.* FROM (SELECT 1 AS one) one LEFT JOIN ({known_sql}) k ON 1 = 1",
            [*use_params, *known_params],
        )
        rows = cur.fetchall()
    used = rows[0][0] or 0
    known = {
        sha: EvidenceBlob.from_db("default", _BLOB_FIELDS, (pk, sha, size, ct))
        for _u, pk, sha, size, ct in rows
        if pk is not None
    }
    check_unit_quota(unit, files, used)
    out = []
    for f, sha, content_type in seen:
        _write_file(f, sha)  # as store() does: a file gone from the disk is written again
        if sha not in known:
            known[sha] = _insert_blob(sha, f.size, content_type)
        out.append((f.name[:200], known[sha]))
    return out


def _insert_blob(sha: str, size: int, content_type: str) -> EvidenceBlob:
    """The blob row of a file not stored before: one INSERT … ON CONFLICT DO NOTHING RETURNING (no savepoint,
    no read first); a writer that stored the same file meanwhile has its row read instead."""
    from django.db import connection

    table = connection.ops.quote_name(EvidenceBlob._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (sha256, size, content_type) VALUES (%s, %s, %s) "
            "ON CONFLICT (sha256) DO NOTHING RETURNING id",
            [sha, size, content_type],
        )
        row = cur.fetchone()
    if row is None:
        return EvidenceBlob.objects.get(sha256=sha)
    return EvidenceBlob.from_db("default", _BLOB_FIELDS, (row[0], sha, size, content_type))


def verify_blobs(batch: int = 2000):
    """Re-hash every stored evidence file; yields (blob, problem) for each file that vanished or changed,
    where problem is "missing" or "changed"."""
    last = 0
    while True:
        blobs = list(EvidenceBlob.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not blobs:
            return
        for blob in blobs:
            last = blob.pk
            path = blob_path(blob.sha256)
            if not path.exists():
                yield blob, "missing"
                continue
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                    digest.update(chunk)
            if digest.hexdigest() != blob.sha256:
                yield blob, "changed"


def collect_orphans(grace_seconds: int = 24 * 3600) -> list[Path]:
    """Remove stored files that no EvidenceBlob row names (a claim whose transaction failed after the file
    was written). Files younger than `grace_seconds` are left alone: their transaction may still commit."""
    import time

    root = Path(settings.MEDIA_ROOT) / "evidence"
    if not root.exists():
        return []
    cutoff = time.time() - grace_seconds
    candidates = [p for p in root.glob("*/*/*") if p.is_file() and p.stat().st_mtime <= cutoff]
    known = set(
        EvidenceBlob.objects.filter(sha256__in=[p.name for p in candidates]).values_list("sha256", flat=True)
    )
    removed = []
    for p in candidates:
        if p.name not in known:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed
