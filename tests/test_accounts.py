"""Log-in, lockout, password change, language switch, security headers."""

from django.contrib.auth import get_user_model
from django.test import Client

from chuxin.demo.generator import PASSWORD


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_with_the_demo_password_works_and_hashes_with_argon2(db):
    client = Client()
    assert _login(client, "guangdong", PASSWORD).status_code == 302
    assert get_user_model().objects.get(username="guangdong").password.startswith("argon2")


def test_repeated_failures_lock_the_account(db, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "hubei", "wrong")
    response = _login(client, "hubei", PASSWORD)
    assert response.status_code == 429
    assert "/units/" not in response.content.decode()


def test_login_requires_csrf(db):
    client = Client(enforce_csrf_checks=True)
    assert _login(client, "guangdong", PASSWORD).status_code == 403


def test_password_change(as_user, county_staff):
    client = as_user(county_staff)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Xuexi-2019-new", "new_password2": "Xuexi-2019-new"},
    )
    assert response.status_code == 302
    county_staff.refresh_from_db()
    assert county_staff.check_password("Xuexi-2019-new")


def test_chinese_is_the_default_and_english_is_a_switch_away(as_user, guangdong_office):
    client = as_user(guangdong_office)
    assert "下级单位" in client.get("/units/440000/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/units/440000/"})
    assert "Sub-units" in client.get("/units/440000/").content.decode()


def test_an_english_browser_still_gets_chinese_until_it_switches(client, db):
    assert "登录" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_security_headers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
