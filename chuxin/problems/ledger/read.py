"""Reading a 台账 file the way offices send it: bounded first (chuxin.core.xlsx), then the header row is looked
for on every sheet in turn (title rows, a 填报单位/填报日期 row and a second sheet are all normal), merged
cells take their anchor's value, and dates come as date cells, serial numbers, 2019年10月31日, 2019.10.31,
2019/10/31, 2019-10-31, with full-width digits and stray spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from chuxin.core.xlsx import (
    SheetReader,
    XlsxRefused,
    col_letters,
    drop_controls,
    inspect_xlsx,
    person_name,
)

from .layout import COLUMNS, REQUIRED, norm

HEADER_SEARCH_ROWS = 20


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not an .xlsx, over a bound, no header, missing columns)."""


@dataclass
class Table:
    """The sheet that holds the 台账: its header row and columns; its body is read row by row (`body()`), so
    that a 100 000-row file is never one list of Python rows."""

    sheet: str
    header_row: int  # 0-based
    cols: dict[str, int]
    reader: SheetReader
    formulas: set = field(default_factory=set)

    @property
    def height(self) -> int:
        """Rows of the sheet after the header (empty ones included): the progress bar's total."""
        return max(self.reader.height - self.header_row - 1, 0)

    def body(self) -> Iterator[tuple[int, list]]:
        """(0-based row index, cells) of every row after the header; a second call reads them again."""
        return self.reader.rows(self.header_row + 1)


def _match_header(row) -> tuple[dict[str, int], dict[str, list[int]]] | None:
    """The header's columns (label -> 0-based index), and the labels written more than once with every index
    they occupy; None when the row is not the header."""
    names: dict[str, list[int]] = {}
    for j, c in enumerate(row):
        if isinstance(c, str) and c.strip():
            names.setdefault(norm(c), []).append(j)
    if norm("问题描述") not in names or norm("整改措施") not in names:
        return None
    cols = {label: names[norm(label)][0] for label in COLUMNS if norm(label) in names}
    twice = {label: names[norm(label)] for label in COLUMNS if len(names.get(norm(label), ())) > 1}
    return cols, twice


def read_ledger(path) -> Table:
    """The first sheet that has a 台账 header row (within its first 20 rows), with that row's columns."""
    try:
        info = inspect_xlsx(path)
    except XlsxRefused as exc:
        raise ImportFileError(str(exc)) from exc
    for index, sheet_info in enumerate(info.sheets):
        try:
            reader = SheetReader(path, index, sheet_info.name)
        except Exception as exc:  # calamine raises its own error types for anything unreadable
            raise ImportFileError(
                _("This file cannot be read as an Excel workbook (.xlsx): %(error)s")
                % {"error": str(exc)[:200]}
            ) from exc
        for i, row in reader.rows():
            if i >= HEADER_SEARCH_ROWS:
                break
            header = _match_header(row)
            if header is None:
                continue
            cols, twice = header
            if twice:
                # two columns of one name: which of them the office meant is anybody's guess, so neither is read
                raise ImportFileError(
                    _(
                        "Sheet %(sheet)s: the column %(column)s appears more than once (cells %(cells)s); keep one."
                    )
                    % {
                        "sheet": reader.name,
                        "column": "、".join(twice),
                        "cells": "、".join(
                            f"{col_letters(j + 1)}{i + 1}" for js in twice.values() for j in js
                        ),
                    }
                )
            missing = [c for c in REQUIRED if c not in cols]
            if "单位代码" not in cols and "单位名称" not in cols:
                missing.insert(0, "单位代码")
            if missing:
                raise ImportFileError(
                    _("Sheet %(sheet)s: required columns are missing: %(columns)s")
                    % {"sheet": reader.name, "columns": "、".join(missing)}
                )
            return Table(reader.name, i, cols, reader, sheet_info.formulas)
    raise ImportFileError(
        _(
            "No header row found: one sheet must have, within its first 20 rows, a row with the columns "
            "问题描述 and 整改措施."
        )
    )


EXCEL_EPOCH = date(1899, 12, 30)
_ZH_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ]?\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value) -> date | None:
    """Excel date cells, Excel serial numbers, 2019年11月30日, 2019-11-30 / 2019/11/30 / 2019.11.30, 20191130."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 29991231 and float(value).is_integer():
            v = int(value)
            return date(v // 10000, v // 100 % 100, v % 100)
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError
    s = norm(value)
    if not s:
        return None
    m = _ZH_DATE.match(s) or _ISO_DATE.match(s) or _COMPACT.match(s)
    if not m:
        raise ValueError
    return date(int(m[1]), int(m[2]), int(m[3]))


def text(value) -> str:
    if type(value) is str:  # the common case first: this runs for every cell of every row
        if not value.isprintable():  # a fast C check; CJK text is printable, so this is rare
            value = drop_controls(value)
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        from .layout import zh_date

        return zh_date(value if isinstance(value, date) and not isinstance(value, datetime) else value.date())
    return str(value).strip()


def name_of(value) -> str:
    """A person's name cell (core.xlsx.person_name: a Chinese name without the spaces sheets pad it with)."""
    return person_name(text(value))


def code(value) -> str:
    if value is None or value == "":
        return ""
    return norm(text(value)).upper()


def lines(value) -> list[str]:
    if value is None or value == "":
        return []
    return [ln.strip() for ln in text(value).splitlines() if ln.strip()]
