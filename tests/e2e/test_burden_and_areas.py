"""In the browser, in Chinese: Guangdong's office records a request to its cities asking, among other things,
for the completion rate the platform already computes; the city's burden meter flags it and names who
asked. Chancheng marks Foshan's request answered, Foshan's office withdraws another and Chancheng's meter
no longer counts it. A dashboard shows the outcomes per central task. Screenshots at 1280 and 375 px under
/tmp/shots/burden/."""

from pathlib import Path

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots/burden")
TITLE = "全省整改工作进展情况调度表"


def _shots(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def test_a_redundant_request_is_flagged_on_the_burden_meter(page, server):
    login(page, server, "guangdong")
    page.goto(f"{server}/burden/units/440000/")
    assert "基层负担监测" in page.inner_text("h1")
    page.click("text=登记对下要求")
    page.fill("#id_title", TITLE)
    page.select_option("#id_kind", label="填报表格")
    page.fill("#id_fields_asked", "整改完成率（%）\n逾期未整改事项数\n下一步工作打算")
    page.click("button:has-text('登记要求')")
    main = page.inner_text("main")
    assert "要求已登记" in main and TITLE in main
    assert "所列填报内容中有2项是平台已自动统计的数据" in main
    _shots(page, "request")

    page.goto(f"{server}/burden/units/440600/")
    flagged = page.inner_text("#asked-again")
    assert "整改完成率（%）" in flagged and "重复索要" in flagged
    assert "广东省" in flagged and TITLE in flagged  # who asked, and for what
    assert "下一步工作打算" not in flagged
    _shots(page, "meter-city")

    page.goto(f"{server}/burden/units/440000/")
    assert TITLE in page.inner_text("main")  # a request of this subtree that asked again
    _shots(page, "meter-province")


def _ask_chancheng(page, server, title):
    page.goto(f"{server}/burden/units/440600/new/")  # Guangdong's office records for Foshan, to Chancheng
    page.fill("#id_title", title)
    page.select_option("#id_kind", label="报送材料")
    page.fill("#id_fields_asked", "主要做法\n存在问题")
    page.uncheck("#id_to_children")
    page.fill("#id_to_codes", "440604")
    page.click("button:has-text('登记要求')")
    assert "要求已登记" in page.inner_text("main")
    return page.url


def test_the_unit_asked_answers_and_the_sender_withdraws(browser, server):
    office = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(office, server, "guangdong")
    answered_url = _ask_chancheng(office, server, "阶段性工作总结")
    withdrawn_url = _ask_chancheng(office, server, "整改数据补报表")
    assert office.locator("#withdraw-form").count() == 1  # the sender's office may withdraw it
    assert office.locator("#answer").count() == 0  # but not answer for Chancheng

    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(staff, server, "chancheng")
    staff.goto(f"{server}/burden/units/440604/")
    before = int(staff.inner_text("#answered-count").split()[-1])
    row = staff.locator("#received tbody tr", has_text="阶段性工作总结")
    row.locator("button:has-text('标记为已答复')").click()
    assert "已标记禅城区已答复" in staff.inner_text("main")
    assert "已答复" in staff.locator("#received tbody tr", has_text="阶段性工作总结").inner_text()
    assert int(staff.inner_text("#answered-count").split()[-1]) == before + 1
    staff.goto(answered_url)
    assert "已答复 1" in staff.inner_text("#answered-count")
    assert staff.locator("#withdraw-form").count() == 0  # the unit asked cannot withdraw it

    office.goto(withdrawn_url)
    office.fill("#withdraw-reason", "数据可从平台直接获取")
    office.click("#withdraw-submit")
    notice = office.inner_text("#withdrawn")
    assert "撤回，不计入基层负担" in notice and "数据可从平台直接获取" in notice
    _shots(office, "withdrawn")

    staff.goto(f"{server}/burden/units/440604/")
    assert "本单位收到的要求中有1件已撤回" in staff.inner_text("#withdrawn-note")
    gone = staff.locator("#received tbody tr", has_text="整改数据补报表")
    assert "已撤回" in gone.inner_text() and gone.locator("button").count() == 0
    _shots(staff, "meter-answered")


def test_the_dashboard_shows_outcomes_by_central_task(page, server):
    login(page, server, "guangdong")
    page.goto(f"{server}/dashboards/units/440000/")
    panel = page.inner_text("#work-areas")
    assert "服务中心工作成效" in panel
    for word in ("稳增长", "促改革", "调结构", "惠民生", "防风险", "保稳定"):
        assert word in panel
    cards = page.inner_text("#outcomes")
    assert cards.index("整改完成率") < cards.index("整改事项")
    _shots(page, "dashboard")
    page.goto(f"{server}/ledger/units/440000/?subtree=on")
    assert "服务中心工作" in page.inner_text("thead")
    _shots(page, "ledger")


def test_the_county_ledger_filtered_by_a_central_task(page, server):
    """Chancheng's staff narrow their ledger (with the subordinates) to 惠民生: every row serves it.
    Screenshots at 1280 and 375 px under /tmp/shots/burden/ledger-area-*.png."""
    login(page, server, "chancheng")
    page.goto(f"{server}/ledger/units/440604/")
    page.select_option("#id_area", label="惠民生")
    page.click("button:has-text('筛选')")
    page.wait_for_load_state()
    assert "area=8" in page.url
    assert page.input_value("#id_area") == "8"  # the choice stays shown
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert "惠民生" in rows.nth(i).locator("td").nth(2).inner_text()
    _shots(page, "ledger-area")
    # on a phone the cards stand for the table: each names its central tasks
    cards = page.locator(".item-cards li")
    assert cards.count() == rows.count()
    for i in range(cards.count()):
        assert "服务中心工作：" in cards.nth(i).text_content() and "惠民生" in cards.nth(i).text_content()


def test_the_central_task_panel_on_a_past_day_says_it_keeps_no_history(page, server):
    from datetime import timedelta

    from django.utils import timezone

    day = timezone.localdate() - timedelta(days=30)
    login(page, server, "guangdong")
    page.goto(f"{server}/dashboards/units/440000/?as_of={day.isoformat()}")
    panel = page.inner_text("#work-areas")
    assert "服务中心工作成效不保留每日快照" in panel and "惠民生" not in panel
    _shots(page, "dashboard-past")
    page.click("#work-areas >> text=查看当前数据")
    page.wait_for_load_state()
    assert "惠民生" in page.inner_text("#work-areas")
