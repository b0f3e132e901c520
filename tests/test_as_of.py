"""Figures as of a date: dashboards and documents on a past day read the daily snapshot of that day
(never a recount), and a closed campaign is reported as of its last day."""

from datetime import date, datetime, time, timedelta
from io import BytesIO

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from chuxin.campaigns.actions import do_close_campaign
from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Rank, Unit
from chuxin.problems.models import RectificationItem, Status
from chuxin.rollups.models import DailySnapshot
from chuxin.rollups.snapshots import take_snapshot
from tests.conftest import make_item

pytestmark = pytest.mark.django_db

GD = "440000"
DAY = date(2019, 10, 31)


def _central():
    return Campaign.objects.get(launched_on="2019-05-31")


def _snap(code, day=DAY):
    return DailySnapshot.objects.get(unit__code=code, campaign=_central(), date=day)


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(c.text for c in row.cells))
    return "\n".join(parts)


def _notice(client, code=GD, **query):
    response = client.get(reverse("document_docx", args=[code, "notice"]), query)
    assert response.status_code == 200, response.content[:500]
    return docx.Document(BytesIO(response.content))


@pytest.fixture
def snapshot_then_more_work():
    """The snapshot of 2019-10-31 holds today's roll-ups; then Chancheng records one more item, so the
    live figures and that day's differ."""
    take_snapshot(DAY)
    make_item("440604", title="快照之后登记的问题")
    from chuxin.rollups.counters import rebuild

    rebuild(_central().pk)


def test_a_notice_as_of_2019_10_31_reproduces_that_days_snapshot_figures(
    as_user, guangdong_office, snapshot_then_more_work
):
    snap = _snap(GD)
    live = RectificationItem.objects.in_subtree(Unit.objects.get(code=GD)).filter(
        problem__campaign=_central()
    )
    assert live.count() == snap.items + 1  # the live figures moved on since that day
    text = _text(
        _notice(
            as_user(guangdong_office), date_from="2019-10-01", date_to="2019-10-31", issue_date="2019-11-01"
        )
    )
    not_done = snap.items - snap.closed - snap.kept_up
    rate = f"{100 * snap.closed / snap.items:.2f}%"
    assert (
        f"截至2019年10月31日，共有整改事项{snap.items}项，已销号{snap.closed}项，"
        f"阶段性完成、长期坚持{snap.kept_up}项，未完成{not_done}项，整改完成率{rate}。"
    ) in text
    assert f"截至2019年10月31日，逾期未完成的整改事项{snap.overdue}项" in text
    # every subordinate unit in the tables carries its own snapshot row of that day
    foshan = _snap("440600")
    assert (
        f"佛山\t{foshan.items}\t{foshan.closed}\t{foshan.kept_up}\t"
        f"{foshan.items - foshan.closed - foshan.kept_up}\t{foshan.overdue}\t" in text
    )


def test_a_notice_up_to_today_uses_the_live_figures(as_user, guangdong_office, snapshot_then_more_work):
    today = timezone.localdate()
    live = RectificationItem.objects.in_subtree(Unit.objects.get(code=GD)).filter(
        problem__campaign=_central()
    )
    text = _text(_notice(as_user(guangdong_office), date_from=today.replace(day=1).isoformat()))
    assert f"截至{today.year}年{today.month}月{today.day}日，共有整改事项{live.count()}项" in text


def test_the_dashboard_as_of_a_past_day_shows_that_days_snapshot(
    as_user, guangdong_office, snapshot_then_more_work
):
    snap = _snap(GD)
    page = as_user(guangdong_office).get("/dashboards/units/440000/", {"as_of": "2019-10-31"})
    assert page.status_code == 200
    assert page.context["historical"] and page.context["cut_off"] == DAY
    assert (page.context["me"].items, page.context["me"].closed, page.context["me"].overdue) == (
        snap.items,
        snap.closed,
        snap.overdue,
    )
    body = page.content.decode()
    assert "以下为截至2019年10月31日的数据" in body
    assert "as_of=2019-10-31" in body  # the children's links keep the day
    assert 'id="chart-status"' not in body  # the snapshot keeps no status mix


