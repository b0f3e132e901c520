"""Briefings (简报) and notices (通报) as .docx from live figures, on the office's base.docx."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import F
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn

from chuxin.core.i18n import zh, zh_date
from chuxin.orgs.models import Unit
from chuxin.problems.models import RectificationItem, Status
from chuxin.rollups.queries import dashboard

from . import layout

BASE_DOCX = Path(__file__).resolve().parent / "templates_docx" / "base.docx"
BRIEFING, NOTICE = "briefing", "notice"
TOP_OVERDUE = 50
BEST_WORST = 5


class ConverterMissing(Exception):
    """Neither libreoffice nor soffice is on PATH."""


def cn_date(d: date) -> str:
    """2019年10月31日: Arabic numerals, no zero padding (the project's zh_Hans format module)."""
    return zh_date(d)


def _w(label) -> str:
    """A status word as the screen shows it (the model choice's Chinese label)."""
    return zh(label)


def office_name(unit: Unit) -> str:
    return f"{unit.name}主题教育领导小组办公室"


def doc_number(unit: Unit, year: int, seq: int) -> str:
    """粤主教办〔2019〕7号: the unit's short name, the year in 〔〕, the sequence number without padding."""
    return f"{unit.short_name or unit.name}主教办〔{year}〕{seq}号"


def percent(value) -> str:
    return "—" if value is None else f"{value:.2f}%"


@dataclass
class Params:
    kind: str
    date_from: date
    date_to: date
    number: int
    issue_date: date
    today: date
    cc: str = ""


def template_path() -> Path | None:
    override = getattr(settings, "DOCUMENT_TEMPLATE", None)
    if override:
        return Path(override)
    return BASE_DOCX if BASE_DOCX.exists() else None


def open_base():
    """The office's base.docx (settings.DOCUMENT_TEMPLATE, else the committed default), emptied of content."""
    path = template_path()
    doc = Document(str(path)) if path else layout.build_base()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def _style(doc, name: str, fallback: str = "Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        return doc.styles[fallback]


def collect(unit: Unit, campaign, params: Params, children) -> dict:
    """The figures a document cites. Its cut-off is the end of the period it reports (today at the
    latest): before today the subtree and per-unit figures come from the daily snapshot of that day
    (never recounted), so a notice as of 2019-10-31 repeats what the dashboards showed that day. The
    period's flows (new and closed items) and the names on the overdue list come from the items' dates."""
    d = dashboard(unit, campaign.pk, params.today, children, as_of=params.date_to)
    cut_off = d["cut_off"]
    items = RectificationItem.objects.in_subtree(unit).filter(campaign=campaign)
    new = items.filter(created_at__date__gte=params.date_from, created_at__date__lte=params.date_to)
    closed_in_period = items.filter(
        closed_at__date__gte=params.date_from, closed_at__date__lte=params.date_to, status=Status.CLOSED
    ).count()
    if d["historical"]:
        overdue_qs = items.overdue_on(cut_off)
        overdue_total = d["me"].overdue
    else:
        overdue_qs = items.overdue(cut_off).annotate(due=F("due_date"))
        overdue_total = overdue_qs.count()
    overdue = [
        {
            "unit": it.unit.display_name,
            "problem": it.problem.title,
            "person": it.responsible_person.name,
            "due": it.due,
            "days": (cut_off - it.due).days,
        }
        for it in overdue_qs.select_related("unit", "problem", "responsible_person").order_by("due", "pk")[
            :TOP_OVERDUE
        ]
    ]
    ranked = [k for k in d["children"] if k.items]
    worst = ranked[: min(BEST_WORST, (len(ranked) + 1) // 2)]  # few units: split them, never list one twice
    best = ranked[len(worst) :][::-1][:BEST_WORST]
    return {
        **d,
        "new": new.count(),
        "new_closed": new.filter(status=Status.CLOSED, closed_at__date__lte=cut_off).count(),
        "closed_in_period": closed_in_period,
        "overdue_total": overdue_total,
        "overdue": overdue,
        "worst": worst,
        "best": best,
    }


def summary_sentence(me, cut_off: date) -> str:
    """As local notices say it, counting items with 项 and using the screen's status words:
    截至2019年10月31日（the cut-off date, in full），共有整改事项808项，已销号688项，阶段性完成、长期坚持20项，未完成100项，整改完成率87.62%。"""
    return (
        f"截至{cn_date(cut_off)}，共有整改事项{me.items}项，{_w(Status.CLOSED.label)}{me.closed}项，"
        f"{_w(Status.KEPT_UP.label)}{me.kept_up}项，未完成{me.not_done}项，整改完成率{percent(me.completion)}。"
    )


def period_sentence(data: dict, params: Params) -> str:
    return (
        f"{cn_date(params.date_from)}至{cn_date(params.date_to)}，新增整改事项{data['new']}项，"
        f"其中{_w(Status.CLOSED.label)}{data['new_closed']}项；本期共销号{data['closed_in_period']}项。"
        f"截至{cn_date(data['cut_off'])}，逾期未完成的整改事项{data['overdue_total']}项。"
    )


class Writer:
    def __init__(self, doc):
        self.doc = doc

    def para(self, text: str = "", style: str = "Normal", fallback: str = "Normal"):
        p = self.doc.add_paragraph(text, style=_style(self.doc, style, fallback))
        return p

    def heading(self, text: str, level: int):
        return self.para(text, f"Heading {level}")

    def table(self, head: list[str], rows: list[list]):
        t = self.doc.add_table(rows=1, cols=len(head))
        try:
            t.style = self.doc.styles["Table Grid"]
        except KeyError:
            pass
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell_style = _style(self.doc, layout.TABLE_TEXT, layout.NO_INDENT)
        for cell, text in zip(t.rows[0].cells, head, strict=True):
            cell.paragraphs[0].style = cell_style
            cell.paragraphs[0].add_run(str(text)).bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.paragraphs[0].style = cell_style
                cell.paragraphs[0].add_run(str(value))
        return t

    def record_block(self, cc: str, office: str, issued: date):
        """版记: 抄送：…。 and 印发机关 印发日期印发, between thin rules, at the end."""
        cc_line = self.para(f"抄送：{cc.rstrip('。')}。", layout.RECORD, layout.NO_INDENT)
        layout.border(cc_line._p, "top", size=8)
        issued_line = self.para(f"{office}\u3000\u3000{cn_date(issued)}印发", layout.RECORD, layout.NO_INDENT)
        layout.border(issued_line._p, "top", size=4)
        layout.border(issued_line._p, "bottom", size=8)
        return cc_line, issued_line


def _unit_rows(figs) -> list[list]:
    return [
        [k.unit.display_name, k.items, k.closed, k.kept_up, k.not_done, k.overdue, percent(k.completion)]
        for k in figs
    ]


def unit_head() -> list[str]:
    return [
        "单位",
        "整改事项",
        _w(Status.CLOSED.label),
        _w(Status.KEPT_UP.label),
        "未完成",
        "逾期",
        "整改完成率",
    ]


OVERDUE_HEAD = ["单位", "问题", "责任人", "整改时限", "逾期天数"]


def _default_cc(unit: Unit) -> str:
    parent = unit.parent()
    return f"{parent.name}主题教育领导小组办公室" if parent else "中央主题教育领导小组办公室"


def write_notice(doc, unit: Unit, campaign, params: Params, data: dict) -> None:
    w = Writer(doc)
    office = office_name(unit)
    w.para(office, layout.ISSUER_MARK, "Title")
    number = w.para(
        doc_number(unit, params.issue_date.year, params.number), layout.DOC_NUMBER, layout.NO_INDENT
    )
    layout.border(number._p, "bottom", size=24, color="FF0000")  # the red rule under the number
    w.para(f"关于{unit.name}主题教育检视问题整改落实情况的通报", "Title")
    w.para("各有关单位：", layout.NO_INDENT)
    w.para(f"按照{campaign.title}整改落实工作部署，现将{unit.name}检视问题整改落实情况通报如下。")
    w.heading("一、总体情况", 1)
    me = data["me"]
    w.para(summary_sentence(me, data["cut_off"]))
    w.para(period_sentence(data, params))
    if data["own"].completion is not None:
        lag = "，低于下级单位平均水平" if data["leadership_lags"] else ""
        w.para(
            f"领导机关本级整改完成率{percent(data['own'].completion)}，"
            f"下级单位平均整改完成率{percent(data['children_avg'])}{lag}。"
        )
    w.heading("二、各单位整改进展情况", 1)
    w.heading("（一）进展较慢的单位", 2)
    if data["worst"]:
        w.table(unit_head(), _unit_rows(data["worst"]))
    else:
        w.para("无。")
    w.heading("（二）进展较快的单位", 2)
    if data["best"]:
        w.table(unit_head(), _unit_rows(data["best"]))
    else:
        w.para("无。")
    w.heading("三、逾期未完成整改事项", 1)
    total = data["overdue_total"]
    shown = len(data["overdue"])
    w.para(
        f"逾期未完成的整改事项共{total}项"
        + (f"，按逾期时间列出前{shown}项" if total > shown else "")
        + ("：" if shown else "。")
    )
    if shown:
        w.table(
            OVERDUE_HEAD,
            [[o["unit"], o["problem"], o["person"], cn_date(o["due"]), o["days"]] for o in data["overdue"]],
        )
    w.heading("四、下一步工作要求", 1)
    w.para(
        "各单位要坚持边学边查边改，对照问题清单逐项销号；对逾期未完成的事项，要查明原因、明确时限、压实责任，"
        "确保按期整改到位，防止虎头蛇尾、敷衍了事。"
    )
    w.para()
    w.para(office, layout.SIGNATURE, layout.NO_INDENT)
    w.para(cn_date(params.issue_date), layout.SIGNATURE, layout.NO_INDENT)
    w.para()
    w.record_block(params.cc or _default_cc(unit), office, params.issue_date)


def write_briefing(doc, unit: Unit, campaign, params: Params, data: dict) -> None:
    w = Writer(doc)
    office = office_name(unit)
    w.para("简报", layout.ISSUER_MARK, "Title")
    w.para(f"第{params.number}期", layout.DOC_NUMBER, layout.NO_INDENT)
    line = w.para(f"{office}\u3000\u3000{cn_date(params.issue_date)}", layout.DOC_NUMBER, layout.NO_INDENT)
    layout.border(line._p, "bottom", size=24, color="FF0000")
    w.para(f"{unit.name}检视问题整改落实情况", "Title")
    me = data["me"]
    w.para(summary_sentence(me, data["cut_off"]))
    w.para(period_sentence(data, params))
    if data["worst"]:
        names = "、".join(f"{k.unit.display_name}（{percent(k.completion)}）" for k in data["worst"][:3])
        w.para(f"整改进展较慢的单位有：{names}。")
    if data["best"]:
        names = "、".join(f"{k.unit.display_name}（{percent(k.completion)}）" for k in data["best"][:3])
        w.para(f"整改进展较快的单位有：{names}。")
    if data["overdue"]:
        w.heading("逾期事项", 2)
        w.table(
            OVERDUE_HEAD,
            [
                [o["unit"], o["problem"], o["person"], cn_date(o["due"]), o["days"]]
                for o in data["overdue"][:10]
            ],
        )
    w.para()
    w.record_block(params.cc or _default_cc(unit), office, params.issue_date)


def build(unit: Unit, campaign, params: Params, children) -> bytes:
    data = collect(unit, campaign, params, children)
    doc = open_base()
    (write_notice if params.kind == NOTICE else write_briefing)(doc, unit, campaign, params, data)
    doc.core_properties.title = "通报" if params.kind == NOTICE else "简报"
    doc.core_properties.author = office_name(unit)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def with_viewer(body: bytes, text: str) -> bytes:
    """The .docx `body` with the viewer's watermark in its page headers (layout.viewer_header)."""
    doc = Document(io.BytesIO(body))
    layout.viewer_header(doc, text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def converter() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def to_pdf(docx: bytes, name: str = "document") -> bytes:
    """Convert with `libreoffice --headless --convert-to pdf --outdir <tmp>` (120 s at most)."""
    exe = converter()
    if exe is None:
        raise ConverterMissing
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, f"{name}.docx")
        with open(src, "wb") as f:
            f.write(docx)
        profile = Path(tmp, "profile").as_uri()  # a private profile: parallel conversions don't collide
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                src,
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
        with open(os.path.join(tmp, f"{name}.pdf"), "rb") as f:
            return f.read()
