"""In the browser, in Chinese: an evaluation with all three parts rolled up to the province. A member of
the public answers the satisfaction survey from a phone through Chancheng's public link (once per device);
a member of Guangdong's roving group rates Foshan; Guangdong's office sees both in the province's scores,
beside the computed indicators, each with its weight, and Guangdong's cities worst first."""

import re
from pathlib import Path

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/shots/evaluation")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _count(page, part) -> int:
    """The count behind a part's score on the evaluation page ("满意度测评答卷 12 份" -> 12)."""
    text = page.inner_text(f"#parts tr[data-part={part}] td:last-child")
    return int(re.sub(r"\D", "", text))


def _score(page, part) -> str:
    return page.inner_text(f"#parts tr[data-part={part}] td").strip()


def _choose_all(page, value):
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator(f"label[for$='-{value}']").click()


def test_survey_rating_and_the_province_scores(browser, server):
    from chuxin.opinions.abuse import solve

    office = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    login(office, server, "guangdong")
    office.goto(f"{server}/evaluation/units/440000/")
    assert "成效评估" in office.inner_text("h1")
    responses, ratings = _count(office, "survey"), _count(office, "rating")

    public = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    public.goto(f"{server}/p/440604/")  # the unit's public link (and QR code)
    public.click("#survey-link")
    assert "群众满意度测评" in public.inner_text("main") and "获得感" in public.inner_text("main")
    _choose_all(public, 75)
    public.locator("fieldset.question").first.locator("label[for$='-100']").click()
    public.fill("#id_comment", "小区加装了电梯，办事也方便了")
    public.fill("#id_answer", str(solve(public.input_value("input[name=token]"))))  # read off the picture
    _shot(public, "survey-375")
    assert _fits(public)
    public.click("#survey-submit")
    assert "感谢" in public.inner_text("#survey-thanks")
    public.goto(public.url)  # the same phone again: one response per device
    assert "已参加过" in public.inner_text("main")

    member = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    login(member, server, "xunhui")
    member.goto(f"{server}/evaluation/units/440600/")
    member.click("#rate-link")
    assert "广东省委第一巡回指导组" in member.inner_text("main")
    _choose_all(member, 75)
    member.fill("#id_comment", "整改落实扎实，群众工作有待加强")
    _shot(member, "rate-1280")
    member.click("#rating-submit")
    assert "已保存" in member.inner_text("main")
    assert "广东省委第一巡回指导组" in member.inner_text("#own-ratings")
    assert member.goto(f"{server}/evaluation/units/440604/rate/").status == 403  # not assigned itself

    poster = office.request.get(server + office.get_attribute("#survey-poster-png", "href"))
    assert poster.status == 200 and poster.headers["content-type"] == "image/png"  # the survey's QR poster

    office.reload()
    assert _count(office, "survey") == responses + 1
    assert _count(office, "rating") == ratings + 1
    for part in ("study", "rectify", "overdue", "answers", "survey", "rating"):
        assert re.fullmatch(r"\d+\.\d", _score(office, part)), part  # every part has data at the province
    assert re.fullmatch(r"\d+\.\d", office.inner_text("#total-score").strip())
    assert "30%" in office.inner_text("#parts tr[data-part=survey]")
    ranking = office.locator("#ranking tbody tr")
    assert "倒数名次" in office.inner_text("#ranking thead") and ranking.count() >= 2
    foshan = office.locator("#ranking tbody tr", has_text="佛山市")
    assert re.fullmatch(r"\d+\.\d", foshan.locator("td").nth(5).inner_text().strip())  # rated just now
    totals = [t.strip() for t in ranking.locator("td:nth-child(3)").all_inner_texts()]
    scored = [float(t) for t in totals if t != "—"]
    assert scored == sorted(scored)  # worst first
    _shot(office, "province-1280")

    phone_office = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True).new_page()
    login(phone_office, server, "guangdong")
    phone_office.goto(f"{server}/evaluation/units/440000/")
    _shot(phone_office, "province-375")
    assert _fits(phone_office)

    centre = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    login(centre, server, "zhongyang")
    centre.goto(f"{server}/evaluation/units/000000/")
    assert centre.locator("#ranking tbody tr", has_text="广东省").count() == 1
    centre.click("#scheme-link")
    centre.fill("#id_w_survey", "40")
    centre.fill("#id_w_rating", "10")
    centre.click("#weights-form button[type=submit]")
    assert "权重已保存" in centre.inner_text("main")
    _shot(centre, "scheme-1280")
    centre.goto(f"{server}/evaluation/units/000000/")
    assert "40%" in centre.inner_text("#parts tr[data-part=survey]")
    _shot(centre, "centre-1280")

    # a minimum above every subtree's responses: the survey shows 样本不足 and its weight goes elsewhere
    centre.click("#scheme-link")
    centre.fill("#id_min_responses", "10000")
    centre.click("#weights-form button[type=submit]")
    centre.goto(f"{server}/evaluation/units/000000/")
    survey_row = centre.inner_text("#parts tr[data-part=survey]")
    assert "样本不足" in survey_row and "不足 10000 份" in survey_row
    assert "群众满意度样本不足，未计入综合得分" in centre.inner_text("#missing-parts")
    assert "答卷达到 10000 份才计分" in centre.inner_text("#method")
    _shot(centre, "centre-short-1280")
    centre.set_viewport_size(PHONE)
    _shot(centre, "centre-short-375")
    assert _fits(centre)
