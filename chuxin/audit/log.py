"""Writing and checking the audit chain.

The chain: entry n stores MAC(key, content of n + its sequence number + MAC of entry n-1). The MAC is
HMAC-SM3 (GB/T 32905, the national hash 密评 asks for), or HMAC-SHA-256 where no SM3 implementation is
present. SM3 comes from the `cryptography` package when it is installed, else from OpenSSL through
`hashlib` (OpenSSL 1.1.1+ ships SM3). The key is read from the environment or a key file
(`AUDIT_HMAC_KEY` / `AUDIT_HMAC_KEY_FILE`), never from the database, so somebody who can rewrite the
tables cannot recompute a chain that verifies.

What each kind of tampering looks like to `check_log()`:
- a row rewritten: its MAC no longer matches its content;
- a row deleted in the middle: a gap in the sequence numbers;
- rows deleted at the end, or all rows: the stored head (`AuditHead`) says the chain is longer; if the head
  was rewritten as well, the anchor file (sequence number and MAC written daily outside the database)
  says so;
- the whole chain recomputed without the key: no entry's MAC verifies.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from .events import AuditEvent
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
SM3, SHA256 = "hmac-sm3", "hmac-sha256"
EVENTS = frozenset(AuditEvent.values)  # AuditEvent.values builds a new list on every call


@functools.cache
def _sm3_backend() -> str:
    """Where SM3 comes from, decided once: a failed import searches the whole path again, and this runs for
    every audit entry (it made the 183 000 entries of a 100 000-row import cost minutes)."""
    try:
        from cryptography.hazmat.primitives import hashes, hmac  # noqa: F401
    except ImportError:  # no `cryptography`: OpenSSL's SM3 through hashlib
        return "hashlib"
    return "cryptography"


class _Finalizing:
    """cryptography's HMAC under hashlib's names (copy, update, hexdigest)."""

    def __init__(self, h):
        self._h = h

    def copy(self):
        return _Finalizing(self._h.copy())

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.finalize().hex()


def _sm3_state(key: bytes):
    """A keyed HMAC-SM3 object; a `.copy()` of it MACs one more message without keying again."""
    if _sm3_backend() == "cryptography":
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as chmac

        return _Finalizing(chmac.HMAC(key, hashes.SM3()))
    return hmac.new(key, digestmod="sm3")


def _hmac_sm3(key: bytes, data: bytes) -> str:
    h = _sm3_state(key)
    h.update(data)
    return h.hexdigest()


def sm3_available() -> bool:
    try:
        _hmac_sm3(b"k", b"")
        return True
    except (ValueError, TypeError, AttributeError, Exception):  # noqa: BLE001 - any missing backend
        return False


def current_alg() -> str:
    """The algorithm for new entries: the setting if given, else HMAC-SM3 when available."""
    chosen = getattr(settings, "AUDIT_MAC_ALGORITHM", "") or ""
    if chosen:
        return chosen
    return SM3 if sm3_available() else SHA256


def signer(alg: str, key: bytes | None = None):
    """mac(alg, ·, key) for many messages (bulk entries): keyed once, the keyed state copied per message."""
    key = settings.AUDIT_HMAC_KEY if key is None else key
    if alg == SM3:
        base = _sm3_state(key)
    elif alg == SHA256:
        base = hmac.new(key, digestmod=hashlib.sha256)
    else:
        raise ValueError(f"unknown audit MAC algorithm {alg!r}")

    def sign(data: bytes) -> str:
        h = base.copy()
        h.update(data)
        return h.hexdigest()

    return sign


def mac(alg: str, data: bytes, key: bytes | None = None) -> str:
    key = settings.AUDIT_HMAC_KEY if key is None else key
    if alg == SM3:
        return _hmac_sm3(key, data)
    if alg == SHA256:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown audit MAC algorithm {alg!r}")


def snapshot(obj) -> dict:
    """A row as the audit log keeps it (before/after): its fields, many-to-many as lists of ids."""
    data = model_to_dict(obj)
    return {k: ([getattr(x, "pk", x) for x in v] if isinstance(v, list) else v) for k, v in data.items()}


def _jsonable(data):
    return json.loads(json.dumps(data, default=str, ensure_ascii=False)) if data is not None else None


def _unit_id_of(obj) -> int | None:
    if obj is None:
        return None
    if type(obj).__name__ == "Unit":
        return obj.pk
    return getattr(obj, "unit_id", None)


def _entry(actor, action, obj, before, after, item_id, unit_id, at, alg) -> AuditEntry:
    if action not in EVENTS:
        raise ValueError(f"{action!r} is not an AuditEvent")
    return AuditEntry(
        at=at,
        actor_id=actor.pk if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "username", "") or "") if actor is not None else "system",
        action=str(action),
        model=type(obj).__name__ if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        item_id=item_id,
        unit_id=unit_id if unit_id is not None else _unit_id_of(obj),
        before=_jsonable(before),
        after=_jsonable(after),
        alg=alg,
    )


def _lock_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def record(
    actor,
    action: AuditEvent,
    obj,
    before: dict | None,
    after: dict | None,
    item_id: int | None = None,
    *,
    unit=None,
    at=None,
) -> AuditEntry:
    """Append one entry; must run inside the transaction that makes the change, so that a failed audit
    write rolls the change back and a rolled-back change leaves no entry. `at` (default now): the time of the
    change, e.g. the `created_at` of the rows a bulk import wrote, by which they find their entry."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the change's transaction")
    head = _lock_head()
    entry = _entry(
        actor,
        action,
        obj,
        before,
        after,
        item_id,
        getattr(unit, "pk", unit),
        at or timezone.now(),
        current_alg(),
    )
    entry.seq = head.last_seq + 1
    entry.prev_hash = head.last_hash
    entry.hash = entry.compute_hash()
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def record_many(actor, entries) -> int:
    """Append many entries at once (bulk imports): one head lock, the chain computed here, one bulk insert.

    `entries` yields (action, obj, before, after, item_id)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the change's transaction")
    head = _lock_head()
    prev, seq = head.last_hash, head.last_seq
    now, alg = timezone.now(), current_alg()
    rows = []
    for action, obj, before, after, item_id in entries:
        e = _entry(actor, action, obj, before, after, item_id, None, now, alg)
        seq += 1
        e.seq, e.prev_hash = seq, prev
        e.hash = prev = e.compute_hash()
        rows.append(e)
    AuditEntry.objects.bulk_create(rows, batch_size=2000)
    AuditHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return len(rows)


def digest_alg() -> str:
    """The hash of bulk entries' row digests (no key: the entry holding the digest is MAC'd in the chain):
    SM3 where OpenSSL has it, else SHA-256."""
    try:
        hashlib.new("sm3")
        return "sm3"
    except ValueError:
        return "sha256"


def id_ranges(ids) -> list[list[int]]:
    """Sorted ids as [first, last] runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]] (reserved ids are mostly one run)."""
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def in_ranges(pk: int, ranges) -> bool:
    return any(a <= pk <= b for a, b in ranges or ())


# --- the anchor: the chain's end, written outside the database ------------------------------------


def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _anchor_mac(seq: int, head: str, at: str) -> str:
    return mac(SHA256, f"anchor|{seq}|{head}|{at}".encode())


def write_anchor() -> dict:
    """Append the chain's current end (sequence number, MAC, time) to the anchor file. The file is opened
    for appending only; in production put it where the database's users cannot write (another disk, a
    `chattr +a` file, a log host) and set AUDIT_ANCHOR_EMAIL to mail each anchor to an auditor as well."""
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    seq, head = (last.seq, last.hash) if last else (0, GENESIS)
    at = timezone.now().isoformat()
    line = {"seq": seq, "hash": head, "at": at, "mac": _anchor_mac(seq, head, at)}
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, sort_keys=True) + "\n")
    if getattr(settings, "AUDIT_ANCHOR_EMAIL", ""):
        from django.core.mail import send_mail

        send_mail(
            f"Chuxin audit anchor {seq}",
            json.dumps(line, sort_keys=True),
            None,
            [settings.AUDIT_ANCHOR_EMAIL],
            fail_silently=True,
        )
    return line


def read_anchors() -> list[dict]:
    path = anchor_path()
    if not path.exists():
        return []
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            try:
                a = json.loads(raw)
                a["line"] = n
                out.append(a)
            except ValueError:
                out.append({"line": n, "bad": True})
    return out


# --- checking ----------------------------------------------------------------------------------------


@dataclass
class Finding:
    kind: str  # gap | altered | relinked | rekeyed | head | truncated | anchor
    message: str
    seq: int | None = None


@dataclass
class Report:
    checked: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    findings: list[Finding] = field(default_factory=list)
    first_bad: AuditEntry | None = None
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def kinds(self) -> set[str]:
        return {f.kind for f in self.findings}


def _describe(e: AuditEntry) -> str:
    return f"entry {e.seq} (id {e.pk}, {e.at:%Y-%m-%d %H:%M:%S} {e.action} {e.model} #{e.object_id})"


def check_log(batch: int = 5000, limit: int = 50, using: str = "default", anchors: bool = True) -> Report:
    """Walk the whole chain in sequence order and compare its end with the head and the anchors."""
    rep = Report()
    lines = read_anchors() if anchors else []
    rep.anchors = len(lines)
    want = {}
    for a in lines:
        if a.get("bad") or a.get("mac") != _anchor_mac(a["seq"], a["hash"], a["at"]):
            rep.findings.append(
                Finding("anchor", f"anchor line {a['line']} is damaged or was not written with the audit key")
            )
        else:
            want[a["seq"]] = a
    prev_hash, prev_seq = GENESIS, 0
    bad_macs = 0
    last_pk = None
    while True:
        qs = AuditEntry.objects.using(using).order_by("seq")
        if last_pk is not None:
            qs = qs.filter(seq__gt=prev_seq)
        rows = list(qs[:batch])
        if not rows:
            break
        for e in rows:
            last_pk = e.pk
            gap = e.seq != prev_seq + 1
            if gap:
                rep.findings.append(
                    Finding(
                        "gap",
                        f"entries {prev_seq + 1}–{e.seq - 1} are missing (deleted) before {_describe(e)}",
                        prev_seq + 1,
                    )
                )
                rep.first_bad = rep.first_bad or e
            elif e.prev_hash != prev_hash:
                rep.findings.append(
                    Finding("relinked", f"{_describe(e)} does not follow the entry before it", e.seq)
                )
                rep.first_bad = rep.first_bad or e
            try:
                good = hmac.compare_digest(e.compute_hash(), e.hash)
            except ValueError:
                good = False
            if not good:
                bad_macs += 1
                rep.findings.append(
                    Finding(
                        "altered", f"{_describe(e)} was altered: its MAC does not match its content", e.seq
                    )
                )
                rep.first_bad = rep.first_bad or e
            a = want.get(e.seq)
            if a is not None and a["hash"] != e.hash:
                rep.findings.append(
                    Finding(
                        "anchor",
                        f"{_describe(e)} differs from the anchor written {a['at']} (line {a['line']})",
                        e.seq,
                    )
                )
            prev_hash, prev_seq = e.hash, e.seq
            rep.checked += 1
    rep.last_seq, rep.last_hash = prev_seq, prev_hash
    if rep.checked and bad_macs == rep.checked:
        rep.findings.insert(
            0,
            Finding(
                "rekeyed",
                f"no entry's MAC verifies ({bad_macs} of {rep.checked}): the chain was recomputed without "
                "the audit key, or this server has the wrong AUDIT_HMAC_KEY",
            ),
        )
    head = AuditHead.objects.using(using).filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS)
    if head_seq > prev_seq:
        rep.findings.append(
            Finding(
                "truncated",
                f"the log was truncated: the head says it ends at entry {head_seq}, the last entry is "
                f"{prev_seq} ({head_seq - prev_seq} entries removed from the end)",
                prev_seq + 1,
            )
        )
    elif (head_seq, head_hash) != (prev_seq, prev_hash):
        rep.findings.append(
            Finding(
                "head", f"the stored head ({head_seq}) does not match the last entry ({prev_seq})", head_seq
            )
        )
    if want:
        top = max(want)
        if top > prev_seq:
            a = want[top]
            rep.findings.append(
                Finding(
                    "truncated",
                    f"the log was truncated: the anchor written {a['at']} (line {a['line']}) records entry "
                    f"{top}, the log ends at {prev_seq} ({top - prev_seq} entries removed from the end)",
                    prev_seq + 1,
                )
            )
    if len(rep.findings) > limit:
        more = len(rep.findings) - limit
        rep.findings = rep.findings[:limit] + [Finding("more", f"… and {more} more findings")]
    return rep


def verify_chain(batch: int = 5000) -> tuple[int, AuditEntry | None]:
    """The short answer: (entries checked, first broken entry or None)."""
    rep = check_log(batch)
    return rep.checked, rep.first_bad
