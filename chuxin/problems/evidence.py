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


def store(uploaded) -> EvidenceBlob:
    """Store an uploaded file (Django UploadedFile) by content; returns its blob row."""
    content_type = check_file(uploaded.name, uploaded.size)
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
