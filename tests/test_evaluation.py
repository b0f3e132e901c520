"""Evaluation (成效评估, M15): the scheme and its weights, scores read from the roll-ups, the roll-up to the
province and the centre, worst-first ranking, and the page in Chinese."""

from datetime import date

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.actions import do_create_campaign
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.evaluation import actions
from chuxin.evaluation.models import MAX_QUESTIONS, GroupRating, Part, Scheme, SurveyResponse
from chuxin.evaluation.scores import assess, questions_of, worst_first
from chuxin.opinions import actions as opinion_actions
from chuxin.orgs.models import Rank, Unit, subtree_q
from chuxin.rollups import tallies
from chuxin.rollups.counters import drift
from chuxin.study import actions as study_actions

pytestmark = pytest.mark.django_db

WEIGHTS = {"w_study": 10, "w_rectify": 20, "w_overdue": 10, "w_answers": 10, "w_survey": 30, "w_rating": 20}


@pytest.fixture
def campaign():
    return Campaign.objects.get(launched_on="2019-05-31")


@pytest.fixture
def scheme(campaign):
    return Scheme.objects.get(campaign=campaign)


def _hubei_campaign(hubei_office):
    return do_create_campaign(
        acting_user=hubei_office,
        root_unit=Unit.objects.get(code="420000"),
        title="湖北省专题教育",
        general_requirement="守初心、担使命",
        fundamental_task="学习贯彻",
        goals=["理论学习有收获", "为民服务解难题"],
        focus_rank=Rank.VICE_COUNTY,
    )


def test_the_campaigns_office_sets_up_a_question_per_goal_and_the_three_senses(hubei_office):
    campaign = _hubei_campaign(hubei_office)
    scheme = actions.do_set_up_evaluation(campaign, acting_user=hubei_office)
    survey, rating = questions_of(scheme)
    assert [q.label for q in survey] == ["理论学习有收获", "为民服务解难题", "获得感", "幸福感", "安全感"]
    assert [q.label for q in rating] == ["理论学习有收获", "为民服务解难题"]
    assert "为民服务解难题" in survey[1].text and survey[1].goal.text == "为民服务解难题"
    assert AuditEntry.objects.filter(action="evaluation.set_up", object_id=scheme.pk).exists()


def test_only_the_office_of_the_leading_unit_sets_it_up(hubei_office, guangdong_office, campaign):
    hubei = _hubei_campaign(hubei_office)
    with pytest.raises(ActionForbidden):
        actions.do_set_up_evaluation(hubei, acting_user=guangdong_office)
    with pytest.raises(ActionError):  # the demo set the 2019 campaign up already
        actions.do_set_up_evaluation(campaign, acting_user=None)


def test_the_weights_add_up_to_100(scheme, central_office):
    with pytest.raises(ActionError, match="100"):
        actions.do_set_evaluation_weights(scheme, {**WEIGHTS, "w_survey": 40}, acting_user=central_office)
    with pytest.raises(ActionError):
        actions.do_set_evaluation_weights(
            scheme, {**WEIGHTS, "w_survey": -10, "w_rating": 60}, acting_user=central_office
        )
    scheme.refresh_from_db()
    assert scheme.w_survey == 30


def test_a_weight_change_is_versioned_and_audited(scheme, central_office, guangdong_office):
    new = {**WEIGHTS, "w_survey": 40, "w_rating": 10}
    with pytest.raises(ActionForbidden):
        actions.do_set_evaluation_weights(scheme, new, acting_user=guangdong_office)
    actions.do_set_evaluation_weights(scheme, new, scheme.version, acting_user=central_office)
    with pytest.raises(StaleVersion):
        actions.do_set_evaluation_weights(scheme, WEIGHTS, scheme.version, acting_user=central_office)
    entry = AuditEntry.objects.filter(action="evaluation.weights").latest("pk")
    assert (entry.before["w_survey"], entry.after["w_survey"]) == (30, 40)


