"""The central tasks (M13): outcomes per work area on every subtree's dashboard and in the 台账, read from
roll-up counters that a recount proves (see test_rollups for the property test)."""

import re

from chuxin.campaigns.models import Campaign
from chuxin.dashboards.templatetags.outcomes import area_rows
from chuxin.orgs.models import Unit
from chuxin.problems import actions
from chuxin.problems.models import Problem, RectificationItem, WorkArea
from chuxin.rollups import areas


def _campaign():
    return Campaign.objects.get(launched_on="2019-05-31")


def _record(user, code, work_areas, title="群众办事来回跑"):
    unit = Unit.objects.get(code=code)
    problem = actions.do_record_problem(
        campaign=_campaign(), unit=unit, title=title, source="other", work_areas=work_areas, acting_user=user
    )
    item = actions.do_add_item(
        problem,
        measures="一窗通办",
        kind="at_once",
        responsible_person=unit.people.first(),
        acting_user=user,
    )
    return problem, item


def _row(code, area):
    unit = Unit.objects.get(code=code)
    return next(r for r in area_rows(unit, _campaign().pk) if r["area"] == area)


def test_a_problem_counts_under_each_of_its_areas_up_the_tree(central_office):
    before = {a: _row("440000", a) for a in WorkArea}
    _record(central_office, "440604", WorkArea.LIVELIHOOD | WorkArea.RISK)
    after = {a: _row("440000", a) for a in WorkArea}
    for area in WorkArea:
        grew = 1 if area in (WorkArea.LIVELIHOOD, WorkArea.RISK) else 0
        assert after[area]["problems"] == before[area]["problems"] + grew, area
        assert after[area]["items"] == before[area]["items"] + grew, area


def test_closing_an_item_counts_as_rectified_in_its_areas(central_office, superuser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _problem, item = _record(central_office, "440604", WorkArea.GROWTH)
    before = _row("440600", WorkArea.GROWTH)
    actions.do_claim_item(
        item, "已办结", [SimpleUploadedFile("a.txt", b"evidence")], acting_user=central_office
    )
    actions.do_verify_item(RectificationItem.objects.get(pk=item.pk), acting_user=superuser)
    after = _row("440600", WorkArea.GROWTH)
    assert after["closed"] == before["closed"] + 1 and after["not_done"] == before["not_done"] - 1


def test_retagging_a_problem_moves_its_items_between_areas(central_office):
    problem, _item = _record(central_office, "440604", WorkArea.REFORM)
    reform, structure = _row("440000", WorkArea.REFORM), _row("440000", WorkArea.STRUCTURE)
    problem.refresh_from_db()
    actions.do_edit_problem(
        problem, problem.version, work_areas=WorkArea.STRUCTURE, acting_user=central_office
    )
    assert _row("440000", WorkArea.REFORM)["items"] == reform["items"] - 1
    assert _row("440000", WorkArea.STRUCTURE)["items"] == structure["items"] + 1
    assert areas.drift(Unit.objects.get(code="000000"), _campaign().pk) == {}


def test_the_dashboard_panel_shows_each_area_in_chinese_with_its_figures(as_user, guangdong_office):
    gd = Unit.objects.get(code="440000")
    livelihood = Problem.objects.filter(unit__path__startswith=gd.path, campaign=_campaign())
    expected = sum(
        1 for mask in livelihood.values_list("work_areas", flat=True) if mask & WorkArea.LIVELIHOOD
    )
    body = as_user(guangdong_office).get("/dashboards/units/440000/").content.decode()
    panel = body[body.index('id="work-areas"') :]
    panel = panel[: panel.index("</section>")]
    assert "服务中心工作成效" in panel
    for word in ("稳增长", "促改革", "调结构", "惠民生", "防风险", "保稳定"):
        assert word in panel, word
    row = re.search(r"惠民生</th>\s*<td[^>]*>(\d+)</td>", panel)
    assert row and int(row.group(1)) == expected > 0


def test_the_ledger_has_a_work_area_column(as_user, guangdong_office, central_office):
    _record(central_office, "440000", WorkArea.RISK | WorkArea.STABILITY, title="安全生产隐患排查不到位")
    body = as_user(guangdong_office).get(f"/ledger/units/440000/?campaign={_campaign().pk}").content.decode()
    assert '<th scope="col">服务中心工作</th>' in body
    assert "防风险、保稳定" in body


def test_area_completion_is_closed_over_items_as_the_subtree_rate_is(db):
    for r in area_rows(Unit.objects.get(code="000000"), _campaign().pk):
        if r["items"]:
            assert r["completion"] == round(100 * r["closed"] / r["items"], 2)
            assert r["not_done"] >= 0


def test_dashboards_lead_with_outcomes_before_activity_counts(as_user, guangdong_office):
    client = as_user(guangdong_office)
    body = client.get("/dashboards/units/440000/").content.decode()
    cards = body[body.index('id="outcomes"') :]
    assert cards.index("整改完成率") < cards.index("整改事项")  # what was solved before what was recorded
    assert "基层负担监测" in body
    progress = client.get("/dashboards/units/440000/progress/").content.decode()
    assert (
        progress.index("已整改到位") < progress.index("学习完成率")
        if "学习完成率" in progress
        else "已整改到位" in progress
    )
