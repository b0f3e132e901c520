"""Reads at the speed of an index: the ledger, the dashboards and the strand progress page make the
same number of queries at any size of tree; the unit path copied onto the ledger rows follows moves;
every ledger filter gives exactly the rows a join through the unit table gives; the data migrations
that fill the copies equal a rebuild."""

import importlib
import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chuxin.campaigns.models import Campaign
from chuxin.orgs.actions import do_create_unit, do_move_unit
from chuxin.orgs.models import CommitteeMember, Person, Rank, Unit, subtree_q
from chuxin.problems.models import Problem, RectificationItem
from chuxin.problems.views import ledger_queryset
from chuxin.rollups import tallies
from chuxin.rollups.counters import rebuild
from chuxin.rollups.models import SubtreeTally
from chuxin.study import actions as study_actions
from tests.conftest import make_item


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx)


def _grow(parent_code, n, user):
    """n new units under the parent, each with a cadre on its committee, an item and a study session."""
    parent = Unit.objects.get(code=parent_code)
    for i in range(n):
        u = do_create_unit(
            Unit.objects.get(pk=parent.pk),
            code=f"{parent_code}X{n}-{i}",
            name=f"新单位{n}-{i}",
            kind="county",
            acting_user=user,
        )
        person = Person.objects.create(name=f"干部{i}", home_unit=u, rank=Rank.COUNTY)
        CommitteeMember.objects.create(unit=u, person=person, post="secretary")
        make_item(u.code)
        study_actions.do_create_meeting(
            campaign=Campaign.objects.get(),
            unit=u,
            kind="study_session",
            study_kind="concentrated",
            title="学习",
            date=date(2019, 7, 1),
            acting_user=user,
        )
    rebuild()


PAGES = [
    "/ledger/units/{code}/?subtree=on&status=in_progress",
    "/ledger/units/{code}/?subtree=on&overdue=on&kind=deadline",
    "/ledger/units/{code}/?area=8&status=closed",
    "/dashboards/units/{code}/",
    "/dashboards/units/{code}/?as_of=2019-10-31",
    "/dashboards/units/{code}/progress/",
]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_makes_as_many_queries_after_the_tree_grew(page, as_user, central_office):
    client = as_user(central_office)
    url = page.format(code="440000")
    _grow("440000", 1, central_office)  # one of everything, so no query is skipped for want of rows
    client.get(url)  # warm the per-process caches (content types, campaign)
    before = _queries(client, url)
    _grow("440000", 12, central_office)
    assert _queries(client, url) == before


@pytest.mark.parametrize("page", PAGES[2:])
def test_the_root_page_makes_no_more_queries_than_a_leaf_page(page, as_user, central_office):
    client = as_user(central_office)
    client.get(page.format(code="000000"))
    # (a leaf's page reads its ancestors for the breadcrumb: one query the root does not need)
    assert _queries(client, page.format(code="000000")) <= _queries(client, page.format(code="440604"))


def test_moving_a_unit_moves_its_ledger_rows_to_the_new_subtree(central_office):
    item = make_item("440604")
    do_move_unit(Unit.objects.get(code="440604"), Unit.objects.get(code="420000"), acting_user=central_office)
    item.refresh_from_db()
    assert item.unit_path == Unit.objects.get(code="440604").path
    assert ledger_queryset(Unit.objects.get(code="420000"), {"subtree": True}).filter(pk=item.pk).exists()
    assert not ledger_queryset(Unit.objects.get(code="440000"), {"subtree": True}).filter(pk=item.pk).exists()
    assert Problem.objects.get(pk=item.problem_id).unit_path == item.unit_path


FILTERS = {
    "status": [None, "in_progress", "closed"],
    "kind": [None, "deadline"],
    "source": [None, "self_exam"],
    "overdue": [False, True],
    "subtree": [False, True],
    "topic": [None, "first"],
    "area": [None, 8],  # 惠民生 (WorkArea.LIVELIHOOD)
}


@pytest.mark.parametrize("code", ["440000", "440604"])
def test_every_ledger_filter_gives_the_rows_a_join_through_the_units_gives(code, db):
    from chuxin.special.models import Topic

    unit = Unit.objects.get(code=code)
    today = timezone.localdate()
    first_topic = Topic.objects.order_by("pk").values_list("pk", flat=True).first()
    for values in itertools.product(*FILTERS.values()):
        f = {k: v for k, v in zip(FILTERS, values, strict=True) if v}
        if f.get("topic"):
            f["topic"] = first_topic
        expected = (
            RectificationItem.objects.filter(subtree_q(unit.path, "unit__path"))
            if f.get("subtree")
            else RectificationItem.objects.filter(unit__code=code)
        )
        lookups = (
            ("status", "status"),
            ("kind", "kind"),
            ("source", "problem__source"),
            ("topic", "problem__topic_id"),
        )
        for key, lookup in lookups:
            if f.get(key):
                expected = expected.filter(**{lookup: f[key]})
        if f.get("overdue"):
            expected = expected.filter(status__in=["open", "in_progress", "claimed"], due_date__lt=today)
        if f.get("area"):  # a bit test here, the filter's list of masks there
            expected = expected.annotate(bit=F("problem__work_areas").bitand(f["area"])).filter(bit__gt=0)
        got = set(ledger_queryset(unit, f).values_list("pk", flat=True))
        assert got == set(expected.values_list("pk", flat=True)), f


