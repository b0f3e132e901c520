"""What `make demo` builds beside the suite's demo: the 2019 campaign on its real dates with the snapshots of
its days (chuxin/demo/campaigns.py, rollups.snapshots.rebuild_history), and a running Guangdong special
rectification. The suite's session demo is the one-campaign shape; these tests build the history on its
tree inside their own transaction."""

import random
import re
from datetime import date, datetime
from io import BytesIO

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from chuxin.campaigns import access
from chuxin.demo.campaigns import (
    END_2019,
    GD_PROBLEMS,
    batch_start_2019,
    create_2019_campaign,
    create_guangdong_campaign,
    guangdong_units,
    make_ledger_2019,
    snapshot_days_2019,
)
from chuxin.demo.ledger import make_ledger
from chuxin.orgs.models import CommitteeMember, Unit, UnitKind
from chuxin.problems.models import (
    Problem,
    ProblemListSignoff,
    ProgressUpdate,
    RectificationItem,
    Stage,
    Status,
)
from chuxin.rollups.counters import rebuild
from chuxin.rollups.models import DailySnapshot
from chuxin.rollups.snapshots import rebuild_history, take_snapshot

pytestmark = pytest.mark.django_db

YEARS = {2019, 2020}


def _units():
    return list(Unit.objects.order_by("path"))


def _people_by_unit():
    out = {}
    for cm in CommitteeMember.objects.select_related("person").order_by("unit_id", "order"):
        out.setdefault(cm.unit_id, []).append(cm.person)
    return out


@pytest.fixture
def history():
    """The 2019 campaign as `make demo` builds it (a second copy on the suite's tree), with its days kept."""
    units = _units()
    campaign = create_2019_campaign(units)
    make_ledger_2019(campaign, units, _people_by_unit(), 600, random.Random(5))
    rebuild(campaign.pk)
    rebuild_history(campaign.pk, snapshot_days_2019())
    return campaign


def _year(value) -> int:
    return timezone.localtime(value).year if isinstance(value, datetime) else value.year


def test_every_date_of_the_2019_ledger_lies_in_2019_and_2020(history):
    items = RectificationItem.objects.filter(problem__campaign=history)
    assert items.count() == 600 and not items.exclude(status__in=(Status.CLOSED, Status.KEPT_UP)).exists()
    dates = [
        *Problem.objects.filter(campaign=history).values_list("created_at", flat=True),
        *[
            d
            for row in items.values_list("created_at", "claimed_at", "closed_at", "deadline")
            for d in row
            if d
        ],
        *[
            d
            for row in Stage.objects.filter(item__in=items).values_list("target_date", "completed_at")
            for d in row
        ],
        *ProgressUpdate.objects.filter(item__in=items).values_list("at", flat=True),
    ]
    assert {_year(d) for d in dates} == YEARS
    signed = ProblemListSignoff.objects.filter(campaign=history)
    # every unit with problems signed its list
    assert set(signed.values_list("unit_id", flat=True)) == set(
        Problem.objects.filter(campaign=history).values_list("unit_id", flat=True)
    )
    assert {_year(d) for d in signed.values_list("signed_at", flat=True)} == {2019}
    assert max(timezone.localtime(d).date() for d in items.values_list("closed_at", flat=True)) <= END_2019


def test_the_2019_ledger_export_for_chancheng_has_only_2019_2020_dates(history, as_user, county_staff):
    response = as_user(county_staff).get(f"/ledger/units/440604/ledger.xlsx?campaign={history.pk}")
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content))).get_sheet_by_index(0)
    rows = rows.to_python()
    head = next(i for i, row in enumerate(rows) if row[0] == "序号")  # above it: who exported it when
    years = set()
    for row in rows[head + 1 :]:
        for cell in row:
            if isinstance(cell, date):
                years.add(cell.year)
            elif isinstance(cell, str):
                years.update(int(y) for y in re.findall(r"(20\d\d)(?:年|-\d\d-\d\d)", cell))
    assert years and years <= YEARS, years


def test_the_history_of_today_equals_todays_snapshot_of_the_roll_ups(history):
    today = timezone.localdate()
    fields = ("unit_id", "items", "closed", "kept_up", "overdue")
    take_snapshot(today, campaign_id=history.pk)
    kept = set(DailySnapshot.objects.filter(campaign=history, date=today).values_list(*fields))
    rebuild_history(history.pk, [today])
    assert set(DailySnapshot.objects.filter(campaign=history, date=today).values_list(*fields)) == kept
    assert kept  # not two empty sets


def test_a_day_of_the_history_equals_a_recount_by_the_items_dates(history):
    day = date(2019, 10, 31)
    gd = Unit.objects.get(code="440000")
    items = RectificationItem.objects.in_subtree(gd).filter(problem__campaign=history)
    recorded = items.filter(created_at__date__lte=day)
    snap = DailySnapshot.objects.get(unit=gd, campaign=history, date=day)
    assert snap.items == recorded.count()
    assert snap.closed == recorded.filter(status=Status.CLOSED, closed_at__date__lte=day).count()
    assert snap.overdue == items.overdue_on(day).count()
    assert 0 < snap.closed < snap.items  # halfway through: work done and work left


def test_the_notice_as_of_2019_10_31_reproduces_the_demos_snapshot(history, as_user, guangdong_office):
    snap = DailySnapshot.objects.get(unit__code="440000", campaign=history, date=date(2019, 10, 31))
    response = as_user(guangdong_office).get(
        reverse("document_docx", args=["440000", "notice"]),
        {
            "campaign": history.pk,
            "date_from": "2019-10-01",
            "date_to": "2019-10-31",
            "issue_date": "2019-11-04",
        },
    )
    text = "\n".join(p.text for p in docx.Document(BytesIO(response.content)).paragraphs)
    assert f"截至2019年10月31日，共有整改事项{snap.items}项，已销号{snap.closed}项" in text
    assert f"逾期未完成的整改事项{snap.overdue}项" in text


