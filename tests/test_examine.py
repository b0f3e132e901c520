"""Self-examination (M7): checklists of the four comparisons, gaps to problems, examination materials
with review and versions, life meetings, and the 检视问题 strand page from its roll-ups."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuxin.campaigns.models import Campaign
from chuxin.examine import actions, counters
from chuxin.examine.models import Checklist, Material, MaterialStatus
from chuxin.orgs.actions import ActionError, do_move_unit
from chuxin.orgs.models import CommitteeMember, Unit
from chuxin.problems.models import Problem
from chuxin.study.actions import do_add_criticism, do_create_meeting, do_criticism_to_problem

CODE = "440604"


@pytest.fixture
def campaign(db):
    c = Campaign.objects.get(launched_on="2019-05-31")
    actions.do_set_default_headings(c)
    return c


@pytest.fixture
def accounts(db):
    """Chancheng's secretary and a committee member with accounts (as the demo makes them)."""
    from chuxin.demo.opinions import make_accounts

    make_accounts()
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.get(username="chanchengshuji"), User.objects.get(username="chanchengweiyuan")


@pytest.fixture
def office(django_user_model):
    return django_user_model.objects.get(username="chanchengban")


@pytest.fixture
def opened(campaign, office):
    unit = Unit.objects.get(code=CODE)
    actions.do_open_checklists(unit, campaign, acting_user=office)
    return unit


def _fill(checklist, user):
    for h in actions.headings_for(checklist.campaign):
        actions.do_add_gap(
            checklist, h, f"{h.title}：差距", "根源：学习不够", "方向", "措施：每月研讨", acting_user=user
        )


def test_the_campaign_has_the_four_comparisons_of_2019(campaign):
    assert [h.title for h in actions.headings_for(campaign)] == [
        "对照新思想和党中央决策部署",
        "对照党章党规",
        "对照人民群众新期待",
        "对照先进典型、身边榜样",
    ]


def test_checklists_open_for_the_focus_group_only_and_once(opened, campaign, office):
    people = {c.person for c in Checklist.objects.filter(unit=opened)}
    assert people and all(p.rank >= campaign.focus_rank for p in people)
    assert actions.do_open_checklists(opened, campaign, acting_user=office) == 0


def test_county_staff_cannot_open_checklists(campaign, django_user_model):
    with pytest.raises(PermissionDenied):
        actions.do_open_checklists(
            Unit.objects.get(code=CODE),
            campaign,
            acting_user=django_user_model.objects.get(username="chancheng"),
        )


def test_a_checklist_is_complete_only_with_a_gap_under_every_heading(opened, accounts):
    _secretary, member = accounts
    c = Checklist.objects.get(unit=opened, person__user=member)
    first = actions.headings_for(c.campaign)[0]
    actions.do_add_gap(c, first, "理论学习不深", acting_user=member)
    with pytest.raises(ActionError, match="对照党章党规"):
        actions.do_complete_checklist(c, acting_user=member)
    _fill(c, member)
    assert actions.do_complete_checklist(c, acting_user=member).completed_at is not None


def test_nobody_outside_the_unit_writes_a_cadres_checklist(opened, accounts, django_user_model):
    _secretary, member = accounts
    mine = Checklist.objects.get(unit=opened, person__user=member)
    with pytest.raises(PermissionDenied):
        actions.do_add_gap(
            mine,
            actions.headings_for(mine.campaign)[0],
            "x",
            acting_user=django_user_model.objects.get(username="hubei"),
        )


def test_each_gap_becomes_one_problem_with_its_root_cause_and_measures_once(opened, accounts):
    _secretary, member = accounts
    c = Checklist.objects.get(unit=opened, person__user=member)
    _fill(c, member)
    assert actions.do_gaps_to_problems(c, acting_user=member) == 4
    assert actions.do_gaps_to_problems(c, acting_user=member) == 0
    gap = c.gaps.first()
    again = actions.do_gap_to_problem(gap, acting_user=member)
    p = Problem.objects.get(pk=gap.problem_id)
    assert again.pk == p.pk and p.source == "self_exam" and p.root_cause == "根源：学习不够"
    assert "措施：每月研讨" in p.direction and p.responsible_leader_id == c.person_id


