""".xlsx in and out, safely: every upload is inspected before a parser sees it, every export escapes formulas.

Reading (`inspect_xlsx`, then `read_sheets`):
- An .xlsx is a zip of XML files. A 5 KB file whose only cell sits at XFD1048576 makes python-calamine build a
  16 384 × 1 048 576 grid (about 512 GiB), and a zip bomb inflates to gigabytes. So before calamine runs we
  check, in one streaming pass that never holds more than one chunk of XML in memory:
  the file size; the number of zip entries; the real (inflated, not declared) size of every entry and of all
  of them together; every worksheet's declared `<dimension>`; the largest row and column any cell or row
  actually names; and that every cell names its address (a cell without one is placed by counting, which
  would let a row of a million empty cells through).
- The bounds are settings (`XLSX_MAX_BYTES`, default 20 MB; `XLSX_MAX_ROWS`, `XLSX_MAX_COLUMNS`,
  `XLSX_MAX_ENTRIES`, `XLSX_MAX_INFLATED_BYTES`), so an installation can raise them on purpose.
- A file over a bound raises `XlsxRefused` with a sentence for the user; nothing else is read.
- `read_sheets` then gives each sheet's rows (up to its last used row and column, never beyond the caps) with
  merged cells filled from their anchor, the way the people who merged them read them.

Writing (`SafeWorkbook`): every text is written as a text cell, never as a formula, and a text that begins
with = + - @, a tab or a carriage return also gets Excel's own "quote prefix" (the style flag Excel sets when
someone types '=…), so Excel, WPS and LibreOffice show it as the text it is and keep it text when the cell is
edited (formula and DDE injection: `=HYPERLINK(…)`, `=cmd|…`). The text itself is unchanged, so a re-imported
export reads back exactly what was exported. Every .xlsx the app writes goes through `SafeWorkbook`.
An export made for someone names them: `SafeWorkbook(..., viewer=watermark_text(user))` puts the viewer's
name and the date in every sheet's page header and footer (the watermark of the pages, in print).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

# ----------------------------------------------------------------------------------------------- bounds


def megabytes(n: int) -> str:
    """A byte count as the MB figure the messages show, in the same unit as the limits (1 MB = 1024 × 1024
    bytes): 20 MB for the default limit, 21.3 for a file over it, 0.001 for a small test limit."""
    mb = n / (1024 * 1024)
    if mb >= 0.1 or mb == 0:
        return f"{mb:.1f}".removesuffix(".0")
    return f"{mb:.1g}" if mb >= 0.001 else "0.001"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_entries: int = 1000
    max_inflated: int = 400 * 1024 * 1024  # all entries together, inflated
    max_rows: int = 200_000
    max_columns: int = 64
    max_sheets: int = 50

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=getattr(settings, "XLSX_MAX_BYTES", cls.max_bytes),
            max_entries=getattr(settings, "XLSX_MAX_ENTRIES", cls.max_entries),
            max_inflated=getattr(settings, "XLSX_MAX_INFLATED_BYTES", cls.max_inflated),
            max_rows=getattr(settings, "XLSX_MAX_ROWS", cls.max_rows),
            max_columns=getattr(settings, "XLSX_MAX_COLUMNS", cls.max_columns),
        )


class XlsxRefused(Exception):
    """The file is refused before parsing; str() is a sentence for the user."""


# An OLE2 compound file: Excel 97–2003 (.xls), WPS's .et, or any workbook saved with a password to open (its
# encrypted package is an OLE2 file whatever its name)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# what offices send instead of an .xlsx: other spreadsheets, to be saved as .xlsx first
OTHER_SHEETS = (".xls", ".et", ".ett", ".xlsm", ".xlsb", ".xltx", ".csv", ".ods", ".numbers")


def person_name(s: str) -> str:
    """A person's name as a sheet's cell gives it (stripped). A name in Chinese loses its spaces: sheets pad
    two-character names for alignment (张　三) and names get split by accident (上官 月惠), and a Chinese name
    has no space in it. A name in Latin letters keeps single spaces between its words. The ledger import
    reads names, the organisation import writes them: both through this."""
    if s.isascii():
        return " ".join(s.split())
    return "".join(s.split())


def name_refused(name: str) -> str | None:
    """Why a file of this name is not taken as a workbook to import (None: an .xlsx); the sentence says how to
    make one of a spreadsheet of another format."""
    ext = Path(name or "").suffix.lower()
    if ext == ".xlsx":
        return None
    if ext in OTHER_SHEETS:
        return _(
            "%(name)s is a %(ext)s file: open it in Excel or WPS, save it as an Excel workbook (.xlsx) and "
            "upload that file."
        ) % {"name": name, "ext": ext}
    return _("Only Excel workbooks (.xlsx) can be imported.")


def content_refused(head: bytes) -> str:
    """Why a file named .xlsx is not one, from its first bytes."""
    if head.startswith(OLE2):
        return _(
            "This file is an old Excel file (.xls) or a workbook with a password to open it: save it in Excel "
            "or WPS as an Excel workbook (.xlsx) without a password, then upload it again."
        )
    return _("This file is not an Excel workbook (.xlsx).")


@dataclass
class SheetInfo:
    name: str
    entry: str
    declared: str = ""  # the <dimension ref=…> as written
    rows: int = 0  # the largest row number any row or cell names
    columns: int = 0  # the largest column number any cell names
    formulas: set = field(default_factory=set)  # (row, column), 0-based, of every cell that holds a formula


@dataclass
class BookInfo:
    size: int
    sheets: list[SheetInfo] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return max((s.rows for s in self.sheets), default=0)


# Control characters that text pasted from Word or another system carries invisibly (vertical tab, NUL,
# unit separators…; a workbook stores them as _x000B_): the imports drop them, so that a dry run and its apply
# store the same text, PostgreSQL (which refuses NUL in text) never fails an apply, and a re-sent file compares
# equal. Tab, line feed and carriage return stay.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drop_controls(value: str) -> str:
    return _CONTROL.sub("", value)


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


_DIM = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})?(\d+)?)?\"")
# One pass over every tag: a cell gives (r=", its column letters, its row number when it has 6+ digits, ""),
# a cell without an address ("", "", "", ""), a row ("", "", "", its number). One regex instead of five
# separate passes: the inspection of a 100 000-row sheet costs a third of what it did.
_TAGS = re.compile(rb"<(?:\w+:)?(?:c(?:\s[^>]*?\b(r=\")([A-Z]*)(\d{6,})?|[\s>/])|row\b[^>]*?\sr=\"(\d+)\")")
_NO_REF = (b"", b"", b"", b"")
# The same facts, cheaper, for a chunk where every cell tag starts `<c r="` and every row tag `<row r="digits"`
# (what Excel, WPS, LibreOffice and xlsxwriter write): patterns with a literal start, which the regex engine
# finds without trying every tag. `_IRREGULAR` finds any other cell or row tag (a namespace prefix, no address,
# the address not first, another spacing); a chunk with one is scanned with `_TAGS`. A 100 000-row sheet's
# inspection costs about half of what it did.
_IRREGULAR = re.compile(rb"<(?:\w+:(?:c|row)\b|c\b(?! r=\")|row\b(?! r=\"\d+\"))")
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]*)')
_CELL_LONG_ROW = re.compile(rb'<c r="[A-Z]*(\d{6,})')
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_COL_OF, _LONG_ROW_OF, _ROW_OF = itemgetter(1), itemgetter(2), itemgetter(3)
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]+)(\d+)\"[^>]*>\s*<(?:\w+:)?f[\s>/]")
MAX_FORMULAS = 100_000
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb"([\w:]+)=\"([^\"]*)\"")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
CHUNK = 1 << 20


def _unescape(b: bytes) -> str:
    s = b.decode("utf-8", "replace")
    return (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _sheet_entries(zf: zipfile.ZipFile, read_small) -> list[tuple[str, str]]:
    """(sheet name, zip entry) in workbook order, which is the order calamine gives its sheets."""
    book = read_small("xl/workbook.xml")
    rels = read_small("xl/_rels/workbook.xml.rels")
    targets = {}
    for m in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(0)))
        target = _unescape(attrs.get(b"Target", b""))
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[_unescape(attrs.get(b"Id", b""))] = target
    out = []
    for m in _SHEET.finditer(book):
        attrs = dict(_ATTR.findall(m.group(0)))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
        entry = targets.get(_unescape(rid), "")
        if entry.startswith("xl/worksheets/"):
            out.append((_unescape(attrs.get(b"name", b"")), entry))
    return out


def check_size(size: int, limits: Limits | None = None) -> None:
    """Refuse a file over the size limit (XlsxRefused): the upload views call it before keeping a file."""
    limits = limits or Limits.from_settings()
    if size > limits.max_bytes:
        raise XlsxRefused(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported. Split it into smaller files.")
            % {"size": megabytes(size), "limit": megabytes(limits.max_bytes)}
        )


def inspect_xlsx(path: str | Path, limits: Limits | None = None) -> BookInfo:
    """Check the file against the bounds without parsing it; raise XlsxRefused with the reason."""
    limits = limits or Limits.from_settings()
    path = Path(path)
    size = path.stat().st_size
    check_size(size, limits)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        with open(path, "rb") as fh:
            raise XlsxRefused(content_refused(fh.read(len(OLE2)))) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise XlsxRefused(
                _("The workbook holds %(n)s parts; at most %(limit)s are allowed.")
                % {"n": len(infos), "limit": limits.max_entries}
            )
        budget = [limits.max_inflated]

        def too_big():
            return XlsxRefused(
                _("The workbook unpacks to more than %(limit)s MB; it cannot be imported.")
                % {"limit": megabytes(limits.max_inflated)}
            )

        def stream(name):
            """Inflate one entry chunk by chunk, counting the real bytes against the budget."""
            with zf.open(name) as f:
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        return
                    budget[0] -= len(chunk)
                    if budget[0] < 0:
                        raise too_big()
                    yield chunk

        def read_small(name):
            try:
                data = b"".join(stream(name))
            except KeyError as exc:
                raise XlsxRefused(_("This file is not an Excel workbook (.xlsx).")) from exc
            return data

        declared_total = sum(i.file_size for i in infos)
        if declared_total > limits.max_inflated * 4:
            raise too_big()
        try:
            sheets = _sheet_entries(zf, read_small)
            if not sheets:
                raise XlsxRefused(_("This file is not an Excel workbook (.xlsx)."))
            book = BookInfo(size=size)
            for name, entry in sheets[: limits.max_sheets]:
                book.sheets.append(_scan_sheet(name, entry, stream, limits))
            # the rest (shared strings, styles …) only counts against the budget
            seen = {e for _n, e in sheets[: limits.max_sheets]} | {
                "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels",
            }
            for info in infos:
                if info.filename not in seen and not info.is_dir():
                    for _chunk in stream(info.filename):
                        pass
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError) as exc:
            raise XlsxRefused(_("This file is not an Excel workbook (.xlsx).")) from exc
    return book


def _scan_sheet(name: str, entry: str, stream, limits: Limits) -> SheetInfo:
    info = SheetInfo(name=name, entry=entry)
    tail = b""
    no_ref = 0  # cells without an address
    max_col = max_row = 0
    first = True
    for chunk in stream(entry):
        # a tag can straddle two chunks: carry the end of the previous one (tags here are short)
        buf = tail + chunk
        cut = buf.rfind(b"<")
        if cut < 0 or len(buf) - cut > 4096:
            cut = len(buf)
        data, tail = buf[:cut], buf[cut:]
        if first:
            m = _DIM.search(data)
            if m:
                info.declared = (m.group(0).split(b'"')[1]).decode()
                last_col = m.group(3) or m.group(1)
                last_row = m.group(4) or m.group(2)
                if last_col and col_number(last_col) > limits.max_columns:
                    raise _over(name, info.declared, limits)
                if last_row and int(last_row) > limits.max_rows:
                    raise _over(name, info.declared, limits)
            first = False
        if _IRREGULAR.search(data) is None:
            for letters in set(_CELL_COLUMN.findall(data)):
                if letters:
                    max_col = max(max_col, col_number(letters))
            max_row = max(
                max_row, max(map(int, _CELL_LONG_ROW.findall(data) + _ROW_NUMBER.findall(data)), default=0)
            )
            tags = None
        else:
            tags = _TAGS.findall(data)
        if tags:
            no_ref += tags.count(_NO_REF)
            for letters in set(map(_COL_OF, tags)):
                if letters:
                    max_col = max(max_col, col_number(letters))
            for r in set(map(_LONG_ROW_OF, tags)) | set(map(_ROW_OF, tags)):
                if r:
                    max_row = max(max_row, int(r))
        if b"<f" in data and len(info.formulas) < MAX_FORMULAS:
            for letters, r in _FORMULA_CELL.findall(data):
                info.formulas.add((int(r) - 1, col_number(letters) - 1))
        if max_col > limits.max_columns or max_row > limits.max_rows:
            raise _over(name, f"{col_letters(max_col)}{max_row}", limits)
    if tail.strip():
        for _mark, letters, _long, _row in _TAGS.findall(tail):
            if letters:
                max_col = max(max_col, col_number(letters))
    if no_ref:
        raise XlsxRefused(
            _("Sheet %(sheet)s has cells without an address; save it again in Excel or WPS and retry.")
            % {"sheet": name}
        )
    if max_col > limits.max_columns or max_row > limits.max_rows:
        raise _over(name, f"{col_letters(max_col)}{max_row}", limits)
    info.rows, info.columns = max_row, max_col
    return info


def _over(sheet: str, ref: str, limits: Limits) -> XlsxRefused:
    return XlsxRefused(
        _(
            "Sheet %(sheet)s reaches cell %(ref)s; at most %(rows)s rows and %(columns)s columns can be "
            "imported. Delete the empty rows and columns at the end (or copy the data to a new workbook)."
        )
        % {"sheet": sheet, "ref": ref, "rows": limits.max_rows, "columns": limits.max_columns}
    )


# ----------------------------------------------------------------------------------------------- reading


@dataclass
class Sheet:
    name: str
    index: int
    rows: list[list]


def read_sheet(path: str | Path, index: int, name: str = "") -> Sheet:
    """One sheet's rows (call inspect_xlsx first), merged cells filled from their anchors."""
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as wb:
        sheet = wb.get_sheet_by_index(index)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
        name = name or sheet.name
    if merged and rows:
        height = len(rows)
        for (r0, c0), (r1, c1) in merged:
            if r0 >= height:
                continue
            anchor_row = rows[r0]
            value = anchor_row[c0] if c0 < len(anchor_row) else ""
            if value == "" or value is None:
                continue
            for r in range(r0, min(r1, height - 1) + 1):
                row = rows[r]
                for c in range(c0, min(c1, len(row) - 1) + 1):
                    if row[c] == "" or row[c] is None:
                        row[c] = value
    return Sheet(name=name, index=index, rows=rows)


