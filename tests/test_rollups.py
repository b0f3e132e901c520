"""Roll-up counters always equal a full recount, whatever sequence of changes happened."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuxin.burden import actions as burden_actions
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.orgs.actions import do_move_unit
from chuxin.orgs.models import Unit
from chuxin.problems import actions
from chuxin.problems.models import Kind, RectificationItem
from chuxin.research import actions as research_actions
from chuxin.rollups.counters import drift, rebuild
from chuxin.rollups.models import SubtreeCounts
from chuxin.special.models import Topic
from chuxin.study import actions as study_actions


def today():
    """Read at each use: a module-level date goes stale when a run crosses midnight in Beijing."""
    return timezone.localdate()


UNITS = ["440604", "440600", "440000", "420000", "440100"]
CHECK = ["000000", "440000", "440600", "440604", "420000", "440100"]


def _paths_drifted():
    """Problems and items whose copied unit path differs from their unit's (moves must carry them)."""
    from django.db.models import F

    from chuxin.problems.models import Problem

    return [
        *Problem.objects.exclude(unit_path=F("unit__path")).values_list("pk", flat=True),
        *RectificationItem.objects.exclude(unit_path=F("unit__path")).values_list("pk", flat=True),
    ]


def _all_agree(campaign):
    out = {
        code: drift(Unit.objects.get(code=code), campaign.pk)
        for code in CHECK
        if drift(Unit.objects.get(code=code), campaign.pk)
    }
    # every unit at once, as verifyrollups checks them (the set-based recount)
    from chuxin.rollups.counters import drift_all

    everywhere = drift_all(campaign.pk)
    if everywhere:
        out["every unit"] = everywhere
    # the organ tallies at every organ of the tree, not only the units above
    from chuxin.rollups import tallies
    from chuxin.rollups.models import SubtreeTally

    for key, t in tallies.ORGAN_TALLIES.items():
        stored = dict(
            SubtreeTally.objects.filter(key=key, campaign=campaign).exclude(n=0).values_list("unit_id", "n")
        )
        recounted = {u: n for (u, _c), n in t.recount(None, [campaign.pk]).items() if n}
        if stored != recounted:
            out[key] = {
                u: (stored.get(u, 0), recounted.get(u, 0))
                for u in set(stored) | set(recounted)
                if stored.get(u, 0) != recounted.get(u, 0)
            }
    return out


def test_the_demo_counters_equal_a_recount(db):
    assert _all_agree(Campaign.objects.get(launched_on="2019-05-31")) == {}


