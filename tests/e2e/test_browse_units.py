"""A provincial office browses its subtree in a real browser, in Chinese and English, on a phone."""

from pathlib import Path

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_guangdong_office_browses_its_subtree_and_not_hubei(page, server):
    login(page, server, "guangdong")
    response = page.goto(f"{server}/units/440000/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "广东省"
    page.get_by_role("link", name="佛山市").click()
    assert "/units/440600/" in page.url
    assert page.get_by_role("navigation", name="位置").get_by_role("link", name="广东").is_visible()
    assert page.goto(f"{server}/units/420000/").status == 404


def test_language_switch_changes_the_interface(page, server):
    login(page, server, "guangdong")
    page.goto(f"{server}/units/440000/")
    assert page.get_by_role("heading", name="下级单位").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Sub-units").is_visible()
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="下级单位").is_visible()


def test_search_as_you_type_with_htmx(page, server):
    login(page, server, "guangdong")
    page.goto(f"{server}/units/search/")
    page.fill("#id_q", "fss")
    page.wait_for_selector("#results >> text=佛山市")
    assert page.locator("#results").inner_text().count("湖北") == 0


def test_unit_page_fits_a_375px_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    login(page, server, "chancheng")
    page.goto(f"{server}/units/440604/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.get_by_role("button", name="菜单").is_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "unit-phone.png"), full_page=True)
    context.close()
