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

One campaign: the rows are compared with the ledger of the campaign the file is imported into. An item or
problem code of another campaign (an old campaign's export sent to the new one's page) refuses its row, and a
row like another campaign's item or problem is new in this one: an office records a problem again in a new
campaign, and nothing is changed, matched or joined across campaigns.

Work areas (服务中心工作): a problem-level cell like 问题来源 and 根源剖析 — the problem's central tasks in the
glossary's words, separated by 、，, ; / or spaces (full-width too; `layout.parse_areas`); an unknown word refuses
the row naming the cell and the six words; an empty cell is "no area". A file without the column leaves every
problem's areas as they are. A new problem takes the areas of its first row; a new row that joins an existing
problem (问题编号 P…) proposes its cell, when not empty, for that problem like the problem's other rows.

Cells: over-long text is refused with the column's limit (layout.LIMITS, the model's); a formula cell is
refused with its address unless its stored value equals what the export shows now; read-only columns
(序号, 整改进展, 完成情况, 销号情况) are never imported.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from chuxin.core.xlsx import col_letters
from chuxin.orgs.models import Person, Unit
from chuxin.orgs.scope import scope_for
from chuxin.problems import rules
from chuxin.problems.models import ACTIVE_STATUSES, Kind, Problem, RectificationItem, Source

from .export import row_values
from .layout import (
    AREA_COLUMN,
    COLUMNS,
    KIND_ZH,
    LIMITS,
    READ_ONLY,
    SOURCE_ZH,
    area_words,
    areas_text,
    item_code,
    label_map,
    norm,
    norm_str,
    parse_areas,
    problem_code,
)
from .layout import zh_date as _zh_date
from .read import Table, code, lines, name_of, parse_date, text

MODES = ("stop", "skip", "update")
zh_date = lru_cache(maxsize=8192)(_zh_date)  # a few hundred distinct dates in 100 000 rows
MAX_REFUSED_KEPT = 10_000  # refused rows whose cells are kept for the download
_REF = re.compile(r"([IP]?)(\d+)")  # an item's or a problem's code as a cell gives it (I12, P7, 12)


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass(slots=True)
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
    work_areas: int = 0  # the new problem's central tasks (WorkArea bits); 0 when the file has no such column


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
    # row -> (column, before, after) of the existing items and problems; a new row's cells are `new_diff`
    diffs: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    cells: dict[int, list] = field(default_factory=dict)  # the cells of refused rows, for the download

    @property
    def ok(self) -> bool:
        return not self.errors

    def diff_count(self) -> int:
        return len(self.diffs) + len(self.new_rows)

    def diff_rows(self, limit: int) -> list[tuple[int, list[tuple[str, str, str]]]]:
        """The first `limit` rows of the dry run's list of changes, in row order: changed and new rows (a new
        row's cells are made here, for the rows shown only: 100 000 new rows need not be listed twice)."""
        changed = sorted(self.diffs.items())[:limit]
        new = ((row.row, row) for row in self.new_rows[:limit])
        merged = heapq.merge(changed, new, key=lambda pair: pair[0])
        return [(n, new_diff(v) if isinstance(v, NewRow) else v) for n, v in itertools.islice(merged, limit)]

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
        self._loaded: set[str] = set()
        self._cache: dict[tuple[str, str], tuple[Person | None, str]] = {}
        self.load(names)

    def load(self, names: set[str]) -> None:
        """Fetch the people of these names (those not fetched yet)."""
        names = {n for n in names if n} - self._loaded
        self._loaded |= names
        for part in _chunks(names):
            # the home unit's path alone (not a Unit instance per person: ~12 000 of them in 100 000 rows)
            qs = Person.objects.filter(name__in=part, is_active=True).annotate(home_path=F("home_unit__path"))
            for p in qs:
                self.by_name[p.name].append((p, p.home_path or ""))

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
        if not here and _SEVERAL.search(name):
            return None, _(
                "%(name)s names several people: an item has one responsible person and one responsible "
                "leader; give one name here, and the others in the measures or on rows of their own."
            ) % {"name": name}
        if not here:
            return None, _(
                "Unknown person %(name)s: nobody of that name in this unit, above it or below it."
            ) % {"name": name}
        if len({p.pk for p in here}) > 1:
            return None, _(
                "Ambiguous person %(name)s: several people of that name; add them one by one on the site."
            ) % {"name": name}
        return here[0], ""


