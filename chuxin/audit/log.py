"""Writing and checking the audit chains.

The log is several chains, one per province and chain "" for the rest (see "the chains" below). In each
chain, entry n stores MAC(key, content of n + its chain + its sequence number + MAC of entry n-1). The MAC is
HMAC-SM3 (GB/T 32905, the national hash 密评 asks for), or HMAC-SHA-256 where no SM3 implementation is
present. SM3 comes from the `cryptography` package when it is installed, else from OpenSSL through
`hashlib` (OpenSSL 1.1.1+ ships SM3). The key is read from the environment or a key file
(`AUDIT_HMAC_KEY` / `AUDIT_HMAC_KEY_FILE`), never from the database, so somebody who can rewrite the
tables cannot recompute a chain that verifies.

What each kind of tampering looks like to `check_log()`, in every chain:
- a row rewritten, or moved to another chain: its MAC no longer matches its content;
- a row deleted in the middle: a gap in the sequence numbers;
- rows swapped: the MAC of the entry before no longer matches the one each names;
- rows deleted at the end, or all rows: the stored head (`AuditHead`) says the chain is longer; if the head
  was rewritten as well, the anchor file (sequence number and MAC written daily outside the database)
  says so;
- a whole chain deleted with its head: chain "" still holds the entry that opened it, and the anchor file
  its end;
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


# --- the chains ------------------------------------------------------------------------------------
#
# The log is one chain per province (depth-2 unit) plus chain "" for the root, the entries without a unit
# and everything written before the chains were split. A chain's key is its province's path: known from the
# path of the changed row's unit, without another query when the unit (or an item's `unit_path`) is at hand.
# Which chain an entry joins never matters for the checks (every chain is checked the same way and the
# entry's MAC covers its chain); it matters for waiting: a writer locks only its chain's head.
#
# One transaction appends to one chain: the first entry of a transaction picks it, the later ones follow it
# (whatever their units), so no transaction holds two heads and two writers never deadlock on them. The one
# exception is a chain's first entry: it also appends an "audit chain opened" entry to chain "" (heads
# are always taken chain first, "" second, and a transaction holding "" never takes another).


def chain_depth() -> int:
    """The depth whose units' paths are the chain keys of their subtrees (settings.AUDIT_CHAIN_DEPTH: 2, the
    provinces); 0 or 1: one chain, ""."""
    return settings.AUDIT_CHAIN_DEPTH if settings.AUDIT_CHAIN_DEPTH >= 2 else 0


def chain_of_path(path: str | None) -> str:
    from chuxin.orgs.models import STEPLEN

    n = STEPLEN * chain_depth()
    return path[:n] if n and path and len(path) >= n else ""


def _known_path(obj, unit) -> str | None:
    """The path of the entry's unit when it is at hand without a query, else None."""
    for u in (unit, obj):
        if u is not None and type(u).__name__ == "Unit":
            return u.path
    if obj is not None:
        cached = getattr(getattr(obj, "_state", None), "fields_cache", {}).get("unit")
        if cached is not None:
            return cached.path
        if getattr(obj, "unit_path", ""):
            return obj.unit_path
    return None


class _HeldChain:
    """Registered with on_commit once a transaction holds a chain's head: Django drops it at the commit, at
    a rollback and with a rolled-back savepoint, exactly when the database releases the row lock."""

    __slots__ = ("chain",)

    def __init__(self, chain: str):
        self.chain = chain

    def __call__(self):
        pass


def _held_chain(conn) -> str | None:
    for entry in conn.run_on_commit:
        if isinstance(entry[1], _HeldChain):
            return entry[1].chain
    return None


