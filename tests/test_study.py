"""Meetings, venues, attendance, completion, democratic life meetings (M4, M16)."""

import io
from datetime import date

import pytest
from django.urls import reverse

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.dashboards.leadership import leadership_first
from chuxin.orgs.models import CommitteeMember, Person, Rank, Unit
from chuxin.problems.models import Problem
from chuxin.rollups.counters import rebuild
from chuxin.study import actions
from chuxin.study.completion import cadre_completion, venue_completion
from chuxin.study.models import Attendance, Meeting, Venue

pytestmark = pytest.mark.django_db


def _meeting(user, code="440000", kind="study_session", **kw):
    fields = dict(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=Unit.objects.get(code=code),
        kind=kind,
        title="理论学习中心组集中学习",
        date=date(2019, 7, 1),
        study_kind="concentrated" if kind == "study_session" else "",
        topic_kind="revolutionary",
        required_rank=Rank.NONE,
    )
    fields.update(kw)
    return actions.do_create_meeting(**fields, acting_user=user)


def test_create_meeting_makes_main_venue_and_audit(guangdong_office):
    m = _meeting(guangdong_office)
    venue = m.venues.get()
    assert venue.is_main and venue.unit.code == "440000"
    assert AuditEntry.objects.filter(model="Meeting", object_id=m.pk, action="meeting.create").exists()


def test_study_session_needs_its_form(guangdong_office):
    with pytest.raises(ActionError):
        _meeting(guangdong_office, study_kind="")
    assert not Meeting.objects.filter(title="理论学习中心组集中学习").exists()


def test_recording_needs_a_role(outsider, guangdong_office):
    with pytest.raises(ActionForbidden):
        _meeting(outsider)
    with pytest.raises(ActionForbidden):
        _meeting(guangdong_office, code="420000")


def test_sub_venue_inside_subtree(guangdong_office):
    m = _meeting(guangdong_office, kind="work_meeting")
    v = actions.do_add_venue(m, Unit.objects.get(code="440604"), "禅城分会场", acting_user=guangdong_office)
    assert not v.is_main
    with pytest.raises(ActionError):
        actions.do_add_venue(m, Unit.objects.get(code="440604"), acting_user=guangdong_office)  # twice


def test_sub_venue_outside_subtree_refused(central_office, guangdong_office):
    m = _meeting(guangdong_office, kind="work_meeting")
    with pytest.raises(ActionError):
        actions.do_add_venue(m, Unit.objects.get(code="420000"), acting_user=central_office)
    assert m.venues.count() == 1


def test_attendance_rules(guangdong_office):
    m = _meeting(guangdong_office)
    main = m.venues.get()
    person = Person.objects.filter(home_unit__code="440000").first()
    with pytest.raises(ActionError):
        actions.do_mark_attendance(m, main, person, "absent", "", acting_user=guangdong_office)
    assert not Attendance.objects.filter(meeting=m).exists()
    a = actions.do_mark_attendance(m, main, person, "absent", "出差", acting_user=guangdong_office)
    assert a.status == "absent"
    a = actions.do_mark_attendance(m, main, person, "made_up", "已补学", acting_user=guangdong_office)
    assert Attendance.objects.get(meeting=m, person=person).status == "made_up"
    with pytest.raises(ActionError):
        actions.do_mark_attendance(m, main, person, "late", acting_user=guangdong_office)


def test_attendance_outside_organiser_refused(central_office, guangdong_office):
    m = _meeting(guangdong_office)
    hubei_person = Person.objects.filter(home_unit__code="420000").first()
    with pytest.raises(ActionError):
        actions.do_mark_attendance(m, m.venues.get(), hubei_person, "present", acting_user=central_office)
    with pytest.raises(ActionError):
        actions.do_bulk_attendance(
            m, m.venues.get(), [(hubei_person, "present", "")], acting_user=central_office
        )
    assert not Attendance.objects.filter(meeting=m).exists()


def test_cadre_and_venue_completion(guangdong_office):
    unit = Unit.objects.get(code="440604")
    people = list(Person.objects.filter(home_unit=unit).select_related("home_unit"))
    m1 = _meeting(guangdong_office, code="440604")
    _meeting(guangdong_office, code="440604", title="第二次集中学习")
    actions.do_bulk_attendance(
        m1, m1.venues.get(), [(p, "present", "") for p in people], acting_user=guangdong_office
    )
    comp = cadre_completion(people)
    assert all(comp[p.pk] == (1, 2) for p in people)
    row = venue_completion(m1)[0]
    required = Person.objects.filter(home_unit__path__startswith=unit.path).count()
    assert row["present"] == len(people) and row["required"] == required
    assert row["share"] == len(people) / required


