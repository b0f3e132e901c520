"""Inserting many rows at the speed of the database (the Excel import's 100 000 rows).

Django's bulk_create builds a model instance per row and compiles every value through the field API; at
100 000 rows that costs tens of seconds of Python. Here the ids are reserved first (a sequence on PostgreSQL,
the table's high-water mark on SQLite, whose write lock the surrounding transaction already holds), and the
rows go in with one `executemany` per batch (SQLite) or one COPY stream (PostgreSQL). Every concrete column
is written: a value the caller does not give takes the field's default, so a column added later by a
migration still gets its default. Call inside `transaction.atomic()`.
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from operator import itemgetter

from django.db import connection, models


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while a bulk job builds its hundreds of thousands of objects.

    The collector runs every 700 new container objects and then walks every live one of their generation;
    with the job's rows alive that is a third of the CPU time of a 100 000-row import (measured: dry run 10.6 s
    → 6.0 s). The job's objects hold no reference cycles that outlive it, and reference counting still frees
    everything as usual; the collector is switched back on (if it was on) when the job ends, however it ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextmanager
def large_page_cache(mib: int = 64):
    """SQLite: a larger page cache on this connection while a bulk write runs, then the old size again.

    SQLite's default cache is 2 MB; an import adds rows to tables with a dozen indexes each (the ledger's
    query paths, the audit log's searches), and with 2 MB every index insert goes through the OS for its
    pages: 100 000 items took 9.9 s of CPU, with 64 MB 4.6 s (measured on a copy of the benchmark's
    database). Other databases keep their own settings."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        cur.execute(f"PRAGMA cache_size = -{int(mib) * 1024}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA cache_size = {int(before)}")


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    if n <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n]
            )
            return [r[0] for r in cur.fetchall()]
        cur.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        top = cur.fetchone()[0]
        try:
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cur.fetchone()
            top = max(top, row[0] if row else 0)
        except Exception:  # noqa: BLE001 (a table without AUTOINCREMENT has no sqlite_sequence row)
            pass
    return list(range(top + 1, top + n + 1))


def insert_rows(
    model: type[models.Model], rows: list[dict], ids: list[int], batch: int = 5000, cast=None, digest=None
) -> None:
    """Insert `rows` (attname -> Python value) with the given ids. Dates and datetimes are adapted for the
    backend; `cast` maps an attname to an SQL cast for its placeholder (e.g. "jsonb" on PostgreSQL).

    `digest` (a hashlib object) is fed each row as written, in `row_line`'s form, so that a bulk write can be
    audited by one entry holding the digest of its rows (the Excel import's ledger.import entry)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    pk = model._meta.pk.column
    columns = [pk] + [f.column for f in fields]
    defaults = {}
    for f in fields:
        defaults[f.attname] = f.get_default() if f.has_default() or not f.null else None
    adapt = {}
    ops = connection.ops
    for f in fields:
        internal = f.get_internal_type()
        if internal == "DateTimeField":
            adapt[f.attname] = ops.adapt_datetimefield_value
        elif internal == "DateField":
            adapt[f.attname] = ops.adapt_datefield_value
    cast = cast or {}
    marks = ", ".join(["%s"] + [f"%s::{cast[f.attname]}" if f.attname in cast else "%s" for f in fields])
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) VALUES ({marks})'
    attnames = [f.attname for f in fields]
    # only date and datetime columns need adapting; their values repeat (one import's timestamp, a few
    # hundred dates), so each distinct value is adapted once
    adapted = [(k + 1, adapt[a], {}) for k, a in enumerate(attnames) if a in adapt]
    texts = [(k, {}) for k, _fn, _cache in adapted]  # the digest's text of each distinct date / datetime
    copying = connection.vendor == "postgresql" and not cast
    if copying:  # psycopg's COPY adapts dates and datetimes itself
        adapted = []

    lines: list[str] = []
    every = itemgetter(*attnames) if len(attnames) > 1 else None

    def values_of(pk_value, row) -> list:
        values = [pk_value]
        try:  # the callers give every column (their defaults merged in): one C call for the row
            values += every(row)
        except (KeyError, TypeError):
            values += [row[a] if a in row else defaults[a] for a in attnames]
        if digest is not None:
            shown = values.copy()
            for k, cache in texts:
                v = shown[k]
                if v is not None:
                    if v not in cache:
                        cache[v] = str(v)
                    shown[k] = cache[v]
            lines.append(_line(shown))
        for k, fn, cache in adapted:
            v = values[k]
            if v is not None:
                if v not in cache:
                    cache[v] = fn(v)
                values[k] = cache[v]
        return values

    if len(ids) != len(rows):
        raise ValueError(f"{len(rows)} rows, {len(ids)} ids")
    with connection.cursor() as cur:
        if copying and hasattr(cur.cursor, "copy"):
            # PostgreSQL: COPY … FROM STDIN (psycopg 3), a stream of rows instead of a statement per row;
            # psycopg adapts the Python values (dates, datetimes, None) itself
            names = ", ".join(f'"{c}"' for c in columns)
            with cur.cursor.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
                for i in range(0, len(rows), batch):
                    for pk, row in zip(ids[i : i + batch], rows[i : i + batch], strict=True):
                        copy.write_row(values_of(pk, row))
                    if lines:
                        digest.update(("\n".join(lines) + "\n").encode())
                        lines.clear()
            return
        for i in range(0, len(rows), batch):  # one batch's parameters at a time
            part = zip(ids[i : i + batch], rows[i : i + batch], strict=True)
            cur.executemany(sql, [values_of(pk, row) for pk, row in part])
            if lines:
                digest.update(("\n".join(lines) + "\n").encode())
                lines.clear()


def _encoder():
    """One JSON array per row, compact, non-ASCII kept, anything else as str(): `JSONEncoder.encode`, with its
    C encoder made once instead of once per call (which was most of its cost at 183 000 rows)."""
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return enc.encode
    try:
        c = make({}, enc.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    except TypeError:  # another Python's signature
        return enc.encode

    def encode(values) -> str:
        return "".join(c(values, 0))

    if encode([1, "a", None, 1.5, "é"]) != enc.encode([1, "a", None, 1.5, "é"]):
        return enc.encode
    return encode


_line = _encoder()


def row_line(model: type[models.Model], pk_value, values: dict) -> str:
    """One row as `insert_rows` feeds its digest: a JSON array of the primary key and every concrete column in
    the table's order, dates and datetimes as str() writes them (2019-10-31, 2019-10-31 08:00:00+00:00). The
    same line from the row read back (`values` by attname) lets anyone recompute the digest."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    shown = [pk_value]
    for f in fields:
        v = values[f.attname]
        shown.append(
            str(v) if f.get_internal_type() in ("DateField", "DateTimeField") and v is not None else v
        )
    return _line(shown)


def table_digest(model: type[models.Model], ranges, alg: str) -> str:
    """The digest `insert_rows` fed for the rows of `model` whose ids lie in `ranges` ([first, last] runs), read
    back from the database in id order: equal to a bulk entry's digest while the rows are as written."""
    import hashlib

    h = hashlib.new(alg)
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    pk = model._meta.pk.attname
    for first, last in ranges:
        rows = model._base_manager.filter(pk__gte=first, pk__lte=last).order_by(pk).values(pk, *names)
        for row in rows.iterator(chunk_size=5000):
            h.update((row_line(model, row[pk], row) + "\n").encode())
    return h.hexdigest()
