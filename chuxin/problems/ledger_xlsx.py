"""The Excel 台账 (rectification ledger): column layout, export and template writers, reader/validator/importer.

Layout: a merged title row, a 填报单位/填报日期/导出人 row, then the header row and one row per rectification
item (a problem with two items is two rows). The last column 问题编号 holds "I<item id>", so re-importing an
exported file updates the items instead of duplicating them; an unchanged row is a no-op (no write, no audit).

Import rules (documented for the offices):
- The header row is found among the first 10 rows (the row holding 问题描述 and 整改措施).
- Units resolve by 单位代码 (or by 单位名称 when the code is empty) within the subtree of the unit whose import
  page is used, and the importer must be allowed to record there; anything else is "unknown unit".
- People (责任领导, 责任人) resolve by name among active people whose home unit is the row's unit, else one of
  its ancestors (the nearest wins), else a unit inside its subtree. Two people of the same name at the same
  nearest place is "ambiguous"; on an existing item the name it already shows always keeps the same person.
- 整改进展, 完成情况 and 销号情况 are read-only: progress and status change through the item's workflow.
- Fix-by-deadline rows use the measures as the requirements (the ledger has no separate column); a new
  long-term row gets one stage goal (its measures) with 整改时限 as the target date.
- The kind of an existing item, and its unit, are not changed by an import.
- Rows with no 问题编号 that share unit, 问题来源 and 问题描述 become items of one problem; if such a row repeats
  the unit and description of a row that has a 问题编号, the new item joins that existing problem.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from chuxin.core.errors import ActionError
from chuxin.core.xlsx import SafeWorkbook
from chuxin.orgs.models import Person, Unit
from chuxin.orgs.scope import scope_for

from . import actions
from .models import Kind, Problem, ProgressUpdate, RectificationItem, Source, Status

# ----------------------------------------------------------------------------------------------- layout

COLUMNS = [
    "序号",
    "单位代码",
    "单位名称",
    "问题来源",
    "问题描述",
    "根源剖析",
    "整改措施",
    "责任领导",
    "责任人",
    "整改时限",
    "整改类型",
    "整改进展",
    "完成情况",
    "销号情况",
    "问题编号",
]
WIDTHS = [6, 10, 18, 14, 40, 30, 40, 10, 10, 15, 10, 30, 12, 16, 9]
REQUIRED = ["问题来源", "问题描述", "整改措施", "责任人", "整改时限", "整改类型"]

SOURCE_ZH = {
    Source.OPINION: "征求意见",
    Source.SELF_EXAMINATION: "检视查摆",
    Source.RESEARCH: "调查研究",
    Source.DEMOCRATIC_LIFE: "专题民主生活会",
    Source.GUIDANCE: "指导组反馈",
    Source.SPECIAL: "专项整治",
    Source.ASSIGNED: "上级交办",
    Source.OTHER: "其他",
}
KIND_ZH = {Kind.AT_ONCE: "立行立改", Kind.DEADLINE: "限期整改", Kind.LONG_TERM: "长期坚持"}
BIG_IMPORT_ROWS = 2000  # more rows than this run in the background


def _label_map(zh: dict, choices) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[_norm(value)] = value
        out[_norm(str(label))] = value
    for value, label in zh.items():
        out[_norm(label)] = value
    return out


def _norm(s) -> str:
    """NFKC (full-width digits and letters, ideographic spaces), no whitespace at all, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s))).lower()


def zh_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def title_for(unit: Unit | None) -> str:
    return f"{unit.name if unit else ''}主题教育整改台账"


# ----------------------------------------------------------------------------------------------- writing


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


def _start_sheet(wb, fmt, title: str, meta: str):
    ws = wb.add_worksheet("整改台账")
    for i, w in enumerate(WIDTHS):
        ws.set_column(i, i, w)
    ws.merge_range(0, 0, 0, len(COLUMNS) - 1, title, fmt["title"])
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, len(COLUMNS) - 1, meta, fmt["meta"])
    for i, name in enumerate(COLUMNS):
        ws.write_string(2, i, name, fmt["head"])
    ws.freeze_panes(3, 0)
    return ws


