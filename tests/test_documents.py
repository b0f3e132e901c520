"""Briefings and notices: .docx from the figures as of the period's end (live up to today) in the
GB/T 9704-2012 layout, scoped like every unit page."""

import re
from datetime import date
from io import BytesIO

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from docx.oxml.ns import qn
from docx.shared import Pt

from chuxin.documents import generate
from chuxin.documents.generate import cn_date, doc_number
from chuxin.orgs.models import Unit
from chuxin.problems.models import RectificationItem, Status

pytestmark = pytest.mark.django_db

GD = "440000"


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(c.text for c in row.cells))
    return "\n".join(parts)


def _get(client, code=GD, kind="notice", **query):
    return client.get(reverse("document_docx", args=[code, kind]), query)


def _open(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    return docx.Document(BytesIO(response.content))


def test_cn_date_and_number_have_no_zero_padding(unit):
    assert cn_date(date(2019, 10, 31)) == "2019年10月31日"
    assert cn_date(date(2019, 6, 3)) == "2019年6月3日"
    gd = unit(GD)
    assert doc_number(gd, 2019, 7) == f"{gd.short_name}主教办〔2019〕7号"


def test_notice_holds_the_subtree_figures(as_user, guangdong_office, unit):
    client = as_user(guangdong_office)
    today = timezone.localdate()
    first = today.replace(day=1)
    # up to today: the live figures (a past end of the period reads that day's snapshot: test_as_of.py)
    d = _open(
        _get(
            client,
            number="7",
            issue_date="2019-10-31",
            date_from=first.isoformat(),
            date_to=today.isoformat(),
        )
    )
    gd = unit(GD)
    items = RectificationItem.objects.in_subtree(gd)
    total = items.count()
    closed = items.filter(status=Status.CLOSED).count()
    kept = items.filter(status=Status.KEPT_UP).count()
    assert total > 0
    text = _text(d)
    rate = f"{100 * closed / total:.2f}%"
    assert (
        f"共有整改事项{total}项，已销号{closed}项，阶段性完成、长期坚持{kept}项，未完成{total - closed - kept}项，"
        f"整改完成率{rate}" in text
    )
    assert f"截至{today.year}年{today.month}月{today.day}日" in text  # the cut-off date, in full
    # the document number, centred over a red rule; the date without zero padding
    number = next(p for p in d.paragraphs if p.text.endswith("号"))
    assert number.text == f"{gd.short_name}主教办〔2019〕7号"
    assert re.fullmatch(r".+主教办〔\d{4}〕[1-9]\d*号", number.text)
    bottom = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000"
    assert "2019年10月31日" in text
    assert f"{today.year}年{today.month}月1日至{today.year}年{today.month}月{today.day}日" in text
    assert not re.search(r"年0\d月|月0\d日", text)
    # the overdue list: as many rows as overdue items (top 50)
    overdue = items.overdue(today).count()
    assert f"逾期未完成的整改事项共{overdue}项" in text
    overdue_table = next(
        (t for t in d.tables if t.rows[0].cells[0].text == "单位" and len(t.columns) == 5), None
    )
    if overdue:
        assert len(overdue_table.rows) - 1 == min(overdue, 50)
    # worst and best subordinate units in tables
    assert "（一）进展较慢的单位" in text and "（二）进展较快的单位" in text
    unit_tables = [t for t in d.tables if t.rows[0].cells[1].text == "整改事项"]
    worst_names = [r.cells[0].text for r in unit_tables[0].rows[1:]]
    rates = [float(r.cells[6].text.rstrip("%")) for r in unit_tables[0].rows[1:]]
    assert rates == sorted(rates)  # worst completion first
    if len(unit_tables) > 1:
        best_rates = [float(r.cells[6].text.rstrip("%")) for r in unit_tables[1].rows[1:]]
        assert min(best_rates) >= max(rates)
        assert not set(worst_names) & {r.cells[0].text for r in unit_tables[1].rows[1:]}
    # 版记 at the end
    assert d.paragraphs[-2].text.startswith("抄送：") and d.paragraphs[-2].text.endswith("。")
    assert d.paragraphs[-1].text.endswith("2019年10月31日印发")


def test_new_this_period_counts_items_created_in_the_range(as_user, guangdong_office, unit):
    client = as_user(guangdong_office)
    gd = unit(GD)
    start, end = date(2019, 9, 1), date(2019, 9, 30)
    created = (
        RectificationItem.objects.in_subtree(gd)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .count()
    )
    d = _open(_get(client, kind="briefing", date_from=start.isoformat(), date_to=end.isoformat()))
    assert f"2019年9月1日至2019年9月30日，新增整改事项{created}项" in _text(d)


def test_page_layout_follows_gbt_9704(as_user, guangdong_office):
    d = _open(_get(as_user(guangdong_office)))
    s = d.sections[0]

    def mm(*lengths):  # stored in twips: compare to a tenth of a millimetre
        return tuple(round(x.mm, 1) for x in lengths)

    assert mm(s.page_width, s.page_height) == (210, 297)
    assert mm(s.top_margin, s.bottom_margin, s.left_margin, s.right_margin) == (37, 35, 28, 26)
    normal = d.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.paragraph_format.first_line_indent == Pt(32)
    assert normal.paragraph_format.line_spacing == Pt(28.95)
    title = d.styles["Title"]
    assert title.font.size == Pt(22)
    assert title.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert d.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert d.styles["Heading 2"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    assert any(p.style.name == "Heading 1" and p.text.startswith("一、") for p in d.paragraphs)
    # — N — page numbers with a PAGE field, odd pages right, even pages left
    assert d.settings.odd_and_even_pages_header_footer
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    assert "PAGE" in odd._p.xml and odd.text.startswith("— ") and odd.text.endswith(" —")
    assert odd.paragraph_format.alignment == 2 and even.paragraph_format.alignment == 0  # right / left
    # no fonts shipped
    assert not any("font" in p.partname for p in d.part.package.iter_parts() if "fontTable" not in p.partname)


def test_briefing_layout(as_user, guangdong_office):
    d = _open(_get(as_user(guangdong_office), kind="briefing", number="3", issue_date="2019-11-05"))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "简报" and texts[1] == "第3期"
    assert texts[2].endswith("2019年11月5日")
    assert "共有整改事项" in "\n".join(texts)


def test_template_override_is_used(as_user, guangdong_office, tmp_path, settings):
    from chuxin.documents.layout import build_base

    base = build_base()
    base.styles["Normal"].font.size = Pt(15)
    path = tmp_path / "office.docx"
    base.save(str(path))
    settings.DOCUMENT_TEMPLATE = str(path)
    d = _open(_get(as_user(guangdong_office)))
    assert d.styles["Normal"].font.size == Pt(15)


def test_makedoctemplate_builds_the_base(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "base.docx"
    call_command("makedoctemplate", output=str(out))
    d = docx.Document(str(out))
    assert round(d.sections[0].top_margin.mm, 1) == 37
    assert generate.BASE_DOCX.exists()  # the default is committed


def test_outside_the_scope_is_404(as_user, hubei_office, county_staff):
    client = as_user(hubei_office)
    assert client.get(reverse("document_form", args=[GD])).status_code == 404
    assert _get(client).status_code == 404
    assert client.get(reverse("document_pdf", args=[GD, "notice"])).status_code == 404
    client = as_user(county_staff)
    assert _get(client, code=GD).status_code == 404
    assert _get(client, code="440604").status_code == 200


def test_bad_input_shows_the_form_with_errors(as_user, guangdong_office):
    client = as_user(guangdong_office)
    r = _get(client, date_from="2019-13-45")
    assert r.status_code == 400
    assert b"invalid-feedback" in r.content and b"<form" in r.content
    r = _get(client, date_from="2019-10-31", date_to="2019-10-01", number="0")
    assert r.status_code == 400 and r.content.count(b"invalid-feedback") == 2
    assert _get(client, kind="memo").status_code == 404
    r = client.get(reverse("document_form", args=[GD]), {"issue_date": "yesterday"})
    assert r.status_code == 200 and b"invalid-feedback" in r.content


def test_form_page_offers_the_downloads(as_user, guangdong_office):
    client = as_user(guangdong_office)
    r = client.get(reverse("document_form", args=[GD]))
    assert r.status_code == 200 and b"<form" in r.content
    r = client.get(reverse("document_form", args=[GD]), {"kind": "briefing", "number": "2"})
    assert reverse("document_docx", args=[GD, "briefing"]).encode() in r.content
    assert b' style="' not in r.content and b"<script>" not in r.content  # strict CSP


def test_pdf_without_libreoffice_is_404_with_a_message(as_user, guangdong_office, monkeypatch):
    monkeypatch.setattr(generate.shutil, "which", lambda name: None)
    client = as_user(guangdong_office)
    r = client.get(reverse("document_pdf", args=[GD, "notice"]))
    assert r.status_code == 404 and b"LibreOffice" in r.content
    r = client.get(reverse("document_form", args=[GD]), {"kind": "notice"})
    assert reverse("document_pdf", args=[GD, "notice"]).encode() not in r.content


def test_pdf_with_a_converter(as_user, guangdong_office, monkeypatch):
    calls = []

    def fake_run(cmd, check, timeout, capture_output):
        calls.append((cmd, timeout))
        outdir, src = cmd[cmd.index("--outdir") + 1], cmd[-1]
        stem = src.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        with open(f"{outdir}/{stem}.pdf", "wb") as f:
            f.write(b"%PDF-1.4 fake")

    monkeypatch.setattr(
        generate.shutil, "which", lambda name: "/usr/bin/libreoffice" if name == "libreoffice" else None
    )
    monkeypatch.setattr(generate.subprocess, "run", fake_run)
    r = as_user(guangdong_office).get(reverse("document_pdf", args=[GD, "notice"]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    cmd, timeout = calls[0]
    assert cmd[0] == "/usr/bin/libreoffice" and "--headless" in cmd and ["--convert-to", "pdf"] == cmd[3:5]
    assert timeout == 120


def test_chancheng_figures_match(as_user, county_staff):
    unit = Unit.objects.get(code="440604")
    d = _open(_get(as_user(county_staff), code="440604"))
    total = RectificationItem.objects.in_subtree(unit).count()
    assert f"共有整改事项{total}项" in _text(d)
