"""In the browser, in Chinese: a member of Guangdong's roving group plans and records a visit to Foshan and
sends a finding; it becomes Foshan's problem; Foshan's office adds its item; the group sees the progress."""

from datetime import date, timedelta

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e
FINDING = "问题清单照搬上级文件，针对性不强"


def test_visit_finding_problem_and_progress(browser, server):
    member = browser.new_context(locale="zh-CN").new_page()
    login(member, server, "xunhui")
    member.goto(f"{server}/supervision/")
    member.click("text=广东省委第一巡回指导组")
    group_url = member.url
    member.click("text=制定督导计划")
    member.select_option("#id_unit", label="佛山市")
    member.fill("#id_planned_on", date.today().isoformat())
    member.fill("#id_purpose", "督导整改落实情况")
    member.click("form button[type=submit].btn-danger")
    assert "督导计划已保存" in member.inner_text("main")
    member.fill("#id_talks", "与市委班子成员个别谈话6人次")
    member.fill("#id_documents", "查阅问题清单和整改台账")
    member.click("button:has-text('保存')")
    assert "督导情况已记录" in member.inner_text("main")
    member.fill("#id_title", FINDING)
    member.click("button:has-text('反馈')")
    assert "已列入其问题清单" in member.inner_text("main")
    assert (
        member.goto(f"{server}/ledger/units/440300/").status == 404
    )  # Shenzhen is not assigned to the group

    office = browser.new_context(locale="zh-CN").new_page()
    login(office, server, "guangdong")
    office.goto(f"{server}/ledger/units/440600/")
    office.goto(f"{server}/supervision/")
    office.click("text=广东省委第一巡回指导组")
    office.click(f"text={FINDING}")
    office.click("a[href$='/items/new/']")
    office.fill("#id_measures", "逐条细化整改措施，明确责任人和时限")
    office.select_option("#id_kind", "deadline")
    office.fill("#id_deadline", (date.today() + timedelta(days=30)).isoformat())
    office.fill("#id_requirements", "一个月内完成")
    office.click("form button[type=submit].btn-danger")

    member.goto(group_url)
    row = member.locator("tr", has_text=FINDING)
    assert row.locator("td").nth(2).inner_text() == "1"  # one item now: the group sees it
