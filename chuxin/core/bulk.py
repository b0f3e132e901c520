"""Inserting many rows at the speed of the database (the Excel import's 100 000 rows).

Django's bulk_create builds a model instance per row and compiles every value through the field API; at
100 000 rows that costs tens of seconds of Python. Here the ids are reserved first (a sequence on PostgreSQL,
the table's high-water mark on SQLite, whose write lock the surrounding transaction already holds), and the
rows go in with one `executemany` per batch. Every concrete column is written: a value the caller does not
give takes the field's default, so a column added later by a migration still gets its default.
Call inside `transaction.atomic()`.
"""

from __future__ import annotations

from django.db import connection, models


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
    model: type[models.Model], rows: list[dict], ids: list[int], batch: int = 5000, cast=None
) -> None:
    """Insert `rows` (attname -> Python value) with the given ids. Dates and datetimes are adapted for the
    backend; `cast` maps an attname to an SQL cast for its placeholder (e.g. "jsonb" on PostgreSQL)."""
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
    cache: dict = {}

    def value(a, v):
        fn = adapt.get(a)
        if fn is None or v is None:
            return v
        key = (a, v)
        if key not in cache:
            cache[key] = fn(v)
        return cache[key]

    out = []
    for pk_value, row in zip(ids, rows, strict=True):
        out.append([pk_value] + [value(a, row[a] if a in row else defaults[a]) for a in attnames])
    with connection.cursor() as cur:
        for i in range(0, len(out), batch):
            cur.executemany(sql, out[i : i + batch])