def test_sub_venue_completion_counts_people_of_the_sub_venue(guangdong_office):
    m = _meeting(guangdong_office, kind="work_meeting")
    sub = actions.do_add_venue(m, Unit.objects.get(code="440604"), acting_user=guangdong_office)
    people = list(Person.objects.filter(home_unit__code="440604"))
    actions.do_bulk_attendance(m, sub, [(people[0], "present", "")], acting_user=guangdong_office)
    rows = {r["venue"].pk: r for r in venue_completion(m)}
    sub_unit = Unit.objects.get(code="440604")
    in_sub = Person.objects.filter(home_unit__path__startswith=sub_unit.path).count()
    assert rows[sub.pk]["required"] == in_sub
    main = m.venues.get(is_main=True)
    in_gd = Person.objects.filter(home_unit__path__startswith=m.unit.path).count()
    assert rows[main.pk]["required"] == in_gd - in_sub
    assert rows[sub.pk]["present"] == 1


def test_bulk_attendance_200_people_in_one_post(as_user, guangdong_office):
    unit = Unit.objects.get(code="440604")
    Person.objects.bulk_create(
        [Person(name=f"干部{i:03d}", rank=Rank.SECTION, home_unit=unit) for i in range(200)]
    )
    m = _meeting(guangdong_office, code="440604", required_rank=Rank.SECTION)
    venue = m.venues.get()
    client = as_user(guangdong_office)
    url = reverse("attendance_bulk", args=[m.pk, venue.pk])
    page = client.get(url)
    assert page.status_code == 200
    people = list(Person.objects.filter(home_unit=unit, rank__gte=Rank.SECTION))
    assert len(people) >= 200
    data = {f"status_{p.pk}": "present" for p in people}
    data[f"status_{people[0].pk}"] = "absent"
    data[f"note_{people[0].pk}"] = "病假"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting=m, status="present").count() == len(people) - 1
    assert Attendance.objects.get(meeting=m, person=people[0]).note == "病假"
    # marking again updates in place
    data[f"status_{people[0].pk}"] = "made_up"
    client.post(url, data)
    assert Attendance.objects.filter(meeting=m).count() == len(people)
    assert Attendance.objects.get(meeting=m, person=people[0]).status == "made_up"


def test_bulk_attendance_absent_without_reason_writes_nothing(as_user, guangdong_office):
    m = _meeting(guangdong_office, code="440604")
    venue = m.venues.get()
    people = list(Person.objects.filter(home_unit__code="440604"))
    data = {f"status_{p.pk}": "present" for p in people}
    data[f"status_{people[0].pk}"] = "absent"
    response = as_user(guangdong_office).post(reverse("attendance_bulk", args=[m.pk, venue.pk]), data)
    assert response.status_code == 200
    assert not Attendance.objects.filter(meeting=m).exists()


def test_mark_all_present_button(as_user, guangdong_office):
    m = _meeting(guangdong_office, code="440604")
    venue = m.venues.get()
    response = as_user(guangdong_office).post(
        reverse("attendance_bulk", args=[m.pk, venue.pk]), {"all_present": "1"}
    )
    assert response.status_code == 302
    assert (
        Attendance.objects.filter(meeting=m, status="present").count()
        == Person.objects.filter(home_unit__path__startswith=m.unit.path).count()
    )


