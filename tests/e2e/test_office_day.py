"""In the browser, in Chinese: a deadline extension (延期申请) asked by county staff and approved by the county
office from its to-do page; and the office's day at 1280 and 375 px (the to-do page, the ledger, the record
page, the dashboard and an item with an extension request) for chancheng, chanchengban and guangdong,
saved under /tmp/shots/office/ to be looked at."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import login
from .test_ledger_cycle import record_minimal

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/office")
TITLE = "浏览器测试：村级活动场所改造滞后"
WIDTHS = {"1280": {"width": 1280, "height": 900}, "375": {"width": 375, "height": 812}}


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the charts redraw on resize
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["1280"])


def test_an_extension_request_is_approved_by_the_office_from_its_todo_page(browser, server):
    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, server, "chancheng")
    record_minimal(staff, server, title=TITLE)
    item_url = staff.url
    assert "/ledger/items/" in item_url
    wanted = date.today() + timedelta(days=80)
    staff.click("#extension summary")
    staff.fill("#ext-date", wanted.isoformat())
    staff.fill("#ext-reason", "需等待财政预算批复")
    staff.click("#extension form button[type=submit]")
    staff.wait_for_load_state()
    panel = staff.inner_text("#extension")
    assert "待审批" in panel and "需等待财政预算批复" in panel
    assert staff.locator("#ext-date").count() == 0  # one pending request at a time
    _shot(staff, "item-extension-chancheng")

    office = browser.new_context(locale="zh-CN").new_page()
    login(office, server, "chanchengban")
    assert office.url.endswith("/todo/")
    request = office.locator("main li", has_text=TITLE).filter(has_text="需等待财政预算批复").first
    request.locator("a").first.click()
    office.wait_for_selector("#ext-note")
    _shot(office, "item-extension-chanchengban")
    office.fill("#ext-note", "同意，请按新时限完成")
    office.click("#extension button[value=approve]")
    office.wait_for_load_state()
    assert "审核通过" in office.inner_text("#extension")
    assert f"{wanted.year}年{wanted.month}月{wanted.day}日" in office.inner_text("main")

    staff.goto(f"{server}/todo/")
    mine = staff.locator("main li", has_text=TITLE).filter(has_text="审核通过")
    assert mine.count() >= 1
    staff.goto(item_url)
    history = staff.locator("ol.history").inner_text()
    assert "延期" in history and "item." not in history and "extension." not in history


@pytest.mark.parametrize("username", ["chancheng", "chanchengban", "guangdong"])
def test_the_offices_day_at_1280_and_375_px(browser, server, username):
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, server, username)
    assert page.url.endswith("/todo/")
    assert page.locator("#main h1, main h1").first.is_visible()
    _shot(page, f"todo-{username}")
    page.click("nav >> text=整改落实")
    page.wait_for_load_state()
    assert "/ledger/units/" in page.url
    _shot(page, f"ledger-{username}")
    record = page.locator("main a >> text=登记问题")
    if record.count():
        record.first.click()
        page.wait_for_selector("#record-form")
        _shot(page, f"record-{username}")
    page.goto(f"{server}/go/dashboard/")
    page.wait_for_selector("#chart-children canvas, #chart-status canvas")
    _shot(page, f"dashboard-{username}")