def _recount_survey(unit, campaign, scheme):
    """The subtree's survey score straight from the responses: the ground truth of the roll-up."""
    survey, _rating = questions_of(scheme)
    rows = SurveyResponse.objects.filter(subtree_q(unit.path, "unit__path"), campaign=campaign)
    points = sum(v or 0 for v in rows.aggregate(**{f"s{q.slot}": Sum(f"a{q.slot}") for q in survey}).values())
    n = rows.count()
    return round(points / (n * len(survey)), 1) if n else None


@pytest.mark.parametrize("code", ["000000", "440000", "440600", "440604"])
def test_a_subtree_score_pools_the_subtree_not_an_average_of_averages(code, campaign, scheme):
    unit = Unit.objects.get(code=code)
    a = assess([unit], scheme, timezone.localdate())[unit.pk]
    assert a.responses == SurveyResponse.objects.filter(subtree_q(unit.path, "unit__path")).count() > 0
    assert a.part("survey").value == _recount_survey(unit, campaign, scheme)


def test_the_rating_rolls_up_to_the_province_and_the_centre(campaign, scheme):
    centre, guangdong = Unit.objects.get(code="000000"), Unit.objects.get(code="440000")
    found = assess([centre, guangdong], scheme, timezone.localdate())
    assert found[centre.pk].ratings == GroupRating.objects.filter(campaign=campaign).count()
    assert (
        found[guangdong.pk].ratings
        == GroupRating.objects.filter(subtree_q(guangdong.path, "unit__path")).count()
    )
    assert found[guangdong.pk].part("rating").value is not None


def test_the_total_is_the_weighted_mean_of_the_parts_with_data(scheme):
    a = assess([Unit.objects.get(code="440604")], scheme, timezone.localdate())[
        Unit.objects.get(code="440604").pk
    ]
    have = [s for s in a.parts if s.value is not None]
    assert a.total == round(sum(s.value * s.weight for s in have) / sum(s.weight for s in have), 1)
    assert {s.key for s in a.missing} == {s.key for s in a.parts if s.value is None}


def test_worst_first_puts_the_lowest_score_first_and_units_without_data_last(scheme):
    guangdong = Unit.objects.get(code="440000")
    children = list(Unit.objects.children_of(guangdong))
    found = assess(children, scheme, timezone.localdate())
    ranked = worst_first(list(found.values()))
    totals = [a.total for a in ranked]
    scored = [t for t in totals if t is not None]
    assert scored == sorted(scored)
    assert totals == scored + [None] * (len(totals) - len(scored))
    by_survey = [a.part("survey").value for a in worst_first(list(found.values()), "survey")]
    assert [v for v in by_survey if v is not None] == sorted(v for v in by_survey if v is not None)


def test_answers_to_opinions_are_read_from_the_rollups(campaign, scheme, county_staff, guangdong_office):
    chancheng = Unit.objects.get(code="440604")
    before = assess([chancheng], scheme, timezone.localdate())[chancheng.pk].part("answers")
    ops = [
        opinion_actions.do_record_opinion(
            unit=chancheng,
            campaign=campaign,
            channel="hotline",
            text="小区门口路灯不亮",
            contact_name="李先生",
            contact_phone="13812345678",
            acting_user=county_staff,
        )
        for _ in range(2)
    ]
    opinion_actions.do_answer_opinion(ops[0], "已修复路灯", acting_user=county_staff)
    opinion_actions.do_answer_opinion(
        ops[0], "已修复路灯，欢迎监督", acting_user=county_staff
    )  # counted once
    after = assess([chancheng], scheme, timezone.localdate())[chancheng.pk].part("answers")
    assert (after.done - before.done, after.base - before.base) == (1, 2)
    assert not drift(chancheng, campaign.pk)