_SEVERAL = re.compile(r"[、，,；;／/]")  # between names in one cell (an error message's choice only)


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


BLOCK = 5000  # rows read, looked up and checked together: a few queries per block, never one per row


@dataclass(slots=True)
class _Row:
    """One non-empty row of the file, its cells read once (the checks that need no database done)."""

    n: int  # the row number Excel shows
    i: int  # 0-based index in the sheet
    r: list
    long_errs: list  # over-long cells, first among the row's reasons
    field_errs: list  # empty or unreadable cells
    ucode: str
    uname: str
    source: str | None
    title: str
    root_cause: str
    measures: str
    kind: str | None
    deadline: date | None
    goals: list
    stage_dates: list
    leader_name: str
    person_name: str
    ntitle: str  # title, measures and person as the fingerprint compares them (layout.norm)
    nmeasures: str
    nperson: str
    areas: int | None = (
        None  # WorkArea bits of 服务中心工作; None: the file has no such column (keep the problem's)
    )
    unit: Unit | None = None
    unit_errs: list = field(default_factory=list)
    cands: list | None = None  # items of the ledger with this row's fingerprint


class _Ledger:
    """What the file's rows refer to, fetched a block of rows at a time and kept only as long as needed:
    units (by code, by name), items (by code or fingerprint), problems named by P…, people by name."""

    related = (
        "unit",
        "problem",
        "problem__campaign",
        "responsible_person",
        "responsible_leader",
        "problem__responsible_leader",
    )

    def __init__(self, root: Unit, scope, campaign=None):
        self.root = root
        self.scope = scope
        # the campaign the file is imported into: its items and problems are the ledger the rows are compared
        # with; another campaign's are never matched, joined or changed
        self.campaign_id = campaign.pk if campaign is not None else None
        self.units_by_code: dict[str, Unit] = {}
        self.units_by_name: dict[str, list[Unit]] = defaultdict(list)
        self._codes: set[str] = set()
        self._names: set[str] = set()
        self.recordable: dict[int, bool] = {}
        self.items: dict[int, RectificationItem] = {}  # of the current block
        self.problems_by_pk: dict[int, Problem] = {}
        self._problem_pks: set[int] = set()
        self.existing_fp: dict[tuple, list[tuple[int, set]]] = defaultdict(list)
        self.existing_problems: dict[tuple[int, str], int] = {}
        self._fp_units: set[int] = set()
        self.people = People(set())

    def load_units(self, codes: set[str], names: set[str]) -> None:
        codes, names = codes - self._codes - {""}, names - self._names - {""}
        self._codes |= codes
        self._names |= names
        for part in _chunks(codes):
            for u in Unit.objects.filter(code__in=part, path__startswith=self.root.path):
                self.units_by_code[u.code.upper()] = u
        for part in _chunks(names):
            for u in Unit.objects.filter(name__in=part, path__startswith=self.root.path):
                self.units_by_name[u.name].append(u)

    def load_fingerprints(self, unit_ids: set[int]) -> None:
        """The fingerprints of the items already in the ledger at these units (rows without a code)."""
        unit_ids = unit_ids - self._fp_units
        self._fp_units |= unit_ids
        mine = {"campaign_id": self.campaign_id} if self.campaign_id else {}
        for part in _chunks(unit_ids):
            rows = (
                RectificationItem.objects.filter(unit_id__in=part, **mine)
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
                self.existing_fp[(unit_id, norm(title), norm(measures), norm(person))].append(
                    (pk, set(dates))
                )
            for pk, unit_id, title in Problem.objects.filter(unit_id__in=part, **mine).values_list(
                "pk", "unit_id", "title"
            ):
                self.existing_problems.setdefault((unit_id, norm(title)), pk)

    def load_items(self, pks: set[int], in_subtree: set[int]) -> None:
        """This block's items: those named by code (inside the root's subtree) and those found by fingerprint."""
        self.items = {}
        for part in _chunks(in_subtree):
            qs = RectificationItem.objects.filter(pk__in=part).in_subtree(self.root)
            for it in qs.select_related(*self.related).prefetch_related("stages"):
                self.items[it.pk] = it
        for part in _chunks(pks - set(self.items)):
            qs = RectificationItem.objects.filter(pk__in=part)
            for it in qs.select_related(*self.related).prefetch_related("stages"):
                self.items[it.pk] = it

    def load_problems(self, pks: set[int]) -> None:
        pks = pks - self._problem_pks
        self._problem_pks |= pks
        for part in _chunks(pks):
            problems = Problem.objects.filter(pk__in=part, unit__path__startswith=self.root.path)
            for p in problems.select_related("campaign"):
                self.problems_by_pk[p.pk] = p

    def elsewhere(self, record) -> str | None:
        """The title of the other campaign an item or problem named in the file belongs to (None: this one)."""
        if self.campaign_id and record.campaign_id != self.campaign_id:
            campaign = record.campaign if isinstance(record, Problem) else record.problem.campaign
            return campaign.title
        return None

    def unit_for(self, ucode: str, uname: str) -> Unit | None:
        """The row's unit as the fingerprint sees it (before the right to record is checked)."""
        u = self.units_by_code.get(ucode)
        if u is None and not ucode:
            found = self.units_by_name.get(uname, [])
            u = found[0] if len(found) == 1 else None
        return u


def validate(table: Table, user, root: Unit, campaign=None, mode: str = "stop", today=None, progress=None):
    """Check every row; the plan lists the errors and the exact writes to make. Nothing is written.

    The rows are read from the sheet a block at a time (BLOCK): a block's look-ups are a few queries, and
    no list of the whole file's rows is ever held. Only what the apply needs is kept (the new rows, the
    changes) and the cells of refused rows, for the download."""
    today = today or timezone.localdate()
    cols = table.cols
    plan = Plan(sheet=table.sheet, mode=mode)
    plan.header = [label for label, _j in sorted(cols.items(), key=lambda kv: kv[1])]
    ledger = _Ledger(root, scope_for(user), campaign)
    sources = label_map(SOURCE_ZH, Source)
    kinds = label_map(KIND_ZH, Kind)
    allow_past_new = rules.past_dates_allowed(campaign, today)
    state = _State()
    estimate = table.height
    width = max(cols.values()) + 1
    at = {label: cols.get(label, -1) for label in COLUMNS}  # -1: a column the file lacks, read as empty
    data_cols = [j for label, j in cols.items() if label != "序号"]
    limits = [(label, at[label], limit) for label, limit in LIMITS.items()]
    # cells that repeat row after row (labels, codes, dates) are worked out once per distinct text
    source_of = _Memo(lambda raw: sources.get(norm(raw)))
    kind_of = _Memo(lambda raw: kinds.get(norm(raw)))
    codes = _Memo(code)
    dates = _Memo(_parse_date)
    areas_of = _Memo(parse_areas)
    area_col = cols.get(AREA_COLUMN)  # None: the file has no such column, the problems keep their areas

    def code_of(v) -> str:
        return codes[v] if type(v) is str else code(v)

    def date_of(v) -> tuple[date | None, bool]:
        return dates[v] if type(v) is str else _parse_date(v)

    # the columns' indexes as plain locals: read() runs for every row
    j_src, j_kind, j_title, j_measures = at["问题来源"], at["整改类型"], at["问题描述"], at["整改措施"]
    j_deadline, j_goals, j_stage_dates = at["整改时限"], at["阶段目标"], at["阶段时限"]
    j_ucode, j_uname, j_cause, j_leader, j_person = (
        at["单位代码"],
        at["单位名称"],
        at["根源剖析"],
        at["责任领导"],
        at["责任人"],
    )
    limits = [(label, j, limit) for label, j, limit in limits if j >= 0]  # a column the file lacks is empty
    ref_cols = [(label, at[label]) for label in ("事项编号", "问题编号") if at[label] >= 0]

    def read(i, r) -> _Row | None:
        if len(r) < width:
            r.extend([None] * (width - len(r)))
        r.append(None)  # the cell of every column the file lacks (index -1)
        for j in data_cols:
            v = r[j]
            if v is None or v == "":
                continue
            if type(v) is not str or v.strip():
                break
        else:
            return None
        n = i + 1
        long_errs = []
        for label, j, limit in limits:
            v = r[j]
            if v is None or (type(v) is str and len(v) <= limit):  # stripped, it is no longer
                continue
            v = text(v)
            if len(v) > limit:
                long_errs.append(RowError(n, label, rules.too_long(len(v), limit)))
        errs: list[RowError] = []
        src_raw = text(r[j_src])
        source = source_of[src_raw] if src_raw else None
        if not src_raw:
            errs.append(RowError(n, "问题来源", _("The source is empty.")))
        elif source is None:
            errs.append(
                _unknown(
                    n, "问题来源", _("Unknown source %(label)s: write one of %(labels)s."), src_raw, SOURCE_ZH
                )
            )
        kind_raw = text(r[j_kind])
        kind = kind_of[kind_raw] if kind_raw else None
        if not kind_raw:
            errs.append(RowError(n, "整改类型", _("The kind of rectification is empty.")))
        elif kind is None:
            errs.append(
                _unknown(
                    n,
                    "整改类型",
                    _("Unknown kind of rectification %(label)s: write one of %(labels)s."),
                    kind_raw,
                    KIND_ZH,
                )
            )
        title = text(r[j_title])
        if not title:
            errs.append(RowError(n, "问题描述", _("The problem description is empty.")))
        measures = text(r[j_measures])
        if not measures:
            errs.append(RowError(n, "整改措施", _("The measures are empty.")))
        deadline, bad = date_of(r[j_deadline])
        if bad:
            errs.append(RowError(n, "整改时限", not_a_date(text(r[j_deadline]))))
        goals = lines(r[j_goals])
        stage_dates: list[date | None] = []
        for line in lines(r[j_stage_dates]):
            d, bad = date_of(line)
            if bad:
                errs.append(RowError(n, "阶段时限", not_a_date(line)))
            else:
                stage_dates.append(d)
        if (goals or stage_dates) and len(goals) != len(stage_dates):
            errs.append(
                RowError(
                    n, "阶段目标", _("Each stage goal needs its target date on the same line of 阶段时限.")
                )
            )
        areas = None
        if area_col is not None:
            raw = text(r[area_col])
            areas, unknown = areas_of[raw] if raw else (0, [])
            if unknown:
                errs.append(
                    RowError(
                        n,
                        AREA_COLUMN,
                        _(
                            "Cell %(cell)s: %(words)s is not a central task. Write one or more of "
                            "%(allowed)s, separated by 、."
                        )
                        % {
                            "cell": f"{col_letters(area_col + 1)}{n}",
                            "words": "、".join(unknown),
                            "allowed": "、".join(area_words()),
                        },
                    )
                )
        # codes: 事项编号 I…, or an old export's 问题编号 I…; 问题编号 P… names a problem
        for label, j in ref_cols:
            v = r[j]
            if v is None or v == "":
                continue
            ref = code_of(v)
            if not ref:
                continue
            m = _REF.fullmatch(ref)
            if m is None:
                state.item_refs[n] = -1
            elif m[1] == "P" or (label == "问题编号" and m[1] == "" and "事项编号" in cols):
                state.problem_refs[n] = int(m[2])
            else:
                state.item_refs.setdefault(n, int(m[2]))
        person_name = name_of(r[j_person])
        uname = text(r[j_uname])
        root_cause = text(r[j_cause])
        leader_name = name_of(r[j_leader])
        return _Row(
            n,
            i,
            r,
            long_errs,
            errs,
            code_of(r[j_ucode]),
            uname,
            source,
            title,
            root_cause,
            measures,
            kind,
            deadline,
            goals,
            stage_dates,
            leader_name,
            person_name,
            _same(norm_str(title), title),
            _same(norm_str(measures), measures),
            norm(person_name),
            areas,
        )

    def look_up(block: list[_Row]) -> None:
        """The block's units, fingerprints, items, problems and people, a few queries for all its rows."""
        ledger.load_units({row.ucode for row in block}, {row.uname for row in block if not row.ucode})
        codeless = [row for row in block if row.n not in state.item_refs]
        fp_units = set()
        for row in codeless:
            u = ledger.unit_for(row.ucode, row.uname)
            if u is not None:
                fp_units.add(u.id)
                row.unit = u
        ledger.load_fingerprints(fp_units)
        fp_items = set()
        for row in codeless:
            if row.unit is not None and row.title and row.measures:
                fp = (row.unit.id, row.ntitle, row.nmeasures, row.nperson)
                row.cands = [
                    pk
                    for pk, dates in ledger.existing_fp.get(fp, ())
                    if row.deadline is None or row.deadline in dates
                ]
                if len(row.cands) == 1:
                    fp_items.add(row.cands[0])
            row.unit = None
        refs = {state.item_refs[row.n] for row in block if row.n in state.item_refs} - {-1}
        ledger.load_items(fp_items, refs)
        ledger.load_problems({state.problem_refs[row.n] for row in block if row.n in state.problem_refs})
        ledger.people.load({row.leader_name for row in block} | {row.person_name for row in block})

    def check(row: _Row) -> None:
        n, r = row.n, row.r
        errs = row.long_errs

        def err(column, reason, errs=errs, n=n):
            errs.append(RowError(n, column, reason))

        # unit
        unit = None
        if row.ucode:
            unit = ledger.units_by_code.get(row.ucode)
            if unit is None:
                err(
                    "单位代码", _("Unknown unit %(unit)s (not in this unit's subtree).") % {"unit": row.ucode}
                )
        elif row.uname:
            found = ledger.units_by_name.get(row.uname, [])
            if len(found) == 1:
                unit = found[0]
            elif found:
                err(
                    "单位名称",
                    _("Several units are called %(unit)s: give the unit code.") % {"unit": row.uname},
                )
            else:
                err(
                    "单位名称", _("Unknown unit %(unit)s (not in this unit's subtree).") % {"unit": row.uname}
                )
        else:
            err("单位代码", _("The unit code (or unit name) is empty."))
        if unit is not None:  # `.id`, not `.pk` (a property) in the per-row paths: ~600 000 calls a file
            if unit.id not in ledger.recordable:
                ledger.recordable[unit.id] = ledger.scope.can_record(unit)
            if not ledger.recordable[unit.id]:
                err("单位代码", _("You may not record for %(unit)s.") % {"unit": unit.name})
                unit = None
        errs.extend(row.field_errs)
        title, measures, deadline, kind = row.title, row.measures, row.deadline, row.kind

        # the existing item: by code, else by fingerprint
        item = None
        by_fp = False
        if n in state.item_refs:
            item = ledger.items.get(state.item_refs[n])
            if item is None:
                ref = text(r[at["事项编号"]]) or text(r[at["问题编号"]])
                err("事项编号", _("Unknown item number %(ref)s.") % {"ref": ref})
            elif (other := ledger.elsewhere(item)) is not None:
                err(
                    "事项编号",
                    _(
                        "Item %(ref)s belongs to %(campaign)s, not to the campaign this file is imported into: "
                        "fill in this campaign's exported ledger, or import the file from that campaign's page."
                    )
                    % {"ref": item_code(item.pk), "campaign": other},
                )
                item = None
        elif unit is not None and title and measures:
            cands = row.cands or []
            if len(cands) > 1:
                err(
                    "事项编号",
                    _("This row matches several items already in the ledger (%(codes)s); give its 事项编号.")
                    % {"codes": "、".join(item_code(c) for c in cands)},
                )
            elif cands:
                by_fp = True
                item = ledger.items[cands[0]]
        if item is not None:
            if item.pk in state.seen_items:
                err(
                    "事项编号",
                    _("Item %(ref)s appears twice: rows %(first)s and %(row)s.")
                    % {"ref": item_code(item.pk), "first": state.seen_items[item.pk], "row": n},
                )
            else:
                state.seen_items[item.pk] = n

        # formula cells: refused unless the stored value is what the ledger shows now
        if table.formulas:
            current = row_values(item) if item is not None else {}
            for label, j in cols.items():
                if label in READ_ONLY or (row.i, j) not in table.formulas:
                    continue
                if item is not None and norm(text(r[j])) == norm(current.get(label, "")):
                    continue
                err(
                    label,
                    _("Cell %(cell)s holds a formula; paste its value instead (formulas are not imported).")
                    % {"cell": f"{col_letters(j + 1)}{n}"},
                )

        # people: an existing item keeps its person when the name is unchanged
        def person_for(name, current, unit=unit, err=err, label=""):
            if not name:
                return None
            if current is not None and current.name == name:
                return current
            if unit is None:
                return None
            p, why = ledger.people.resolve(name, unit)
            if p is None:
                err(label, why)
            return p

        cur_leader = (item.responsible_leader or item.problem.responsible_leader) if item else None
        leader = person_for(row.leader_name, cur_leader, label="责任领导")
        person = person_for(row.person_name, item.responsible_person if item else None, label="责任人")
        if not row.person_name:
            err("责任人", _("The responsible person is empty."))

        if errs or unit is None:
            _refuse(plan, n, r, errs, cols)
            return

        goals, stage_dates = row.goals, row.stage_dates
        if item is None:
            if mode == "update":
                err("事项编号", _("Update only: this row names no existing item, so nothing is added."))
                _refuse(plan, n, r, errs, cols)
                return
            stages = list(zip(goals, stage_dates, strict=False)) if goals else _NO_STAGES
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
            if n in state.problem_refs:
                join = ledger.problems_by_pk.get(state.problem_refs[n])
                if join is None or join.unit_id != unit.pk:
                    err("问题编号", _("Unknown problem number %(ref)s.") % {"ref": text(r[at["问题编号"]])})
                elif (other := ledger.elsewhere(join)) is not None:
                    err(
                        "问题编号",
                        _(
                            "Problem %(ref)s belongs to %(campaign)s, not to the campaign this file is imported "
                            "into: an item added to it would land there."
                        )
                        % {"ref": problem_code(join.pk), "campaign": other},
                    )
            if errs:
                _refuse(plan, n, r, errs, cols)
                return
            new = NewRow(
                n,
                unit,
                row.source,
                title,
                row.root_cause,
                measures,
                kind,
                deadline,
                leader,
                person,
                stages,
                row.areas or 0,
            )
            fp = (unit.id, row.ntitle, row.nmeasures, row.nperson, deadline)  # person.name is the cell's
            twins = state.fp_rows.get(fp)  # the row number alone, a list only for duplicates (memory)
            state.fp_rows[fp] = n if twins is None else [twins, n] if type(twins) is int else [*twins, n]
            state.pending_new.append((n, new, fp, join))
            return

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
            return
        problem = item.problem
        state.coded_titles.setdefault((unit.pk, row.ntitle), problem)
        plan.joins.setdefault((unit.pk, title), problem)
        proposed = [("title", title), ("source", row.source), ("root_cause", row.root_cause)]
        if row.areas is not None:
            proposed.append(("work_areas", row.areas))
        for fname, value in proposed:
            if getattr(problem, fname) != value:
                state.problem_proposals[problem.pk][fname][value] = n
        if by_fp:
            plan.matched_by_fingerprint += 1
        if changes:
            plan.item_changes.append((n, item, changes))
            plan.diffs[n] = diff
        else:
            state.unchanged_rows.add(n)
        plan.problem_changes.setdefault(problem.pk, (problem, {}))

    block: list[_Row] = []
    seen = 0
    for i, r in table.body():
        seen += 1
        if progress and seen % 2000 == 0:
            progress(seen, max(estimate, seen))
        row = read(i, r)
        if row is None:
            continue
        plan.total += 1
        block.append(row)
        if len(block) >= BLOCK:
            look_up(block)
            for row in block:
                check(row)
            block = []
    if block:
        look_up(block)
        for row in block:
            check(row)
    del block
    ledger.items = {}
    _finish(plan, state, ledger, cols)
    _keep_refused_cells(plan, table)
    if progress:
        progress(plan.total, plan.total)
    return plan


_NO_STAGES = ()  # one empty tuple for the many rows without stage goals, not a new list each


def _unknown(n: int, column: str, message: str, raw: str, words) -> RowError:
    """A cell that names none of the words its column takes: `message` lists them (the sheet's Chinese words,
    whatever the interface language)."""
    return RowError(n, column, message % {"label": raw, "labels": "、".join(words.values())})


def _same(normalised: str, original: str) -> str:
    """`normalised`, or the original string object when they are equal (most cells are already normal):
    100 000 rows then hold one copy of their title and measures, not two."""
    return original if normalised == original else normalised


class _Memo(dict):
    """fn(value), worked out on the first ask."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


def _parse_date(value) -> tuple[date | None, bool]:
    """(date, False), or (None, True) for a cell that is not a date."""
    try:
        return parse_date(value), False
    except (ValueError, OverflowError):
        return None, True


def not_a_date(value) -> str:
    return _("Not a date: %(value)s (write 2019年11月30日 or 2019-11-30).") % {"value": value}


@dataclass
class _State:
    """What the checks of one row leave for the others (keys, duplicates, problem proposals)."""

    item_refs: dict[int, int] = field(default_factory=dict)  # row -> item pk (-1: unreadable code)
    problem_refs: dict[int, int] = field(default_factory=dict)  # row -> problem pk
    seen_items: dict[int, int] = field(default_factory=dict)
    fp_rows: dict[tuple, int | list[int]] = field(default_factory=dict)  # fingerprint -> row, or rows
    problem_proposals: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    coded_titles: dict[tuple[int, str], Problem] = field(default_factory=dict)
    pending_new: list = field(default_factory=list)
    unchanged_rows: set[int] = field(default_factory=set)


def _finish(plan: Plan, state: _State, ledger: _Ledger, cols) -> None:
    """After every row: duplicates among the new rows, problems that already exist, and the problem-level
    changes the rows of one problem agree on."""
    for n, row, fp, join in state.pending_new:
        twins = state.fp_rows[fp]
        key = fp[:2]  # (unit id, title as compared)
        if type(twins) is not int:
            others = "、".join(str(t) for t in twins if t != n)
            _refuse(
                plan,
                n,
                None,
                [RowError(n, "整改措施", _("Duplicate row: the same as row %(rows)s.") % {"rows": others})],
                cols,
            )
            continue
        problem = join or state.coded_titles.get(key)
        if problem is None and key in ledger.existing_problems:
            pid = ledger.existing_problems[key]
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
            if AREA_COLUMN in cols and row.work_areas and row.work_areas != problem.work_areas:
                # the areas belong to the problem: a row that adds an item to it and names areas proposes
                # them as its other rows do (listed before/after, or refused when the rows disagree), never
                # ignored; left empty, it says nothing about them
                state.problem_proposals[problem.pk]["work_areas"][row.work_areas] = n
                plan.problem_changes.setdefault(problem.pk, (problem, {}))
        plan.new_rows.append(row)

    # problem-level changes: one proposed value per field, else the rows disagree
    for pid in list(plan.problem_changes):
        problem, changes = plan.problem_changes[pid]
        for fname, proposals in state.problem_proposals.get(pid, {}).items():
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
                before, after = _shown(fname, getattr(problem, fname)), _shown(fname, value)
                plan.diffs.setdefault(n, []).append((COLUMN_OF[fname], before, after))
        if not changes:
            del plan.problem_changes[pid]
    refused = {e.row for e in plan.errors}
    plan.item_changes = [c for c in plan.item_changes if c[0] not in refused]
    plan.new_rows = [r for r in plan.new_rows if r.row not in refused]  # a joined row whose areas disagree
    plan.unchanged = len(state.unchanged_rows - refused)
    plan.errors.sort(key=lambda e: e.row)


def _keep_refused_cells(plan: Plan, table: Table) -> None:
    """The cells of refused rows for the download: kept when the row was refused while read; rows refused
    only after every row was read (duplicates, disagreeing rows) are read again, in one more pass."""
    wanted = {e.row for e in plan.errors} - set(plan.cells)
    room = MAX_REFUSED_KEPT - len(plan.cells)
    if not wanted or room <= 0:
        return
    wanted = set(sorted(wanted)[:room])
    for i, r in table.body():
        if i + 1 in wanted:
            plan.cells[i + 1] = _cells(r, table.cols)


def new_diff(row: NewRow) -> list[tuple[str, str, str]]:
    """A new row as the dry run lists it: its cells, each from empty."""
    return [
        (label, "", v)
        for label, v in (
            ("问题描述", row.title),
            ("整改措施", row.measures),
            ("责任人", row.person.name),
            ("整改时限", zh_date(row.deadline)),
            ("整改类型", KIND_ZH[row.kind]),
            (AREA_COLUMN, areas_text(row.work_areas)),
        )
        if v
    ]


COLUMN_OF = {"title": "问题描述", "source": "问题来源", "root_cause": "根源剖析", "work_areas": AREA_COLUMN}


def _shown(fname: str, value) -> str:
    """A problem field's value as the 台账 shows it (the dry run's before and after)."""
    if fname == "source":
        return SOURCE_ZH.get(value, value)
    if fname == "work_areas":
        return areas_text(value)
    return value


def _refuse(plan: Plan, n: int, row, errors: list[RowError], cols) -> None:
    plan.errors.extend(errors)
    plan.diffs.pop(n, None)
    if row is not None and n not in plan.cells and len(plan.cells) < MAX_REFUSED_KEPT:
        plan.cells[n] = _cells(row, cols)


def _cells(row, cols) -> list:
    return [
        _jsonable(row[j]) if j < len(row) else None for _l, j in sorted(cols.items(), key=lambda kv: kv[1])
    ]