def export_items(unit: Unit, subtree: bool):
    qs = (
        RectificationItem.objects.in_subtree(unit) if subtree else RectificationItem.objects.filter(unit=unit)
    )
    latest = ProgressUpdate.objects.filter(item=OuterRef("pk")).exclude(text="").order_by("-at", "-id")
    return (
        qs.select_related(
            "unit", "problem", "responsible_person", "responsible_leader", "problem__responsible_leader"
        )
        .annotate(latest_progress=Subquery(latest.values("text")[:1]))
        .order_by("unit__path", "problem_id", "id")
    )


def write_ledger(target, unit: Unit, user, subtree: bool = False) -> int:
    """Write the unit's (or subtree's) ledger to target (a path or a binary file); returns the row count."""
    wb = SafeWorkbook(target, {"constant_memory": True})
    fmt = _formats(wb)
    now = timezone.localtime()
    meta = (
        f"填报单位：{unit.name}　　填报日期：{zh_date(now.date())}　　"
        f"导出人：{user.get_username()} {now:%Y-%m-%d %H:%M}"
    )
    ws = _start_sheet(wb, fmt, title_for(unit), meta)
    row = 3
    n = 0
    for item in export_items(unit, subtree).iterator(chunk_size=2000):
        n += 1
        p = item.problem
        leader = item.responsible_leader or p.responsible_leader
        closed = ""
        if item.status in (Status.CLOSED, Status.KEPT_UP) and item.closed_at:
            closed = f"已销号（{zh_date(timezone.localtime(item.closed_at).date())}）"
        values = [
            n,
            item.unit.code,
            item.unit.name,
            SOURCE_ZH.get(p.source, p.source),
            p.title,
            p.root_cause,
            item.measures,
            leader.name if leader else "",
            item.responsible_person.name,
            zh_date(item.deadline),
            KIND_ZH.get(item.kind, item.kind),
            item.latest_progress or "",
            item.office_status(),
            closed,
            f"I{item.pk}",
        ]
        ws.write_number(row, 0, n, fmt["cell"])
        for col in range(1, len(values) - 1):
            ws.write_string(row, col, str(values[col]), fmt["cell"])
        ws.write_string(row, len(values) - 1, values[-1], fmt["id"])
        row += 1
    wb.close()
    return n


def write_template(target) -> None:
    wb = SafeWorkbook(target, {"in_memory": True})
    fmt = _formats(wb)
    ws = _start_sheet(wb, fmt, title_for(None), "填报单位：　　　　　　　　填报日期：　　年　　月　　日")
    last = 3 + 5000
    ws.data_validation(
        3,
        COLUMNS.index("问题来源"),
        last,
        COLUMNS.index("问题来源"),
        {"validate": "list", "source": list(SOURCE_ZH.values())},
    )
    ws.data_validation(
        3,
        COLUMNS.index("整改类型"),
        last,
        COLUMNS.index("整改类型"),
        {"validate": "list", "source": list(KIND_ZH.values())},
    )
    ws.data_validation(
        3,
        COLUMNS.index("整改时限"),
        last,
        COLUMNS.index("整改时限"),
        {"validate": "any", "input_title": "整改时限", "input_message": "例：2019年11月30日"},
    )
    wb.close()


# ----------------------------------------------------------------------------------------------- reading


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not an .xlsx, no header, missing columns)."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class NewRow:
    row: int
    unit: Unit
    source: str
    title: str
    description: str
    root_cause: str
    measures: str
    kind: str
    deadline: date | None
    leader: Person | None
    person: Person


@dataclass
class Plan:
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_rows: list[NewRow] = field(default_factory=list)
    problem_changes: dict[int, tuple[Problem, dict]] = field(default_factory=dict)
    item_changes: list[tuple[int, RectificationItem, dict]] = field(default_factory=list)
    unchanged: int = 0
    joins: dict[tuple[int, str], Problem] = field(
        default_factory=dict
    )  # (unit id, title) -> existing problem

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        return {
            "total": self.total,
            "new": len(self.new_rows),
            "changed": len(self.item_changes),
            "problems_changed": len(self.problem_changes),
            "unchanged": self.unchanged,
        }


