"""In the browser, in Chinese: county staff record a problem with its item on one page and claim it with
evidence; the county office returns the claim with a reason; the staff find the return on their to-do
page and claim again; the office finds the claim on its to-do page and verifies; a look-back reopens it.
The minimal recording path is measured: clicks and fields."""

from datetime import date, timedelta

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e

TITLE = "浏览器测试：办事窗口排队时间长"


def record_minimal(staff, server, title=TITLE):
    """The minimal 限期整改 path from the to-do page; returns (clicks, fields) as counted here."""
    clicks = fields = 0
    staff.goto(f"{server}/todo/")
    staff.click("nav >> text=整改落实")  # the menu opens the unit's ledger
    clicks += 1
    staff.click("main a.btn-danger >> text=登记问题")
    clicks += 1
    staff.wait_for_selector("#record-form")
    person = staff.eval_on_selector("#people-list option", "o => o.value")
    for selector, value in (
        ("#id_title", title),
        ("#id_measures", "增设窗口、推行预约"),
        ("#id_person", person),
        ("#id_deadline", (date.today() + timedelta(days=20)).isoformat()),
        ("#id_requirements", "月底前完成"),
    ):
        staff.fill(selector, value)
        fields += 1
    staff.click("#record-save")
    clicks += 1
    staff.wait_for_load_state()
    return clicks, fields


def test_record_claim_return_claim_again_verify_and_reopen(browser, server, tmp_path, capsys):
    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, server, "chancheng")
    assert staff.url.endswith("/todo/")  # the start page after login
    clicks, fields = record_minimal(staff, server)
    with capsys.disabled():
        print(f"\nminimal recording path (限期整改): {clicks} clicks, {fields} fields")
    assert fields <= 6 and clicks <= 3
    item_url = staff.url
    assert "/ledger/items/" in item_url and TITLE in staff.inner_text("h1")
    proof = tmp_path / "整改报告.pdf"
    proof.write_bytes(b"%PDF-1.4 browser evidence")
    staff.fill("#progress-text", "已增设两个窗口")
    staff.set_input_files("#progress-files", str(proof))
    staff.click("button[formaction$='/claim/']")
    staff.wait_for_load_state()
    assert "已申请销号（待验收）" in staff.inner_text("#item-panel")
    assert staff.locator("button[formaction$='/claim/']").count() == 0  # claimed: no second claim

    office = browser.new_context(locale="zh-CN").new_page()
    login(office, server, "chanchengban")
    office.click(f"main a[href='{item_url.removeprefix(server)}']")  # the claim waits on the to-do page
    office.fill("#verify-text", "佐证材料不足，请补充照片")
    office.click("#item-panel form[action$='/verify/'] button[formaction$='/reject/']")
    office.wait_for_selector("#item-panel >> text=已退回")

    staff.goto(f"{server}/todo/")
    returned = staff.locator("main li", has_text=TITLE).first
    assert "佐证材料不足，请补充照片" in returned.inner_text()
    returned.locator("a").first.click()
    staff.fill("#progress-text", "已补充现场照片")
    staff.set_input_files("#progress-files", str(proof))
    staff.click("button[formaction$='/claim/']")
    staff.wait_for_load_state()
    assert "已申请销号（待验收）" in staff.inner_text("#item-panel")

    office.goto(f"{server}/todo/")
    office.click(f"main a[href='{item_url.removeprefix(server)}']")
    office.fill("#verify-text", "经核查属实")
    office.click("#item-panel form[action$='/verify/'] button.btn-success")  # an htmx swap of the panel
    office.wait_for_selector("#reopen-text")
    assert "已销号" in office.locator("#item-panel").inner_text()
    office.fill("#reopen-text", "回头看发现高峰期仍排队")
    office.click("#item-panel form[action$='/reopen/'] button")
    office.wait_for_selector("#item-panel >> text=正在整改")
    office.reload()
    history = office.locator("ol.history").inner_text()
    for sentence in (
        "申请销号。",
        "退回了销号申请。",
        "理由或说明：佐证材料不足，请补充照片",
        "验收销号。",
        "回头看后重新打开了整改事项。",
    ):
        assert sentence in history, sentence
    assert "状态由“已申请销号（待验收）”改为“已销号”" in history
    assert "item." not in history and "claimed" not in history
