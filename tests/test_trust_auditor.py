"""Auditors (审计管理员) read the log of their subtree, search it and export it; nobody else reads it."""

import io

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from chuxin.audit import log
from chuxin.audit.events import AuditEvent
from chuxin.audit.models import AuditEntry
from chuxin.orgs.models import Person, Role, RoleAssignment, Unit


@pytest.fixture
def auditor(db, django_user_model):
    """An auditor of Guangdong (440000 and below)."""
    user = django_user_model.objects.create_user("gdaudit", password="x")
    gd = Unit.objects.get(code="440000")
    person = Person.objects.create(name="审计员", home_unit=gd, user=user)
    RoleAssignment.objects.create(person=person, unit=gd, role=Role.AUDITOR)
    return user


def _entry(code, actor_name="chancheng", event=AuditEvent.ITEM_CLAIM):
    unit = Unit.objects.get(code=code)
    with transaction.atomic():
        return log.record(type("A", (), {"pk": None, "username": actor_name})(), event, unit, None, {"x": 1})


def test_an_auditor_sees_entries_of_the_subtree_only(as_user, auditor):
    inside, outside = _entry("440604"), _entry("420000", actor_name="hubei")
    page = as_user(auditor).get("/audit/").content.decode()
    assert "审计日志" in page and f"<td>{inside.pk}</td>" in page and f"<td>{outside.pk}</td>" not in page


def test_the_log_is_searched_by_unit_person_event_and_time(as_user, auditor):
    a = _entry("440604", actor_name="chancheng", event=AuditEvent.ITEM_CLAIM)
    b = _entry("440100", actor_name="guangzhou", event=AuditEvent.ITEM_VERIFY)
    client = as_user(auditor)
    by_unit = client.get("/audit/", {"unit": "440600"}).content.decode()
    assert f"<td>{a.pk}</td>" in by_unit and f"<td>{b.pk}</td>" not in by_unit
    by_person = client.get("/audit/", {"person": "guangzhou"}).content.decode()
    assert f"<td>{b.pk}</td>" in by_person and f"<td>{a.pk}</td>" not in by_person
    by_event = client.get("/audit/", {"event": AuditEvent.ITEM_VERIFY}).content.decode()
    assert f"<td>{b.pk}</td>" in by_event and f"<td>{a.pk}</td>" not in by_event
    none = client.get("/audit/", {"until": "2019-01-01"}).content.decode()
    assert f"<td>{a.pk}</td>" not in none


def test_offices_and_staff_may_not_read_the_log(as_user, guangdong_office, county_staff, client):
    assert as_user(guangdong_office).get("/audit/").status_code == 403
    assert as_user(county_staff).get("/audit/export.xlsx").status_code == 403


def test_the_export_is_a_workbook_and_is_itself_audited(as_user, auditor):
    e = _entry("440604")
    response = as_user(auditor).get("/audit/export.xlsx", {"unit": "440604"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert any(r and r[0] == e.pk for r in rows)
    last = AuditEntry.objects.order_by("-id").first()
    assert last.action == AuditEvent.AUDIT_EXPORT and last.actor_name == "gdaudit"


def test_the_log_page_makes_the_same_queries_for_many_entries(as_user, auditor):
    client = as_user(auditor)
    _entry("440604")
    client.get("/audit/")
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for _ in range(30):
        _entry("440604")
    with CaptureQueriesContext(connection) as many:
        client.get("/audit/")
    assert len(many) == len(few)


def test_the_navigation_leads_auditors_to_the_log(as_user, auditor, guangdong_office, client):
    link = '<a class="nav-link" href="/audit/">审计日志</a>'
    assert link in as_user(auditor).get("/units/440000/").content.decode()
    client.force_login(guangdong_office)
    assert link not in client.get("/units/440000/").content.decode()
