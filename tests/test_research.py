"""Investigation and research (M5): topics, visits, the three-part report, hand-off to the ledger."""

from datetime import date

import pytest
from django.urls import reverse

from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.models import Person, Unit
from chuxin.problems.models import Problem
from chuxin.research import actions
from chuxin.research.models import Report, ReportStatus, Topic

pytestmark = pytest.mark.django_db


def _topic(user, code="440604"):
    unit = Unit.objects.get(code=code)
    return actions.do_create_topic(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=unit,
        cadre=Person.objects.filter(home_unit=unit).order_by("-rank").first(),
        title="基层减负调研",
        field="作风建设",
        units_to_visit=[unit],
        acting_user=user,
    )


def _fill(user, topic, **kw):
    parts = dict(problem_is="文山会海", crux="考核过多", solutions="精简考核")
    parts.update(kw)
    return actions.do_save_report(topic, **parts, acting_user=user)


def test_topic_and_visit(county_staff):
    topic = _topic(county_staff)
    actions.do_add_visit(
        topic,
        date=date(2019, 7, 3),
        place="张槎街道",
        met="村干部",
        findings="台账过多",
        acting_user=county_staff,
    )
    assert topic.visits.count() == 1
    assert topic.report.status == ReportStatus.DRAFT


def test_topic_scope(county_staff, hubei_office):
    with pytest.raises(ActionForbidden):
        _topic(county_staff, code="420000")
    unit = Unit.objects.get(code="440604")
    with pytest.raises(ActionError):  # a unit to visit outside the scope
        actions.do_create_topic(
            campaign=Campaign.objects.get(launched_on="2019-05-31"),
            unit=unit,
            cadre=Person.objects.filter(home_unit=unit).first(),
            title="x",
            units_to_visit=[Unit.objects.get(code="420000")],
            acting_user=county_staff,
        )


@pytest.mark.parametrize("missing", ["problem_is", "crux", "solutions"])
def test_report_needs_all_three_parts(county_staff, missing):
    topic = _topic(county_staff)
    _fill(county_staff, topic, **{missing: "  "})
    with pytest.raises(ActionError) as exc:
        actions.do_submit_report(topic, acting_user=county_staff)
    label = {"problem_is": "问题是什么", "crux": "症结在哪里", "solutions": "实招硬招"}[missing]
    english = {
        "problem_is": "What is the problem",
        "crux": "Where is the crux",
        "solutions": "real and hard",
    }[missing]
    assert label in str(exc.value) or english in str(exc.value)
    assert Report.objects.get(topic=topic).status == ReportStatus.DRAFT


def test_submit_and_review(county_staff, guangdong_office):
    topic = _topic(county_staff)
    _fill(county_staff, topic)
    actions.do_submit_report(topic, acting_user=county_staff)
    with pytest.raises(ActionForbidden):  # staff cannot review
        actions.do_review_report(topic, "好", acting_user=county_staff)
    report = actions.do_review_report(topic, "分析透彻", acting_user=guangdong_office)
    assert report.status == ReportStatus.REVIEWED
    with pytest.raises(ActionError):
        _fill(county_staff, topic)


def test_review_can_return_with_note(county_staff, guangdong_office):
    topic = _topic(county_staff)
    _fill(county_staff, topic)
    actions.do_submit_report(topic, acting_user=county_staff)
    with pytest.raises(ActionError):
        actions.do_review_report(topic, "", accept=False, acting_user=guangdong_office)
    assert (
        actions.do_review_report(topic, "症结不清", accept=False, acting_user=guangdong_office).status
        == "draft"
    )


def test_hand_off_into_ledger_once(as_user, county_staff):
    topic = _topic(county_staff)
    _fill(county_staff, topic)
    actions.do_add_report_problem(
        topic, title="督查检查考核过多过频", root_cause="政绩观偏差", acting_user=county_staff
    )
    actions.do_add_report_problem(topic, title="调研走马观花", acting_user=county_staff)
    client = as_user(county_staff)
    assert client.post(reverse("report_action", args=[topic.pk, "handoff"])).status_code == 302
    problems = Problem.objects.filter(unit__code="440604", source="research")
    assert problems.count() == 2
    assert problems.filter(root_cause="政绩观偏差").exists()
    client.post(reverse("report_action", args=[topic.pk, "handoff"]))  # idempotent
    assert Problem.objects.filter(unit__code="440604", source="research").count() == 2
    actions.do_add_report_problem(topic, title="新问题", acting_user=county_staff)
    assert len(actions.do_hand_off_problems(topic, acting_user=county_staff)) == 1
    assert Problem.objects.filter(unit__code="440604", source="research").count() == 3
    ledger = client.get(reverse("unit_ledger", args=["440604"]))
    assert ledger.status_code == 200


def test_pages(as_user, county_staff, guangdong_office):
    topic = _topic(county_staff)
    client = as_user(county_staff)
    for url in (
        reverse("research_index"),
        reverse("research_unit", args=["440604"]),
        reverse("topic_create", args=["440604"]),
        reverse("topic_detail", args=[topic.pk]),
        reverse("report_edit", args=[topic.pk]),
        reverse("exchange_create", args=["440604"]),
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("report_edit", args=[topic.pk]), {"problem_is": "a", "crux": "b", "solutions": "c"}
    )
    assert response.status_code == 302
    client.post(reverse("report_action", args=[topic.pk, "submit"]))
    assert Report.objects.get(topic=topic).status == "submitted"
    client = as_user(guangdong_office)
    client.post(reverse("report_action", args=[topic.pk, "review"]), {"note": "好"})
    assert Report.objects.get(topic=topic).status == "reviewed"


def test_topic_create_page(as_user, county_staff):
    unit = Unit.objects.get(code="440604")
    cadre = Person.objects.filter(home_unit=unit).first()
    response = as_user(county_staff).post(
        reverse("topic_create", args=["440604"]),
        {"title": "营商环境调研", "field": "经济", "cadre": cadre.pk, "units_to_visit": "440604"},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="营商环境调研")
    assert list(topic.units_to_visit.values_list("code", flat=True)) == ["440604"]
