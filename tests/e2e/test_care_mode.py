"""关怀版 in the browser: the switch in the user menu enlarges the text of every page, stays on across pages
and log-ins (it is the account's preference), says it is on, and switches off again."""

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e


def _root_px(page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


def _toggle(page):
    page.click(".navbar .dropdown-toggle:not(.campaign-picker)")
    button = page.locator("form[action$='/accounts/care/'] button")
    button.click()
    page.wait_for_load_state()


def test_care_mode_enlarges_every_page_and_persists(browser, server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server, "chanchengban")
    page.goto(f"{server}/todo/")
    normal = _root_px(page)
    assert page.evaluate("document.body.classList.contains('care')") is False

    _toggle(page)
    assert page.url.endswith("/todo/")  # back where the user was
    assert page.evaluate("document.body.classList.contains('care')") is True
    assert _root_px(page) > normal
    page.click(".navbar .dropdown-toggle:not(.campaign-picker)")
    pressed = page.locator("button[aria-pressed='true']")
    assert pressed.count() == 1 and "关怀版" in pressed.inner_text() and "✓" in pressed.inner_text()

    page.goto(f"{server}/go/ledger")  # another page: still large
    assert _root_px(page) > normal
    context.close()

    again = browser.new_context(locale="zh-CN").new_page()  # a new log-in keeps the preference
    login(again, server, "chanchengban")
    assert again.evaluate("document.body.classList.contains('care')") is True
    _toggle(again)
    assert again.evaluate("document.body.classList.contains('care')") is False
    assert _root_px(again) == normal