def test_democratic_life_criticism_to_ledger(as_user, guangdong_office):
    m = _meeting(guangdong_office, code="440604", kind="democratic_life", title="专题民主生活会")
    person = Person.objects.filter(home_unit__code="440604").first()
    item = actions.do_add_criticism(
        m, person, "self_criticism", "调查研究不够深入", acting_user=guangdong_office
    )
    client = as_user(guangdong_office)
    response = client.post(reverse("criticism_handoff", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    problem = Problem.objects.get(pk=item.problem_id)
    assert problem.source == "dlm" and problem.unit.code == "440604"
    assert Problem.objects.filter(unit__code="440604", source="dlm").count() == 1
    with pytest.raises(ActionError):  # not twice
        actions.do_criticism_to_problem(item, acting_user=guangdong_office)
    assert Problem.objects.filter(unit__code="440604", source="dlm").count() == 1


def test_criticism_only_at_democratic_life_meeting(guangdong_office):
    m = _meeting(guangdong_office)
    with pytest.raises(ActionError):
        actions.do_add_criticism(
            m,
            Person.objects.filter(home_unit__code="440000").first(),
            "criticism",
            "x",
            acting_user=guangdong_office,
        )


def test_leadership_first_flags_a_lagging_lead(guangdong_office):
    gd = Unit.objects.get(code="440000")
    lead = [cm.person for cm in CommitteeMember.objects.filter(unit=gd)]
    _meeting(guangdong_office)  # the leading organ has a session nobody attended
    child = Unit.objects.children_of(gd).first()
    cm = [c.person for c in CommitteeMember.objects.filter(unit=child)]
    m = _meeting(guangdong_office, code=child.code)
    actions.do_bulk_attendance(
        m, m.venues.get(), [(p, "present", "") for p in cm], acting_user=guangdong_office
    )
    result = leadership_first(gd, Campaign.objects.get(launched_on="2019-05-31"))
    assert result["own"].members == len(lead)
    assert result["own"].study_share == 0
    assert result["lags_study"] and result["lags"]


def test_pages_render(as_user, guangdong_office):
    m = _meeting(guangdong_office, code="440604", kind="democratic_life", title="专题民主生活会")
    client = as_user(guangdong_office)
    for url in (
        reverse("study_index"),
        reverse("study_unit", args=["440604"]),
        reverse("meeting_create", args=["440604"]),
        reverse("meeting_detail", args=[m.pk]),
        reverse("strand_progress", args=["440000"]),
    ):
        assert client.get(url).status_code == 200, url


def test_create_meeting_page(as_user, guangdong_office):
    client = as_user(guangdong_office)
    response = client.post(
        reverse("meeting_create", args=["440604"]),
        {
            "kind": "study_session",
            "study_kind": "reading_class",
            "topic_kind": "warning",
            "title": "警示教育读书班",
            "date": "2019-07-10",
            "place": "区委党校",
            "required_rank": Rank.SECTION,
        },
    )
    assert response.status_code == 302
    m = Meeting.objects.get(title="警示教育读书班")
    assert m.unit.code == "440604" and Venue.objects.filter(meeting=m, is_main=True).exists()


def test_add_venue_page_refuses_outside(as_user, central_office):
    m = _meeting(central_office, code="440000", kind="work_meeting")
    client = as_user(central_office)
    client.post(reverse("meeting_action", args=[m.pk, "add_venue"]), {"unit_code": "420000"})
    assert m.venues.count() == 1
    client.post(reverse("meeting_action", args=[m.pk, "add_venue"]), {"unit_code": "440604"})
    assert m.venues.count() == 2


def test_demo_functions_build_consistent_data(guangdong_office, as_user):
    import random

    from chuxin.demo.research import make_research_demo
    from chuxin.demo.study import make_study_demo
    from chuxin.research.models import Topic

    gd = Unit.objects.get(code="440000")
    units = list(Unit.objects.in_subtree(gd))
    people_by_unit = {}
    for p in Person.objects.filter(home_unit__in=units).order_by("pk"):
        people_by_unit.setdefault(p.home_unit_id, []).append(p)
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    counts = make_study_demo(campaign, units, people_by_unit, random.Random(1))
    assert counts["meetings"] > len(units) and counts["attendance"] > 0
    rcounts = make_research_demo(campaign, units, people_by_unit, random.Random(1))
    assert rcounts["topics"] > 0 and Topic.objects.filter(unit__in=units).count() == rcounts["topics"]
    rebuild(campaign.pk)  # the demo's rows are bulk-loaded: the roll-ups are rebuilt after, as makedemo does
    result = leadership_first(gd, campaign)
    assert result["own"].study_required > 0
    assert all(m.venues.filter(is_main=True).count() == 1 for m in Meeting.objects.filter(unit=gd))
    client = as_user(guangdong_office)
    work = Meeting.objects.filter(unit=gd, kind="work_meeting").first()
    topic = Topic.objects.filter(unit=gd).first()
    for url in (
        reverse("strand_progress", args=["440000"]),
        reverse("study_unit", args=["440000"]),
        reverse("meeting_detail", args=[work.pk]),
        reverse("attendance_bulk", args=[work.pk, work.venues.get(is_main=True).pk]),
        reverse("research_unit", args=["440000"]),
        reverse("topic_detail", args=[topic.pk]),
    ):
        assert client.get(url).status_code == 200, url


def _organs_recounted(units, campaign):
    """Each organ's figures seat by seat with cadre_completion(), the way the page counted before the
    organs were tallied in a few grouped queries."""
    from chuxin.research.models import SUBMITTED_STATUSES, Report

    out = {}
    for u in units:
        people = [
            cm.person for cm in CommitteeMember.objects.filter(unit=u).select_related("person__home_unit")
        ]
        comp = cadre_completion(people, campaign)
        reports = Report.objects.filter(topic__cadre__in=people, status__in=SUBMITTED_STATUSES)
        if campaign is not None:
            reports = reports.filter(topic__campaign=campaign)
        reported = set(reports.values_list("topic__cadre", flat=True))
        out[u.pk] = (
            len(people),
            sum(comp[p.pk][0] for p in people),
            sum(comp[p.pk][1] for p in people),
            sum(p.pk in reported for p in people),
        )
    return out


def test_the_organs_figures_equal_a_recount_seat_by_seat(guangdong_office, django_user_model):
    """The organ tallies, rebuilt after a bulk load and then kept by the actions and by the seats' and
    people's own changes, give each organ the figures a seat-by-seat recount gives."""
    import random

    from chuxin.dashboards.leadership import organ_figures_for
    from chuxin.demo.research import make_research_demo
    from chuxin.demo.study import make_study_demo
    from chuxin.research import actions as research_actions
    from chuxin.rollups import tallies

    gd = Unit.objects.get(code="440000")
    units = list(Unit.objects.in_subtree(gd))
    people_by_unit = {}
    for p in Person.objects.filter(home_unit__in=units).order_by("pk"):
        people_by_unit.setdefault(p.home_unit_id, []).append(p)
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    make_study_demo(campaign, units, people_by_unit, random.Random(3))
    make_research_demo(campaign, units, people_by_unit, random.Random(3))
    rebuild(campaign.pk)
    children = list(Unit.objects.children_of(gd))
    organs = [gd, *children]

    def agree():
        figs = organ_figures_for(organs, campaign)
        got = {pk: (f.members, f.study_done, f.study_required, f.reports_submitted) for pk, f in figs.items()}
        assert got == _organs_recounted(organs, campaign)
        assert {u.code: tallies.drift(u, campaign.pk) for u in organs} == {u.code: {} for u in organs}
        return figs

    agree()
    # a member whose home is below the organ's unit, sitting on two organs: a session above her rank
    # that she attended anyway (not required, so not counted), and one at the unit she has since left
    # (no longer above her home, likewise)
    deep = Unit.objects.get(code="440604")
    aside = next(c for c in children if not deep.path.startswith(c.path))
    member = Person.objects.create(name="两委干部", home_unit=aside, rank=Rank.SECTION)
    CommitteeMember.objects.create(unit=gd, person=member, post="member")
    seat = CommitteeMember.objects.create(unit=children[0], person=member, post="member")
    for code, rank in ((aside.code, Rank.NONE), ("440000", Rank.BUREAU), ("440000", Rank.NONE)):
        m = _meeting(guangdong_office, code=code, required_rank=rank)
        actions.do_bulk_attendance(m, m.venues.get(), [(member, "present", "")], acting_user=guangdong_office)
    agree()
    member.home_unit = deep
    member.save()
    agree()
    m = _meeting(guangdong_office, code="440000", required_rank=Rank.NONE)
    actions.do_mark_attendance(m, m.venues.get(), member, "absent", "出差", acting_user=guangdong_office)
    agree()
    actions.do_mark_attendance(m, m.venues.get(), member, "made_up", acting_user=guangdong_office)
    agree()
    member.rank = Rank.BUREAU
    member.save()
    agree()
    # she reports twice in the campaign: her organs count her once, until both reports went back
    staff = django_user_model.objects.get(username="zhongyang")
    topics = [
        research_actions.do_create_topic(
            campaign=campaign, unit=gd, cadre=member, title=f"调研{i}", acting_user=guangdong_office
        )
        for i in range(2)
    ]
    for topic in topics:
        research_actions.do_save_report(topic, problem_is="a", crux="b", solutions="c", acting_user=staff)
        research_actions.do_submit_report(topic, acting_user=staff)
        agree()
    for topic in topics:
        research_actions.do_review_report(topic, note="重写", accept=False, acting_user=staff)
        agree()
    seat.unit = children[1]
    seat.save()
    agree()
    seat.delete()
    figs = agree()
    assert any(f.study_required and f.reports_submitted for f in figs.values())


def _organs_required(organs, campaign):
    from chuxin.dashboards.leadership import organ_figures_for

    return {pk: f.study_required for pk, f in organ_figures_for(organs, campaign).items()}


def _no_drift(organs, campaign):
    from chuxin.rollups import tallies

    return {u.code: tallies.drift(u, campaign.pk) for u in organs} == {u.code: {} for u in organs}


def test_a_session_near_the_root_adds_to_the_organs_in_the_background(
    central_office, guangdong_office, as_user, monkeypatch, settings
):
    """A study session at the root or a province reaches up to every organ of the tree: its share of the
    organ tallies is added by a queued task, not in the request. Until the task ran the tallies and their
    recount agree (neither counts it) and the progress page says the figures are being updated; the task
    adds it once, however often it runs; a session deeper down is added in the request."""
    from django.core.management import call_command
    from django.test import override_settings
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    from chuxin.study.tasks import count_session_organs_task

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    root, gd = Unit.objects.get(depth=1), Unit.objects.get(code="440000")
    organs = [root, gd, *Unit.objects.children_of(gd)]
    assert any(CommitteeMember.objects.filter(unit__in=organs).values_list("pk", flat=True))

    def required():
        return _organs_required(organs, campaign)

    def no_drift():
        return _no_drift(organs, campaign)

    before = required()
    url = reverse("strand_progress", args=[root.code])
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        m = _meeting(central_office, code=root.code)
        assert Meeting.objects.get(pk=m.pk).organs_counted is False
        assert required() == before and no_drift()  # not counted yet, by the tallies nor the recount
        assert DBTaskResult.objects.filter(task_path__endswith="count_session_organs_task").count() == 1
        assert "正在更新" in as_user(central_office).get(url).content.decode()
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    assert Meeting.objects.get(pk=m.pk).organs_counted is True
    after = required()
    assert after != before and all(after[pk] >= before[pk] for pk in before) and no_drift()
    assert "正在更新" not in as_user(central_office).get(url).content.decode()
    count_session_organs_task.enqueue(m.pk)  # run again (a worker killed after its commit): nothing added
    assert required() == after and no_drift()
    # a county's session is added in the request, the page never says updating
    county = Unit.objects.filter(path__startswith=gd.path, depth=settings.ORGAN_TALLY_DEFER_DEPTH + 1).first()
    deep = _meeting(guangdong_office, code=county.code)
    assert deep.organs_counted is True and no_drift()
    # with the setting at 0 even the root's session is added in the request
    settings.ORGAN_TALLY_DEFER_DEPTH = 0
    assert _meeting(central_office, code=root.code).organs_counted is True and no_drift()


def test_a_root_session_whose_queue_message_is_lost_is_counted_by_the_daily_snapshot(
    central_office, as_user, django_capture_on_commit_callbacks, caplog
):
    """On RQ the organ task is queued once the session is committed. With Redis unreachable at that moment the
    session stays saved and the user's request succeeds (the error is logged); the progress page says the
    figures are being updated until the daily snapshot (`snapshotrollups`) counts the session: once, however
    often it runs, and equal to a recount."""
    from django.core.management import call_command
    from django.test import override_settings

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    root = Unit.objects.get(depth=1)
    organs = [root, *Unit.objects.children_of(root)]
    before = _organs_required(organs, campaign)
    nowhere = {"URL": "redis://127.0.0.1:9/0"}  # nothing listens on the discard port
    tasks = {
        "default": {
            "BACKEND": "chuxin.core.tasks_rq.RetryingRQBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"RETRIES": 0},
        }
    }
    with override_settings(RQ_QUEUES={"default": nowhere}, TASKS=tasks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            m = _meeting(central_office, code=root.code)
    assert callbacks and "Connection refused" in caplog.text  # the failed enqueue, logged
    assert Meeting.objects.get(pk=m.pk).organs_counted is False
    assert _organs_required(organs, campaign) == before and _no_drift(organs, campaign)
    url = reverse("strand_progress", args=[root.code])
    assert "正在更新" in as_user(central_office).get(url).content.decode()

    call_command("snapshotrollups", "--now", stdout=io.StringIO())
    assert Meeting.objects.get(pk=m.pk).organs_counted is True
    after = _organs_required(organs, campaign)
    assert after != before and _no_drift(organs, campaign)
    assert "正在更新" not in as_user(central_office).get(url).content.decode()
    call_command("snapshotrollups", "--now", stdout=io.StringIO())  # the next day: nothing added twice
    assert _organs_required(organs, campaign) == after and _no_drift(organs, campaign)