def _open_chain(chain: str, conn) -> None:
    """Create chain `chain`'s head if missing; the creator records the opening in chain ""."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO audit_audithead (chain, last_seq, last_hash) VALUES (%s, 0, %s) ON CONFLICT (chain) DO NOTHING",
            [chain, GENESIS],
        )
        created = cur.rowcount == 1
    if created and chain:
        head = _lock_chain("", conn)
        _append(
            head,
            [
                _entry(
                    None,
                    AuditEvent.AUDIT_CHAIN_OPEN,
                    None,
                    None,
                    {"chain": chain},
                    None,
                    None,
                    timezone.now(),
                    current_alg(),
                )
            ],
        )


def _lock_chain(chain: str, conn) -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        _open_chain(chain, conn)
        head = AuditHead.objects.select_for_update().get(chain=chain)
    return head


def open_chains(paths) -> None:
    """Open the chains of these units' subtrees now (each in its own transaction) rather than at their first
    entry, when their openers would queue on chain "" (a benchmark's start)."""
    for chain in sorted({chain_of_path(p) for p in paths} - {""}):
        with transaction.atomic():
            _lock_chain(chain, transaction.get_connection())


def _lock_head(obj=None, unit=None) -> AuditHead:
    """Lock the head of the chain this transaction appends to (see above) and return it."""
    conn = transaction.get_connection()
    chain = _held_chain(conn)
    if chain is None:
        unit_id = getattr(unit, "pk", unit) if unit is not None else _unit_id_of(obj)
        path = _known_path(obj, unit)
        if path is None and unit_id is not None and chain_depth():
            # the unit's path and the head in one statement; a query of its own only for a new chain
            from django.db.models import Case, Subquery, Value, When
            from django.db.models.functions import Substr

            from chuxin.orgs.models import STEPLEN, Unit

            depth = chain_depth()
            key = Unit.objects.filter(pk=unit_id).annotate(
                key=Case(When(depth__gte=depth, then=Substr("path", 1, STEPLEN * depth)), default=Value(""))
            )
            head = AuditHead.objects.select_for_update().filter(chain=Subquery(key.values("key")[:1])).first()
            if head is not None:
                transaction.on_commit(_HeldChain(head.chain))
                return head
            path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        chain = chain_of_path(path)
        head = _lock_chain(chain, conn)
        transaction.on_commit(_HeldChain(chain))
        return head
    return _lock_chain(chain, conn)


def _append(head: AuditHead, rows: list[AuditEntry]) -> None:
    """Chain `rows` after `head` (locked) and write them and the new head."""
    prev, seq = head.last_hash, head.last_seq
    for e in rows:
        seq += 1
        e.chain, e.seq, e.prev_hash = head.chain, seq, prev
        e.hash = prev = e.compute_hash()
    conn = transaction.get_connection()
    if conn.vendor == "postgresql" and len(rows) <= 100:
        _insert_and_move_head(conn, head, rows, seq, prev)
    else:
        if len(rows) == 1:
            rows[0].save()
        else:
            AuditEntry.objects.bulk_create(rows, batch_size=2000)
        AuditHead.objects.filter(pk=head.pk).update(last_seq=seq, last_hash=prev)
    head.last_seq, head.last_hash = seq, prev


_ENTRY_FIELDS = None


def _insert_and_move_head(conn, head: AuditHead, rows: list[AuditEntry], seq: int, last: str) -> None:
    """The entries and the head's new end in one statement (PostgreSQL: the INSERT a data-modifying WITH
    part of the head's UPDATE), the entries' ids returned: one round trip instead of two."""
    global _ENTRY_FIELDS
    if _ENTRY_FIELDS is None:
        _ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    qn = conn.ops.quote_name
    cols = ", ".join(qn(f.column) for f in _ENTRY_FIELDS)
    marks = "(" + ", ".join(["%s"] * len(_ENTRY_FIELDS)) + ")"
    params = [f.get_db_prep_save(getattr(e, f.attname), conn) for e in rows for f in _ENTRY_FIELDS]
    sql = (
        f"WITH e AS (INSERT INTO {qn(AuditEntry._meta.db_table)} ({cols}) VALUES {', '.join([marks] * len(rows))} "
        f"RETURNING id, seq) UPDATE {qn(AuditHead._meta.db_table)} SET last_seq = %s, last_hash = %s "
        "WHERE id = %s RETURNING (SELECT array_agg(id ORDER BY seq) FROM e)"
    )
    with conn.cursor() as cur:
        cur.execute(sql, [*params, seq, last, head.pk])
        (ids,) = cur.fetchone()
    for e, pk in zip(rows, ids, strict=True):
        e.pk = pk
        e._state.adding, e._state.db = False, conn.alias


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
    unit_id = getattr(unit, "pk", unit)
    head = _lock_head(obj, unit)
    entry = _entry(actor, action, obj, before, after, item_id, unit_id, at or timezone.now(), current_alg())
    _append(head, [entry])
    return entry


def record_many(actor, entries) -> int:
    """Append many entries at once (bulk imports, a change with its evidence): one head lock, the chain
    computed here, one bulk insert. The chain is the first entry's (or the transaction's).

    `entries` yields (action, obj, before, after, item_id)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the change's transaction")
    now, alg = timezone.now(), current_alg()
    rows, first = [], None
    for action, obj, before, after, item_id in entries:
        first = obj if first is None else first
        rows.append(_entry(actor, action, obj, before, after, item_id, None, now, alg))
    head = _lock_head(first)
    if rows:
        _append(head, rows)
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


# --- the anchor: each chain's end, written outside the database ------------------------------------


def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _anchor_mac(seq: int, head: str, at: str, chain: str = "") -> str:
    # chain "" keeps the line of the single chain (lines written before the split still verify)
    return mac(
        SHA256, (f"anchor|{chain}|{seq}|{head}|{at}" if chain else f"anchor|{seq}|{head}|{at}").encode()
    )


def _chain_ends(using: str = "default") -> dict[str, tuple[int, str]]:
    """chain -> (last sequence number, MAC) of its last entry, for every chain with a head."""
    out = {}
    for chain in AuditHead.objects.using(using).order_by("chain").values_list("chain", flat=True):
        last = (
            AuditEntry.objects.using(using).filter(chain=chain).order_by("-seq").only("seq", "hash").first()
        )
        out[chain] = (last.seq, last.hash) if last else (0, GENESIS)
    return out


def write_anchor() -> dict:
    """Append every chain's current end (sequence number, MAC, time; one line per chain, chain "" first) to
    the anchor file, and return chain ""'s line with the others under "chains". The file is opened for
    appending only; in production put it where the database's users cannot write (another disk, a
    `chattr +a` file, a log host) and set AUDIT_ANCHOR_EMAIL to mail each anchor to an auditor as well."""
    ends = _chain_ends() or {"": (0, GENESIS)}
    at = timezone.now().isoformat()
    lines = []
    for chain, (seq, head) in sorted(ends.items()):
        line = {"seq": seq, "hash": head, "at": at, "mac": _anchor_mac(seq, head, at, chain)}
        if chain:
            line["chain"] = chain
        lines.append(line)
    text = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(text)
    first = lines[0] if not lines[0].get("chain") else {"seq": 0, "hash": GENESIS, "at": at}
    if getattr(settings, "AUDIT_ANCHOR_EMAIL", ""):
        from django.core.mail import send_mail

        send_mail(
            f"Chuxin audit anchor {first['seq']} ({len(lines)} chains)",
            text,
            None,
            [settings.AUDIT_ANCHOR_EMAIL],
            fail_silently=True,
        )
    return {**first, "chains": {line.get("chain", ""): line["seq"] for line in lines}}


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
    kind: str  # gap | altered | relinked | rekeyed | head | truncated | anchor | unknown
    message: str
    seq: int | None = None
    chain: str = ""


@dataclass
class Report:
    checked: int = 0
    # chain -> (last sequence number, MAC) as found by walking it
    ends: dict[str, tuple[int, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    first_bad: AuditEntry | None = None
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def last_seq(self) -> int:
        """Chain ""'s end (the single chain's, before the split)."""
        return self.ends.get("", (0, GENESIS))[0]

    def kinds(self) -> set[str]:
        return {f.kind for f in self.findings}


def chain_name(chain: str) -> str:
    return f"chain {chain}" if chain else 'chain ""'


def _describe(e: AuditEntry) -> str:
    where = f"{chain_name(e.chain)} " if e.chain else ""
    return f"{where}entry {e.seq} (id {e.pk}, {e.at:%Y-%m-%d %H:%M:%S} {e.action} {e.model} #{e.object_id})"


def _walk(rep: Report, chain: str, want: dict, batch: int, using: str) -> list[AuditEntry]:
    """Check one chain in sequence order; returns its "audit chain opened" entries (chain "" only)."""
    prev_hash, prev_seq = GENESIS, 0
    bad_macs = checked = 0
    opened = []
    while True:
        rows = list(
            AuditEntry.objects.using(using).filter(chain=chain, seq__gt=prev_seq).order_by("seq")[:batch]
        )
        if not rows:
            break
        for e in rows:
            if e.seq != prev_seq + 1:
                rep.findings.append(
                    Finding(
                        "gap",
                        f"entries {prev_seq + 1}–{e.seq - 1} are missing (deleted) before {_describe(e)}",
                        prev_seq + 1,
                        chain,
                    )
                )
                rep.first_bad = rep.first_bad or e
            elif e.prev_hash != prev_hash:
                rep.findings.append(
                    Finding("relinked", f"{_describe(e)} does not follow the entry before it", e.seq, chain)
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
                        "altered",
                        f"{_describe(e)} was altered: its MAC does not match its content",
                        e.seq,
                        chain,
                    )
                )
                rep.first_bad = rep.first_bad or e
            elif e.action == AuditEvent.AUDIT_CHAIN_OPEN:
                opened.append(e)
            a = want.get((chain, e.seq))
            if a is not None and a["hash"] != e.hash:
                rep.findings.append(
                    Finding(
                        "anchor",
                        f"{_describe(e)} differs from the anchor written {a['at']} (line {a['line']})",
                        e.seq,
                        chain,
                    )
                )
            prev_hash, prev_seq = e.hash, e.seq
            checked += 1
    rep.checked += checked
    rep.ends[chain] = (prev_seq, prev_hash)
    if checked and bad_macs == checked:
        rep.findings.insert(
            0,
            Finding(
                "rekeyed",
                f"no entry's MAC verifies in {chain_name(chain)} ({bad_macs} of {checked}): the chain was "
                "recomputed without the audit key, or this server has the wrong AUDIT_HMAC_KEY",
                chain=chain,
            ),
        )
    return opened


def check_log(batch: int = 5000, limit: int = 50, using: str = "default", anchors: bool = True) -> Report:
    """Walk every chain in sequence order and compare each chain's end with its head and the anchors.

    The chains checked: chain "", every chain with a head, every chain chain "" says was opened and every
    chain in the anchor file; entries outside them (counted) are named too."""
    rep = Report()
    lines = read_anchors() if anchors else []
    rep.anchors = len(lines)
    want = {}
    for a in lines:
        chain = a.get("chain", "") if not a.get("bad") else ""
        if a.get("bad") or a.get("mac") != _anchor_mac(a["seq"], a["hash"], a["at"], chain):
            rep.findings.append(
                Finding("anchor", f"anchor line {a['line']} is damaged or was not written with the audit key")
            )
        else:
            want[(chain, a["seq"])] = a
    heads = {h.chain: (h.last_seq, h.last_hash) for h in AuditHead.objects.using(using).order_by("chain")}
    opened = _walk(rep, "", want, batch, using)
    named = {(e.after or {}).get("chain"): e for e in opened}
    chains = sorted(({*heads, *(c for c in named if c), *(c for c, _ in want)}) - {""})
    for chain in chains:
        _walk(rep, chain, want, batch, using)
    for chain in ["", *chains]:
        seq, last = rep.ends[chain]
        where = "" if not chain else f"{chain_name(chain)}: "
        if chain and chain not in named:
            rep.findings.append(
                Finding("unknown", f'{where}no entry in chain "" opened this chain', None, chain)
            )
        if chain and chain not in heads:
            opener = named.get(chain)
            rep.findings.append(
                Finding(
                    "truncated",
                    f"{where}the chain's head is missing"
                    + (f' (opened by entry {opener.seq} of chain "")' if opener else "")
                    + (", and all its entries" if not seq else ""),
                    seq + 1,
                    chain,
                )
            )
            continue
        head_seq, head_hash = heads.get(chain, (0, GENESIS))
        if head_seq > seq:
            rep.findings.append(
                Finding(
                    "truncated",
                    f"{where}the log was truncated: the head says it ends at entry {head_seq}, the last entry "
                    f"is {seq} ({head_seq - seq} entries removed from the end)",
                    seq + 1,
                    chain,
                )
            )
        elif (head_seq, head_hash) != (seq, last):
            rep.findings.append(
                Finding(
                    "head",
                    f"{where}the stored head ({head_seq}) does not match the last entry ({seq})",
                    head_seq,
                    chain,
                )
            )
        tops = [s for c, s in want if c == chain]
        if tops and max(tops) > seq:
            a = want[(chain, max(tops))]
            rep.findings.append(
                Finding(
                    "truncated",
                    f"{where}the log was truncated: the anchor written {a['at']} (line {a['line']}) records "
                    f"entry {a['seq']}, the log ends at {seq} ({a['seq'] - seq} entries removed from the end)",
                    seq + 1,
                    chain,
                )
            )
    total = AuditEntry.objects.using(using).count()
    if total != rep.checked:
        others = sorted(
            set(AuditEntry.objects.using(using).values_list("chain", flat=True).distinct()) - {"", *chains}
        )
        rep.findings.append(
            Finding(
                "unknown",
                f"{total - rep.checked} entries are in chains without a head or an opening entry: "
                + ", ".join(others),
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
