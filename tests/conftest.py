"""Shared fixtures: a small 2019 demo built once per session, and named personas.

Each test runs inside a transaction that is rolled back, so tests may change the tree freely.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from chuxin.demo.generator import PASSWORD, make_accounts, make_demo
from chuxin.orgs.models import Person, Rank, Role, RoleAssignment, Unit

DEMO_UNITS = 400

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
        campaign=Campaign.objects.first(),
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