def read_rows(path) -> list[list]:
    """The rows of the first sheet, after the bounds are checked (chuxin.core.xlsx); never parses blindly."""
    from chuxin.core.xlsx import XlsxRefused, inspect_xlsx, read_sheet

    try:
        inspect_xlsx(path)
        return read_sheet(path, 0).rows
    except XlsxRefused as exc:
        raise ImportFileError(str(exc)) from exc
    except Exception as exc:  # calamine raises its own error types for anything unreadable
        raise ImportFileError(
            _("This file cannot be read as an Excel workbook (.xlsx): %(error)s") % {"error": str(exc)[:200]}
        ) from exc


def find_header(rows: list[list]) -> tuple[int, dict[str, int]]:
    for i, row in enumerate(rows[:10]):
        names = {_norm(c): j for j, c in enumerate(row) if isinstance(c, str) and c.strip()}
        if _norm("问题描述") in names and _norm("整改措施") in names:
            cols = {}
            for label in COLUMNS:
                j = names.get(_norm(label))
                if j is not None:
                    cols[label] = j
            missing = [c for c in REQUIRED if c not in cols]
            if "单位代码" not in cols and "单位名称" not in cols:
                missing.insert(0, "单位代码")
            if missing:
                raise ImportFileError(
                    _("Required columns are missing: %(columns)s") % {"columns": "、".join(missing)}
                )
            return i, cols
    raise ImportFileError(
        _("No header row found: the first 10 rows must include a row with the columns 问题描述 and 整改措施.")
    )


