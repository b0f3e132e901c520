"""A dry run's plan, kept for its apply while the ledger has not changed.

The apply used to read and check the whole file again after the dry run (a quarter of a 100 000-row
import's time), because the ledger may have changed in between. Now the dry run keeps its plan beside the
file (`<upload>.plan`) with a stamp of everything the plan was worked out from, and the apply uses that
plan only when the stamp it computes is the same; otherwise (or when the file is missing, unreadable or
not signed by this installation) it reads and checks the file again, as before. Either way the apply
writes exactly the plan the dry run listed, or a plan made from the ledger as it is now.

The stamp (`stamp()`), taken before the dry run reads a row, so a change that commits while it plans
makes the stamps differ:
- the request: the file's SHA-256, the importing user, the import page's unit, the campaign (every
  field of its row: open or closed, its dates), the mode and the day;
- the heads of the audit chains (each chain's sequence number and MAC): every action, every admin write
  and every import appends to a chain, so any change to units, people, roles, problems or items moves one;
- and, as a second proof that does not rest on that rule, the row count and highest id of every table
  the plan reads (units, people, roles, problems, items, stages) and the user's scope.

The file is a pickle (units and people as ids, fetched again when it is used), so it is signed: HMAC-SHA256 with a key derived from
SECRET_KEY over the whole file, checked before anything is unpickled. It lives with the upload and goes
with it (`chuxin.core.uploads.discard` and `purge`); the apply deletes it once used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import struct
from pathlib import Path

from django.db.models import Count, Max
from django.utils.crypto import salted_hmac

from chuxin.audit.models import AuditHead
from chuxin.orgs.models import Person, RoleAssignment, Unit
from chuxin.orgs.scope import scope_for
from chuxin.problems.models import Problem, RectificationItem, Stage

SALT = "chuxin.problems.ledger.kept"
SUFFIX = ".plan"
_TABLES = (Unit, Person, RoleAssignment, Problem, RectificationItem, Stage)


def plan_path(path) -> Path:
    return Path(path).with_suffix(SUFFIX)


def file_sha256(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def stamp(*, sha: str, user, unit, campaign, mode: str, today) -> dict:
    """Everything a plan depends on, as JSON-able values (see the module's docstring)."""
    heads = sorted(map(list, AuditHead.objects.values_list("chain", "last_seq", "last_hash")))
    tables = {}
    for model in _TABLES:
        agg = model._base_manager.aggregate(n=Count("pk"), top=Max("pk"))
        tables[model.__name__] = [agg["n"], agg["top"]]
    names = [f.attname for f in campaign._meta.concrete_fields]
    fresh = type(campaign)._base_manager.filter(pk=campaign.pk).values(*names).first() or {}
    scope = scope_for(user)
    return {
        "sha256": sha,
        "user": [user.pk, user.is_superuser, user.is_active],
        "unit": [unit.pk, unit.path],
        "campaign": {k: str(v) for k, v in fresh.items()},
        "mode": mode,
        "today": str(today),
        "audit_heads": heads,
        "tables": tables,
        "scope": [scope.is_all, sorted(map(list, scope.grants))],
    }


def _mac_state():
    key = salted_hmac(SALT, "plan", algorithm="sha256").digest()  # from SECRET_KEY, never stored
    return hmac.new(key, digestmod=hashlib.sha256)


def _mac(data) -> bytes:
    mac = _mac_state()
    mac.update(data)
    return mac.digest()


CHUNK = 5000  # new rows per pickle: neither the whole list of tuples nor its pickle exists at once


class _Signed:
    """A file written through its MAC (the 32 bytes of it go first, filled in at the end)."""

    def __init__(self, fh):
        self.fh, self.mac = fh, _mac_state()
        fh.write(bytes(32))

    def write(self, data) -> int:
        self.mac.update(data)
        return self.fh.write(data)

    def close(self) -> None:
        self.fh.seek(0)
        self.fh.write(self.mac.digest())


def _row_tuple(r) -> tuple:
    return (
        r.row,
        r.unit.id,
        r.source,
        r.title,
        r.root_cause,
        r.measures,
        r.kind,
        r.deadline,
        r.leader.id if r.leader is not None else None,
        r.person.id,
        r.stages,
        r.work_areas,
    )


def keep(path, stamp_: dict, plan) -> None:
    """Write the plan beside the file (atomically): MAC, header length, header (JSON: the stamp and the ids of
    the units and people the new rows name), the plan without its new rows (pickle), then the new rows as
    pickled lists of plain tuples, CHUNK at a time (pickled in C, not one model instance and __getstate__
    per row), and None. `take` fetches the units and people again by id."""
    rows = plan.new_rows
    units = sorted({r.unit.id for r in rows})
    people = sorted({r.person.id for r in rows} | {r.leader.id for r in rows if r.leader is not None})
    header = json.dumps({"stamp": stamp_, "units": units, "people": people}, sort_keys=True).encode()
    target = plan_path(path)
    tmp = target.with_name(f"{target.name}.{os.getpid()}")
    with open(tmp, "wb") as fh:
        out = _Signed(fh)
        out.write(struct.pack(">I", len(header)) + header)
        plan.new_rows = []
        try:
            out.write(pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            plan.new_rows = rows
        for i in range(0, len(rows), CHUNK):
            out.write(pickle.dumps([_row_tuple(r) for r in rows[i : i + CHUNK]], pickle.HIGHEST_PROTOCOL))
        out.write(pickle.dumps(None))
        out.close()
    os.replace(tmp, target)


def take(path, stamp_: dict):
    """The kept plan when its stamp equals `stamp_` and its MAC verifies, else None. The file is removed
    either way: a plan is used once."""
    import io

    from .plan import NewRow

    target = plan_path(path)
    try:
        data = target.read_bytes()
    except OSError:
        return None
    target.unlink(missing_ok=True)
    mac, body = data[:32], memoryview(data)[32:]
    if len(data) < 36 or not hmac.compare_digest(mac, _mac(body)):
        return None
    (size,) = struct.unpack(">I", body[:4])
    try:
        header = json.loads(bytes(body[4 : 4 + size]))
    except ValueError:
        return None
    if header.get("stamp") != json.loads(json.dumps(stamp_, sort_keys=True)):
        return None
    units = _by_id(Unit, header["units"])
    people = _by_id(Person, header["people"])
    fh = io.BytesIO(body[4 + size :])
    plan = pickle.load(fh)
    new_rows = []
    try:
        while (chunk := pickle.load(fh)) is not None:
            new_rows += [
                NewRow(
                    n,
                    units[u],
                    src,
                    title,
                    cause,
                    measures,
                    kind,
                    deadline,
                    people.get(lead),
                    people[p],
                    st,
                    wa,
                )
                for n, u, src, title, cause, measures, kind, deadline, lead, p, st, wa in chunk
            ]
    except KeyError:  # a unit or person gone: the stamp would have moved; plan again all the same
        return None
    plan.new_rows = new_rows
    return plan


def _by_id(model, ids: list) -> dict:
    out = {}
    for i in range(0, len(ids), 900):
        out.update((o.pk, o) for o in model._base_manager.filter(pk__in=ids[i : i + 900]))
    return out


def forget(path) -> None:
    plan_path(path).unlink(missing_ok=True)
