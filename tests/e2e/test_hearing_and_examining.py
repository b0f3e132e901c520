"""In the browser, in Chinese: a member of the public sends an opinion from a phone; the county office
groups the opinions, makes the group one problem and answers; the submitter reads the answer with the
receipt code. And: a committee member fills the four comparisons, writes the examination material, the
secretary approves it, and the gaps go onto the problem list."""

import re

import pytest

from .conftest import CHROMIUM_ARGS, login  # noqa: F401

pytestmark = pytest.mark.e2e

PHONE_SIZE = {"width": 375, "height": 812}
OPINION = "政务服务中心办事排队时间太长，等了一上午还没办完"


def _phone(browser):
    return browser.new_context(locale="zh-CN", viewport=PHONE_SIZE, is_mobile=True, has_touch=True).new_page()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]


def test_public_opinion_grouped_made_a_problem_and_answered(browser, server):
    from chuxin.opinions.abuse import solve

    public = _phone(browser)
    public.goto(f"{server}/p/440604/")
    assert "征求意见" in public.inner_text("h2") and _fits(public)
    public.fill("#id_text", OPINION)
    public.uncheck("#id_anonymous")
    public.fill("#id_contact_name", "李女士")
    public.fill("#id_contact_phone", "13912345678")
    token = public.input_value("input[name=token]")
    public.fill("#id_answer", str(solve(token)))  # what a person reads off the picture
    public.click("#opinion-submit")
    code = public.inner_text("#receipt-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{12}", code) and "感谢您的意见" in public.inner_text("h1") and _fits(public)

    office = browser.new_context(locale="zh-CN").new_page()
    login(office, server, "chanchengban")
    office.goto(f"{server}/opinions/units/440604/groups/")
    office.click("#group-run")
    assert "已归为" in office.inner_text("main")
    office.goto(f"{server}/opinions/units/440604/")
    office.click(f"#opinion-table a:has-text('{OPINION[:20]}')")
    assert "13912345678" in office.inner_text("#opinion-contact")  # the unit's own office sees the contact
    opinion_url = office.url
    office.click("dd a[href^='/opinions/groups/']")
    office.fill("#problem-title", "办事窗口排队时间长")
    office.click("#to-problem")
    assert "/ledger/problems/" in office.url and "办事窗口排队时间长" in office.inner_text("main")
    office.goto(opinion_url)
    assert "办事窗口排队时间长" in office.input_value("#answer-text")  # filled from the problem
    office.fill("#answer-text", office.input_value("#answer-text") + " 已增设两个窗口。")
    office.click("#answer-submit")
    assert "答复已保存" in office.inner_text("main")

    public.goto(f"{server}/p/receipt/?code={code}")
    answer = public.inner_text("#receipt-answer")
    assert "办事窗口排队时间长" in answer and "已增设两个窗口" in answer and _fits(public)
    assert "13912345678" not in public.inner_text("body")


def test_checklist_material_approval_and_problems(browser, server):
    member = browser.new_context(locale="zh-CN").new_page()
    login(member, server, "chanchengweiyuan")
    member.goto(f"{server}/examine/units/440604/")
    assert "检视问题" in member.inner_text("h1")
    member.click("#my-checklist")
    checklist_url = member.url
    headings = member.locator("#gap-heading option").all_inner_texts()
    assert headings[0] == "对照新思想和党中央决策部署" and len(headings) == 4
    for i, heading in enumerate(headings):
        member.select_option("#gap-heading", label=heading)
        member.fill("#gap-text", f"浏览器测试差距{i + 1}：{heading}方面做得不够")
        member.fill("#gap-root", "理想信念有所松懈")
        member.fill("#gap-direction", "坚定理想信念")
        member.fill("#gap-measures", "每月开展一次专题学习")
        member.click("#gap-submit")
        assert "差距已记录" in member.inner_text("main")
    member.click("#checklist-complete")
    assert "检视清单已完成" in member.inner_text("main")
    member.click("#start-material")
    member.click("#material-submit")
    assert member.inner_text("#material-status") == "已报书记审核"
    material_url = member.url

    secretary = browser.new_context(locale="zh-CN").new_page()
    login(secretary, server, "chanchengshuji")
    secretary.goto(material_url)
    secretary.fill("#review-note", "查摆深入，同意")
    secretary.click("#material-approve")
    assert secretary.inner_text("#material-status") == "审核通过"

    member.goto(checklist_url)
    member.click("#gaps-to-problems")
    assert "已将 4 个问题列入问题清单" in member.inner_text("main")
    assert member.locator("a:has-text('已纳入问题清单')").count() == 4
