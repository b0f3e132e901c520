"""Charts people can read (#9): every subordinate in the worst-first ranking, labelled axes, a trend of the
demo's 90 days of snapshots, breadcrumbs that climb back up the dashboards, and the viewer's watermark in
the .xlsx and .docx exports."""

import io
import json
import re
import zipfile
from datetime import timedelta

import docx
from django.utils import timezone

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit
from chuxin.orgs.watermark import watermark_text
from chuxin.rollups.models import DailySnapshot
from chuxin.rollups.queries import dashboard
from chuxin.rollups.snapshots import take_snapshot, trend


def _chart(body: str) -> dict:
    m = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(m.group(1))


def test_the_ranking_holds_every_subordinate_with_items_worst_first(as_user, central_office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    root = Unit.objects.get(code="000000")
    kids = dashboard(root, campaign.pk, timezone.localdate(), Unit.objects.children_of(root))["children"]
    with_items = [k for k in kids if k.completion is not None]
    assert len(with_items) > 30  # the old chart cut the ranking at 30
    chart = _chart(as_user(central_office).get("/dashboards/units/000000/").content.decode())
    assert chart["children"]["names"] == [k.unit.display_name for k in with_items]
    assert chart["children"]["completion"] == sorted(chart["children"]["completion"])
    labels = chart["labels"]
    assert labels["trend_overdue"] == "逾期事项" and labels["date_axis"] == "日期"
    assert labels["items_axis"] and labels["trend_completion"]


def test_the_trend_shows_every_daily_snapshot_the_database_holds(as_user, guangdong_office):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    gd = Unit.objects.get(code="440000")
    today = timezone.localdate()
    for back in range(3):
        take_snapshot(today - timedelta(days=back))
    history = trend(gd.pk, campaign.pk)
    assert len(history) >= 3 and DailySnapshot.objects.filter(unit=gd, campaign=campaign).count() >= 3
    chart = _chart(as_user(guangdong_office).get("/dashboards/units/440000/").content.decode())
    assert len(chart["trend"]["dates"]) >= 3  # a line, not two dots


def test_breadcrumbs_climb_back_up_the_dashboards(as_user, county_staff):
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    body = as_user(county_staff).get("/dashboards/units/440604/").content.decode()
    crumbs = re.search(r'<ol class="breadcrumb small">(.*?)</ol>', body, re.S).group(1)
    # chancheng sees its county only: no ancestor to climb to
    assert "/dashboards/units/" not in crumbs
    from django.contrib.auth import get_user_model

    gd = get_user_model().objects.get(username="guangdong")
    body = as_user(gd).get("/dashboards/units/440604/").content.decode()
    crumbs = re.search(r'<ol class="breadcrumb small">(.*?)</ol>', body, re.S).group(1)
    assert f'href="/dashboards/units/440000/?campaign={campaign.pk}"' in crumbs
    assert f'href="/dashboards/units/440600/?campaign={campaign.pk}"' in crumbs
    assert "/units/440000/" not in crumbs.replace("/dashboards/units/", "")  # not the unit pages


def _header_footer(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_the_xlsx_exports_carry_the_viewers_watermark(as_user, central_office, county_staff):
    mark = watermark_text(central_office)
    assert "zhongyang" in mark and "年" in mark
    sheet = _header_footer(as_user(central_office).get("/dashboards/units/000000/children.xlsx").content)
    assert f"<oddHeader>&amp;C&amp;8&amp;K808080{mark}</oddHeader>" in sheet
    assert f"<oddFooter>&amp;C&amp;8&amp;K808080{mark}</oddFooter>" in sheet
    ledger = b"".join(as_user(county_staff).get("/ledger/units/440604/ledger.xlsx").streaming_content)
    assert watermark_text(county_staff) in _header_footer(ledger)


def test_the_docx_carries_the_viewers_watermark_in_its_headers(as_user, guangdong_office):
    response = as_user(guangdong_office).get("/documents/units/440000/notice.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    section = document.sections[0]
    mark = watermark_text(guangdong_office)
    assert mark in section.header.paragraphs[0].text
    assert mark in section.even_page_header.paragraphs[0].text
    assert mark not in "\n".join(p.text for p in document.paragraphs)  # not in the body of the document
