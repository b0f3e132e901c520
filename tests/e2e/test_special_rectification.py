"""In the browser, in Chinese: the centre sets a special-rectification topic; a county lists a problem and its
item under it; the province sees the per-topic figures on its dashboard, downloads the internal notice and
publishes the public page, which an anonymous phone reads; a county office refers a violation, the provincial
discipline inspectors conclude it, and the county staff see only that it was referred."""

import io
import re
from datetime import date, timedelta

import pytest
from docx import Document

from .conftest import login

pytestmark = pytest.mark.e2e
TITLE = "整治窗口单位“吃拿卡要”问题"
SECRET = "窗口工作人员涉嫌收受办事群众财物"


def test_topic_to_public_page_and_referral(browser, server, tmp_path):
    centre = browser.new_context(locale="zh-CN").new_page()
    login(centre, server, "zhongyang")
    centre.goto(f"{server}/special/units/000000/topics/new/")
    assert "部署专项整治事项" in centre.inner_text("h1")
    centre.fill("#id_title", TITLE)
    centre.fill("#id_done_criteria", "问题线索件件有着落")
    centre.click("form button[type=submit].btn-danger")
    topic_id = re.search(r"/topics/(\d+)/", centre.url).group(1)
    assert "整治事项已部署到" in centre.inner_text("main")

    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, server, "chancheng")
    staff.goto(f"{server}/special/units/440604/topics/{topic_id}/")
    assert "下级单位（倒排名）" in staff.inner_text("main")
    staff.click("text=在该整治事项下列出问题")
    assert staff.locator("#id_topic").input_value() == topic_id  # the topic is chosen already
    staff.fill("#id_title", "办证窗口存在索要好处现象")
    # the problem and its first item on one page (the kind defaults to 限期整改)
    staff.fill("#id_measures", "设立举报箱，窗口全程录像")
    staff.fill("#id_person", staff.eval_on_selector("#people-list option", "o => o.value"))
    staff.fill("#id_deadline", (date.today() + timedelta(days=20)).isoformat())
    staff.fill("#id_requirements", "月底前完成")
    staff.click("#record-save")
    staff.click("main a[href*='/ledger/problems/']")  # from the item to its problem
    assert TITLE in staff.inner_text("main")
    problem_url = staff.url

    province = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    login(province, server, "guangdong")
    province.goto(f"{server}/dashboards/units/440000/")
    row = province.locator("#special-h ~ div tr", has_text=TITLE[:20])
    assert row.locator("td").nth(1).inner_text() == "1"  # the county's item rolled up to the province
    province.goto(f"{server}/special/units/440000/topics/{topic_id}/")
    with province.expect_download() as dl:
        province.click("text=下载通报（.docx）")
    path = tmp_path / "notice.docx"
    dl.value.save_as(path)
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    today = date.today()
    assert f"截至{today.year}年{today.month}月{today.day}日，共列出整改事项1项" in text
    province.goto(f"{server}/special/units/440000/publish/")
    province.fill(f"#st-{topic_id}", "窗口单位作风问题逐项整改，接受群众监督。")
    province.click("form button[type=submit].btn-danger")
    assert "已公开" in province.inner_text("main")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812}).new_page()
    phone.goto(f"{server}/p/440000/special/")
    body = phone.inner_text("main")
    assert TITLE in body and "窗口单位作风问题逐项整改" in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    phone.screenshot(path=str(tmp_path / "public-375.png"), full_page=True)

    office = browser.new_context(locale="zh-CN").new_page()
    login(office, server, "chanchengban")
    office.goto(problem_url)
    office.click("text=移交纪检监察机关")
    office.fill("#id_reason", SECRET)
    office.click("form button[type=submit].btn-danger")
    assert "已移交广东省纪检监察机关" in office.inner_text("main")

    inspector = browser.new_context(locale="zh-CN").new_page()
    login(inspector, server, "gdjijian")
    inspector.goto(f"{server}/special/referrals/")
    inspector.click("text=办证窗口存在索要好处现象")
    assert SECRET in inspector.inner_text("main")
    inspector.click("button:has-text('接收')")
    inspector.click("button:has-text('开始审查')")
    inspector.select_option("#id_outcome", "party_discipline")
    inspector.fill("#id_text", "给予有关人员党内警告处分")
    inspector.click("form button.btn-danger")
    assert "已办结" in inspector.inner_text("main")
    referral_url = inspector.url

    staff.goto(problem_url)
    assert "已移交纪检监察机关" in staff.inner_text("main")
    assert SECRET not in staff.content()
    assert staff.goto(referral_url).status == 404