def test_a_day_between_snapshots_reads_the_snapshot_before_it(
    as_user, guangdong_office, snapshot_then_more_work
):
    page = as_user(guangdong_office).get("/dashboards/units/440000/", {"as_of": "2019-11-03"})
    assert page.context["cut_off"] == DAY and page.context["me"].items == _snap(GD).items


def test_before_the_first_snapshot_there_is_nothing_to_show(as_user, guangdong_office):
    page = as_user(guangdong_office).get("/dashboards/units/440000/", {"as_of": "2019-01-01"})
    assert page.status_code == 200 and page.context["me"].items == 0


def test_a_malformed_day_is_a_bad_request(as_user, guangdong_office):
    assert (
        as_user(guangdong_office).get("/dashboards/units/440000/", {"as_of": "31.10.2019"}).status_code == 400
    )


def test_the_children_export_follows_the_day(as_user, guangdong_office, snapshot_then_more_work):
    import python_calamine

    response = as_user(guangdong_office).get(
        "/dashboards/units/440000/children.xlsx", {"as_of": "2019-10-31"}
    )
    rows = python_calamine.CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0)
    rows = rows.to_python()
    assert "截至2019年10月31日" in rows[0][0]
    foshan = next(r for r in rows if r[1] == "440600")
    assert foshan[2] == _snap("440600").items


def test_a_closed_campaign_is_reported_as_of_its_last_day(as_user, central_office, guangdong_office):
    campaign = _central()
    last = campaign.last_day()
    assert last < timezone.localdate()
    take_snapshot(last)
    do_close_campaign(campaign, acting_user=central_office)
    client = as_user(guangdong_office)
    page = client.get("/dashboards/units/440000/")
    assert page.context["cut_off"] == last and page.context["historical"]
    form = client.get(reverse("document_form", args=[GD]))
    assert form.context["form"].initial["date_to"] == last.isoformat()
    assert form.context["form"].initial["date_from"] == "2019-05-31"


def test_closing_a_campaign_today_keeps_todays_figures(central_office):
    from chuxin.campaigns.actions import do_create_campaign

    campaign = do_create_campaign(
        root_unit=Unit.objects.get(code=GD),
        title="专项整治",
        general_requirement="x",
        fundamental_task="x",
        goals=[],
        focus_rank=Rank.VICE_COUNTY,
        launched_on=date(2026, 1, 1),
        acting_user=None,
    )
    item = make_item("440604", title="专项整治的问题")
    item.problem.campaign = campaign
    item.problem.save()
    from chuxin.rollups.counters import rebuild

    rebuild(campaign.pk)
    do_close_campaign(campaign, acting_user=central_office)
    today = timezone.localdate()
    assert DailySnapshot.objects.get(unit__code=GD, campaign=campaign, date=today).items == 1


def test_an_item_is_overdue_on_a_past_day_until_it_was_closed(db):
    item = make_item("440604")
    aware = lambda d: timezone.make_aware(datetime.combine(d, time(10)))  # noqa: E731
    RectificationItem.objects.filter(pk=item.pk).update(
        created_at=aware(date(2019, 10, 1)),
        due_date=date(2019, 10, 20),
        deadline=date(2019, 10, 20),
        status=Status.CLOSED,
        closed_at=aware(date(2019, 11, 5)),
    )
    items = RectificationItem.objects.filter(pk=item.pk)
    assert items.overdue_on(date(2019, 10, 31)).get().due == date(2019, 10, 20)
    assert not items.overdue_on(date(2019, 10, 20)).exists()  # due that day: not yet overdue
    assert not items.overdue_on(date(2019, 11, 10)).exists()  # closed by then
    assert not items.overdue_on(date(2019, 9, 30)).exists()  # not recorded yet
    assert items.overdue_on(date(2019, 10, 31)).get().due + timedelta(days=11) == date(2019, 10, 31)