class SheetReader:
    """One sheet's rows one at a time (call inspect_xlsx first), merged cells filled from their anchors, for
    imports of any size: calamine parses the sheet once into its compact Rust cells, and a Python row exists
    only while it is read, never a list of the whole file (100 000 rows as Python lists cost ~250 MB).

    `rows(start)` may be called again for a second pass; rows are numbered from 0 like `read_sheet`'s."""

    def __init__(self, path: str | Path, index: int, name: str = ""):
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(path)) as wb:
            self._sheet = wb.get_sheet_by_index(index)
        self.index = index
        self.name = name or self._sheet.name
        start = self._sheet.start
        # calamine yields every row from the first, but only the columns from the first used one
        self._pad = start[1] if start else 0
        self.height = self._sheet.total_height if start else 0
        self._merged = sorted(self._sheet.merged_cell_ranges or [])

    def rows(self, start: int = 0) -> Iterator[tuple[int, list]]:
        pending = iter(self._merged)
        nxt = next(pending, None)
        active: list[tuple[int, int, int, object]] = []  # (last row, first column, last column, value)
        pad = [""] * self._pad
        for i, row in enumerate(self._sheet.iter_rows()):
            if pad:
                row = pad + row
            while nxt is not None and nxt[0][0] <= i:
                (r0, c0), (r1, c1) = nxt
                nxt = next(pending, None)
                if r0 == i:
                    value = row[c0] if c0 < len(row) else ""
                    if value != "" and value is not None:
                        active.append((r1, c0, c1, value))
            if active:
                active = [a for a in active if a[0] >= i]
                last = len(row) - 1
                for _r1, c0, c1, value in active:
                    for c in range(c0, min(c1, last) + 1):
                        if row[c] == "" or row[c] is None:
                            row[c] = value
            if i >= start:
                yield i, row


