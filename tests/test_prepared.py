"""chuxin/core/prepared.py: the hand-written statements that nearly every page runs are prepared on
PostgreSQL (and still counted and logged like any statement); the instances made from their rows equal the
ORM's, whatever the order of the columns."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuxin.core import prepared
from chuxin.orgs.models import Unit
from chuxin.problems.models import ProblemListSignoff
from chuxin.problems.views import SIGNOFF_FIELDS


@pytest.mark.django_db
def test_a_statement_through_the_prepared_cursor_is_counted_and_prepared_on_postgresql():
    unit = Unit.objects.order_by("pk").first()
    sql = f"SELECT code FROM {Unit._meta.db_table} WHERE id = %s"  # noqa: S608 — a constant

    def run():
        with prepared.cursor() as cur:
            cur.execute(sql, [unit.pk])
            assert cur.fetchone() == (unit.code,)

    with CaptureQueriesContext(connection) as ctx:
        run()
    assert [q["sql"] for q in ctx.captured_queries] == [sql % unit.pk]  # counted and logged with its values
    run()  # not logged: prepared on PostgreSQL
    if connection.vendor != "postgresql":
        assert not prepared.enabled()
        return
    assert prepared.enabled()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [sql.replace("%s", "$1")]
        )
        assert cur.fetchone() == (1,)


@pytest.mark.django_db
def test_model_rows_takes_the_columns_in_any_order_and_converts_them_as_the_orm_does():
    unit = Unit.objects.order_by("pk").first()
    names = ["name", "is_active", "created_at", "id", "path"]  # not the model's order
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT name, is_active, created_at, id, path FROM {Unit._meta.db_table} WHERE id = %s",
            [unit.pk],
        )  # noqa: S608
        (made,) = prepared.model_rows(Unit, names, cur.fetchall())
    assert (made.pk, made.name, made.path, made.is_active, made.created_at) == (
        unit.pk,
        unit.name,
        unit.path,
        unit.is_active,
        unit.created_at,  # a datetime with its time zone on SQLite too (the backend's converter applied)
    )
    assert made.get_deferred_fields() >= {"code", "kind"}


@pytest.mark.django_db
def test_the_ledger_sign_off_is_rebuilt_with_its_fields_in_place():
    """signoff_state selects the sign-off's columns in SIGNOFF_FIELDS' order, which is not the model's."""
    from chuxin.campaigns.models import Campaign
    from chuxin.orgs.models import Person

    unit = Unit.objects.get(code="440000")
    signer = Person.objects.filter(home_unit=unit).first() or Person.objects.first()
    signoff = ProblemListSignoff.objects.create(
        campaign=Campaign.objects.order_by("pk").first(), unit=unit, signed_by=signer, problems=7, note="审"
    )
    fields = ", ".join(ProblemListSignoff._meta.get_field(n).column for n in SIGNOFF_FIELDS)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {fields} FROM {ProblemListSignoff._meta.db_table} WHERE id = %s", [signoff.pk])  # noqa: S608
        (made,) = prepared.model_rows(ProblemListSignoff, SIGNOFF_FIELDS, cur.fetchall())
    assert (made.pk, made.signed_at, made.problems, made.note, made.signed_by_id) == (
        signoff.pk,
        signoff.signed_at,
        7,
        "审",
        signer.pk,
    )


@pytest.mark.django_db
def test_the_session_store_reads_what_djangos_database_store_reads():
    """chuxin.core.sessions (SESSION_ENGINE) reads the session row by a prepared statement: a live session
    loads, an expired or unknown key is dropped, as Django's own database store does."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from chuxin.core.sessions import SessionStore

    assert settings.SESSION_ENGINE == "chuxin.core.sessions"
    live = DjangoStore()
    live["_auth_user_id"] = "7"
    live.create()
    expired = DjangoStore()
    expired["_auth_user_id"] = "8"
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (live.session_key, expired.session_key, "x" * 32, None):
        ours, django = SessionStore(key), DjangoStore(key)
        assert ours.load() == django.load(), key
        assert ours.session_key == django.session_key, key
    assert SessionStore(live.session_key).load() == {"_auth_user_id": "7"}
    assert SessionStore(expired.session_key).load() == {}
