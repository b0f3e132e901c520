"""Shared fixtures: a small 2019 demo built once per session, and named personas.

Each test runs inside a transaction that is rolled back, so tests may change the tree freely.
"""

import os

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from chuxin.demo.generator import PASSWORD, make_accounts, make_demo
from chuxin.orgs.models import Person, Rank, Role, RoleAssignment, Unit

DEMO_UNITS = 400
# Processes the tests start (workers, servers) are test instances too: development keys, no forced change.
os.environ.setdefault("CHUXIN_ENV", "test")

# persona -> (unit code where the role is held, role); None: no role at all.
EXTRA_PERSONAS = {
    "guidance": ("440000", Role.GUIDANCE),
    "discipline": ("440000", Role.DISCIPLINE),
    "viewer": ("440000", Role.VIEWER),
    "member": ("440000", Role.MEMBER),
    "outsider": None,
}


@pytest.fixture(scope="session", autouse=True)
def test_settings(tmp_path_factory):
    """Background tasks run inline in the suite (the database worker has its own test); files go to a
    temporary media folder."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        make_demo(DEMO_UNITS, seed=7, with_strands=False)
        make_accounts()
        User = get_user_model()
        for username, grant in EXTRA_PERSONAS.items():
            user = User.objects.create_user(username, password=PASSWORD)
            home = Unit.objects.get(code=grant[0] if grant else "420000")
            person = Person.objects.create(name=username, home_unit=home, user=user, rank=Rank.SECTION)
            if grant:
                RoleAssignment.objects.create(person=person, unit=home, role=grant[1])


def _user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def central_office(db):
    return _user("zhongyang")


@pytest.fixture
def guangdong_office(db):
    return _user("guangdong")


@pytest.fixture
def hubei_office(db):
    return _user("hubei")


@pytest.fixture
def county_staff(db):
    return _user("chancheng")


@pytest.fixture
def outsider(db):
    return _user("outsider")


@pytest.fixture
def superuser(db):
    return _user("admin")


@pytest.fixture
def as_user(client):
    """Log the test client in as a user and return it."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def unit():
    def get(code):
        return Unit.objects.get(code=code)

    return get


def make_item(unit_code, kind="deadline", title="会议文件多、检查考核多", days=30):
    """A problem with one rectification item at the unit, written directly (no actor needed)."""
    from datetime import timedelta

    from django.utils import timezone

    from chuxin.campaigns.models import Campaign
    from chuxin.problems.actions import compute_due_date
    from chuxin.problems.models import Problem, RectificationItem

    unit = Unit.objects.get(code=unit_code)
    person = unit.people.order_by("pk").first()
    problem = Problem.objects.create(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=unit,
        title=title,
        source="self_exam",
        responsible_leader=person,
    )
    item = RectificationItem.objects.create(
        problem=problem,
        unit=unit,
        measures="精简文件会议",
        kind=kind,
        requirements="按期整改到位",
        deadline=timezone.localdate() + timedelta(days=days),
        responsible_person=person,
    )
    item.due_date = compute_due_date(item)
    item.save()
    return item


@pytest.fixture
def county_office(db, django_user_model):
    """The leading-group office of 禅城区 (440604): verifies the county's items."""
    user = django_user_model.objects.create_user("chancheng_office", password=PASSWORD)
    unit = Unit.objects.get(code="440604")
    person = Person.objects.create(name="区委办", home_unit=unit, user=user, rank=Rank.SECTION)
    RoleAssignment.objects.create(person=person, unit=unit, role=Role.OFFICE)
    return user


@pytest.fixture
def live_api(db, settings):
    """A real HTTP server on 127.0.0.1 that shares the test's database connection, so it sees the
    test's rows and everything it writes is rolled back with the test (on SQLite and PostgreSQL alike;
    pytest-django's live_server would flush the session's demo tree instead)."""
    import threading

    from django.core import signals
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import close_old_connections, connections
    from django.test.testcases import QuietWSGIRequestHandler

    class SharedConnectionServer(ThreadedWSGIServer):
        def _close_connections(self):
            pass  # the connection is the test's: the test's rollback ends it, not a request

    settings.API_RATE_PER_MINUTE = 100_000
    conn = connections["default"]
    conn.inc_thread_sharing()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    httpd = SharedConnectionServer(
        ("127.0.0.1", 0),
        QuietWSGIRequestHandler,
        allow_reuse_address=False,
        connections_override={"default": conn},
    )
    httpd.set_app(WSGIHandler())
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        conn.dec_thread_sharing()
