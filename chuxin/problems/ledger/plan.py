"""The import's plan: every row of the file checked against the ledger, nothing written.

A row is one of:
- **same**: an existing item (by its 事项编号, or recognised by its fingerprint) whose cells equal the export;
- **change**: an existing item with changed cells; the plan lists each changed cell, before and after, and the
  apply writes exactly these (`item_changes`, `problem_changes`) — nothing else;
- **new**: a new item (and a new problem unless it joins one, see below);
- **refused**: with its reasons (row, column, reason).

Keys and fingerprints (so that a re-sent file never duplicates):
- 事项编号 (I…) names an existing item; an old export's 问题编号 holding I… is read the same way.
- A row without 事项编号 is matched by its fingerprint — unit, problem text, measures, responsible person and
  deadline (an empty deadline matches any) — against the items already in the ledger; a match is that item.
- Two rows without 事项编号 with the same fingerprint are both refused as duplicates, each naming the other.
- A new row joins an existing problem only when it says so: 问题编号 P… in the row, or a row of the same
  unit and problem text in the file that carries an item's code. A new row whose problem text already exists
  at its unit otherwise is refused with the problem's code, never silently added or duplicated.

Cells: over-long text is refused with the column's limit (layout.LIMITS, the model's); a formula cell is
refused with its address unless its stored value equals what the export shows now; read-only columns
(序号, 整改进展, 完成情况, 销号情况) are never imported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.core.xlsx import col_letters
from chuxin.orgs.models import Person, Unit
from chuxin.orgs.scope import scope_for
from chuxin.problems import rules
from chuxin.problems.models import ACTIVE_STATUSES, Kind, Problem, RectificationItem, Source

from .export import row_values
from .layout import KIND_ZH, LIMITS, READ_ONLY, SOURCE_ZH, item_code, label_map, norm, problem_code
from .layout import zh_date as _zh_date
from .read import Table, code, lines, parse_date, text

MODES = ("stop", "skip", "update")
zh_date = lru_cache(maxsize=8192)(_zh_date)  # a few hundred distinct dates in 100 000 rows
MAX_REFUSED_KEPT = 10_000  # refused rows whose cells are kept for the download


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
    root_cause: str
    measures: str
    kind: str
    deadline: date | None
    leader: Person | None
    person: Person
    stages: list = field(default_factory=list)


@dataclass
class Plan:
    sheet: str = ""
    mode: str = "stop"
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_rows: list[NewRow] = field(default_factory=list)
    problem_changes: dict[int, tuple[Problem, dict]] = field(default_factory=dict)
    item_changes: list[tuple[int, RectificationItem, dict]] = field(default_factory=list)
    unchanged: int = 0
    matched_by_fingerprint: int = 0
    joins: dict[tuple[int, str], Problem] = field(default_factory=dict)  # (unit id, title) -> problem
    diffs: dict[int, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # row -> (column, before, after)
    header: list[str] = field(default_factory=list)
    cells: dict[int, list] = field(default_factory=dict)  # the cells of refused rows, for the download

    @property
    def ok(self) -> bool:
        return not self.errors

    def refused_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def summary(self) -> dict:
        return {
            "total": self.total,
            "new": len(self.new_rows),
            "changed": len(self.item_changes),
            "problems_changed": len(self.problem_changes),
            "unchanged": self.unchanged,
            "fingerprint": self.matched_by_fingerprint,
            "refused": len(self.refused_rows()),
            "first_error_row": self.errors[0].row if self.errors else None,
        }


class People:
    """Name -> person resolution: active people whose home unit is the row's unit, else the nearest ancestor,
    else a unit inside its subtree; two people of one name at the same nearest place is ambiguous."""

    def __init__(self, names: set[str]):
        self.by_name: dict[str, list[tuple[Person, str]]] = defaultdict(list)
        names = sorted(n for n in names if n)
        for i in range(0, len(names), 500):
            for p in Person.objects.filter(name__in=names[i : i + 500], is_active=True).select_related(
                "home_unit"
            ):
                self.by_name[p.name].append((p, p.home_unit.path if p.home_unit_id else ""))
        self._cache: dict[tuple[str, str], tuple[Person | None, str]] = {}

    def resolve(self, name: str, unit: Unit) -> tuple[Person | None, str]:
        key = (name, unit.path)
        if key not in self._cache:
            self._cache[key] = self._resolve(name, unit)
        return self._cache[key]

    def _resolve(self, name: str, unit: Unit) -> tuple[Person | None, str]:
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


def _chunks(values, n=500):
    values = sorted(values)
    for i in range(0, len(values), n):
        yield values[i : i + n]


def _jsonable(v):
    if isinstance(v, date):
        return zh_date(v)
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)


def validate(table: Table, user, root: Unit, campaign=None, mode: str = "stop", today=None, progress=None):
    """Check every row; the plan lists the errors and the exact writes to make. Nothing is written."""
    today = today or timezone.localdate()
    cols = table.cols
    plan = Plan(sheet=table.sheet, mode=mode)
    plan.header = [label for label, _j in sorted(cols.items(), key=lambda kv: kv[1])]
    scope = scope_for(user)
    sources = label_map(SOURCE_ZH, Source)
    kinds = label_map(KIND_ZH, Kind)
    allow_past_new = rules.past_dates_allowed(campaign, today)

    def cell(row, label):
        j = cols.get(label)
        return row[j] if j is not None and j < len(row) else None

    body = []
    data_cols = [j for label, j in cols.items() if label != "序号"]
    for i in range(table.header_row + 1, len(table.rows)):
        row = table.rows[i]
        if not any(text(row[j]) for j in data_cols if j < len(row)):
            continue
        body.append((i + 1, i, row))
    plan.total = len(body)
    raw = {n: r for n, _i, r in body}
    unchanged_rows: set[int] = set()

    # Units: by code, else by name, inside the root's subtree and recordable by the user.
    codes = {code(cell(r, "单位代码")) for _n, _i, r in body} - {""}
    units_by_code = {}
    for part in _chunks(codes):
        for u in Unit.objects.filter(code__in=part, path__startswith=root.path):
            units_by_code[u.code.upper()] = u
    unit_names = {text(cell(r, "单位名称")) for _n, _i, r in body if not code(cell(r, "单位代码"))} - {""}
    units_by_name: dict[str, list[Unit]] = defaultdict(list)
    for part in _chunks(unit_names):
        for u in Unit.objects.filter(name__in=part, path__startswith=root.path):
            units_by_name[u.name].append(u)
    recordable: dict[int, bool] = {}

    # Codes: 事项编号 I…, or an old export's 问题编号 I…; 问题编号 P… names a problem.
    item_refs: dict[int, int] = {}
    problem_refs: dict[int, int] = {}
    for n, _i, r in body:
        for label in ("事项编号", "问题编号"):
            ref = code(cell(r, label))
            if not ref:
                continue
            m = re.fullmatch(r"([IP]?)(\d+)", ref)
            if m is None:
                item_refs[n] = -1
            elif m[1] == "P" or (label == "问题编号" and m[1] == "" and "事项编号" in cols):
                problem_refs[n] = int(m[2])
            else:
                item_refs.setdefault(n, int(m[2]))
    items: dict[int, RectificationItem] = {}
    related = (
        "unit",
        "problem",
        "problem__campaign",
        "responsible_person",
        "responsible_leader",
        "problem__responsible_leader",
    )
    for part in _chunks({v for v in item_refs.values() if v > 0}):
        for it in (
            RectificationItem.objects.filter(pk__in=part)
            .in_subtree(root)
            .select_related(*related)
            .prefetch_related("stages")
        ):
            items[it.pk] = it
    problems_by_pk: dict[int, Problem] = {}
    for part in _chunks(set(problem_refs.values())):
        for p in Problem.objects.filter(pk__in=part, unit__path__startswith=root.path):
            problems_by_pk[p.pk] = p

    people = People({text(cell(r, c)) for _n, _i, r in body for c in ("责任领导", "责任人")} - {""})

    # Fingerprints of the items already in the ledger at the file's units (rows without a code).
    codeless_units = set()
    for n, _i, r in body:
        if n not in item_refs:
            u = units_by_code.get(code(cell(r, "单位代码")))
            if u is None and not code(cell(r, "单位代码")):
                found = units_by_name.get(text(cell(r, "单位名称")), [])
                u = found[0] if len(found) == 1 else None
            if u is not None:
                codeless_units.add(u.pk)
    existing_fp: dict[tuple, list[tuple[int, set]]] = defaultdict(list)
    existing_problems: dict[tuple[int, str], int] = {}
    for part in _chunks(codeless_units):
        rows = (
            RectificationItem.objects.filter(unit_id__in=part)
            .annotate(first_stage=Min("stages__target_date"))
            .values_list(
                "pk",
                "unit_id",
                "problem__title",
                "measures",
                "responsible_person__name",
                "deadline",
                "due_date",
                "first_stage",
            )
        )
        for pk, unit_id, title, measures, person, *dates in rows:
            existing_fp[(unit_id, norm(title), norm(measures), norm(person))].append((pk, set(dates)))
        for pk, unit_id, title in Problem.objects.filter(unit_id__in=part).values_list(
            "pk", "unit_id", "title"
        ):
            existing_problems.setdefault((unit_id, norm(title)), pk)
    fp_rows: dict[tuple, list[int]] = defaultdict(list)

    seen_items: dict[int, int] = {}
    problem_proposals: dict[int, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    coded_titles: dict[tuple[int, str], Problem] = {}
    pending_new: list[tuple[int, NewRow, tuple, list]] = []

    for k, (n, i, r) in enumerate(body):
        if progress and k % 2000 == 0:
            progress(k, plan.total)
        errs: list[RowError] = []

        def err(column, reason, errs=errs, n=n):
            errs.append(RowError(n, column, reason))

        # over-long cells, against the column's limit
        for label, limit in LIMITS.items():
            v = text(cell(r, label))
            if len(v) > limit:
                err(label, rules.too_long(len(v), limit))

        # unit
        ucode, uname = code(cell(r, "单位代码")), text(cell(r, "单位名称"))
        unit = None
        if ucode:
            unit = units_by_code.get(ucode)
            if unit is None:
                err("单位代码", _("Unknown unit %(unit)s (not in this unit's subtree).") % {"unit": ucode})
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

        src_raw = text(cell(r, "问题来源"))
        source = sources.get(norm(src_raw)) if src_raw else None
        if not src_raw:
            err("问题来源", _("The source is empty."))
        elif source is None:
            err("问题来源", _("Unknown source %(label)s.") % {"label": src_raw})
        kind_raw = text(cell(r, "整改类型"))
        kind = kinds.get(norm(kind_raw)) if kind_raw else None
        if not kind_raw:
            err("整改类型", _("The kind of rectification is empty."))
        elif kind is None:
            err("整改类型", _("Unknown kind of rectification %(label)s.") % {"label": kind_raw})
        title = text(cell(r, "问题描述"))
        if not title:
            err("问题描述", _("The problem description is empty."))
        measures = text(cell(r, "整改措施"))
        if not measures:
            err("整改措施", _("The measures are empty."))
        root_cause = text(cell(r, "根源剖析"))
        deadline = None
        try:
            deadline = parse_date(cell(r, "整改时限"))
        except (ValueError, OverflowError):
            err(
                "整改时限",
                _("Not a date: %(value)s (write 2019年11月30日 or 2019-11-30).")
                % {"value": text(cell(r, "整改时限"))},
            )
        goals = lines(cell(r, "阶段目标"))
        stage_dates: list[date | None] = []
        for v in lines(cell(r, "阶段时限")):
            try:
                stage_dates.append(parse_date(v))
            except (ValueError, OverflowError):
                err(
                    "阶段时限",
                    _("Not a date: %(value)s (write 2019年11月30日 or 2019-11-30).") % {"value": v},
                )
        if (goals or stage_dates) and len(goals) != len(stage_dates):
            err("阶段目标", _("Each stage goal needs its target date on the same line of 阶段时限."))

        # the existing item: by code, else by fingerprint
        item = None
        by_fp = False
        if n in item_refs:
            item = items.get(item_refs[n])
            if item is None:
                ref = text(cell(r, "事项编号")) or text(cell(r, "问题编号"))
                err("事项编号", _("Unknown item number %(ref)s.") % {"ref": ref})
        elif unit is not None and title and measures:
            fp = (unit.pk, norm(title), norm(measures), norm(text(cell(r, "责任人"))))
            cands = [pk for pk, dates in existing_fp.get(fp, ()) if deadline is None or deadline in dates]
            if len(cands) > 1:
                err(
                    "事项编号",
                    _("This row matches several items already in the ledger (%(codes)s); give its 事项编号.")
                    % {"codes": "、".join(item_code(c) for c in cands)},
                )
            elif cands:
                by_fp = True
                if cands[0] not in items:
                    it = (
                        RectificationItem.objects.select_related(*related)
                        .prefetch_related("stages")
                        .get(pk=cands[0])
                    )
                    items[it.pk] = it
                item = items[cands[0]]
        if item is not None:
            if item.pk in seen_items:
                err(
                    "事项编号",
                    _("Item %(ref)s appears twice: rows %(first)s and %(row)s.")
                    % {"ref": item_code(item.pk), "first": seen_items[item.pk], "row": n},
                )
            else:
                seen_items[item.pk] = n

        # formula cells: refused unless the stored value is what the ledger shows now
        if table.formulas:
            current = row_values(item) if item is not None else {}
            for label, j in cols.items():
                if label in READ_ONLY or (i, j) not in table.formulas:
                    continue
                if item is not None and norm(text(cell(r, label))) == norm(current.get(label, "")):
                    continue
                err(
                    label,
                    _("Cell %(cell)s holds a formula; paste its value instead (formulas are not imported).")
                    % {"cell": f"{col_letters(j + 1)}{n}"},
                )

        # people: an existing item keeps its person when the name is unchanged
        def person_for(label, current, r=r, unit=unit, err=err):
            name = text(cell(r, label))
            if not name:
                return None
            if current is not None and current.name == name:
                return current
            if unit is None:
                return None
            p, why = people.resolve(name, unit)
            if p is None:
                err(label, why)
            return p

        cur_leader = (item.responsible_leader or item.problem.responsible_leader) if item else None
        leader = person_for("责任领导", cur_leader)
        person = person_for("责任人", item.responsible_person if item else None)
        if not text(cell(r, "责任人")):
            err("责任人", _("The responsible person is empty."))

        if errs or unit is None:
            _refuse(plan, n, r, errs, cols)
            continue

        if item is None:
            if mode == "update":
                err("事项编号", _("Update only: this row names no existing item, so nothing is added."))
                _refuse(plan, n, r, errs, cols)
                continue
            stages = list(zip(goals, stage_dates, strict=False)) if goals else []
            if kind == Kind.LONG_TERM and not stages and deadline is not None:
                stages = [(measures[: rules.STAGE_GOAL_MAX], deadline)]
            if kind == Kind.DEADLINE and deadline is None:
                err("整改时限", _("Fix-by-deadline needs a deadline."))
            elif kind == Kind.LONG_TERM and not stages:
                err("整改时限", _("A long-term item needs the target date of its first stage."))
            else:
                _d, problems_ = rules.check_new_item(
                    kind=kind,
                    measures=measures,
                    deadline=deadline if kind != Kind.LONG_TERM else None,
                    requirements=measures,
                    stages=stages,
                    today=today,
                    allow_past=allow_past_new,
                )
                for fname, reason in problems_:
                    err({"stages": "阶段目标", "measures": "整改措施"}.get(fname, "整改时限"), reason)
            join = None
            if n in problem_refs:
                join = problems_by_pk.get(problem_refs[n])
                if join is None or join.unit_id != unit.pk:
                    err("问题编号", _("Unknown problem number %(ref)s.") % {"ref": text(cell(r, "问题编号"))})
            if errs:
                _refuse(plan, n, r, errs, cols)
                continue
            row = NewRow(n, unit, source, title, root_cause, measures, kind, deadline, leader, person, stages)
            fp = (unit.pk, norm(title), norm(measures), norm(person.name), deadline)
            fp_rows[fp].append(n)
            pending_new.append((n, row, fp, join))
            continue

        # an existing item: exactly what differs from what the export shows
        current = row_values(item)
        diff: list[tuple[str, str, str]] = []
        if unit.pk != item.unit_id:
            err("单位代码", _("An item cannot move to another unit by import."))
        if kind != item.kind:
            err("整改类型", _("The kind of an existing item is changed on its page, not by import."))
        changes = {}
        if measures != item.measures:
            changes["measures"] = measures
            diff.append(("整改措施", item.measures, measures))
        if person is not None and person.pk != item.responsible_person_id:
            changes["responsible_person"] = person
            diff.append(("责任人", current["责任人"], person.name))
        if leader is not None and (cur_leader is None or leader.pk != cur_leader.pk):
            changes["responsible_leader"] = leader
            diff.append(("责任领导", current["责任领导"], leader.name))
        if "阶段目标" in cols or "阶段时限" in cols:
            if goals != lines(current["阶段目标"]) or [zh_date(d) for d in stage_dates] != lines(
                current["阶段时限"]
            ):
                err("阶段目标", _("Stage goals of an existing item are changed on its page, not by import."))
        if item.kind == Kind.LONG_TERM:
            if zh_date(deadline) != current["整改时限"] and deadline is not None:
                err("整改时限", _("Stage goals of an existing item are changed on its page, not by import."))
        elif deadline != item.deadline:
            if deadline is None and item.kind == Kind.AT_ONCE:
                pass  # an empty cell keeps the date the item was given
            else:
                changes["deadline"] = deadline
                diff.append(("整改时限", current["整改时限"], zh_date(deadline)))
        if changes:
            if item.status not in ACTIVE_STATUSES:
                err("完成情况", _("A closed item is changed only by reopening it."))
            else:
                allow_past = rules.past_dates_allowed(item.problem.campaign, today)
                for fname, reason in rules.check_item_edit(
                    item=item, fields=changes, today=today, allow_past=allow_past
                ):
                    err({"measures": "整改措施"}.get(fname, "整改时限"), reason)
        if errs:
            _refuse(plan, n, r, errs, cols)
            continue
        problem = item.problem
        coded_titles.setdefault((unit.pk, norm(title)), problem)
        plan.joins.setdefault((unit.pk, title), problem)
        for fname, value in (("title", title), ("source", source), ("root_cause", root_cause)):
            if getattr(problem, fname) != value:
                problem_proposals[problem.pk][fname][value] = n
        if by_fp:
            plan.matched_by_fingerprint += 1
        if changes:
            plan.item_changes.append((n, item, changes))
            plan.diffs[n] = diff
        else:
            unchanged_rows.add(n)
        plan.problem_changes.setdefault(problem.pk, (problem, {}))

    # new rows: duplicates within the file, and problems that already exist
    for n, row, fp, join in pending_new:
        twins = fp_rows[fp]
        if len(twins) > 1:
            others = "、".join(str(t) for t in twins if t != n)
            _refuse(
                plan,
                n,
                None,
                [RowError(n, "整改措施", _("Duplicate row: the same as row %(rows)s.") % {"rows": others})],
                cols,
            )
            continue
        key = (row.unit.pk, norm(row.title))
        problem = join or coded_titles.get(key)
        if problem is None and key in existing_problems:
            pid = existing_problems[key]
            _refuse(
                plan,
                n,
                None,
                [
                    RowError(
                        n,
                        "问题描述",
                        _(
                            "This problem is already in the ledger (%(code)s) and this row matches none of its "
                            "items. To add an item to it, write %(code)s in 问题编号; to change an item, export "
                            "the ledger and edit the exported row."
                        )
                        % {"code": problem_code(pid)},
                    )
                ],
                cols,
            )
            continue
        if problem is not None:
            plan.joins[(row.unit.pk, row.title)] = problem
        plan.new_rows.append(row)
        plan.diffs[n] = [
            (label, "", v)
            for label, v in (
                ("问题描述", row.title),
                ("整改措施", row.measures),
                ("责任人", row.person.name),
                ("整改时限", zh_date(row.deadline)),
                ("整改类型", KIND_ZH[row.kind]),
            )
            if v
        ]

    # problem-level changes: one proposed value per field, else the rows disagree
    for pid in list(plan.problem_changes):
        problem, changes = plan.problem_changes[pid]
        for fname, proposals in problem_proposals.get(pid, {}).items():
            if len(proposals) > 1:
                for _v, n in proposals.items():
                    _refuse(
                        plan,
                        n,
                        None,
                        [RowError(n, COLUMN_OF[fname], _("Rows of the same problem disagree."))],
                        cols,
                    )
            else:
                value, n = next(iter(proposals.items()))
                changes[fname] = value
                before = {"source": SOURCE_ZH.get(problem.source, problem.source)}.get(
                    fname, getattr(problem, fname)
                )
                after = SOURCE_ZH.get(value, value) if fname == "source" else value
                plan.diffs.setdefault(n, []).append((COLUMN_OF[fname], before, after))
        if not changes:
            del plan.problem_changes[pid]
    refused = {e.row for e in plan.errors}
    plan.item_changes = [c for c in plan.item_changes if c[0] not in refused]
    plan.unchanged = len(unchanged_rows - refused)
    plan.errors.sort(key=lambda e: e.row)
    for n in refused:
        if n not in plan.cells and len(plan.cells) < MAX_REFUSED_KEPT:
            plan.cells[n] = _cells(raw[n], cols)
    if progress:
        progress(plan.total, plan.total)
    return plan


COLUMN_OF = {"title": "问题描述", "source": "问题来源", "root_cause": "根源剖析"}


def _refuse(plan: Plan, n: int, row, errors: list[RowError], cols) -> None:
    plan.errors.extend(errors)
    plan.diffs.pop(n, None)


def _cells(row, cols) -> list:
    return [
        _jsonable(row[j]) if j < len(row) else None for _l, j in sorted(cols.items(), key=lambda kv: kv[1])
    ]