operation = st.one_of(
    st.tuples(
        st.just("create"),
        st.sampled_from(UNITS),
        st.sampled_from(Kind.values),
        st.integers(1, 40),
        st.integers(0, 2),  # 0: no special-rectification topic; else one of the central topics
        st.integers(0, 63),  # the problem's work areas (bits of WorkArea; 0: none)
    ),
    st.tuples(st.just("areas"), st.integers(0, 50), st.integers(0, 63)),  # a problem re-tagged
    st.tuples(st.just("claim"), st.integers(0, 50)),
    st.tuples(st.just("verify"), st.integers(0, 50)),
    st.tuples(st.just("reject"), st.integers(0, 50)),
    st.tuples(st.just("reopen"), st.integers(0, 50)),
    st.tuples(st.just("extend"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("stage"), st.integers(0, 50)),
    st.tuples(st.just("overdue"), st.integers(0, 50), st.integers(1, 90)),
    st.tuples(
        st.just("meeting"),
        st.sampled_from(UNITS),
        st.sampled_from(["study_session", "work_meeting"]),
        st.sampled_from([0, 40, 70]),  # the rank required (none, deputy county, bureau)
    ),
    st.tuples(st.just("topic"), st.sampled_from(UNITS)),
    # the organ tallies: a committee member marked at a session (present, absent, made up), a member's rank
    # or home changed, a seat taken or left
    st.tuples(
        st.just("attend"),
        st.integers(0, 20),
        st.integers(0, 50),
        st.sampled_from(["present", "absent", "made_up"]),
    ),
    st.tuples(st.just("rank"), st.integers(0, 50), st.integers(0, 6)),
    st.tuples(st.just("rehome"), st.integers(0, 50), st.sampled_from(UNITS)),
    st.tuples(st.just("seat"), st.integers(0, 50), st.sampled_from(UNITS)),
    # the burden meter: a superior asks the units below for fields, some of them figures already computed
    st.tuples(
        st.just("request"),
        st.sampled_from(["000000", "440000", "440600"]),
        st.lists(st.sampled_from(["整改完成率", "问题总数", "意见建议", "联系人"]), min_size=1, max_size=4),
    ),
    st.tuples(st.just("submit"), st.integers(0, 50)),
    st.tuples(st.just("review"), st.integers(0, 50), st.booleans()),
    st.tuples(
        st.just("move"),
        st.sampled_from(["440604", "440600"]),
        st.sampled_from(["440100", "420000", "440000"]),
    ),
    # the shard rows' layout changes mid-way (more or fewer shards, deeper or shallower): sums stay right
    st.tuples(st.just("reshard"), st.integers(1, 5), st.integers(0, 4)),
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_rollups_equal_a_recount_after_any_sequence(ops, django_user_model):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    staff = django_user_model.objects.get(username="zhongyang")  # office everywhere: may record and move
    verifier = django_user_model.objects.get(username="admin")
    created: list[RectificationItem] = []
    research_topics = []
    meetings = []
    topics = list(Topic.objects.filter(campaign=campaign, root_unit__code="000000").order_by("order")[:2])
    layouts = []
    try:
        _apply_ops(ops, campaign, staff, verifier, created, research_topics, topics, layouts, meetings)
        assert _all_agree(campaign) == {}
        assert _paths_drifted() == []
    finally:
        for layout in reversed(layouts):
            layout.disable()


organ_operation = st.one_of(
    st.tuples(st.just("topic"), st.sampled_from(UNITS)),
    st.tuples(st.just("submit"), st.integers(0, 50)),
    st.tuples(st.just("review"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("move"), st.sampled_from(["440604", "440600"]), st.sampled_from(["440100", "420000"])),
    st.tuples(
        st.just("meeting"), st.sampled_from(UNITS), st.just("study_session"), st.sampled_from([0, 40, 70])
    ),
    st.tuples(
        st.just("attend"),
        st.integers(0, 20),
        st.integers(0, 50),
        st.sampled_from(["present", "absent", "made_up"]),
    ),
    st.tuples(st.just("rank"), st.integers(0, 50), st.integers(0, 9)),
    st.tuples(st.just("rehome"), st.integers(0, 50), st.sampled_from(UNITS)),
    st.tuples(st.just("seat"), st.integers(0, 50), st.sampled_from(UNITS)),
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(organ_operation, min_size=2, max_size=14))
def test_organ_tallies_equal_a_recount_after_any_sequence(ops, django_user_model):
    """The leading organs' figures (先学一步) against their recount, after study sessions, attendance,
    research reports, members' ranks and homes, seats and unit moves in any order."""
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    staff = django_user_model.objects.get(username="zhongyang")
    _apply_ops(ops, campaign, staff, staff, [], [], [], [], [])
    assert _all_agree(campaign) == {}


def _members(under=None):
    """Committee members (people holding a seat), optionally homed in a subtree, in a stable order."""
    from chuxin.orgs.models import Person

    people = Person.objects.filter(committee_seats__isnull=False).distinct().order_by("pk")
    return people.filter(home_unit__path__startswith=under.path) if under else people


def _organ_op(op, staff, meetings) -> None:
    from chuxin.orgs.models import CommitteeMember, Rank

    if op[0] == "attend":
        if not meetings:
            return
        meeting = meetings[op[1] % len(meetings)]
        # mostly people of whom the session is required (at or above its rank), some of whom it is not
        people = list(_members(meeting.unit).filter(rank__gte=meeting.required_rank)[:40])
        people += list(_members(meeting.unit).filter(rank__lt=meeting.required_rank)[:10])
        if people:
            study_actions.do_mark_attendance(
                meeting,
                meeting.venues.get(is_main=True),
                people[op[2] % len(people)],
                op[3],
                "n",
                acting_user=staff,
            )
        return
    people = list(_members()[:60])
    person = people[op[1] % len(people)]
    if op[0] == "rank":
        person.rank = Rank.values[op[2] % len(Rank.values)]
        person.save()
    elif op[0] == "rehome":
        person.home_unit = Unit.objects.get(code=op[2])
        person.save()
    elif op[0] == "seat":  # takes a seat on the unit's organ, or leaves it
        seat = CommitteeMember.objects.filter(person=person, unit__code=op[2]).first()
        if seat:
            seat.delete()
        else:
            CommitteeMember.objects.create(person=person, unit=Unit.objects.get(code=op[2]), post="member")


def _apply_ops(ops, campaign, staff, verifier, created, research_topics, topics, layouts, meetings):
    for op in ops:
        try:
            if op[0] == "reshard":
                layouts.append(override_settings(ROLLUP_SHARDS=op[1], ROLLUP_SHARD_DEPTH=op[2]))
                layouts[-1].enable()
            elif op[0] in ("attend", "rank", "rehome", "seat"):
                _organ_op(op, staff, meetings)
            elif op[0] == "meeting":  # the strands' tallies follow the same rules as the ledger's counters
                meeting = study_actions.do_create_meeting(
                    campaign=campaign,
                    unit=Unit.objects.get(code=op[1]),
                    kind=op[2],
                    study_kind="concentrated",
                    title="m",
                    date=today(),
                    required_rank=op[3],
                    acting_user=staff,
                )
                meetings.append(meeting)
            elif op[0] == "topic":
                unit = Unit.objects.get(code=op[1])
                cadre = _members(unit).first() or unit.people.first()  # a member: her organs count her report
                topic = research_actions.do_create_topic(
                    campaign=campaign, unit=unit, cadre=cadre, title="t", acting_user=staff
                )
                research_actions.do_save_report(
                    topic, problem_is="a", crux="b", solutions="c", acting_user=staff
                )
                research_topics.append(topic)
            elif op[0] == "request":
                asker = Unit.objects.get(code=op[1])
                burden_actions.do_make_request(
                    acting_user=staff,
                    campaign=campaign,
                    from_unit=asker,
                    kind="form",
                    title="r",
                    fields=op[2],
                    to_units=list(Unit.objects.children_of(asker)[:3]),
                )
            elif op[0] in ("submit", "review"):
                if research_topics:
                    topic = research_topics[op[1] % len(research_topics)]
                    if op[0] == "submit":
                        research_actions.do_submit_report(topic, acting_user=staff)
                    else:
                        research_actions.do_review_report(topic, note="n", accept=op[2], acting_user=staff)
            elif op[0] == "create":
                _, code, kind, days, topic, work_areas = op
                unit = Unit.objects.get(code=code)
                problem = actions.do_record_problem(
                    campaign=campaign,
                    unit=unit,
                    title="p",
                    source="special" if topic else "other",
                    topic=topics[topic - 1] if topic else None,
                    work_areas=work_areas,
                    acting_user=staff,
                )
                extra = {"deadline": today() + timedelta(days=days), "requirements": "r"}
                if kind == Kind.LONG_TERM:
                    extra = {
                        "stages": [
                            ("a", today() + timedelta(days=days)),
                            ("b", today() + timedelta(days=days + 30)),
                        ]
                    }
                created.append(
                    actions.do_add_item(
                        problem,
                        measures="m",
                        kind=kind,
                        responsible_person=unit.people.first(),
                        **extra,
                        acting_user=staff,
                    )
                )
            elif not created:
                continue
            elif op[0] == "areas":
                problem = created[op[1] % len(created)].problem
                problem.refresh_from_db()
                actions.do_edit_problem(problem, problem.version, work_areas=op[2], acting_user=staff)
            elif op[0] == "move":
                do_move_unit(Unit.objects.get(code=op[1]), Unit.objects.get(code=op[2]), acting_user=None)
            else:
                item = RectificationItem.objects.get(pk=created[op[1] % len(created)].pk)
                if op[0] == "claim":
                    actions.do_claim_item(
                        item, "done", [SimpleUploadedFile("a.txt", b"evidence")], acting_user=staff
                    )
                elif op[0] == "verify":
                    actions.do_verify_item(
                        item, keep_up=item.kind == Kind.LONG_TERM and op[1] % 2 == 0, acting_user=verifier
                    )
                elif op[0] == "reject":
                    actions.do_reject_claim(item, "no", acting_user=verifier)
                elif op[0] == "reopen":
                    actions.do_reopen_item(item, "look-back", acting_user=verifier)
                elif op[0] == "extend":  # 延期申请, approved or refused: the due date moves only on approval
                    ext = actions.do_request_extension(
                        item,
                        (item.deadline or today()) + timedelta(days=60),
                        "材料未齐",
                        acting_user=staff,
                    )
                    actions.do_decide_extension(ext, op[2], "" if op[2] else "理由不足", acting_user=verifier)
                elif op[0] == "stage":
                    stage = item.stages.filter(completed_at=None).first()
                    if stage:
                        actions.do_complete_stage(stage, acting_user=staff)
                elif op[0] == "overdue":
                    # time passes: the item's dates now lie in the past (counters keep dates, not "overdue")
                    RectificationItem.objects.filter(pk=item.pk).update(
                        due_date=today() - timedelta(days=op[2])
                    )
                    rebuild(campaign.pk)  # a direct date change bypasses the actions, as a bulk import would
        except ActionError:
            pass  # refused transitions change nothing, and that is checked too


def test_verifyrollups_reports_drift_and_repairs(db, capsys):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    row = SubtreeCounts.objects.get(unit__code="440000", campaign=campaign)
    SubtreeCounts.objects.filter(pk=row.pk).update(st_closed=row.st_closed + 5)
    with pytest.raises(Exception, match="drifted"):
        call_command("verifyrollups", unit="440000")
    call_command("verifyrollups", unit="440000", repair=True)
    call_command("verifyrollups", unit="440000")
    assert "equal a recount" in capsys.readouterr().out


def test_verifyrollups_checks_and_repairs_the_organ_tallies_and_the_self_examination_counts(db, capsys):
    from chuxin.examine.models import ExamineCounts
    from chuxin.rollups.models import SubtreeTally

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    gd = Unit.objects.get(code="440000")
    call_command("verifyrollups", unit="440000")
    # an organ tally of 440000 that no session explains, and a self-examination figure off by three
    SubtreeTally.objects.create(unit=gd, campaign=campaign, key="study.organ_required", n=4)
    counts, _ = ExamineCounts.objects.get_or_create(unit=gd, campaign=campaign)
    ExamineCounts.objects.filter(pk=counts.pk).update(checklists=counts.checklists + 3)
    with pytest.raises(Exception, match="drifted"):
        call_command("verifyrollups", unit="440000")
    out = capsys.readouterr().out
    assert "tally:study.organ_required" in out and "examine:checklists" in out
    call_command("verifyrollups", unit="440000", repair=True)
    call_command("verifyrollups", unit="440000")
    assert "equal a recount" in capsys.readouterr().out


def test_the_demo_has_work_area_figures_and_they_equal_a_recount(db):
    from chuxin.rollups import areas

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    root = Unit.objects.get(code="000000")
    stored = areas.stored(root, campaign.pk)
    assert all(stored[a]["problems"] > 0 for a in areas.AREAS)
    assert areas.drift(root, campaign.pk) == {}


def test_the_area_backfill_migration_counts_what_a_rebuild_counts(db):
    """The data migration's set-based SQL gives the same rows as areas.rebuild() (on this database)."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    from chuxin.rollups import areas
    from chuxin.rollups.models import AreaCounts

    backfill = importlib.import_module("chuxin.rollups.migrations.0009_backfill_area_counts")
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    AreaCounts.objects.all().delete()
    assert areas.drift(Unit.objects.get(code="000000"), campaign.pk) != {}
    # 0009 ran before the shard column (0012): its upsert names the unique key of its day, which the
    # empty table can have again for this run (the shard column's database default puts its rows in shard 0)
    with connection.cursor() as c:
        c.execute(
            "CREATE UNIQUE INDEX rollups_area_0009_key ON rollups_areacounts (unit_id, campaign_id, area)"
        )
    backfill.forward(None, SimpleNamespace(connection=connection))
    assert {code: areas.drift(Unit.objects.get(code=code), campaign.pk) for code in CHECK} == dict.fromkeys(
        CHECK, {}
    )


def test_verifyrollups_finds_and_repairs_stale_copies_of_unit_paths(db, capsys):
    """A unit moved behind the actions' back (the tree library called directly, as the admin once allowed)
    leaves its problems and items with the old path: the subtree filters would miss them. The check names
    them; --repair copies the paths again."""
    from chuxin.problems.models import Problem, stale_unit_paths

    county = Unit.objects.get(code="440604")
    n_items = RectificationItem.objects.filter(unit_path__startswith=county.path).count()
    n_problems = Problem.objects.filter(unit_path__startswith=county.path).count()
    assert n_items and n_problems
    Unit.objects.move(county, Unit.objects.get(code="420000"), pos="last-child")  # no signal, no resync
    assert stale_unit_paths() == {"Problem": n_problems, "RectificationItem": n_items}
    with pytest.raises(Exception, match="unit paths"):
        call_command("verifyrollups", unit="440604")
    assert "carry a stale copy" in capsys.readouterr().out
    call_command("verifyrollups", unit="440604", repair=True)
    assert stale_unit_paths() == {"Problem": 0, "RectificationItem": 0}
    county.refresh_from_db()
    assert RectificationItem.objects.filter(unit_path__startswith=county.path).count() == n_items


def _claim_and_verify_in_leaves(n, staff, verifier, under="440000"):
    """Claim and verify one in-progress item in each of n different deep units under `under` whose changes
    land on different shards of the root's rows, none on shard 0 (the bulk load's); returns the units' ids."""
    from chuxin.rollups import shards

    seen, units = {0}, []
    items = RectificationItem.objects.filter(
        unit_path__startswith=Unit.objects.get(code=under).path, status="in_progress", unit__depth__gte=3
    ).order_by("unit_id", "pk")
    for item in items:
        if item.unit_id in units or shards.shard_count() > 1 and shards.shard_for(item.unit_id) in seen:
            continue
        actions.do_claim_item(item, "done", [SimpleUploadedFile("a.txt", b"evidence")], acting_user=staff)
        item.refresh_from_db()
        actions.do_verify_item(item, "核查属实", acting_user=verifier)
        seen.add(shards.shard_for(item.unit_id))
        units.append(item.unit_id)
        if len(units) == n:
            break
    assert len(units) == n
    return units


def test_the_root_and_the_provinces_spread_changes_over_shard_rows_that_sum_to_a_recount(
    db, django_user_model
):
    from chuxin.rollups.models import SubtreeDue
    from chuxin.rollups.queries import figures_for

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    staff = django_user_model.objects.get(username="zhongyang")
    verifier = django_user_model.objects.get(username="admin")
    leaves = _claim_and_verify_in_leaves(3, staff, verifier)
    root, gd = Unit.objects.get(code="000000"), Unit.objects.get(code="440000")
    for unit in (root, gd):  # the bulk-loaded shard 0 and one row per shard written since
        assert SubtreeCounts.objects.filter(unit=unit, campaign=campaign).count() == 4
        assert SubtreeDue.objects.filter(unit=unit, campaign=campaign).exclude(shard=0).exists()
    # deeper units keep one row: the leaves' own rows are shard 0
    assert set(SubtreeCounts.objects.filter(unit_id__in=leaves).values_list("shard", flat=True)) == {0}
    assert _all_agree(campaign) == {}
    figures = figures_for([root, gd], campaign.pk, today())
    for unit in (root, gd):
        assert (
            figures[unit.pk].closed
            == RectificationItem.objects.in_subtree(unit).filter(status="closed").count()
        )
        assert figures[unit.pk].overdue == RectificationItem.objects.in_subtree(unit).overdue().count()
    call_command("verifyrollups", unit="000000")


def test_one_shard_row_is_enough_when_sharding_is_off(db, django_user_model):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    staff = django_user_model.objects.get(username="zhongyang")
    verifier = django_user_model.objects.get(username="admin")
    with override_settings(ROLLUP_SHARDS=1):
        _claim_and_verify_in_leaves(1, staff, verifier)
        _claim_and_verify_in_leaves(1, staff, verifier, under="420000")
    assert list(SubtreeCounts.objects.filter(unit__code="000000").values_list("shard", flat=True)) == [0]
    assert _all_agree(campaign) == {}


def test_the_shard_migration_keeps_every_existing_row_as_shard_0(db):
    """Rows written without a shard (by the code before 0012, or the earlier data migrations' SQL) land in
    shard 0: the column's default lives in the database."""
    from django.db import connection

    from chuxin.rollups.models import COUNT_FIELDS

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    unit = Unit.objects.get(code="440604")
    SubtreeCounts.objects.filter(unit=unit).delete()
    columns = ", ".join(["unit_id", "campaign_id", *COUNT_FIELDS])
    zeros = ", 0" * len(COUNT_FIELDS)
    with connection.cursor() as c:
        c.execute(
            f"INSERT INTO rollups_subtreecounts ({columns}) VALUES (%s, %s{zeros})", [unit.pk, campaign.pk]
        )
    assert list(SubtreeCounts.objects.filter(unit=unit).values_list("shard", flat=True)) == [0]


def test_the_organ_backfill_migration_counts_what_a_rebuild_counts(db, django_user_model):
    """0013's set-based SQL gives the organ tallies the recounts give (sessions at several levels and
    ranks, attendance, a report), on this database."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    from chuxin.rollups import tallies
    from chuxin.rollups.models import SubtreeTally

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    staff = django_user_model.objects.get(username="zhongyang")
    meetings = []
    ops = [
        ("meeting", code, "study_session", rank)
        for code in ("000000", "440000", "440604")
        for rank in (0, 40)
    ]
    ops += [
        ("attend", i, j, status)
        for i in range(6)
        for j, status in enumerate(["present", "made_up", "absent"])
    ]
    ops += [("topic", "440600"), ("submit", 0)]
    _apply_ops(ops, campaign, staff, staff, [], [], [], [], meetings)
    assert _all_agree(campaign) == {}
    organ_rows = SubtreeTally.objects.filter(key__in=list(tallies.ORGAN_TALLIES))
    assert set(organ_rows.values_list("key", flat=True)) == set(tallies.ORGAN_TALLIES)
    organ_rows.delete()
    backfill = importlib.import_module("chuxin.rollups.migrations.0013_backfill_organ_tallies")
    backfill.forward(None, SimpleNamespace(connection=connection))
    assert _all_agree(campaign) == {}


def test_a_seat_recount_beside_a_concurrent_session_neither_fails_nor_loses_its_share(db):
    """PostgreSQL: a member is promoted (the seat's organ is recounted) while another transaction adds a new
    study session's share to the same organ and commits after the recount began. The organ had no row yet:
    the recount used to insert one and fail on the session's row (a unique violation: the promotion was
    refused). Now the recount locks the row first, waits, and the stored figure equals a recount. The two
    writers are threads with their own connections (committed data: removed at the end). SQLite lets one
    writer in at a time, so the interleaving cannot happen there."""
    import threading
    from datetime import date

    from django.db import connection, transaction

    from chuxin.orgs.models import CommitteeMember, Person, Rank
    from chuxin.rollups import tallies
    from chuxin.rollups.models import SubtreeTally
    from chuxin.study.models import Meeting, MeetingKind

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no two transactions interleave")
    top = max(Rank.values)
    organ = next(
        u
        for u in Unit.objects.filter(depth=3).order_by("pk")
        if CommitteeMember.objects.filter(unit=u, person__home_unit__path__startswith=u.path).exists()
        and not CommitteeMember.objects.filter(unit=u, person__rank=top).exists()
    )
    member = CommitteeMember.objects.filter(
        unit=organ, person__home_unit__path__startswith=organ.path
    ).first()
    rank_before = member.person.rank
    base = Campaign.objects.get(launched_on="2019-05-31")
    made, errors = {}, []
    added, go = threading.Event(), threading.Event()

    def in_thread(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # reported by the assertion below
                errors.append(repr(exc))
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def session(campaign, rank, title):
        m = Meeting.objects.create(
            campaign=campaign,
            unit=organ,
            kind=MeetingKind.STUDY_SESSION,
            study_kind="concentrated",
            title=title,
            date=date(2019, 7, 1),
            required_rank=rank,
        )
        study_actions.add_session_to_organs(m)

    def setup():  # committed: a campaign whose one session needs a rank none of the organ's members has
        made["campaign"] = Campaign.objects.create(
            title="并发测试",
            root_unit=base.root_unit,
            general_requirement=base.general_requirement,
            fundamental_task=base.fundamental_task,
            focus_rank=base.focus_rank,
            status=base.status,
        )
        session(made["campaign"], top, "第一次")

    def new_session():
        with transaction.atomic():
            session(made["campaign"], Rank.NONE, "第二次")
            added.set()
            go.wait(10)

    def promote():
        with transaction.atomic():
            Person.objects.filter(pk=member.person_id).update(rank=top)
            tallies.refresh_organs([organ.pk])

    def clean():
        c = made.get("campaign")
        if c is not None:
            SubtreeTally.objects.filter(campaign=c).delete()
            Meeting.objects.filter(campaign=c).delete()
            c.delete()
        Person.objects.filter(pk=member.person_id).update(rank=rank_before)
        if c is not None:
            tallies.refresh_organs([organ.pk])

    try:
        in_thread(setup).join()
        assert not errors and not SubtreeTally.objects.filter(unit=organ, campaign=made["campaign"]).exists()
        second = in_thread(new_session)
        assert added.wait(10)
        recount = in_thread(promote)
        recount.join(1)
        assert recount.is_alive()  # waiting for the session's uncommitted row
        go.set()
        second.join(10)
        recount.join(10)
        assert errors == []
        c = made["campaign"]
        stored = dict(SubtreeTally.objects.filter(unit=organ, campaign=c).values_list("key", "n"))
        expected = {
            key: t.recount([organ.pk], [c.pk]).get((organ.pk, c.pk), 0)
            for key, t in tallies.ORGAN_TALLIES.items()
        }
        assert expected["study.organ_required"] >= 2  # both sessions reach the promoted member's seat
        assert {k: stored.get(k, 0) for k in expected} == expected
    finally:
        go.set()
        in_thread(clean).join()
    assert errors == []  # the clean-up too
    assert not Campaign.objects.filter(title="并发测试").exists()