def test_a_material_goes_to_the_secretary_who_returns_then_approves_it(opened, accounts):
    secretary, member = accounts
    c = Checklist.objects.get(unit=opened, person__user=member)
    _fill(c, member)
    m = actions.do_start_material(c, acting_user=member)
    assert all(m.comparisons.values()) and "根源" in m.root_causes
    m = actions.do_submit_material(m, acting_user=member)
    with pytest.raises(PermissionDenied):
        actions.do_review_material(m, True, acting_user=member)  # not the secretary
    with pytest.raises(ActionError):
        actions.do_review_material(m, False, "", acting_user=secretary)  # a return needs its reason
    m = actions.do_review_material(m, False, "根源挖得不深", acting_user=secretary)
    assert m.status == MaterialStatus.RETURNED
    m = actions.do_edit_material(
        m,
        comparisons=m.comparisons,
        root_causes=m.root_causes + "\n宗旨意识淡化",
        measures=m.measures,
        acting_user=member,
    )
    m = actions.do_submit_material(m, acting_user=member)
    m = actions.do_review_material(m, True, acting_user=secretary)
    assert m.status == MaterialStatus.APPROVED
    versions = list(m.versions.order_by("number").values_list("number", "decision"))
    assert versions == [(1, "returned"), (2, "approved")]
    with pytest.raises(ActionError):
        actions.do_edit_material(m, comparisons={}, root_causes="", measures="", acting_user=member)


def test_the_secretarys_own_material_is_reviewed_by_the_office_above(opened, accounts, django_user_model):
    secretary, _member = accounts
    c = Checklist.objects.get(unit=opened, person__user=secretary)
    _fill(c, secretary)
    m = actions.do_submit_material(actions.do_start_material(c, acting_user=secretary), acting_user=secretary)
    with pytest.raises(PermissionDenied):
        actions.do_review_material(m, True, acting_user=secretary)
    city = django_user_model.objects.get(username="guangdong")
    assert actions.do_review_material(m, True, acting_user=city).status == MaterialStatus.APPROVED


def test_the_material_exports_as_an_official_docx(opened, accounts, client):
    from docx import Document

    _secretary, member = accounts
    c = Checklist.objects.get(unit=opened, person__user=member)
    _fill(c, member)
    m = actions.do_start_material(c, acting_user=member)
    client.force_login(member)
    response = client.get(reverse("material_export", args=[m.pk]))
    doc = Document(io.BytesIO(response.content))
    text = [p.text for p in doc.paragraphs]
    assert text[0].endswith("检视剖析材料") and "（一）对照新思想和党中央决策部署" in text
    assert "二、产生问题的根源" in text and doc.sections[0].top_margin.mm == pytest.approx(37, abs=0.1)


def test_an_organisational_life_meeting_hands_its_criticism_to_the_ledger(office):
    from django.contrib.auth import get_user_model

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    unit = Unit.objects.filter(code__startswith=CODE, level=6).first() or Unit.objects.get(code=CODE)
    staff = get_user_model().objects.get(username="zhongyang")
    meeting = do_create_meeting(
        acting_user=staff,
        campaign=campaign,
        unit=unit,
        kind="org_life",
        title="专题组织生活会",
        date=date(2019, 11, 5),
    )
    person = unit.people.first()
    item = do_add_criticism(meeting, person, "criticism", "参加组织生活不经常", acting_user=staff)
    problem = do_criticism_to_problem(item, acting_user=staff)
    assert problem.source == "org_life"
    assert counters.stored(unit, campaign.pk)["olm"] == 1


def test_the_strand_page_shows_figures_from_the_rollups_in_chinese(opened, accounts, client, office):
    _secretary, member = accounts
    c = Checklist.objects.get(unit=opened, person__user=member)
    _fill(c, member)
    actions.do_complete_checklist(c, acting_user=member)
    client.force_login(office)
    page = client.get(reverse("examine_unit", args=[CODE])).content.decode()
    total = Checklist.objects.filter(unit=opened).count()
    assert f"1 / {total}" in page and "检视问题" in page and "本单位及下级单位" in page