# ----------------------------------------------------------------------------------------------- writing

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def needs_escape(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


class SafeWorkbook:
    """xlsxwriter.Workbook whose worksheets write every text as text, escaped as described above.

    Use it like xlsxwriter.Workbook (`add_format`, `add_worksheet`, `ws.write`, `write_row`, `write_string`,
    `merge_range`); formulas cannot be written through it."""

    def __init__(self, target, options: dict | None = None, *, viewer: str | None = None):
        import xlsxwriter

        options = {"strings_to_formulas": False, "strings_to_urls": False, **(options or {})}
        self._wb = xlsxwriter.Workbook(target, options)
        self._props: dict[int, dict] = {}
        self._quoted: dict[int | None, object] = {}
        self._viewer = viewer

    def __getattr__(self, name):
        return getattr(self._wb, name)

    def add_format(self, props: dict | None = None):
        fmt = self._wb.add_format(props or {})
        self._props[id(fmt)] = dict(props or {})
        return fmt

    def quoted(self, fmt):
        key = id(fmt) if fmt is not None else None
        if key not in self._quoted:
            props = self._props.get(key, {}) if fmt is not None else {}
            self._quoted[key] = self._wb.add_format({**props, "quote_prefix": True})
        return self._quoted[key]

    def add_worksheet(self, name: str | None = None):
        ws = self._wb.add_worksheet(name)
        if self._viewer:
            # Excel's header/footer codes start with &: a literal & is written &&; small grey text
            text = "&C&8&K808080" + self._viewer.replace("&", "&&")[:200]
            ws.set_header(text)
            ws.set_footer(text)
        return _SafeSheet(self, ws)

    def close(self):
        self._wb.close()


class _SafeSheet:
    def __init__(self, book: SafeWorkbook, ws):
        self._book = book
        self._ws = ws

    def __getattr__(self, name):
        return getattr(self._ws, name)

    def write_string(self, row, col, value, fmt=None):
        value = str(value)
        if needs_escape(value):
            fmt = self._book.quoted(fmt)
        return self._ws.write_string(row, col, value, fmt)

    def write(self, row, col, value, fmt=None):
        if isinstance(value, str):
            return self.write_string(row, col, value, fmt)
        if value is None:
            return self._ws.write_blank(row, col, None, fmt)
        return self._ws.write(row, col, value, fmt)

    def write_row(self, row, col, values, fmt=None):
        for j, v in enumerate(values):
            self.write(row, col + j, v, fmt)

    def merge_range(self, r0, c0, r1, c1, value, fmt=None):
        if needs_escape(value):
            fmt = self._book.quoted(fmt)
        self._ws.merge_range(r0, c0, r1, c1, "", fmt)
        return self._ws.write_string(r0, c0, str(value), fmt)

    def write_formula(self, *args, **kwargs):
        raise TypeError("exports never write formulas")

    write_array_formula = write_dynamic_array_formula = write_formula
