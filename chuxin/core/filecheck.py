"""Uploaded files are judged by their content, not their name.

Each purpose (evidence, ledger import) has an allow-list of extensions, and each extension names the
content it must have. The magic numbers come from puremagic (a maintained, pure-Python signature
database); Office Open XML and OFD files are zip containers, so their members are checked as well; plain
text must be text (no NUL bytes, valid UTF-8 or GB 18030) and not markup a browser would run. A mismatch is
refused with a message naming the file and what it looks like. One place, called by every upload path:
`check_upload(uploaded_file, purpose)`.
"""

from __future__ import annotations

import os
import zipfile

import puremagic
from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ActionError
from .xlsx import OLE2, content_refused

HEAD = 64 * 1024

# content kind -> extensions puremagic reports for it
SIGNATURES = {
    "pdf": {".pdf"},
    "ole": {".doc", ".xls", ".msi", ".msg", ".ppt"},  # OLE2 compound file: legacy Word/Excel
    "zip": {".zip", ".docx", ".xlsx", ".pptx", ".jar", ".odt", ".epub"},
    "jpeg": {".jpg", ".jpeg", ".jfif", ".jpe"},
    "png": {".png"},
}
# the members a zip container must hold to be what its name says
ZIP_MEMBERS = {
    ".docx": ("[Content_Types].xml", "word/"),
    ".xlsx": ("[Content_Types].xml", "xl/"),
    ".ofd": ("OFD.xml",),
}
PURPOSES = {
    "evidence": {
        ".pdf": "pdf",
        ".doc": "ole",
        ".xls": "ole",
        ".docx": "zip",
        ".xlsx": "zip",
        ".ofd": "zip",
        ".jpg": "jpeg",
        ".jpeg": "jpeg",
        ".png": "png",
        ".txt": "text",
    },
    "ledger_import": {".xlsx": "zip"},
}
MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<iframe", b"<body", b"<head")


def _found(head: bytes) -> str:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    return matches[0].extension.lstrip(".") if matches else _("unknown content")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        # a multi-byte character cut at the end of the sample is not a reason to refuse
        try:
            head[:-4].decode("gb18030")
        except UnicodeDecodeError:
            return False
    return not head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(MARKUP)


def _zip_holds(fileobj, members) -> bool:
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        fileobj.seek(0)
    return all(any(n == m or n.startswith(m) for n in names) for m in members)


def content_matches(name: str, fileobj, purpose: str) -> tuple[bool, str]:
    """(accepted, what the content looks like)."""
    ext = os.path.splitext(name)[1].lower()
    kind = PURPOSES[purpose].get(ext)
    fileobj.seek(0)
    head = fileobj.read(HEAD)
    fileobj.seek(0)
    if kind is None:
        return False, _found(head)
    if kind == "text":
        return _is_text(head), _found(head) if not _is_text(head) else "txt"
    try:
        found = {m.extension.lower() for m in puremagic.magic_string(head)}
    except puremagic.PureError:
        found = set()
    if not found & SIGNATURES[kind]:
        return False, _found(head)
    if kind == "zip" and not _zip_holds(fileobj, ZIP_MEMBERS.get(ext, ())):
        return False, "zip"
    return True, ext.lstrip(".")


def check_upload(uploaded, purpose: str) -> None:
    """Refuse (ActionError) a file whose extension is not allowed for `purpose`, that is empty or too big,
    or whose content is not what its extension says."""
    name = uploaded.name or ""
    ext = os.path.splitext(name)[1].lower()
    allowed = PURPOSES[purpose]
    if ext not in allowed:
        raise ActionError(
            _("%(name)s: this file type is not accepted (allowed: %(types)s).")
            % {"name": name, "types": " ".join(sorted(allowed))}
        )
    limit = settings.UPLOAD_MAX_BYTES.get(purpose, 20 * 1024 * 1024)
    if uploaded.size > limit:
        raise ActionError(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)}
        )
    if uploaded.size == 0:
        raise ActionError(_("%(name)s is empty.") % {"name": name})
    ok, looks = content_matches(name, uploaded, purpose)
    if not ok and purpose == "ledger_import":
        uploaded.seek(0)
        head = uploaded.read(len(OLE2))
        uploaded.seek(0)
        raise ActionError(content_refused(head))
    if not ok:
        raise ActionError(
            _("%(name)s is refused: its content is not a %(ext)s file (it looks like %(found)s).")
            % {"name": name, "ext": ext.lstrip("."), "found": looks}
        )