def test_the_strand_page_makes_as_many_queries_at_a_province_as_at_a_county(
    opened, client, django_user_model
):
    client.force_login(django_user_model.objects.get(username="zhongyang"))
    counts = []
    for code in (CODE, "440000"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("examine_unit", args=[code])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_the_life_meeting_page_shows_materials_and_the_follow_up_list(client, office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    unit = Unit.objects.get(code=CODE)
    meeting = do_create_meeting(
        acting_user=office,
        campaign=campaign,
        unit=unit,
        kind="democratic_life",
        title="专题民主生活会",
        date=date(2019, 10, 9),
    )
    seat = CommitteeMember.objects.filter(unit=unit).first()
    item = do_add_criticism(meeting, seat.person, "self_criticism", "调查研究不够深入", acting_user=office)
    do_criticism_to_problem(item, acting_user=office)
    client.force_login(office)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "会前提交的检视剖析材料" in page and "整改落实清单" in page and "调查研究不够深入" in page


# --- the counters equal a recount, whatever happens ------------------------------------------------------

CHECK = ["000000", "440000", "440600", CODE, "420000"]
op = st.one_of(
    st.tuples(st.just("open"), st.sampled_from([CODE, "440600", "420000"])),
    st.tuples(st.just("gap"), st.integers(0, 30), st.integers(0, 3)),
    st.tuples(st.just("complete"), st.integers(0, 30)),
    st.tuples(st.just("problem"), st.integers(0, 30)),
    st.tuples(
        st.just("material"), st.integers(0, 30), st.sampled_from(["start", "submit", "approve", "return"])
    ),
    st.tuples(
        st.just("meeting"),
        st.sampled_from([CODE, "440600", "420000"]),
        st.sampled_from(["democratic_life", "org_life", "study_session"]),
    ),
    st.tuples(st.just("move"), st.sampled_from([CODE]), st.sampled_from(["440100", "420000", "440600"])),
)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_examine_counters_equal_a_recount_after_any_sequence(ops, django_user_model):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    actions.do_set_default_headings(campaign)
    admin = django_user_model.objects.get(username="admin")  # may do everything, reviews as the office above
    headings = actions.headings_for(campaign)
    for o in ops:
        checklists = list(Checklist.objects.filter(campaign=campaign).order_by("pk"))
        try:
            if o[0] == "open":
                actions.do_open_checklists(Unit.objects.get(code=o[1]), campaign, acting_user=admin)
            elif o[0] == "meeting":
                do_create_meeting(
                    acting_user=admin,
                    campaign=campaign,
                    unit=Unit.objects.get(code=o[1]),
                    kind=o[2],
                    title="会",
                    date=date(2019, 9, 1),
                    study_kind="concentrated" if o[2] == "study_session" else "",
                )
            elif o[0] == "move":
                do_move_unit(Unit.objects.get(code=o[1]), Unit.objects.get(code=o[2]), acting_user=admin)
            elif not checklists:
                continue
            elif o[0] == "gap":
                actions.do_add_gap(
                    checklists[o[1] % len(checklists)], headings[o[2]], "差距", acting_user=admin
                )
            elif o[0] == "complete":
                actions.do_complete_checklist(checklists[o[1] % len(checklists)], acting_user=admin)
            elif o[0] == "problem":
                actions.do_gaps_to_problems(checklists[o[1] % len(checklists)], acting_user=admin)
            elif o[0] == "material":
                c = checklists[o[1] % len(checklists)]
                m = Material.objects.filter(campaign=campaign, person=c.person).first()
                if o[2] == "start":
                    actions.do_start_material(c, acting_user=admin)
                elif m is None:
                    continue
                elif o[2] == "submit":
                    actions.do_submit_material(m, acting_user=admin)
                else:
                    actions.do_review_material(m, o[2] == "approve", "重写", acting_user=admin)
        except (ActionError, PermissionDenied):
            pass  # refused changes change nothing, and that is checked too
    drifted = {code: counters.drift(Unit.objects.get(code=code), campaign.pk) for code in CHECK}
    assert {k: v for k, v in drifted.items() if v} == {}


def test_rebuild_equals_the_counters_kept_by_the_actions(opened, accounts, campaign):
    _secretary, member = accounts
    c = Checklist.objects.get(unit=opened, person__user=member)
    _fill(c, member)
    before = counters.stored(Unit.objects.get(code="440000"), campaign.pk)
    counters.rebuild(campaign.pk)
    assert counters.stored(Unit.objects.get(code="440000"), campaign.pk) == before
