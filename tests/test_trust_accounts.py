"""等保 level-3 account rules: lockout per account across addresses, session timeouts, no-store, password
rules, forced change of default passwords, and every security event in the audit log."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from chuxin.audit.events import AuditEvent
from chuxin.audit.models import AuditEntry
from chuxin.demo.generator import PASSWORD

PAGE = "/units/440000/"


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def events(*kinds):
    return list(
        AuditEntry.objects.filter(action__in=kinds).order_by("id").values_list("action", "actor_name")
    )


def test_the_account_locks_after_five_failures_from_five_addresses(db, settings):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "hubei", "wrong", ip=f"10.0.1.{i}")
    locked = _login(client, "hubei", PASSWORD, ip="10.0.9.9")
    assert locked.status_code == 429 and "请 30 分钟后再试" in locked.content.decode()


def test_an_address_is_throttled_across_accounts(db, settings):
    client = Client()
    for name in ["u1", "u2", "u3", "u4", "u5"][: settings.AXES_FAILURE_LIMIT]:
        _login(client, name, "wrong", ip="10.0.2.1")
    assert _login(client, "guangdong", PASSWORD, ip="10.0.2.1").status_code == 429


def test_logins_failures_lockouts_and_logouts_are_audited(db, settings):
    client = Client()
    assert _login(client, "guangdong", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "hubei", "wrong", ip="10.0.3.1")
    seen = events(AuditEvent.LOGIN, AuditEvent.LOGOUT, AuditEvent.LOGIN_FAILED, AuditEvent.LOCKOUT)
    assert seen[:2] == [(AuditEvent.LOGIN, "guangdong"), (AuditEvent.LOGOUT, "guangdong")]
    assert (AuditEvent.LOGIN_FAILED, "hubei") in seen and (AuditEvent.LOCKOUT, "hubei") in seen
    failed = AuditEntry.objects.filter(action=AuditEvent.LOGIN_FAILED).last()
    assert failed.after["ip"] == "10.0.3.1" and "password" not in str(failed.after)


def _session_ages(client, seen_ago=0, started_ago=0):
    s = client.session
    now = int(time.time())
    s["_seen"], s["_auth_at"] = now - seen_ago, now - started_ago
    s.save()


def test_thirty_idle_minutes_end_the_session(as_user, guangdong_office):
    client = as_user(guangdong_office)
    assert client.get(PAGE).status_code == 200
    _session_ages(client, seen_ago=31 * 60, started_ago=31 * 60)
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "/accounts/login/" in client.get(PAGE)["Location"]
    assert AuditEntry.objects.filter(action=AuditEvent.SESSION_EXPIRED, after__reason="idle").exists()


def test_twelve_hours_after_login_the_session_ends_even_when_active(as_user, guangdong_office):
    client = as_user(guangdong_office)
    client.get(PAGE)
    _session_ages(client, seen_ago=10, started_ago=12 * 3600 + 1)
    assert "/accounts/login/" in client.get(PAGE)["Location"]


def test_authenticated_responses_are_never_stored(as_user, guangdong_office, client):
    assert "no-store" not in client.get("/healthz").get("Cache-Control", "")
    response = as_user(guangdong_office).get("/units/440000/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "password", ["Ab1-short", "Ab1-elevenx", "abcdefghijkl", "abcdefgh1234", "guangdong2019A", "Password123"]
)
def test_weak_passwords_are_refused(db, password):
    user = get_user_model().objects.get(username="guangdong")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_is_accepted(db):
    validate_password("Xuexi-2019-new", get_user_model().objects.get(username="guangdong"))


def test_a_default_password_must_be_changed_before_anything_else(db):
    client = Client()
    assert _login(client, "guangdong", PASSWORD).status_code == 302
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].endswith("/accounts/password/")
    client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Xuexi-2019-new", "new_password2": "Xuexi-2019-new"},
    )
    assert client.get(PAGE).status_code == 200
    assert events(AuditEvent.PASSWORD_CHANGE) == [(AuditEvent.PASSWORD_CHANGE, "guangdong")]


def test_the_demo_keeps_its_published_password(db, settings):
    settings.PASSWORD_FORCE_CHANGE = False
    client = Client()
    _login(client, "guangdong", PASSWORD)
    assert client.get(PAGE).status_code == 200
