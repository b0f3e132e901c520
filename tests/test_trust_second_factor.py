"""The second factor (TOTP, django-otp) for superusers and the offices of the centre and the provinces: set up
at the first log-in, asked at every log-in, recovery codes for a lost phone, an audited reset by an
administrator; off in the demo (OTP_REQUIRED)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from chuxin.audit.events import AuditEvent
from chuxin.audit.models import AuditEntry
from chuxin.demo.generator import PASSWORD
from chuxin.orgs import second_factor
from chuxin.orgs.actions import do_enrol_second_factor

PAGE = "/units/440000/"
LOGIN = "/accounts/login/"


@pytest.fixture
def required(db, settings):
    settings.OTP_REQUIRED = True
    settings.PASSWORD_FORCE_CHANGE = False


def _code(key_hex: str, steps_ahead: int = 0) -> str:
    """What the phone shows now (or `steps_ahead` 30-second steps later: a code already used never counts
    again, so a log-in right after the set-up takes the next one)."""
    from binascii import unhexlify

    return f"{totp(unhexlify(key_hex), drift=steps_ahead):06d}"


def _login(client, username, ip="10.0.5.1"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": PAGE}, REMOTE_ADDR=ip)


def _verify(client, code, ip="10.0.5.1"):
    return client.post("/accounts/verify/", {"code": code}, REMOTE_ADDR=ip)


def _enrolled(username):
    """An account with an authenticator; returns (user, key, recovery codes)."""
    user = get_user_model().objects.get(username=username)
    key = second_factor.new_key()
    codes = do_enrol_second_factor(user, key, _code(key), acting_user=user)
    return user, key, codes


def _logged_in(client):
    return "_auth_user_id" in client.session


def _entries(event):
    return list(AuditEntry.objects.filter(action=event).order_by("id"))


def test_a_province_office_sets_up_the_authenticator_at_its_first_log_in(required):
    client = Client()
    response = _login(client, "guangdong")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-step/setup/"
    assert not _logged_in(client) and client.get(PAGE)["Location"].startswith(LOGIN)
    page = client.get("/accounts/two-step/setup/").content.decode()
    assert "设置两步验证" in page and 'src="data:image/svg+xml' in page
    key = client.session[second_factor.NEW_KEY]
    shown = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert shown == second_factor.b32_key(key)
    done = client.post("/accounts/two-step/setup/", {"code": _code(key)})
    codes = re.findall(r'<li class="col">([a-z2-7]+)</li>', done.content.decode())
    assert len(codes) == 10 and "恢复码" in done.content.decode()
    assert _logged_in(client) and client.get(PAGE).status_code == 200
    assert [e.after["username"] for e in _entries(AuditEvent.SECOND_FACTOR_ENROL)] == ["guangdong"]
    assert _entries(AuditEvent.LOGIN)[-1].after["second_factor"] == "totp"


def test_a_wrong_code_at_set_up_turns_nothing_on(required):
    client = Client()
    _login(client, "zhongyang")
    client.get("/accounts/two-step/setup/")
    wrong = f"{(int(_code(client.session[second_factor.NEW_KEY])) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/two-step/setup/", {"code": wrong})
    assert response.status_code == 200 and "验证码与新密钥不符" in response.content.decode()
    assert not TOTPDevice.objects.filter(user__username="zhongyang").exists() and not _logged_in(client)


def test_the_log_in_is_refused_without_the_second_factor(required):
    _user, key, _codes = _enrolled("guangdong")
    client = Client()
    response = _login(client, "guangdong")
    assert response["Location"] == "/accounts/verify/" and not _logged_in(client)
    assert client.get(PAGE)["Location"].startswith(LOGIN)
    wrong = _verify(client, "000000" if _code(key, 1) != "000000" else "111111")
    assert wrong.status_code == 200 and "验证码错误" in wrong.content.decode() and not _logged_in(client)
    assert client.get(PAGE)["Location"].startswith(LOGIN)
    refused = _entries(AuditEvent.SECOND_FACTOR_FAILED)
    assert [(e.actor_name, e.after["ip"]) for e in refused] == [("guangdong", "10.0.5.1")]


def test_the_log_in_is_accepted_with_a_valid_code(required):
    _user, key, _codes = _enrolled("guangdong")
    client = Client()
    _login(client, "guangdong")
    response = _verify(client, _code(key, 1))
    assert response.status_code == 302 and response["Location"] == PAGE
    assert client.get(PAGE).status_code == 200
    assert _entries(AuditEvent.LOGIN)[-1].after["second_factor"] == "totp"


def test_a_code_logs_in_only_once(required):
    _user, key, _codes = _enrolled("guangdong")
    first, second = Client(), Client()
    _login(first, "guangdong")
    _login(second, "guangdong", ip="10.0.5.2")
    assert _verify(first, _code(key, 1)).status_code == 302
    assert _verify(second, _code(key, 1)).status_code == 200
    assert not _logged_in(second)


def test_a_recovery_code_logs_in_once(required):
    _user, _key, codes = _enrolled("zhongyang")
    client = Client()
    _login(client, "zhongyang")
    assert _verify(client, codes[0]).status_code == 302
    assert _entries(AuditEvent.LOGIN)[-1].after["second_factor"] == "recovery_code"
    again = Client()
    _login(again, "zhongyang")
    assert _verify(again, codes[0]).status_code == 200 and not _logged_in(again)
    assert StaticDevice.objects.get(user__username="zhongyang").token_set.count() == 9


def test_wrong_codes_count_towards_the_lockout(required, settings):
    _enrolled("guangdong")
    client = Client()
    _login(client, "guangdong")
    for _ in range(settings.OTP_PENDING_ATTEMPTS):
        response = _verify(client, "12345")
    assert response.status_code in (302, 429) and not _logged_in(client)
    assert client.get("/accounts/verify/")["Location"] == LOGIN  # the password must be given again
    assert _login(client, "guangdong").status_code == 429  # and the account is locked
    assert _entries(AuditEvent.LOCKOUT)[-1].actor_name == "guangdong"


def test_county_staff_and_the_demo_log_in_with_the_password(required, settings):
    client = Client()
    assert _login(client, "chancheng")["Location"] == PAGE and _logged_in(client)
    settings.OTP_REQUIRED = False
    demo = Client()
    assert _login(demo, "guangdong")["Location"] == PAGE and _logged_in(demo)


def test_whoever_set_up_an_authenticator_is_asked_for_it_even_in_the_demo(db, settings):
    settings.OTP_REQUIRED, settings.PASSWORD_FORCE_CHANGE = False, False
    _enrolled("chancheng")
    client = Client()
    assert _login(client, "chancheng")["Location"] == "/accounts/verify/" and not _logged_in(client)


def test_a_session_that_skipped_the_second_factor_is_ended(required, superuser, client):
    client.force_login(superuser)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN) and not _logged_in(client)
    assert _entries(AuditEvent.LOGOUT)[-1].after["reason"] == "second_factor"
    client.force_login(superuser)
    api = client.get("/api/v1/units/440000/items")
    assert api.status_code == 401 and api.json()["error"]["code"] == "second_factor"


def test_the_admin_log_in_page_leads_to_the_one_log_in(db, client, county_staff):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/"
    client.force_login(county_staff)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_the_default_password_is_still_changed_after_the_second_step(db, settings):
    settings.OTP_REQUIRED, settings.PASSWORD_FORCE_CHANGE = True, True
    _user, key, _codes = _enrolled("guangdong")
    client = Client()
    _login(client, "guangdong")
    _verify(client, _code(key, 1))
    assert client.get(PAGE)["Location"].endswith("/accounts/password/")


def test_an_administrator_resets_a_lost_authenticator(required):
    _enrolled("guangdong")
    call_command("resetsecondfactor", "guangdong", "--reason", "手机遗失 #123", stdout=open("/dev/null", "w"))
    assert not TOTPDevice.objects.filter(user__username="guangdong").exists()
    assert not StaticDevice.objects.filter(user__username="guangdong").exists()
    entry = _entries(AuditEvent.SECOND_FACTOR_RESET)[-1]
    assert entry.actor_name == "system" and entry.after == {
        "username": "guangdong",
        "devices": 2,
        "reason": "手机遗失 #123",
    }
    assert _login(Client(), "guangdong")["Location"] == "/accounts/two-step/setup/"


def test_new_recovery_codes_need_a_verified_session(required, county_staff, client):
    _user, key, codes = _enrolled("chancheng")
    client.force_login(county_staff)  # county staff need no second factor: the session lives, unverified
    response = client.post("/accounts/two-step/recovery-codes/")
    assert response["Location"] == "/accounts/two-step/"
    verified = Client()
    _login(verified, "chancheng")
    _verify(verified, _code(key, 1))
    fresh = re.findall(
        r'<li class="col">([a-z2-7]+)</li>',
        verified.post("/accounts/two-step/recovery-codes/").content.decode(),
    )
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert _entries(AuditEvent.RECOVERY_CODES_ISSUE)[-1].actor_name == "chancheng"


def test_the_status_page_says_whether_it_is_on(required, county_staff, client):
    client.force_login(county_staff)
    assert "仅凭密码登录" in client.get("/accounts/two-step/").content.decode()
    _enrolled("chancheng")
    assert "剩余 10 个恢复码" in client.get("/accounts/two-step/").content.decode()


def test_new_recovery_codes_keep_a_session_that_logged_in_with_one(required):
    _user, _key, codes = _enrolled("zhongyang")
    client = Client()
    _login(client, "zhongyang")
    _verify(client, codes[3])
    fresh = client.post("/accounts/two-step/recovery-codes/")
    assert fresh.status_code == 200 and codes[0] not in fresh.content.decode()
    assert client.get(PAGE).status_code == 200
