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


# --- the ledger filtered by a work area -------------------------------------------------------------------


def _ledger(client, code="440000", **query):
    response = client.get(f"/ledger/units/{code}/", {"campaign": _campaign().pk, **query})
    assert response.status_code == 200
    return response


def _expected(code, area, own=False, **lookups):
    """The newest 50 items of the subtree (or unit) whose problem serves `area`, by a bit test in the
    database: the filter's IN list of masks must select exactly these."""
    from django.db.models import F

    from chuxin.orgs.models import subtree_q

    unit = Unit.objects.get(code=code)
    qs = RectificationItem.objects.filter(campaign=_campaign(), **lookups)
    qs = qs.filter(unit=unit) if own else qs.filter(subtree_q(unit.path, "unit__path"))
    qs = qs.annotate(bit=F("problem__work_areas").bitand(int(area))).filter(bit__gt=0)
    return list(qs.order_by("-id").values_list("pk", flat=True)[:50])


def _ids(response):
    return [row.pk for row in response.context["page"].object_list]


def test_the_ledger_filters_by_a_work_area_within_the_subtree(as_user, guangdong_office, central_office):
    _p, risky = _record(central_office, "440604", WorkArea.RISK | WorkArea.STABILITY, title="燃气管道隐患")
    _p, growth = _record(central_office, "440604", WorkArea.GROWTH, title="项目审批慢")
    _p, hubei = _record(central_office, "420000", WorkArea.RISK, title="湖北的防风险问题")
    response = _ledger(as_user(guangdong_office), area=WorkArea.RISK)
    ids = _ids(response)
    assert risky.pk in ids and growth.pk not in ids and hubei.pk not in ids
    assert ids == _expected("440000", WorkArea.RISK) and len(ids) > 1
    body = response.content.decode()
    assert "燃气管道隐患" in body and "项目审批慢" not in body
    assert "服务中心工作：防风险、保稳定" in body  # the phone card of the item names its areas


def test_the_work_area_filter_combines_with_the_other_filters(as_user, guangdong_office, central_office):
    _p, item = _record(central_office, "440604", WorkArea.LIVELIHOOD, title="群众反映办证难")
    client = as_user(guangdong_office)
    area = WorkArea.LIVELIHOOD
    assert _ids(_ledger(client, area=area, status="open")) == _expected("440000", area, status="open")
    assert _ids(_ledger(client, area=area, kind="at_once")) == _expected("440000", area, kind="at_once")
    by_source = _ids(_ledger(client, area=area, source="other"))
    assert by_source == _expected("440000", area, problem__source="other") and item.pk in by_source
    own = _ids(_ledger(client, "440604", area=area, own="on"))
    assert own == _expected("440604", area, own=True) and item.pk in own
    # another area: the item is not there, whatever else is chosen
    assert item.pk not in _ids(_ledger(client, area=WorkArea.REFORM, source="other"))


def test_the_work_area_filter_is_a_select_of_the_six_in_chinese(as_user, county_staff):
    body = _ledger(as_user(county_staff), "440604").content.decode()
    select = body[body.index('name="area"') :]
    select = select[: select.index("</select>")]
    for area in WorkArea:
        assert f'value="{area.value}"' in select
    for word in ("全部", "稳增长", "促改革", "调结构", "惠民生", "防风险", "保稳定"):
        assert word in select, word
    assert '<label class="form-label small" for="id_area">服务中心工作</label>' in body


def test_a_bad_work_area_is_ignored_not_an_error(as_user, county_staff):
    client = as_user(county_staff)
    for bad in ("abc", "7", "64", "-8", "8' OR 1=1", "８"):
        response = client.get("/ledger/units/440604/", {"area": bad})
        assert response.status_code == 200, bad


def test_the_work_area_filter_stays_inside_the_users_scope(as_user, county_staff, central_office):
    _p, other = _record(central_office, "440605", WorkArea.RISK, title="邻区的防风险问题")
    client = as_user(county_staff)
    assert other.pk not in _ids(_ledger(client, "440604", area=WorkArea.RISK))
    assert client.get("/ledger/units/440000/", {"area": WorkArea.RISK}).status_code == 404


# --- the panel on a past day ------------------------------------------------------------------------------


def test_the_panel_on_a_past_day_says_it_has_no_figures_for_that_day(as_user, guangdong_office):
    from datetime import date

    from chuxin.rollups.snapshots import take_snapshot

    take_snapshot(date(2019, 10, 31))
    body = (
        as_user(guangdong_office).get("/dashboards/units/440000/", {"as_of": "2019-10-31"}).content.decode()
    )
    panel = body[body.index('id="work-areas"') :]
    panel = panel[: panel.index("</section>")]
    assert "服务中心工作成效不保留每日快照，无法显示截至2019年10月31日的数据。" in panel
    assert "惠民生</th>" not in panel  # today's figures are not shown under that day
    assert "as_of=" in panel and "查看当前数据" in panel


def test_the_panel_today_shows_the_live_figures(as_user, guangdong_office):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    body = as_user(guangdong_office).get("/dashboards/units/440000/", {"as_of": today}).content.decode()
    panel = body[body.index('id="work-areas"') :]
    assert "不保留每日快照" not in panel[: panel.index("</section>")] and "惠民生</th>" in panel
