"""In the browser, in Chinese: a province office sets up two-step verification from the account menu (the
demo leaves it optional), keeps its recovery codes, and the next log-in asks for the code."""

import base64
import os
from pathlib import Path

import pytest
from django_otp.oath import totp

from .conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/trust"))


def _code(b32_key: str, steps_ahead: int = 0) -> str:
    key = base64.b32decode(b32_key + "=" * (-len(b32_key) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_office_sets_up_the_authenticator_and_logs_in_with_it(page, server):
    login(page, server, "hubei")
    page.goto(f"{server}/accounts/two-step/")
    assert "未启用" in page.inner_text("main")
    page.click("text=设置两步验证")
    assert page.locator("img.qr-code").is_visible()
    key = page.inner_text("#setup-key").replace(" ", "")
    _shoot(page, "second-factor-setup")
    page.fill("#id_code", _code(key))
    page.click("#setup-submit")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and "两步验证已启用" in page.inner_text("main")
    _shoot(page, "recovery-codes")

    page.context.clear_cookies()
    login(page, server, "hubei")
    assert page.url.endswith("/accounts/verify/") and "两步验证" in page.inner_text("h1")
    _shoot(page, "second-factor-verify")
    page.fill("#id_code", "000000" if _code(key, 1) != "000000" else "111111")
    page.click("#verify-submit")
    assert "验证码错误" in page.inner_text("main")
    _shoot(page, "second-factor-verify-wrong")
    # after a wrong code django-otp throttles the device for a second (doubling with each further failure)
    page.wait_for_timeout(1500)
    page.fill("#id_code", _code(key, 1))
    page.click("#verify-submit")
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    page.goto(f"{server}/accounts/two-step/")
    assert "剩余 10 个恢复码" in page.inner_text("main")