def test_routing_an_opinion_moves_its_answer_to_the_unit_responsible(campaign, guangdong_office):
    guangdong, foshan = Unit.objects.get(code="440000"), Unit.objects.get(code="440600")
    op = opinion_actions.do_record_opinion(
        unit=guangdong,
        campaign=campaign,
        channel="visit",
        text="村里道路需要硬化",
        contact_phone="13812345678",
        acting_user=guangdong_office,
    )
    before = tallies.read([foshan], campaign.pk, ["opinions.owed_answer"])[foshan.pk]["opinions.owed_answer"]
    opinion_actions.do_route_opinion(op, foshan, acting_user=guangdong_office)
    after = tallies.read([foshan], campaign.pk, ["opinions.owed_answer"])[foshan.pk]["opinions.owed_answer"]
    assert after == before + 1
    for code in ("440000", "440600", "000000"):
        assert not drift(Unit.objects.get(code=code), campaign.pk)


def test_study_completion_is_read_from_the_attendance_rollups(campaign, scheme, guangdong_office):
    guangdong = Unit.objects.get(code="440000")
    meeting = study_actions.do_create_meeting(
        campaign=campaign,
        unit=guangdong,
        kind="study_session",
        title="理论学习中心组集中学习",
        date=date(2019, 7, 1),
        study_kind="concentrated",
        topic_kind="revolutionary",
        required_rank=Rank.NONE,
        acting_user=guangdong_office,
    )
    venue = meeting.venues.get()
    people = list(guangdong.people.order_by("pk")[:3])
    study_actions.do_bulk_attendance(
        meeting,
        venue,
        [(people[0], "present", ""), (people[1], "made_up", ""), (people[2], "absent", "出差")],
        acting_user=guangdong_office,
    )
    study_actions.do_mark_attendance(meeting, venue, people[2], "made_up", acting_user=guangdong_office)
    a = assess([guangdong], scheme, timezone.localdate())[guangdong.pk].part("study")
    assert (a.done, a.base, a.value) == (3, 3, 100.0)
    assert not drift(guangdong, campaign.pk)


def _page(client, user, code, **params):
    client.force_login(user)
    return client.get(reverse("evaluation_unit", args=[code]), params)


def test_the_page_shows_every_score_with_its_weight_in_chinese(client, central_office):
    html = _page(client, central_office, "440000").content.decode()
    for text in (
        "成效评估",
        "综合得分",
        "群众满意度",
        "指导组评价",
        "学习完成率",
        "倒排名",
        "评估办法",
        "获得感",
        "为民服务解难题",
    ):
        assert text in html, text
    assert html.count("30%") >= 3  # the survey's weight beside each of its scores


def test_the_page_costs_no_more_queries_at_the_centre_than_at_a_county(client, central_office):
    _page(client, central_office, "440604")  # log in, warm the session
    counts = {}
    for code in ("000000", "440000", "440604"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("evaluation_unit", args=[code])).status_code == 200
        counts[code] = len(ctx)
    # the centre has no ancestors to look up for its breadcrumbs: one query fewer
    assert counts["000000"] <= counts["440000"] == counts["440604"]


def test_an_unknown_sort_falls_back_to_the_overall_score(client, central_office):
    assert _page(client, central_office, "440000", sort="drop table").context["sort"] == "total"


def test_the_scheme_page_saves_weights_for_the_central_office(client, central_office, scheme):
    client.force_login(central_office)
    url = reverse("evaluation_scheme", args=[scheme.campaign_id])
    bad = client.post(url, {**WEIGHTS, "w_rating": 30, "version": scheme.version})
    assert "须合计为 100" in bad.content.decode()
    ok = client.post(url, {**WEIGHTS, "w_rating": 10, "w_survey": 40, "version": scheme.version})
    assert ok.status_code == 302
    scheme.refresh_from_db()
    assert (scheme.w_survey, scheme.w_rating, scheme.version) == (40, 10, 2)


def test_questions_fit_their_slots(scheme):
    survey, rating = questions_of(scheme)
    assert len(survey) <= MAX_QUESTIONS and {q.part for q in survey} == {Part.SURVEY}
    assert [q.slot for q in survey] == list(range(1, len(survey) + 1))
    assert [q.slot for q in rating] == list(range(1, len(rating) + 1))