EXCEL_EPOCH = date(1899, 12, 30)
_ZH_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ]\d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(value) -> date | None:
    """Excel date cells, Excel serial numbers, 2019年11月30日, 2019-11-30 / 2019/11/30 / 2019.11.30."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError
    s = _norm(value)
    if not s:
        return None
    m = _ZH_DATE.match(s) or _ISO_DATE.match(s)
    if not m:
        raise ValueError
    return date(int(m[1]), int(m[2]), int(m[3]))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(value) -> str:
    return _norm(_text(value)).upper()


class _People:
    """Name -> person resolution by the documented rule, loaded in one query per batch of names."""

    def __init__(self, names: set[str]):
        self.by_name: dict[str, list[tuple[Person, str]]] = defaultdict(list)
        names = sorted(n for n in names if n)
        for i in range(0, len(names), 500):
            for p in Person.objects.filter(name__in=names[i : i + 500], is_active=True).select_related(
                "home_unit"
            ):
                self.by_name[p.name].append((p, p.home_unit.path if p.home_unit_id else ""))

    def resolve(self, name: str, unit: Unit) -> tuple[Person | None, str]:
        cands = [(p, path) for p, path in self.by_name.get(name, ()) if path]
        here = [p for p, path in cands if path == unit.path]
        if not here:
            above = [(len(path), p) for p, path in cands if unit.path.startswith(path)]
            if above:
                deepest = max(d for d, _p in above)
                here = [p for d, p in above if d == deepest]
        if not here:
            here = [p for p, path in cands if path.startswith(unit.path)]
        if not here:
            return None, _(
                "Unknown person %(name)s: nobody of that name in this unit, above it or below it."
            ) % {"name": name}
        if len({p.pk for p in here}) > 1:
            return None, _(
                "Ambiguous person %(name)s: several people of that name; add them one by one on the site."
            ) % {"name": name}
        return here[0], ""


def validate(rows: list[list], user, root: Unit, today: date | None = None, progress=None) -> Plan:
    """Check every row; the plan lists the errors, or else the writes to make. Nothing is written."""
    today = today or timezone.localdate()
    start, cols = find_header(rows)
    plan = Plan()
    scope = scope_for(user)
    sources = _label_map(SOURCE_ZH, Source)
    kinds = _label_map(KIND_ZH, Kind)

    def cell(row, label):
        j = cols.get(label)
        return row[j] if j is not None and j < len(row) else None

    body = []
    for i in range(start + 1, len(rows)):
        row = rows[i]
        if not any(_text(row[j]) for j in cols.values() if j < len(row) and j != cols.get("序号")):
            continue
        body.append((i + 1, row))
    plan.total = len(body)

    # Units: by code, else by name, inside the root's subtree and recordable by the user.
    codes = {_code(cell(r, "单位代码")) for _n, r in body} - {""}
    units_by_code = {}
    sorted_codes = sorted(codes)
    for chunk in range(0, len(sorted_codes), 500):
        part = sorted_codes[chunk : chunk + 500]
        for u in Unit.objects.filter(code__in=part, path__startswith=root.path):
            units_by_code[u.code.upper()] = u
    unit_names = {_text(cell(r, "单位名称")) for _n, r in body if not _code(cell(r, "单位代码"))} - {""}
    units_by_name: dict[str, list[Unit]] = defaultdict(list)
    if unit_names:
        for u in Unit.objects.filter(name__in=sorted(unit_names), path__startswith=root.path):
            units_by_name[u.name].append(u)
    recordable: dict[int, bool] = {}

    # Existing items named by 问题编号, fetched within the root's subtree.
    ids = {}
    for n, r in body:
        ref = _code(cell(r, "问题编号"))
        if ref:
            m = re.fullmatch(r"I?(\d+)", ref)
            ids[n] = int(m[1]) if m else -1
    items = {}
    wanted = sorted({v for v in ids.values() if v > 0})
    for chunk in range(0, len(wanted), 500):
        qs = (
            RectificationItem.objects.filter(pk__in=wanted[chunk : chunk + 500])
            .in_subtree(root)
            .select_related(
                "unit", "problem", "responsible_person", "responsible_leader", "problem__responsible_leader"
            )
        )
        for it in qs:
            items[it.pk] = it

    people = _People({_text(cell(r, c)) for _n, r in body for c in ("责任领导", "责任人")} - {""})
    seen_items: set[int] = set()
    problem_proposals: dict[int, dict[str, dict]] = defaultdict(
        lambda: defaultdict(dict)
    )  # pid->field->val->row

    for k, (n, r) in enumerate(body):
        if progress and k % 500 == 0:
            progress(k, plan.total)
        errs = []

        def err(column, reason, errs=errs, n=n):
            errs.append(RowError(n, column, reason))

        # unit
        code, uname = _code(cell(r, "单位代码")), _text(cell(r, "单位名称"))
        unit = None
        if code:
            unit = units_by_code.get(code)
            if unit is None:
                err("单位代码", _("Unknown unit %(unit)s (not in this unit's subtree).") % {"unit": code})
        elif uname:
            found = units_by_name.get(uname, [])
            if len(found) == 1:
                unit = found[0]
            elif found:
                err("单位名称", _("Several units are called %(unit)s: give the unit code.") % {"unit": uname})
            else:
                err("单位名称", _("Unknown unit %(unit)s (not in this unit's subtree).") % {"unit": uname})
        else:
            err("单位代码", _("The unit code (or unit name) is empty."))
        if unit is not None:
            if unit.pk not in recordable:
                recordable[unit.pk] = scope.can_record(unit)
            if not recordable[unit.pk]:
                err("单位代码", _("You may not record for %(unit)s.") % {"unit": unit.name})
                unit = None

        # labels, texts, date
        src_raw = _text(cell(r, "问题来源"))
        source = sources.get(_norm(src_raw)) if src_raw else None
        if not src_raw:
            err("问题来源", _("The source is empty."))
        elif source is None:
            err("问题来源", _("Unknown source %(label)s.") % {"label": src_raw})
        kind_raw = _text(cell(r, "整改类型"))
        kind = kinds.get(_norm(kind_raw)) if kind_raw else None
        if not kind_raw:
            err("整改类型", _("The kind of rectification is empty."))
        elif kind is None:
            err("整改类型", _("Unknown kind of rectification %(label)s.") % {"label": kind_raw})
        text = _text(cell(r, "问题描述"))
        if not text:
            err("问题描述", _("The problem description is empty."))
        measures = _text(cell(r, "整改措施"))
        if not measures:
            err("整改措施", _("The measures are empty."))
        root_cause = _text(cell(r, "根源剖析"))
        deadline = None
        try:
            deadline = parse_date(cell(r, "整改时限"))
        except (ValueError, OverflowError):
            err(
                "整改时限",
                _("Not a date: %(value)s (write 2019年11月30日 or 2019-11-30).")
                % {"value": _text(cell(r, "整改时限"))},
            )

        item = None
        if n in ids:
            item = items.get(ids[n])
            if item is None:
                err("问题编号", _("Unknown item number %(ref)s.") % {"ref": _text(cell(r, "问题编号"))})
            elif item.pk in seen_items:
                err("问题编号", _("Item number %(ref)s appears twice.") % {"ref": f"I{item.pk}"})
            else:
                seen_items.add(item.pk)

        # people: an existing item keeps its person when the name is unchanged
        def person_for(label, current, r=r, unit=unit, err=err):
            name = _text(cell(r, label))
            if not name:
                return None, False
            if current is not None and current.name == name:
                return current, True
            if unit is None:
                return None, False
            p, why = people.resolve(name, unit)
            if p is None:
                err(label, why)
            return p, p is not None

        cur_leader = (item.responsible_leader or item.problem.responsible_leader) if item else None
        leader, _found = person_for("责任领导", cur_leader)
        person, _found = person_for("责任人", item.responsible_person if item else None)
        if not _text(cell(r, "责任人")):
            err("责任人", _("The responsible person is empty."))

        if errs or unit is None:
            plan.errors.extend(errs)
            continue

        if item is None:
            # a new row
            if kind == Kind.DEADLINE and deadline is None:
                err("整改时限", _("Fix-by-deadline needs a deadline."))
            if kind == Kind.LONG_TERM and deadline is None:
                err("整改时限", _("A long-term item needs the target date of its first stage."))
            if deadline is not None and deadline < today:
                err("整改时限", _("The deadline %(date)s is already past.") % {"date": zh_date(deadline)})
            if errs:
                plan.errors.extend(errs)
                continue
            plan.new_rows.append(
                NewRow(
                    n,
                    unit,
                    source,
                    text[:200],
                    text if len(text) > 200 else "",
                    root_cause,
                    measures,
                    kind,
                    deadline,
                    leader,
                    person,
                )
            )
            continue

        # an existing item: find what differs
        if unit.pk != item.unit_id:
            err("单位代码", _("An item cannot move to another unit by import."))
        if kind != item.kind:
            err("整改类型", _("The kind of an existing item is changed on its page, not by import."))
        changes = {}
        if measures != item.measures:
            changes["measures"] = measures
        if person.pk != item.responsible_person_id:
            changes["responsible_person"] = person
        if leader is not None and (cur_leader is None or leader.pk != cur_leader.pk):
            changes["responsible_leader"] = leader
        if deadline != item.deadline:
            if deadline is None and kind == Kind.DEADLINE:
                err("整改时限", _("Fix-by-deadline needs a deadline."))
            elif deadline is not None and deadline < today:
                err("整改时限", _("The deadline %(date)s is already past.") % {"date": zh_date(deadline)})
            changes["deadline"] = deadline
        if changes and item.status not in (Status.OPEN, Status.IN_PROGRESS, Status.CLAIMED):
            err("完成情况", _("A closed item is changed only by reopening it."))
        if errs:
            plan.errors.extend(errs)
            continue
        problem = item.problem
        plan.joins.setdefault((unit.pk, text[:200]), problem)
        for fname, value in (("title", text[:200]), ("source", source), ("root_cause", root_cause)):
            if getattr(problem, fname) != value:
                problem_proposals[problem.pk][fname][value] = n
        if changes:
            plan.item_changes.append((n, item, changes))
        else:
            plan.unchanged += 1
        plan.problem_changes.setdefault(problem.pk, (problem, {}))

    # problem-level changes: one proposed value per field, else the rows disagree
    for pid in list(plan.problem_changes):
        problem, changes = plan.problem_changes[pid]
        for fname, proposals in problem_proposals.get(pid, {}).items():
            if len(proposals) > 1:
                for _v, n in proposals.items():
                    plan.errors.append(RowError(n, COLUMN_OF[fname], _("Rows of the same problem disagree.")))
            else:
                changes[fname] = next(iter(proposals))
        if not changes:
            del plan.problem_changes[pid]
    plan.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    if progress:
        progress(plan.total, plan.total)
    return plan


COLUMN_OF = {"title": "问题描述", "source": "问题来源", "root_cause": "根源剖析"}


def apply(plan: Plan, user, campaign, progress=None, today: date | None = None) -> dict:
    """Make the planned writes in one transaction, through the actions (each writes its audit entry)."""
    if not plan.ok:
        raise ActionError(_("The file has errors; nothing was imported."))
    done = 0
    todo = len(plan.new_rows) + len(plan.item_changes) + len(plan.problem_changes)
    with transaction.atomic():
        for _pid, (problem, changes) in plan.problem_changes.items():
            actions.do_edit_problem(user, problem, problem.version, **changes)
            done += 1
        for n, item, changes in plan.item_changes:
            try:
                actions.do_edit_item(user, item, item.version, **changes)
            except ActionError as exc:
                raise ActionError(
                    _("Row %(row)s: %(error)s") % {"row": n, "error": " ".join(exc.messages)}
                ) from exc
            done += 1
            if progress and done % 200 == 0:
                progress(done, todo)
        created = actions.do_import_new_rows(user, campaign, plan.new_rows, plan.joins, today=today)
    if progress:
        progress(todo, todo)
    out = plan.summary()
    out["problems_created"] = created["problems_created"]
    return out


# ----------------------------------------------------------------------------------------------- jobs

IMPORT_DIR = "imports"


def import_dir() -> Path:
    d = Path(settings.MEDIA_ROOT) / IMPORT_DIR
    d.mkdir(parents=True, exist_ok=True)
    return d


def save_upload(f) -> str:
    """Keep the upload as MEDIA_ROOT/imports/<sha256>.xlsx; returns the hash."""
    h = hashlib.sha256()
    tmp = import_dir() / f".upload-{os.getpid()}-{id(f)}"
    with open(tmp, "wb") as out:
        for chunk in f.chunks():
            h.update(chunk)
            out.write(chunk)
    sha = h.hexdigest()
    os.replace(tmp, upload_path(sha))
    return sha


_SHA = re.compile(r"^[0-9a-f]{64}$")


def upload_path(sha: str) -> Path:
    if not _SHA.match(sha or ""):
        raise ValueError("bad hash")
    return import_dir() / f"{sha}.xlsx"


def job_path(sha: str) -> Path:
    return upload_path(sha).with_suffix(".json")


def read_job(sha: str) -> dict | None:
    try:
        return json.loads(job_path(sha).read_text())
    except (OSError, ValueError):
        return None


def write_job(sha: str, state: dict) -> None:
    path = job_path(sha)
    tmp = path.with_suffix(f".json.{os.getpid()}")
    tmp.write_text(json.dumps(state, ensure_ascii=False))
    os.replace(tmp, path)


def errors_json(errors: list[RowError]) -> list[list]:
    return [[e.row, e.column, e.reason] for e in errors]


def run_import(sha: str, user, unit: Unit, confirm: bool, progress=None) -> dict:
    """Read, validate and (with confirm, if all rows are valid) apply; returns a JSON-able result."""
    from chuxin.campaigns.models import current_campaign

    try:
        rows = read_rows(upload_path(sha))
        plan = validate(rows, user, unit, progress=progress if not confirm else None)
    except ImportFileError as exc:
        return {"status": "failed", "file_error": str(exc), "errors": [], "summary": {}}
    result = {
        "status": "done",
        "errors": errors_json(plan.errors),
        "summary": plan.summary(),
        "applied": False,
    }
    if plan.errors or not confirm:
        return result
    campaign = current_campaign(user)
    try:
        result["summary"] = apply(plan, user, campaign, progress=progress)
        result["applied"] = True
    except ActionError as exc:
        result["status"] = "failed"
        result["file_error"] = " ".join(exc.messages)
    return result


@task()
def ledger_import_task(sha: str, user_id: int, unit_code: str, confirm: bool) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.get(code=unit_code)
    state = read_job(sha) or {}
    state.update(
        status="running",
        mode="apply" if confirm else "check",
        processed=0,
        total=0,
        user=user_id,
        unit=unit_code,
    )
    write_job(sha, state)

    def progress(done, total):
        state.update(processed=done, total=total)
        write_job(sha, state)

    try:
        result = run_import(sha, user, unit, confirm, progress=progress)
    except Exception as exc:  # the page must end, whatever happened
        result = {"status": "failed", "file_error": str(exc)[:300], "errors": [], "summary": {}}
    state.update(result)
    write_job(sha, state)
