"""The burden meter (M14): what superiors asked of each unit, and which of it the platform already knew."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuxin.burden import known
from chuxin.burden.actions import do_make_request
from chuxin.burden.models import Request
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.actions import do_create_unit
from chuxin.orgs.models import Unit
from chuxin.rollups import tallies


def _campaign():
    return Campaign.objects.get(launched_on="2019-05-31")


def _ask(user, code="440000", fields=("查摆问题总数", "整改完成率（%）", "典型经验做法"), to=None):
    unit = Unit.objects.get(code=code)
    return do_make_request(
        acting_user=user,
        campaign=_campaign(),
        from_unit=unit,
        kind="form",
        title="整改进展情况统计表",
        fields=list(fields),
        to_units=to if to is not None else list(Unit.objects.children_of(unit)),
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("整改完成率（%）", "completion"),
        ("本地区查摆问题总数", "problems"),
        ("逾期未整改事项数", "overdue"),
        ("集中学习次数", "study.sessions"),
        ("典型经验做法", ""),
        ("存在的困难和建议", ""),
    ],
)
def test_fields_are_matched_to_the_figures_the_platform_computes(name, key):
    assert known.match(name) == key


def test_a_request_counts_at_every_unit_asked_and_up_the_tree(guangdong_office):
    gd = Unit.objects.get(code="440000")
    foshan = Unit.objects.get(code="440600")
    before = tallies.read([gd, foshan], _campaign().pk, ["burden.requests", "burden.fields", "burden.known"])
    req = _ask(guangdong_office)
    after = tallies.read([gd, foshan], _campaign().pk, ["burden.requests", "burden.fields", "burden.known"])
    cities = req.recipients
    assert req.fields_asked == 3 and req.fields_known == 2
    assert after[foshan.pk]["burden.requests"] == before[foshan.pk]["burden.requests"] + 1
    assert after[foshan.pk]["burden.known"] == before[foshan.pk]["burden.known"] + 2
    assert after[gd.pk]["burden.fields"] == before[gd.pk]["burden.fields"] + 3 * cities
    assert tallies.drift(gd, _campaign().pk) == {}
    assert tallies.drift(Unit.objects.get(code="000000"), _campaign().pk) == {}


def test_a_request_goes_only_to_units_below_and_only_from_an_office(guangdong_office, county_staff):
    with pytest.raises(ActionError):
        _ask(guangdong_office, to=[Unit.objects.get(code="420000")])
    with pytest.raises(ActionError):
        _ask(guangdong_office, to=[Unit.objects.get(code="440000")])  # not to itself
    with pytest.raises(ActionForbidden):
        _ask(county_staff, code="440604", to=[])


def test_the_meter_flags_a_figure_asked_again_naming_who_asked(as_user, guangdong_office, county_staff):
    req = _ask(
        guangdong_office, fields=["逾期未整改事项数", "下一步工作打算"], to=[Unit.objects.get(code="440600")]
    )
    body = as_user(guangdong_office).get("/burden/units/440600/").content.decode()
    flagged = body[body.index('id="asked-again"') :]
    flagged = flagged[: flagged.index("</section>")]
    assert "逾期未整改事项数" in flagged and "重复索要" in flagged and "逾期事项数" in flagged
    assert "广东省" in flagged and req.title in flagged
    assert "下一步工作打算" not in flagged  # not a figure the platform computes
    if req.asked_by:
        assert req.asked_by.name in flagged


def test_the_demo_has_requests_some_asking_again(as_user, central_office):
    assert Request.objects.filter(fields_known__gt=0).exists()
    assert Request.objects.filter(fields_known=0).exists()
    body = as_user(central_office).get("/burden/units/000000/").content.decode()
    assert "基层负担监测" in body and "本级及下级发出的要求中重复索要平台已有数据的" in body
    assert "全省主题教育整改进展情况统计表" in body


def test_recording_a_request_through_the_page(as_user, guangdong_office):
    client = as_user(guangdong_office)
    assert client.get("/burden/units/440000/new/").status_code == 200
    response = client.post(
        "/burden/units/440000/new/",
        {"title": "数据报送", "kind": "data", "fields_asked": "整改事项数\n意见建议", "to_children": "on"},
    )
    assert response.status_code == 302
    req = Request.objects.latest("pk")
    assert req.fields_known == 1 and req.recipients == Unit.objects.children_of(req.from_unit).count()
    page = client.get(response["Location"]).content.decode()
    assert "所列填报内容中有1项是平台已自动统计的数据" in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_meter_makes_as_many_queries_after_the_tree_grew(as_user, central_office):
    client = as_user(central_office)
    gd = Unit.objects.get(code="440000")
    _ask(central_office, code="440000")
    client.get("/burden/units/440000/")
    before = _queries(client, "/burden/units/440000/")
    for i in range(8):
        u = do_create_unit(gd, code=f"44X{i}", name=f"新单位{i}", kind="city", acting_user=central_office)
        _ask(central_office, code="440000", to=[u])
    assert _queries(client, "/burden/units/440000/") == before
    assert _queries(client, "/burden/units/000000/") <= before + 1
