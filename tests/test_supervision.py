"""Guidance groups (督促指导): the second kind of scope (assigned units, read-only), visits, findings that become
the unit's problems, the group following their rectification, and the report upward."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.models import GuidanceGroup, Unit
from chuxin.orgs.scope import scope_for
from chuxin.problems.models import Problem, Source
from chuxin.supervision import actions
from chuxin.supervision.models import Visit, VisitStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def xunhui(django_user_model):
    return django_user_model.objects.get(username="xunhui")


@pytest.fixture
def roving():
    return GuidanceGroup.objects.get(name="广东省委第一巡回指导组")


@pytest.mark.parametrize(
    ("code", "status"), [("440600", 200), ("440604", 200), ("440100", 200), ("440000", 404), ("420000", 404)]
)
def test_a_roving_group_member_reads_the_assigned_units_subtrees_only(client, xunhui, code, status):
    client.force_login(xunhui)
    assert client.get(reverse("unit_detail", args=[code])).status_code == status


def test_the_group_members_scope_is_read_only(client, xunhui):
    client.force_login(xunhui)
    assert client.get(reverse("problem_create", args=["440604"])).status_code == 403
    assert not scope_for(xunhui).can_record(Unit.objects.get(code="440604"))


def test_the_group_scope_costs_no_extra_query(xunhui):
    xunhui = type(xunhui).objects.get(pk=xunhui.pk)
    with CaptureQueriesContext(connection) as ctx:
        scope_for(xunhui)
    assert len(ctx) == 1


def test_a_member_visits_logs_and_sends_a_finding_that_becomes_the_units_problem(xunhui, roving, campaign):
    foshan = Unit.objects.get(code="440600")
    visit = actions.do_plan_visit(
        acting_user=xunhui,
        group=roving,
        campaign=campaign,
        unit=foshan,
        planned_on=date(2019, 10, 8),
        purpose="督导检视问题",
    )
    visit = actions.do_log_visit(
        acting_user=xunhui,
        visit=visit,
        visited_on=date(2019, 10, 8),
        talks="个别谈话8人次",
        documents="查阅问题清单",
        spot_checks="",
        files=[SimpleUploadedFile("谈话记录.txt", "谈话记录".encode())],
        expected_version=visit.version,
    )
    assert visit.status == VisitStatus.DONE and visit.attachments.count() == 1
    finding = actions.do_send_finding(acting_user=xunhui, visit=visit, title="问题清单不具体，整改措施笼统")
    problem = Problem.objects.get(pk=finding.problem_id)
    assert (problem.unit, problem.source) == (foshan, Source.GUIDANCE)
    progress = actions.findings_progress([finding])[problem.pk]
    assert progress == {"items": 0, "done": 0, "open": 0}


def test_a_member_cannot_visit_a_unit_the_group_is_not_assigned_to(xunhui, roving, campaign):
    with pytest.raises(ActionError):
        actions.do_plan_visit(
            acting_user=xunhui,
            group=roving,
            campaign=campaign,
            unit=Unit.objects.get(code="440300"),
            planned_on=date(2019, 10, 8),
            purpose="x",
        )


def test_the_dispatching_office_reads_the_group_but_does_not_act_for_it(guangdong_office, roving, campaign):
    assert actions.get_group_for_user(guangdong_office, roving.pk) == roving
    with pytest.raises(ActionForbidden):
        actions.get_group_for_user(guangdong_office, roving.pk, member=True)


def test_another_province_does_not_see_the_group(client, hubei_office, roving):
    client.force_login(hubei_office)
    assert client.get(reverse("supervision_group", args=[roving.pk])).status_code == 404


def test_the_group_page_follows_the_findings_rectification_in_chinese(client, xunhui, roving):
    client.force_login(xunhui)
    text = client.get(reverse("supervision_group", args=[roving.pk])).content.decode()
    assert "理论学习流于形式" in text and "尚无整改事项" in text


def test_the_report_upward_lists_visits_and_findings(client, guangdong_office, roving):
    client.force_login(guangdong_office)
    response = client.get(reverse("supervision_group_report", args=[roving.pk]))
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(
        [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )
    assert "广东省委第一巡回指导组督促指导工作情况的报告" in text
    assert "共向被督导单位反馈问题2个" in text
    assert "征求意见覆盖面不广" in text


def test_the_demo_has_central_groups_covering_provinces_three_by_three():
    central = GuidanceGroup.objects.filter(kind="central")
    assert central.count() >= 10
    assert central.get(name="中央第一指导组").assigned_units.count() == 3
    assert Visit.objects.filter(group__name="广东省委第一巡回指导组").count() == 2


@pytest.fixture
def campaign():
    from chuxin.campaigns.models import Campaign

    return Campaign.objects.get(launched_on="2019-05-31")
