"""In the browser, in Chinese: Guangdong's office records a good experience under a special topic and promotes
it to the province; two county offices record that they adopted it; the case page shows both."""

import json

import pytest

from .conftest import login

pytestmark = pytest.mark.e2e
TITLE = "“码上办”让群众办事不再跑冤枉路"

# A second county office account beside the demo's chanchengban: the first other county of Foshan.
ADD_OFFICE = """
from chuxin.orgs.models import Person, RoleAssignment, Role, Unit, UnitKind, Rank
from django.contrib.auth import get_user_model
import json
county = Unit.objects.filter(path__startswith=Unit.objects.get(code="440600").path, kind=UnitKind.COUNTY).exclude(
    code="440604").order_by("path").first()
user = get_user_model().objects.create_user("nanhaiban", password="chuxin2019")
person = Person.objects.create(user=user, name="黄敏", home_unit=county, rank=Rank.SECTION)
RoleAssignment.objects.create(person=person, unit=county, role=Role.OFFICE)
print(json.dumps({"code": county.code, "name": county.name}))
"""

OUTSIDER = """
from chuxin.orgs.models import Person, RoleAssignment, Role, Unit, Rank
from django.contrib.auth import get_user_model
unit = Unit.objects.get(code="420000")
user = get_user_model().objects.create_user("hubeiban", password="chuxin2019")
person = Person.objects.create(user=user, name="周强", home_unit=unit, rank=Rank.SECTION)
RoleAssignment.objects.create(person=person, unit=unit, role=Role.OFFICE)
"""


def test_experience_promoted_to_the_province_and_adopted_by_two_counties(browser, server, manage):
    other = json.loads(manage("shell", "-c", ADD_OFFICE).strip().splitlines()[-1])

    province = browser.new_context(locale="zh-CN").new_page()
    login(province, server, "guangdong")
    province.goto(f"{server}/cases/")
    province.click("a[href$='/cases/units/440000/new/']")
    province.select_option("#id_kind", label="可复制可普及的好经验")
    province.fill("#id_title", TITLE)
    province.fill("#id_summary", "一码通办，群众少跑腿")
    province.fill("#id_body", "将高频事项集中到一个二维码入口，群众扫码即可预约、查询、办理。")
    topic = province.locator("#id_topic option").nth(1).inner_text()
    province.select_option("#id_topic", label=topic)
    province.click("button:has-text('保存案例')")
    assert "案例已入库" in province.inner_text("main") or TITLE in province.inner_text("h1")
    assert f"专项整治事项：{topic}" in province.inner_text("main")
    case_url = province.url
    province.select_option("#promote-unit", label="广东省")
    province.fill("#promote-note", "各地结合实际学习借鉴")
    province.click("button:has-text('推广')")
    assert "各地结合实际学习借鉴" in province.inner_text("#promo-h + ul")

    for username, unit_name, outcome in (
        ("chanchengban", "禅城区", "政务大厅设立扫码专区，平均办理时间缩短三成"),
        ("nanhaiban", other["name"], "镇街便民服务中心全面推行，群众好评"),
    ):
        county = browser.new_context(locale="zh-CN").new_page()
        login(county, server, username)
        county.goto(f"{server}/cases/")
        county.fill("#id_q", "码上办")
        county.click("form[role=search] button")
        county.click(f"text={TITLE}")
        assert county.url == case_url
        county.select_option("#adopt-unit", label=unit_name)
        county.fill("#adopt-outcome", outcome)
        county.click("button:has-text('记录借鉴情况')")
        assert "借鉴" in county.inner_text(".alert, main")

    province.goto(case_url)
    rows = province.locator("section[aria-labelledby=adopt-h] tbody tr")
    assert rows.count() == 2
    table = province.inner_text("section[aria-labelledby=adopt-h] tbody")
    assert "禅城区" in table and other["name"] in table and "平均办理时间缩短三成" in table

    # an office outside Guangdong never sees the province's subtree case (its own account: the demo's
    # `hubei` may have two-step verification switched on by the second-factor test)
    manage("shell", "-c", OUTSIDER)
    hubei = browser.new_context(locale="zh-CN").new_page()
    login(hubei, server, "hubeiban")
    answer = hubei.goto(case_url)
    assert answer.status == 404, (hubei.url, hubei.inner_text("main")[:300])
