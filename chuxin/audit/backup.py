"""Backups that restore: one archive with a consistent database dump, the evidence store and a manifest.

The archive (a .tar.gz) holds
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the site runs) or
  ``database.sql`` (``pg_dump`` of a snapshot exported from a REPEATABLE READ transaction, so the dump,
  the row counts and the list of evidence files all describe the same moment);
- ``evidence/<sha256>``: every evidence file the dump refers to, each checked against its hash on the way;
- ``manifest.json``: the row count of every table, the SHA-256 of the dump and of every file, and the audit
  head (last sequence number and MAC).

``restore`` checks the archive before it touches anything (dump and file hashes), refuses a target database
that is not empty, loads it, then compares every row count and the audit head with the manifest and checks
the audit chain with this server's key. Any mismatch is refused with what differed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def _evidence_path(root: Path, sha: str) -> Path:
    return root / "evidence" / sha[:2] / sha[2:4] / sha


# --- reading a database: row counts, evidence hashes, audit head --------------------------------------


def _facts(cursor, tables: list[str]) -> dict:
    counts = {}
    for t in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{t}"')  # noqa: S608 - table names come from the catalogue
        counts[t] = cursor.fetchone()[0]
    blobs = []
    if "problems_evidenceblob" in tables:
        cursor.execute("SELECT sha256 FROM problems_evidenceblob ORDER BY sha256")
        blobs = [r[0] for r in cursor.fetchall()]
    head = {"seq": 0, "hash": "0" * 64}
    if "audit_auditentry" in tables:
        cursor.execute("SELECT * FROM audit_auditentry WHERE 1 = 0")
        if "chain" in [d[0] for d in cursor.description]:
            # every chain's last entry; "seq": their sum (the entries in an intact log)
            cursor.execute(
                "SELECT e.chain, e.seq, e.hash FROM audit_auditentry e JOIN (SELECT chain, MAX(seq) AS top "
                "FROM audit_auditentry GROUP BY chain) t ON t.chain = e.chain AND t.top = e.seq ORDER BY e.chain"
            )
            chains = {c: [n, h] for c, n, h in cursor.fetchall()}
            if chains:
                head = {"seq": sum(n for n, _h in chains.values()), "chains": chains}
        else:  # a database from before the chains were split
            cursor.execute("SELECT seq, hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1")
            row = cursor.fetchone()
            if row:
                head = {"seq": row[0], "hash": row[1]}
    return {"counts": counts, "blobs": blobs, "audit_head": head}


def _sqlite_facts(path: Path) -> dict:
    con = sqlite3.connect(path)
    try:
        cur = con.cursor()
        cur.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        return _facts(cur, [r[0] for r in cur.fetchall()])
    finally:
        con.close()


def _pg_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [r[0] for r in cursor.fetchall()]


def _pg_env(cfg: dict) -> tuple[list[str], dict]:
    args = ["-h", cfg.get("HOST") or "127.0.0.1", "-p", str(cfg.get("PORT") or 5432)]
    if cfg.get("USER"):
        args += ["-U", cfg["USER"]]
    env = {**os.environ}
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = cfg["PASSWORD"]
    return args, env


# --- backup --------------------------------------------------------------------------------------------


def backup(dest: Path, using: str = "default") -> Path:
    """Write one archive to `dest` (a file name, or a folder to put a dated archive in)."""
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"chuxin-backup-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
    conn = connections[using]
    conn.ensure_connection()
    with tempfile.TemporaryDirectory(prefix="chuxin-backup-") as tmp:
        tmp = Path(tmp)
        if conn.vendor == "sqlite":
            db_file = tmp / "database.sqlite3"
            target = sqlite3.connect(db_file)
            try:
                if conn.in_atomic_block:
                    # Called inside a transaction (the test suite): the backup API would wait forever on
                    # this connection's own lock, so copy through the same connection instead.
                    target.executescript("\n".join(conn.connection.iterdump()))
                else:
                    conn.connection.backup(target)  # the online backup API: consistent while others write
            finally:
                target.close()
            facts = _sqlite_facts(db_file)
        elif conn.vendor == "postgresql":
            db_file = tmp / "database.sql"
            facts = _pg_dump(conn.settings_dict, db_file)
        else:  # pragma: no cover
            raise BackupError(f"no backup method for {conn.vendor}")
        files = {}
        media = Path(settings.MEDIA_ROOT)
        for sha in facts["blobs"]:
            src = _evidence_path(media, sha)
            if not src.exists():
                raise BackupError(f"evidence file {sha} is missing from {src.parent}; run verifyevidence")
            out = tmp / "evidence" / sha
            out.parent.mkdir(exist_ok=True)
            shutil.copyfile(src, out)
            got = _sha256(out)
            if got != sha:
                raise BackupError(f"evidence file {sha} changed on disk (now {got}); run verifyevidence")
            files[f"evidence/{sha}"] = sha
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": conn.vendor,
            "database": {"file": db_file.name, "sha256": _sha256(db_file)},
            "counts": facts["counts"],
            "files": files,
            "audit_head": facts["audit_head"],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            for p in sorted(tmp.rglob("*")):
                tar.add(p, arcname=str(p.relative_to(tmp)), recursive=False)
        os.replace(partial, dest)
    return dest


def _pg_dump(cfg: dict, out: Path) -> dict:
    """Counts, evidence list and audit head from one exported snapshot, and pg_dump of the same snapshot."""
    import psycopg

    args, env = _pg_env(cfg)
    with psycopg.connect(
        host=cfg.get("HOST") or "127.0.0.1",
        port=cfg.get("PORT") or 5432,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname=cfg["NAME"],
    ) as con:
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = con.execute("SELECT pg_export_snapshot()").fetchone()[0]
        cur = con.cursor()
        facts = _facts(cur, _pg_tables(cur))
        subprocess.run(
            [
                "pg_dump",
                *args,
                "--snapshot",
                snapshot,
                "--no-owner",
                "--no-privileges",
                "-f",
                str(out),
                cfg["NAME"],
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        con.rollback()
    return facts


# --- restore -------------------------------------------------------------------------------------------


def _target_config(database_url: str | None) -> dict:
    if not database_url:
        return dict(connections["default"].settings_dict)
    cfg = dict(connections["default"].settings_dict)
    cfg.update(dj_database_url.parse(database_url))
    cfg["OPTIONS"] = {}
    return cfg


def _target_is_empty(cfg: dict) -> bool:
    if "sqlite" in cfg["ENGINE"]:
        path = Path(cfg["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return True
        con = sqlite3.connect(path)
        try:
            return not con.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone()
        finally:
            con.close()
    con = _raw_connect(cfg, "postgresql")
    try:
        return not _pg_tables(con.cursor())
    finally:
        con.close()


def verify_archive(tmp: Path) -> dict:
    """Check the unpacked archive against its manifest before anything is loaded."""
    manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}")
    db = tmp / manifest["database"]["file"]
    if not db.exists() or _sha256(db) != manifest["database"]["sha256"]:
        raise BackupError(f"the database dump {db.name} does not match the manifest's SHA-256")
    present = (
        {str(p.relative_to(tmp)) for p in (tmp / "evidence").glob("*")}
        if (tmp / "evidence").exists()
        else set()
    )
    missing = sorted(set(manifest["files"]) - present)
    extra = sorted(present - set(manifest["files"]))
    if missing or extra:
        raise BackupError(
            f"evidence files missing from the archive: {missing[:5]}; not in the manifest: {extra[:5]}"
        )
    for rel, sha in manifest["files"].items():
        got = _sha256(tmp / rel)
        if got != sha:
            raise BackupError(f"{rel} does not match its SHA-256 (got {got})")
    if manifest["vendor"] == "sqlite":
        facts = _sqlite_facts(db)
        _compare(manifest, facts, "the dump")
    return manifest


def _compare(manifest: dict, facts: dict, where: str) -> None:
    diffs = [
        f"{t}: manifest {n}, {where} {facts['counts'].get(t)}"
        for t, n in manifest["counts"].items()
        if facts["counts"].get(t) != n
    ]
    if diffs:
        raise BackupError("row counts differ: " + "; ".join(diffs[:10]))
    if facts["audit_head"] != manifest["audit_head"]:
        raise BackupError(
            f"audit head differs: manifest {manifest['audit_head']}, {where} {facts['audit_head']}"
        )


def _raw_connect(cfg: dict, vendor: str):
    """A plain DB-API connection to the target (no Django alias: the target is not this site's database)."""
    if vendor == "sqlite":
        return sqlite3.connect(cfg["NAME"])
    import psycopg

    return psycopg.connect(
        host=cfg.get("HOST") or "127.0.0.1",
        port=cfg.get("PORT") or 5432,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname=cfg["NAME"],
    )


def _check_chain(cur) -> str:
    """Walk the restored audit chain with this server's key; '' when intact, else what is wrong."""
    from datetime import UTC

    from django.utils.dateparse import parse_datetime

    from .events import AuditEvent
    from .log import GENESIS
    from .models import AuditEntry

    cols = "chain, seq, at, actor_id, actor_name, action, model, object_id, item_id, unit_id, before, after, alg, prev_hash, hash"
    cur.execute(f"SELECT {cols} FROM audit_auditentry ORDER BY chain, seq")  # noqa: S608 - fixed column list
    ends: dict[str, tuple[int, str]] = {}
    opened = set()
    for row in cur.fetchall():
        d = dict(zip([c.strip() for c in cols.split(",")], row, strict=True))
        at = d["at"] if not isinstance(d["at"], str) else parse_datetime(d["at"])
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        for k in ("before", "after"):
            if isinstance(d[k], str):
                d[k] = json.loads(d[k])
        e = AuditEntry(**{**d, "at": at})
        prev_seq, prev_hash = ends.get(e.chain, (0, GENESIS))
        where = f"chain {e.chain} " if e.chain else ""
        if e.seq != prev_seq + 1:
            return f"{where}entries {prev_seq + 1}–{e.seq - 1} are missing"
        if e.prev_hash != prev_hash or e.compute_hash() != e.hash:
            return f"{where}entry {e.seq} does not verify under this server's AUDIT_HMAC_KEY"
        if not e.chain and e.action == AuditEvent.AUDIT_CHAIN_OPEN:
            opened.add((e.after or {}).get("chain"))
        ends[e.chain] = (e.seq, e.hash)
    if set(ends) - {""} - opened:
        return f'chains {sorted(set(ends) - {""} - opened)} were not opened in chain ""'
    cur.execute("SELECT chain, last_seq, last_hash FROM audit_audithead")
    heads = {c: (n, h) for c, n, h in cur.fetchall()}
    for chain in sorted(set(heads) | set(ends) | (opened - {None})):
        head, end = heads.get(chain), ends.get(chain, (0, GENESIS))
        where = f"chain {chain}: " if chain else ""
        if head is None and chain:
            return f"{where}the chain's head is missing"
        if head is not None and head != end:
            return f"{where}the stored head ({head[0]}) does not match the last entry ({end[0]})"
    return ""


def restore(archive: Path, database_url: str | None = None, media_root: Path | None = None) -> dict:
    """Restore `archive` into an empty database (the configured one, or `database_url`) and the evidence
    store (MEDIA_ROOT, or `media_root`); returns the manifest. Refuses on any mismatch."""
    cfg = _target_config(database_url)
    media = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="chuxin-restore-") as tmp:
        tmp = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        manifest = verify_archive(tmp)
        vendor = "sqlite" if "sqlite" in cfg["ENGINE"] else "postgresql"
        if vendor != manifest["vendor"]:
            raise BackupError(f"the archive holds a {manifest['vendor']} dump; the target is {vendor}")
        if not _target_is_empty(cfg):
            raise BackupError("the target database is not empty; restore only into an empty database")
        if vendor == "sqlite":
            shutil.copyfile(tmp / "database.sqlite3", cfg["NAME"])
        else:
            args, env = _pg_env(cfg)
            subprocess.run(
                ["psql", *args, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(tmp / "database.sql"), cfg["NAME"]],
                env=env,
                check=True,
                capture_output=True,
            )
        con = _raw_connect(cfg, vendor)
        try:
            cur = con.cursor()
            if vendor == "sqlite":
                cur.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
                tables = [r[0] for r in cur.fetchall()]
            else:
                tables = _pg_tables(cur)
            _compare(manifest, _facts(cur, tables), "the restored database")
            problem = _check_chain(cur)
            if problem:
                raise BackupError("the restored audit chain does not verify: " + problem)
        finally:
            con.close()
        for rel, sha in manifest["files"].items():
            out = _evidence_path(media, sha)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not out.exists():
                shutil.copyfile(tmp / rel, out)
            if _sha256(out) != sha:
                raise BackupError(f"evidence file {sha} at {out} differs from the archive")
    return manifest
