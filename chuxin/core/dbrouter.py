"""Read replicas: dashboard, export and document reads go to DATABASE_REPLICA_URL when it is set.

Only views marked with `@reads_from_replica` send reads there, and only reads of the ledger's and the
strands' data (the apps in REPLICATED_APPS): sessions, accounts and lock-outs stay on the primary, so
a login a moment ago is never "missing" because the replica lags. Once anything writes in the request,
every later read of that request goes to the primary too (it must see its own write). Writes, raw
cursors, migrations and transactions always use the primary.

Without a "replica" alias in DATABASES (the default; settings.REPLICA_READS is then false) the router
answers "default" for everything.
"""

from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
REPLICATED_APPS = {
    "orgs",
    "campaigns",
    "problems",
    "rollups",
    "study",
    "research",
    "audit",
    "dashboards",
    "documents",
    "reminders",
}

# None: this request may not read from the replica; "replica": it may; "default": it wrote.
_state: contextvars.ContextVar[str | None] = contextvars.ContextVar("chuxin_replica", default=None)


@contextmanager
def replica_reads():
    token = _state.set(REPLICA if getattr(settings, "REPLICA_READS", False) else None)
    try:
        yield
    finally:
        _state.reset(token)


def reads_from_replica(view):
    """Mark a read-mostly view (dashboard, export, document) whose reads may be served by the replica."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _state.get() == REPLICA and model._meta.app_label in REPLICATED_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        if _state.get() == REPLICA:
            _state.set("default")  # read-your-writes for the rest of the request
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either relate freely

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"
