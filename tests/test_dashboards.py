"""Dashboards: figures from the roll-ups equal a recount, children worst first, scope, export."""

import io

from django.utils import timezone
from python_calamine import CalamineWorkbook

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit
from chuxin.problems.models import RectificationItem
from chuxin.rollups.queries import dashboard


def test_dashboard_figures_equal_a_recount(db):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    gd = Unit.objects.get(code="440000")
    d = dashboard(gd, campaign.pk, timezone.localdate(), Unit.objects.children_of(gd))
    items = RectificationItem.objects.in_subtree(gd)
    assert d["me"].items == items.count()
    assert d["me"].closed == items.filter(status="closed").count()
    assert d["me"].overdue == items.overdue().count()
    assert sum(d["me"].buckets) == d["me"].overdue
    for k in d["children"]:
        assert k.items == RectificationItem.objects.in_subtree(k.unit).count()


def test_children_are_sorted_worst_first(db):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    root = Unit.objects.get(code="000000")
    rates = [
        k.completion
        for k in dashboard(root, campaign.pk, timezone.localdate(), Unit.objects.children_of(root))[
            "children"
        ]
        if k.completion is not None
    ]
    assert rates == sorted(rates)


def test_the_leading_organs_own_figures_are_the_subtree_minus_the_children(db):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    gd = Unit.objects.get(code="440000")
    d = dashboard(gd, campaign.pk, timezone.localdate(), Unit.objects.children_of(gd))
    assert d["own"].items == RectificationItem.objects.filter(unit=gd).count()


def test_dashboard_page_renders_with_a_table_beside_every_chart(as_user, guangdong_office):
    body = as_user(guangdong_office).get("/dashboards/units/440000/").content.decode()
    assert body.count('class="chart') == 5 and body.count("<table") >= 5
    assert 'id="chart-data"' in body and "佛山市" in body


def test_dashboard_page_reads_in_chinese_with_the_glossary_words_and_measure_words(as_user, guangdong_office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    gd = Unit.objects.get(code="440000")
    me = dashboard(gd, campaign.pk, timezone.localdate(), Unit.objects.children_of(gd))["me"]
    body = as_user(guangdong_office).get("/dashboards/units/440000/").content.decode()
    assert "整改情况汇总" in body and "下级单位整改完成率（倒排名）" in body
    assert f"共 {me.items} 项整改事项：已销号 {me.closed} 项，阶段性完成、长期坚持 {me.kept_up} 项" in body
    for word in ("未开始", "正在整改", "已销号", "立查立改", "限期整改", "持续整改"):
        assert word in body, word
    assert "整改落实</small>" not in body


def test_dashboard_outside_the_scope_is_404(as_user, guangdong_office):
    assert as_user(guangdong_office).get("/dashboards/units/420000/").status_code == 404


def test_children_table_exports_to_xlsx(as_user, central_office):
    response = as_user(central_office).get("/dashboards/units/000000/children.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert "zhongyang" in rows[1][0] and "年" in rows[1][0]  # exported by … at 2019年10月31日 14:05
    assert rows[3][:5] == ["单位", "代码", "整改事项", "已销号", "阶段性完成、长期坚持"]
    assert len(rows) - 4 == Unit.objects.children_of(Unit.objects.get(code="000000")).count()


def test_the_daily_snapshot_feeds_the_trend(as_user, guangdong_office):
    from datetime import timedelta

    from django.core.management import call_command

    from chuxin.rollups.models import DailySnapshot
    from chuxin.rollups.snapshots import take_snapshot

    take_snapshot(timezone.localdate() - timedelta(days=1))
    call_command("snapshotrollups")  # queued; the suite's immediate backend runs it at once
    gd = Unit.objects.get(code="440000")
    days = list(DailySnapshot.objects.filter(unit=gd).values_list("date", flat=True))
    assert timezone.localdate() in days and len(days) >= 2
    body = as_user(guangdong_office).get("/dashboards/units/440000/").content.decode()
    assert 'id="chart-trend"' in body


def test_the_breadcrumb_climbs_only_to_dashboards_the_campaign_covers(as_user, central_office):
    """The breadcrumb answers from the campaign directory what access.covers() answers in SQL, also for a
    campaign whose batches cover a subtree only."""
    import re

    from chuxin.campaigns.access import covers
    from chuxin.campaigns.models import Batch

    leaf = Unit.objects.get(code="440604")
    client = as_user(central_office)
    for campaign in Campaign.objects.all():
        ancestors = [a for a in leaf.ancestors() if covers(campaign, a)]
        if not covers(campaign, leaf):
            continue
        body = client.get(f"/dashboards/units/440604/?campaign={campaign.pk}").content.decode()
        crumbs = re.search(r'<ol class="breadcrumb small">(.*?)</ol>', body, re.S).group(1)
        shown = re.findall(r'href="/dashboards/units/(\w+)/', crumbs)
        assert shown == [a.code for a in ancestors], campaign.title
    # a campaign led at the centre whose one batch lists Guangdong's city: the province is not covered
    campaign = Campaign.objects.filter(root_unit__code="000000").first()
    Batch.objects.filter(campaign=campaign).delete()
    batch = Batch.objects.create(campaign=campaign, number=1, name="x", start="2019-06-01", end="2019-08-31")
    batch.units.add(Unit.objects.get(code="440600"))
    body = client.get(f"/dashboards/units/440604/?campaign={campaign.pk}").content.decode()
    crumbs = re.search(r'<ol class="breadcrumb small">(.*?)</ol>', body, re.S).group(1)
    assert re.findall(r'href="/dashboards/units/(\w+)/', crumbs) == ["000000", "440600"]