@pytest.mark.parametrize("code", ["000000", "440000", "440604"])
def test_the_ledgers_written_row_statement_answers_what_the_orm_answers(code, db):
    """tables.rows_in writes the joins around the page's id query out; rows_in_orm is the ORM's answer."""
    from chuxin.problems.tables import rows_in, rows_in_orm

    unit = Unit.objects.get(code=code)
    for f in ({}, {"status": "in_progress"}, {"overdue": True}, {"kind": "deadline", "source": "self_exam"}):
        window = ledger_queryset(unit, {**f, "subtree": True}).order_by("-id").values("id")
        for start in (0, 3):
            page = window[start : start + 5]
            assert rows_in(page) == rows_in_orm(page), f
        ids = list(window.values_list("id", flat=True)[:7])
        assert rows_in(ids) == rows_in_orm(ids)
    assert rows_in(RectificationItem.objects.order_by("-id").values("id")[:51])  # the demo has rows
    assert rows_in([]) == []


def test_the_unit_path_migration_fills_every_ledger_row(db):
    Problem.objects.update(unit_path="")
    RectificationItem.objects.update(unit_path="")
    migration = importlib.import_module("chuxin.problems.migrations.0006_backfill_unit_path")
    migration.forward(None, type("Editor", (), {"connection": connection})())
    item = RectificationItem.objects.select_related("unit").order_by("?").first()
    assert item.unit_path == item.unit.path
    assert not RectificationItem.objects.filter(unit_path="").exists()
    assert not Problem.objects.filter(unit_path="").exists()


def test_the_tally_migration_equals_a_rebuild(central_office):
    _grow("440600", 3, central_office)
    rebuild()
    migration = importlib.import_module("chuxin.rollups.migrations.0007_backfill_tallies")
    keys = set(migration.SOURCES)  # the tallies of that migration; later tallies come with their own
    mine = SubtreeTally.objects.filter(key__in=keys)
    rebuilt = set(mine.exclude(n=0).values_list("unit_id", "campaign_id", "key", "n"))
    assert rebuilt and {k for *_, k, _n in rebuilt} >= {"study.sessions", "study.meetings"}
    mine.delete()
    migration.forward(None, type("Editor", (), {"connection": connection})())
    assert set(mine.exclude(n=0).values_list("unit_id", "campaign_id", "key", "n")) == rebuilt


def test_a_strand_must_declare_a_tally_before_adding_to_it(db):
    with pytest.raises(KeyError):
        tallies.add(Unit.objects.get(code="440000"), Campaign.objects.get().pk, {"opinions.heard": 1})


def test_overdue_items_are_counted_by_the_same_index_query(db):
    item = make_item("440604", days=5)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    unit = Unit.objects.get(code="440000")
    assert ledger_queryset(unit, {"subtree": True, "overdue": True}).filter(pk=item.pk).exists()


def test_overdue_bands_summed_in_the_database_equal_a_recount_by_age(db):
    from collections import Counter

    from chuxin.rollups.queries import _bucket, figures_for

    gd = Unit.objects.get(code="440000")
    today = timezone.localdate()
    for pk, days in zip(
        RectificationItem.objects.in_subtree(gd).active().values_list("pk", flat=True)[:40],
        itertools.cycle([1, 5, 9, 29, 45, 200]),
        strict=False,
    ):
        RectificationItem.objects.filter(pk=pk).update(due_date=today - timedelta(days=days))
    rebuild()
    expected = Counter(
        _bucket((today - d).days)
        for d in RectificationItem.objects.in_subtree(gd).overdue(today).values_list("due_date", flat=True)
    )
    fig = figures_for([gd], Campaign.objects.get().pk, today)[gd.pk]
    assert (
        fig.buckets == [expected[i] for i in range(len(fig.buckets))]
        and sum(expected.values()) == fig.overdue > 0
    )


