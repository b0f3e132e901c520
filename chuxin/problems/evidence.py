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


def check_unit_quota(unit, files) -> None:
    """The unit's evidence (every file attached to its items) stays within EVIDENCE_UNIT_QUOTA_BYTES."""
    from django.db.models import Sum

    from .models import Evidence

    incoming = sum(f.size for f in files)
    if not incoming:
        return
    used = Evidence.objects.filter(item__unit=unit).aggregate(n=Sum("blob__size"))["n"] or 0
    quota = settings.EVIDENCE_UNIT_QUOTA_BYTES
    if used + incoming > quota:
        raise ActionError(
            _("%(unit)s has used %(used)s MB of its %(quota)s MB for evidence; this upload does not fit.")
            % {"unit": unit.name, "used": used // (1024 * 1024), "quota": quota // (1024 * 1024)}
        )


def store(uploaded) -> EvidenceBlob:
    """Store an uploaded file (Django UploadedFile) by content; returns its blob row."""
    content_type = check_upload(uploaded)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    path = blob_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as fh:
            for chunk in uploaded.chunks():
                fh.write(chunk)
        os.replace(tmp, path)  # atomic: readers never see half a file
    blob, _ = EvidenceBlob.objects.get_or_create(
        sha256=sha, defaults={"size": uploaded.size, "content_type": content_type}
    )
    return blob


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
