"""In the browser, in Chinese (the default): county staff record a problem and claim its item with evidence;
the county office returns the claim with a reason; staff claim again; the office verifies (销号); a look-back
(回头看) reopens it; the history reads as sentences."""

from datetime import date, timedelta

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e


def test_record_claim_verify_and_reopen(browser, server, tmp_path):
    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, server, "chancheng")
    staff.goto(f"{server}/ledger/units/440604/")
    staff.click("a[href^='/ledger/units/440604/problems/new/']")
    staff.fill("#id_title", "浏览器测试：办事窗口排队时间长")
    staff.select_option("#id_source", "opinion")
    staff.fill("#id_root_cause", "服务意识不强")
    staff.click("form button[type=submit].btn-danger")
    assert "/ledger/problems/" in staff.url
    staff.click("a[href$='/items/new/']")
    staff.fill("#id_measures", "增设窗口、推行预约")
    staff.select_option("#id_kind", "deadline")
    staff.fill("#id_deadline", (date.today() + timedelta(days=20)).isoformat())
    staff.fill("#id_requirements", "月底前完成")
    staff.click("form button[type=submit].btn-danger")
    staff.click("table a[href^='/ledger/items/']")
    item_url = staff.url
    assert "/ledger/items/" in item_url
    proof = tmp_path / "整改报告.pdf"
    proof.write_bytes(b"%PDF-1.4 browser evidence")
    staff.fill("#progress-text", "已增设两个窗口")
    staff.set_input_files("#progress-files", str(proof))
    staff.click("button[formaction$='/claim/']")
    staff.wait_for_load_state()
    assert staff.locator("#item-panel a[href^='/ledger/evidence/']").inner_text() == "整改报告.pdf"
    assert staff.locator("button[formaction$='/claim/']").count() == 0  # claimed: no second claim

    office = browser.new_context(locale="zh-CN").new_page()
    login(office, server, "chanchengban")
    office.goto(item_url)
    assert "已申请销号" in office.locator("#item-panel").inner_text()
    office.fill("#verify-text", "证明材料不足")
    office.click("#item-panel button[formaction$='/reject/']")
    office.wait_for_selector("#item-panel >> text=销号申请已退回")

    staff.reload()
    again = tmp_path / "排队时长统计.pdf"
    again.write_bytes(b"%PDF-1.4 second evidence")
    staff.fill("#progress-text", "补充了排队时长统计")
    staff.set_input_files("#progress-files", str(again))
    staff.click("button[formaction$='/claim/']")
    staff.wait_for_load_state()
    assert "已申请销号" in staff.locator("#item-panel").inner_text()

    office.reload()
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
        "理由或说明：证明材料不足",
        "验收销号。",
        "回头看后重新打开了整改事项。",
    ):
        assert sentence in history, sentence
    assert "状态由“已申请销号”改为“已销号”" in history
    assert "item." not in history and "claimed" not in history