def test_the_central_work_meeting_has_a_sub_venue_at_every_province_sub_provincial_city_and_the_xpcc(history):
    from chuxin.demo.study import make_study_demo
    from chuxin.study.models import Meeting, MeetingKind

    units = _units()
    make_study_demo(history, units, _people_by_unit(), random.Random(3), start_for=batch_start_2019(units))
    meeting = Meeting.objects.get(campaign=history, unit__depth=1, kind=MeetingKind.WORK_MEETING)
    assert meeting.date == date(2019, 5, 31)
    venues = set(meeting.venues.filter(is_main=False).values_list("unit__code", flat=True))
    provincial = Unit.objects.filter(
        depth=2, kind__in=["province", "autonomous_region", "municipality", "xpcc"]
    )
    assert set(provincial.values_list("code", flat=True)) <= venues and "660000" in venues
    assert set(Unit.objects.filter(kind=UnitKind.SUBPROVINCIAL_CITY).values_list("code", flat=True)) <= venues
    # Chancheng takes part in the second batch: its study starts in September
    first = Meeting.objects.filter(campaign=history, unit__code="440604").order_by("date").first()
    assert first.date >= date(2019, 9, 1)


def test_the_running_guangdong_campaign_is_chanchengs_default_and_the_2019_one_stays_reachable(
    history, as_user, county_staff, hubei_office
):
    units = _units()
    today = timezone.localdate()
    guangdong = create_guangdong_campaign(units, today)
    make_ledger(
        guangdong, guangdong_units(units), _people_by_unit(), 120, random.Random(2), problems_pool=GD_PROBLEMS
    )
    rebuild(guangdong.pk)
    client = as_user(county_staff)
    page = client.get("/ledger/units/440604/")
    assert page.context["campaign"] == guangdong
    picker = [c.pk for c in access.picker_campaigns(page.wsgi_request)]
    assert guangdong.pk in picker and history.pk in picker
    assert client.get(f"/ledger/units/440604/?campaign={history.pk}").context["campaign"] == history
    # its ledger is live: some items are overdue today, some not yet due
    items = RectificationItem.objects.filter(problem__campaign=guangdong)
    assert items.overdue(today).exists() and items.filter(due_date__gte=today).exists()
    # Hubei never sees Guangdong's campaign
    assert as_user(hubei_office).get(f"/ledger/units/420000/?campaign={guangdong.pk}").status_code == 404


def test_the_running_guangdong_campaign_has_a_live_evaluation_with_all_three_parts(history, client):
    """`make demo`'s Guangdong campaign: its scheme, responses and a roving group's rating roll up to the
    province; the public answers a unit's survey through its public link; xunhui rates Foshan."""
    from django.contrib.auth import get_user_model

    from chuxin.burden.models import Request
    from chuxin.demo.burden import GD_REQUESTS, make_burden_demo
    from chuxin.demo.evaluation import ALWAYS, make_guangdong_evaluation_demo
    from chuxin.demo.supervision import ROVING_NAME
    from chuxin.evaluation.actions import do_rate_unit
    from chuxin.evaluation.models import Scheme
    from chuxin.evaluation.scores import assess, questions_of
    from chuxin.orgs.models import GuidanceGroup

    units = _units()
    today = timezone.localdate()
    guangdong = create_guangdong_campaign(units, today)
    in_gd = guangdong_units(units)
    make_ledger(guangdong, in_gd, _people_by_unit(), 120, random.Random(2), problems_pool=GD_PROBLEMS)
    make_guangdong_evaluation_demo(guangdong, in_gd, random.Random(4))
    make_burden_demo(guangdong, in_gd, GD_REQUESTS)
    rebuild(guangdong.pk)

    scheme = Scheme.objects.get(campaign=guangdong)
    survey, rating = questions_of(scheme)
    assert {"获得感", "幸福感", "安全感"} <= {q.label for q in survey}
    assert [q.goal.text for q in rating] == list(
        guangdong.goals.filter(unit=None).values_list("text", flat=True)
    )
    gd = Unit.objects.get(code="440000")
    spine = [Unit.objects.get(code=c) for c in ALWAYS]
    found = assess([gd, *spine], scheme, today)
    province = found[gd.pk]
    for key in ("rectify", "overdue", "survey", "rating"):  # every part with a weight has data
        assert province.part(key).value is not None and province.part(key).weight, key
    assert province.missing == [] and province.total is not None
    assert all(found[u.pk].responses >= scheme.min_responses for u in spine)  # the spine's survey counts

    # the public: the unit's short link opens the running campaign, whose survey takes answers
    entry = client.get("/p/440604/")
    assert entry["Location"] == f"/p/440604/{guangdong.pk}/"
    page = client.get(reverse("public_survey", args=["440604", guangdong.pk])).content.decode()
    assert "获得感" in page and 'name="token"' in page

    xunhui = get_user_model().objects.get(username="xunhui")
    foshan = Unit.objects.get(code="440600")
    roving = GuidanceGroup.objects.get(name=ROVING_NAME)
    do_rate_unit(
        group=roving, campaign=guangdong, unit=foshan, grades={q.slot: 75 for q in rating}, acting_user=xunhui
    )
    assert assess([gd], scheme, today)[gd.pk].ratings == province.ratings + 1

    # the burden meter of the running campaign: answered requests, and one withdrawn that does not count
    assert Request.objects.filter(campaign=guangdong, withdrawn_at__isnull=False).count() == 1
    assert Request.objects.filter(campaign=guangdong, receipts__answered_at__isnull=False).exists()
