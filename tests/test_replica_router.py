"""Read replicas: with DATABASE_REPLICA_URL set, dashboard, export and document reads go to the
replica; sessions, writes and the reads after a write in the same request stay on the primary.

"The same server as both": the replica alias here is a second, real connection to the test database.
It sees what the session's demo committed, not what a test writes inside its own open transaction —
so a read that wrongly went to the replica after a write would not find the row it just wrote."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from chuxin.core.dbrouter import REPLICA, ReplicaRouter, replica_reads
from chuxin.orgs.models import Unit
from chuxin.problems.models import RectificationItem
from tests.conftest import make_item

# The alias exists before the test databases are set up, as a mirror of "default" (as settings.py makes
# it when DATABASE_REPLICA_URL is set); REPLICA_READS turns the routing on only in these tests. On
# PostgreSQL the replica is a second connection to the same server; SQLite's in-memory test database
# cannot be opened twice with separate transactions, so there the alias shares the primary connection
# and the tests check the router's decisions only.
_primary = connections["default"].settings_dict
SEPARATE = _primary["ENGINE"].endswith("postgresql")
connections.settings.setdefault(REPLICA, {**_primary, "TEST": {"MIRROR": "default"}})
uses_replica = pytest.mark.django_db(databases=["default", REPLICA] if SEPARATE else ["default"])


@pytest.fixture
def replica(monkeypatch):
    """The tables read through the replica alias during the test (by the router's decisions, and on
    PostgreSQL by what the second connection actually ran)."""
    seen = []
    decide = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = decide(self, model, **hints)
        if alias == REPLICA:
            seen.append(model._meta.db_table)
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    if not SEPARATE:
        connections[REPLICA] = connections["default"]
    with override_settings(REPLICA_READS=True):
        yield seen
    if SEPARATE:
        connections[REPLICA].close()
    else:
        del connections[REPLICA]


@uses_replica
def test_the_dashboard_reads_its_figures_from_the_replica(replica, as_user, central_office):
    response = as_user(central_office).get("/dashboards/units/440000/")
    assert response.status_code == 200 and "佛山市" in response.content.decode()
    assert "rollups_subtreecounts" in replica


@uses_replica
def test_the_ledger_export_and_progress_page_read_from_the_replica(replica, as_user, central_office):
    client = as_user(central_office)
    assert client.get("/dashboards/units/440000/progress/").status_code == 200
    assert client.get(reverse("ledger_export", args=["440000"]) + "?subtree=1").status_code == 200
    assert "problems_rectificationitem" in replica


@uses_replica
def test_the_session_is_read_from_the_primary(replica, as_user, central_office):
    as_user(central_office).get("/dashboards/units/440000/")
    assert replica and Session._meta.db_table not in replica


@uses_replica
def test_a_page_outside_the_replicas_views_reads_the_primary(replica, as_user, central_office):
    assert as_user(central_office).get("/ledger/units/440000/?subtree=on").status_code == 200
    assert replica == []


@uses_replica
def test_reads_after_a_write_in_the_same_request_see_the_write(replica):
    with replica_reads():
        assert Unit.objects.all().db == REPLICA
        item = make_item("440604")  # written on the primary, not yet committed
        assert RectificationItem.objects.all().db == "default"
        assert RectificationItem.objects.filter(pk=item.pk).exists()
    assert Unit.objects.all().db == "default"


def test_without_a_replica_everything_is_read_from_the_primary(db):
    with replica_reads():
        assert Unit.objects.all().db == "default"
