"""Writing the 台账 (export of a unit or subtree, the blank template) and the list of refused rows of an import.

All through chuxin.core.xlsx.SafeWorkbook: no text is ever a formula. Every row carries the problem's and the
item's stable codes (问题编号 P…, 事项编号 I…), and a long-term item's stage goals in their own columns, so that
re-importing an export changes nothing.
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from chuxin.core.i18n import zh_datetime
from chuxin.core.xlsx import SafeWorkbook
from chuxin.orgs.watermark import watermark_text
from chuxin.problems.models import ProgressUpdate, RectificationItem, Stage, Status

from .layout import (
    AREA_COLUMN,
    COLUMNS,
    KIND_ZH,
    SOURCE_ZH,
    STATUS_ZH,
    WIDTHS,
    area_words,
    areas_text,
    item_code,
    problem_code,
    title_for,
    zh_date,
)

EXCEL_CELL_MAX = 32767


def _formats(wb):
    return {
        "title": wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "meta": wb.add_format({"font_size": 10}),
        "head": wb.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "bg_color": "#D9E1F2",
                "text_wrap": True,
            }
        ),
        "cell": wb.add_format({"border": 1, "valign": "top", "text_wrap": True}),
        "id": wb.add_format({"border": 1, "valign": "top", "font_color": "#999999", "font_size": 8}),
    }


def _start_sheet(wb, fmt, title: str, meta: str, columns=COLUMNS, widths=WIDTHS, name="整改台账"):
    ws = wb.add_worksheet(name)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.merge_range(0, 0, 0, len(columns) - 1, title, fmt["title"])
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, len(columns) - 1, meta, fmt["meta"])
    for i, label in enumerate(columns):
        ws.write_string(2, i, label, fmt["head"])
    ws.freeze_panes(3, 0)
    return ws


def _exported(unit, subtree: bool, campaign=None):
    qs = (
        RectificationItem.objects.in_subtree(unit) if subtree else RectificationItem.objects.filter(unit=unit)
    )
    return qs if campaign is None else qs.filter(campaign=campaign)


def export_count(unit, subtree: bool, campaign=None) -> int:
    """The rows `write_ledger` would write (one indexed count: whether the export runs in the worker)."""
    return _exported(unit, subtree, campaign).count()


def export_items(unit, subtree: bool, campaign=None):
    qs = _exported(unit, subtree, campaign)
    latest = ProgressUpdate.objects.filter(item=OuterRef("pk")).exclude(text="").order_by("-at", "-id")
    return (
        qs.select_related(
            "unit", "problem", "responsible_person", "responsible_leader", "problem__responsible_leader"
        )
        .prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))
        .annotate(latest_progress=Subquery(latest.values("text")[:1]))
        .order_by("unit__path", "problem_id", "id")
    )


def row_values(item) -> dict:
    """The exported cells of one item, by column; the import compares against exactly these."""
    p = item.problem
    leader = item.responsible_leader or p.responsible_leader
    closed = ""
    if item.status in (Status.CLOSED, Status.KEPT_UP) and item.closed_at:
        closed = f"{STATUS_ZH[Status.CLOSED]}（{zh_date(timezone.localtime(item.closed_at).date())}）"
    stages = list(item.stages.all())
    deadline = item.deadline
    if deadline is None and stages:
        deadline = min(s.target_date for s in stages)
    return {
        "单位代码": item.unit.code,
        "单位名称": item.unit.name,
        "问题来源": SOURCE_ZH.get(p.source, p.source),
        "问题描述": p.title,
        "根源剖析": p.root_cause,
        AREA_COLUMN: areas_text(p.work_areas),
        "整改措施": item.measures,
        "责任领导": leader.name if leader else "",
        "责任人": item.responsible_person.name,
        "整改时限": zh_date(deadline),
        "整改类型": KIND_ZH.get(item.kind, item.kind),
        "阶段目标": "\n".join(s.goal for s in stages),
        "阶段时限": "\n".join(zh_date(s.target_date) for s in stages),
        "整改进展": getattr(item, "latest_progress", "") or "",
        "完成情况": STATUS_ZH.get(item.status, item.status),
        "销号情况": closed,
        "问题编号": problem_code(p.pk),
        "事项编号": item_code(item.pk),
    }


def write_ledger(target, unit, user, subtree: bool = False, campaign=None, progress=None) -> int:
    """Write the unit's (or subtree's) ledger of one campaign (every campaign when None) to target (a path
    or a binary file); returns the row count. `progress(rows written)` is called every 2 000 rows."""
    wb = SafeWorkbook(target, {"constant_memory": True}, viewer=watermark_text(user))
    fmt = _formats(wb)
    now = timezone.localtime()
    meta = (
        f"填报单位：{unit.name}　　填报日期：{zh_date(now.date())}　　"
        f"导出人：{user.get_username()} {zh_datetime(now)}"
    )
    ws = _start_sheet(wb, fmt, title_for(unit), meta)
    row = 3
    n = 0
    for item in export_items(unit, subtree, campaign).iterator(chunk_size=2000):
        n += 1
        values = row_values(item)
        ws.write_number(row, 0, n, fmt["cell"])
        for col, label in enumerate(COLUMNS[1:], 1):
            text = str(values[label])[:EXCEL_CELL_MAX]
            ws.write_string(row, col, text, fmt["id"] if label in ("问题编号", "事项编号") else fmt["cell"])
        row += 1
        if progress is not None and n % 2000 == 0:
            progress(n)
    wb.close()
    return n


def write_template(target) -> None:
    wb = SafeWorkbook(target, {"in_memory": True})
    fmt = _formats(wb)
    ws = _start_sheet(wb, fmt, title_for(None), "填报单位：　　　　　　　　填报日期：　　年　　月　　日")
    last = 3 + 5000
    for label, values in (("问题来源", list(SOURCE_ZH.values())), ("整改类型", list(KIND_ZH.values()))):
        col = COLUMNS.index(label)
        ws.data_validation(3, col, last, col, {"validate": "list", "source": values})
    col = COLUMNS.index("整改时限")
    ws.data_validation(
        3,
        col,
        last,
        col,
        {"validate": "any", "input_title": "整改时限", "input_message": "例：2019年11月30日"},
    )
    col = COLUMNS.index(AREA_COLUMN)  # several areas per cell: a list validation cannot hold them, a hint can
    ws.data_validation(
        3,
        col,
        last,
        col,
        {
            "validate": "any",
            "input_title": AREA_COLUMN,
            "input_message": f"可填多项，以“、”分隔：{'、'.join(area_words())}"[:255],
        },
    )
    wb.close()


def write_refused(target, result: dict) -> int:
    """The refused rows of an import: row number, column, reason (in Chinese), then the row's own cells."""
    refused = result.get("refused") or []
    header = result.get("header") or []
    wb = SafeWorkbook(target, {"in_memory": True})
    fmt = _formats(wb)
    columns = ["行号", "列", "原因", *header]
    widths = [6, 10, 50] + [14] * len(header)
    sheet = result.get("sheet") or ""
    meta = f"文件：{result.get('name', '')}　　工作表：{sheet}　　未导入 {len(refused)} 行"
    ws = _start_sheet(wb, fmt, "未导入的行及原因", meta, columns, widths, name="未导入的行")
    r = 3
    for entry in refused:
        ws.write_number(r, 0, entry["row"], fmt["cell"])
        ws.write_string(r, 1, "、".join(entry["columns"]), fmt["cell"])
        ws.write_string(r, 2, "；".join(entry["reasons"]), fmt["cell"])
        for j, v in enumerate(entry.get("cells") or []):
            ws.write(r, 3 + j, v if isinstance(v, int | float) else str(v)[:EXCEL_CELL_MAX], fmt["cell"])
        r += 1
    wb.close()
    return len(refused)
