"""The session store: Django's database sessions (SESSION_ENGINE), the one read that every signed-in request
makes run as a prepared statement (chuxin/core/prepared.py) instead of an ORM query compiled and planned
afresh each time. Everything else — where sessions live, their keys, expiry, saving, rotation at log-in,
deletion at log-out — is Django's `db` backend unchanged: the same row is read with the same conditions
(this key, not expired), so a session deleted or expired on one process is gone for all of them."""

from django.contrib.sessions.backends import db
from django.db import router
from django.utils import timezone

from . import prepared


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        sql = (
            f"SELECT session_key, session_data, expire_date FROM {model._meta.db_table} "  # noqa: S608 — the model's table
            "WHERE session_key = %s AND expire_date > %s"
        )
        using = router.db_for_read(model)
        with prepared.cursor(using) as cur:
            cur.execute(sql, [self.session_key, timezone.now()])
            rows = cur.fetchall()
        if not rows:
            self._session_key = None  # as Django's: an unknown or expired key is dropped
            return None
        return prepared.model_rows(model, ["session_key", "session_data", "expire_date"], rows, using)[0]