def test_the_dashboards_written_statements_sum_what_the_orm_sums(db):
    """figures_for() writes its two statements out (the ORM's per-value cost was most of the root
    dashboard's extra time): for the root and every child they give the ORM's sums over the shard rows, as
    integers, negative shard rows and zero rows included, and zeros for a unit without rows."""
    from collections import defaultdict

    from chuxin.rollups.models import COUNT_FIELDS, SubtreeCounts, SubtreeDue
    from chuxin.rollups.queries import OVERDUE_BUCKETS, _bucket, counter_sums, figures_for

    campaign = Campaign.objects.get()
    today = timezone.localdate()
    root = Unit.objects.get(code="000000")
    units = [root, *Unit.objects.children_of(root)]
    gd = Unit.objects.get(code="440000")
    # rows as concurrent writers leave them on other shards, one of them negative (rollups/shards.py)
    SubtreeCounts.objects.create(unit=gd, campaign=campaign, shard=1, items=3, st_closed=2, k_deadline=-1)
    SubtreeCounts.objects.create(unit=root, campaign=campaign, shard=2, items=-1, src_other=4)
    SubtreeDue.objects.bulk_create(
        [
            SubtreeDue(unit=u, campaign=campaign, due_date=today - timedelta(days=days), shard=shard, n=n)
            for u in (root, gd)
            for days, shard, n in [
                (1, 1, 2),
                (5, 1, 3),
                (9, 2, -1),
                (29, 1, 0),
                (45, 1, 4),
                (200, 2, 1),
                (0, 1, 7),
            ]
        ]
    )
    ids = [u.pk for u in units]
    sums = {r.pop("unit_id"): r for r in counter_sums(SubtreeCounts.objects.filter(unit_id__in=ids))}
    due = defaultdict(lambda: [0] * len(OVERDUE_BUCKETS))
    for unit_id, day, n in SubtreeDue.objects.filter(
        unit_id__in=ids, campaign=campaign, due_date__lt=today
    ).values_list("unit_id", "due_date", "n"):
        due[unit_id][_bucket((today - day).days)] += n
    figs = figures_for(units, campaign.pk, today)
    assert {pk: f.counts for pk, f in figs.items()} == {
        pk: sums.get(pk, dict.fromkeys(COUNT_FIELDS, 0)) for pk in ids
    }
    assert {pk: (f.overdue, f.buckets) for pk, f in figs.items()} == {
        pk: (sum(due[pk]), due[pk]) for pk in ids
    }
    assert all(type(n) is int for f in figs.values() for n in [*f.counts.values(), f.overdue, *f.buckets])
    assert figs[gd.pk].buckets[1:] != [0] * (len(OVERDUE_BUCKETS) - 1)  # the bands were exercised


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboards_number_filter_prints_what_intcomma_prints(language):
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils import translation

    from chuxin.core.templatetags.numbers import num, num_formatter

    with translation.override(language):
        fmt = num_formatter()
        for value in [0, 7, 999, 1000, 12345, 1234567, -1234567, 10**9, 12.5, None]:
            assert num(value) == fmt(value) == intcomma(value), value


def test_the_ledger_shows_only_the_pages_campaign_once_there_are_two(central_office):
    from chuxin.campaigns.actions import do_create_campaign

    item = make_item("440604")
    unit = Unit.objects.get(code="440000")
    first = Campaign.objects.get()
    assert ledger_queryset(unit, {"subtree": True}, first).filter(pk=item.pk).exists()
    other = do_create_campaign(
        title="另一次主题教育",
        root_unit=Unit.objects.get(code="000000"),
        general_requirement="要求",
        fundamental_task="任务",
        goals=["目标"],
        focus_rank=Rank.VICE_COUNTY,
        acting_user=central_office,
    )
    assert not ledger_queryset(unit, {"subtree": True}, other).filter(pk=item.pk).exists()
    assert ledger_queryset(unit, {"subtree": True}, first).filter(pk=item.pk).exists()


def test_the_ledger_table_escapes_its_texts_and_shows_the_days_overdue(as_user, guangdong_office):
    item = make_item("440604", title="<script>alert(1)</script>文山会海")
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    html = as_user(guangdong_office).get("/ledger/units/440604/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;文山会海" in html and "<script>alert(1)" not in html
    assert f'href="/ledger/items/{item.pk}/"' in html and "逾期3天" in html and "限期整改" in html


def test_every_ledger_row_carries_its_problems_campaign(db):
    from django.db.models import F

    make_item("440604")  # through save(), as do_add_item does; the demo and the import write it themselves
    assert RectificationItem.objects.exists()
    assert not RectificationItem.objects.exclude(campaign_id=F("problem__campaign_id")).exists()


def test_the_item_campaign_migration_fills_every_ledger_row(db):
    from django.db.models import F

    migration = importlib.import_module("chuxin.problems.migrations.0009_backfill_item_campaign")
    with connection.cursor() as cur:  # as the rows stood before the copy: another campaign's id
        other = Campaign.objects.create(
            title="另一次",
            root_unit=Unit.objects.get(code="000000"),
            general_requirement="r",
            fundamental_task="t",
        )
        cur.execute("UPDATE problems_rectificationitem SET campaign_id = %s", [other.pk])
    migration.forward(None, type("Editor", (), {"connection": connection})())
    assert not RectificationItem.objects.exclude(campaign_id=F("problem__campaign_id")).exists()
