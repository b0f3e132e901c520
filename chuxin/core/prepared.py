"""Prepared statements for the few hand-written statements that nearly every page runs.

Django binds parameters on the client and PostgreSQL then parses and plans every statement afresh. For the
statements behind the scope (a user's grants and the page's unit: a union of seven joins), a ledger's
sign-off and its rows by id, planning cost ten to twenty times executing: about 1.2 ms of the database's
time for the unit and the grants against 0.1 ms to run them, on every page. `cursor()` gives a Django
cursor (query logging, execute wrappers and error translation as usual) whose statements are bound on the
server and prepared on the connection at their first run, so that each later run only executes; with
persistent connections (CONN_MAX_AGE) that is nearly every run.

Only statements whose best plan does not depend on the values belong here: lookups by primary key or
unique code, `id = ANY(%s)`. PostgreSQL plans a prepared statement for its first five runs with the values
(custom plans) and then keeps one generic plan if it is no dearer; a plan that depends on the values (a
subtree's `LIKE 'path%'`, a status as common as another is rare) would lose its index range in a generic
plan, so such statements stay on the ordinary cursor. The ORM's statements are never prepared (they stay
bound on the client).

Settings: prepared statements live in one database session, which a pooler in transaction mode does not
keep; there set DB_PREPARED=false (settings.py) and `cursor()` is the ordinary cursor. On SQLite it is the
ordinary cursor too, and so it is while Django logs the statements (DEBUG, a test counting queries). `model_rows` makes model instances of rows as `raw()` does (the fields' and the
backend's converters applied), for statements written out and run here instead of through `raw()`.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


def enabled(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether `cursor(using)` prepares: PostgreSQL with a prepare threshold set (settings.DB_PREPARED)."""
    conn = connections[using]
    return conn.vendor == "postgresql" and conn.settings_dict["OPTIONS"].get("prepare_threshold") is not None


def cursor(using: str = DEFAULT_DB_ALIAS):
    """A cursor (use it in a `with`) whose statements are prepared on PostgreSQL; see the module docstring."""
    conn = connections[using]
    wrapper = conn.cursor()  # connects, checks the thread, wraps for logging and error translation
    if not enabled(using) or conn.queries_logged:
        # while Django logs statements (DEBUG, a test counting queries) the ordinary cursor runs them: the
        # log shows each with its values, which psycopg does not keep for a prepared one; the count is the same
        return wrapper
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    server = ServerBindingCursor(conn.connection)
    # as DatabaseWrapper.create_cursor: the cursor's time zone when the connection's differs
    if conn.timezone != conn.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
        register_tzloader(conn.timezone, server)
    client = wrapper.cursor
    client.close()
    wrapper.cursor = server
    return wrapper


def model_rows(model, attnames: list[str], rows, using: str = DEFAULT_DB_ALIAS) -> list:
    """Instances of `model` from rows holding the fields `attnames` in that order (the other fields
    deferred), each value converted as the ORM converts it on this database (SQLite's dates, booleans)."""
    conn = connections[using]
    fields = [model._meta.get_field(name) for name in attnames]
    converters = []
    for pos, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        convs = [*conn.ops.get_db_converters(col), *field.get_db_converters(conn)]
        if convs:
            converters.append((pos, convs, col))
    # Model.from_db takes the values in the model's field order
    concrete = [f.attname for f in model._meta.concrete_fields]
    order = sorted(range(len(attnames)), key=lambda i: concrete.index(attnames[i]))
    names = [attnames[i] for i in order]
    out = []
    for row in rows:
        if converters:
            row = list(row)
            for pos, convs, col in converters:
                for convert in convs:
                    row[pos] = convert(row[pos], col, conn)
        out.append(model.from_db(using, names, [row[i] for i in order]))
    return out
