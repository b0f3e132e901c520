"""Uploads are bounded before any parser runs; exports never carry a live formula."""

import io
import tracemalloc
import zipfile

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from chuxin.core import xlsx
from chuxin.core.xlsx import Limits, SafeWorkbook, XlsxRefused, inspect_xlsx, read_sheet

COUNTY = "440604"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
BOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="整改台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main">'
)


def _raw_xlsx(path, sheet_chunks, dimension="A1"):
    """A minimal workbook written by hand, the sheet XML streamed from sheet_chunks (small on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", BOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", BOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(f'{SHEET_HEAD}<dimension ref="{dimension}"/><sheetData>'.encode())
            for chunk in sheet_chunks:
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture
def no_parser(monkeypatch):
    """Fails the test if python-calamine is asked to parse anything."""

    def refuse(*args, **kwargs):
        raise AssertionError("the parser ran on a file that should have been refused")

    monkeypatch.setattr(CalamineWorkbook, "from_path", refuse)
    monkeypatch.setattr(CalamineWorkbook, "from_filelike", refuse)


def _peak_mb(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 1e6


def test_a_hand_made_workbook_is_readable(tmp_path):
    path = _raw_xlsx(
        tmp_path / "ok.xlsx",
        ['<row r="1"><c r="A1" t="inlineStr"><is><t>问题描述</t></is></c></row>'.encode()],
    )
    info = inspect_xlsx(path)
    assert info.sheets[0].name == "整改台账" and info.rows == 1
    assert read_sheet(path, 0).rows == [["问题描述"]]


def test_a_lone_cell_at_xfd1048576_is_refused_before_parsing(tmp_path, no_parser):
    path = _raw_xlsx(
        tmp_path / "far.xlsx",
        [b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'],
        dimension="XFD1048576",
    )
    assert path.stat().st_size < 5000
    with pytest.raises(XlsxRefused, match="XFD1048576"):
        inspect_xlsx(path)


def test_a_far_cell_behind_a_small_declared_dimension_is_refused(tmp_path, no_parser):
    path = _raw_xlsx(tmp_path / "liar.xlsx", [b'<row r="1"><c r="XFD1"><v>1</v></c></row>'], dimension="A1")
    with pytest.raises(XlsxRefused, match="XFD1"):
        inspect_xlsx(path)


def test_cells_without_addresses_are_refused(tmp_path, no_parser):
    path = _raw_xlsx(tmp_path / "noref.xlsx", [b'<row r="1">' + b"<c><v>1</v></c>" * 100 + b"</row>"])
    with pytest.raises(XlsxRefused, match="缺少地址"):
        inspect_xlsx(path)


def test_a_zip_bomb_is_refused_while_inflating_without_holding_it(tmp_path, no_parser):
    # 420 MB of padding inside one cell's text: a few hundred KB on disk.
    block = b" " * (1 << 20)

    def chunks():
        yield b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        for _ in range(420):
            yield block
        yield b"</t></is></c></row>"

    path = _raw_xlsx(tmp_path / "bomb.xlsx", chunks())
    assert path.stat().st_size < 2_000_000

    def check():
        with pytest.raises(XlsxRefused, match="解压后超过"):
            inspect_xlsx(path)

    assert _peak_mb(check) < 20


def test_a_million_row_sheet_is_refused_without_reading_it_all(tmp_path, no_parser):
    def chunks():
        for start in range(1, 1_000_001, 10_000):
            yield "".join(
                f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(start, start + 10_000)
            ).encode()

    path = _raw_xlsx(tmp_path / "million.xlsx", chunks(), dimension="A1:A1000000")
    assert path.stat().st_size < 20_000_000

    def check():
        with pytest.raises(XlsxRefused, match="1000000"):
            inspect_xlsx(path)

    assert _peak_mb(check) < 20
    # even when the sheet does not declare its size, the rows are counted while streaming
    path = _raw_xlsx(tmp_path / "million2.xlsx", chunks(), dimension="A1")
    with pytest.raises(XlsxRefused, match="200000"):
        inspect_xlsx(path)


def test_the_file_size_limit_is_a_setting(tmp_path, settings):
    settings.XLSX_MAX_BYTES = 1000
    path = _raw_xlsx(tmp_path / "big.xlsx", [b'<row r="1"><c r="A1"><v>1</v></c></row>' * 200])
    with pytest.raises(XlsxRefused, match="最多可导入 0.001 MB"):
        inspect_xlsx(path)
    assert Limits.from_settings().max_bytes == 1000


def test_sizes_are_told_in_the_unit_of_the_limit(tmp_path):
    """The default limit reads 20 MB (it is 20 × 1024 × 1024 bytes), and a file just over it says by how much."""
    path = tmp_path / "big.xlsx"
    with open(path, "wb") as f:
        f.truncate(int(20.3 * 1024 * 1024))  # sparse: the size is refused before a byte is read
    with pytest.raises(XlsxRefused) as refused:
        inspect_xlsx(path, Limits())
    assert "文件大小为 20.3 MB，最多可导入 20 MB" in str(refused.value)
    assert xlsx.megabytes(400 * 1024 * 1024) == "400" and xlsx.megabytes(1000) == "0.001"


def test_too_many_zip_entries_are_refused(tmp_path, settings, no_parser):
    path = _raw_xlsx(tmp_path / "many.xlsx", [b'<row r="1"><c r="A1"><v>1</v></c></row>'])
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(30):
            zf.writestr(f"xl/media/x{i}.bin", b"x")
    settings.XLSX_MAX_ENTRIES = 20
    with pytest.raises(XlsxRefused, match="组成部分"):
        inspect_xlsx(path)


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(XlsxRefused):
        inspect_xlsx(path)


def test_the_import_page_refuses_the_crafted_file_with_a_chinese_reason(
    as_user, county_staff, tmp_path, settings, no_parser
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = _raw_xlsx(tmp_path / "far.xlsx", [b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'])
    f = io.BytesIO(path.read_bytes())
    f.name = "台账.xlsx"
    response = as_user(county_staff).post(reverse("ledger_import", kwargs={"code": COUNTY}), {"file": f})
    assert response.status_code == 400
    assert "XFD1048576" in response.context["file_error"]
    assert "最多可导入 200000 行、64 列" in response.context["file_error"]
    assert not list((tmp_path / "media" / "imports").glob("*.xlsx"))  # the refused upload is not kept


def test_merged_cells_take_the_anchor_value(tmp_path):
    wb = SafeWorkbook(str(tmp_path / "m.xlsx"))
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 2, 0, "窗口排队时间长")
    ws.write(0, 1, "增设窗口")
    ws.write(1, 1, "推行网上办")
    ws.write(2, 1, "延时服务")
    wb.close()
    rows = read_sheet(tmp_path / "m.xlsx", 0).rows
    assert [r[0] for r in rows] == ["窗口排队时间长"] * 3


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","点我")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_exported_text_that_looks_like_a_formula_stays_text(tmp_path, text):
    path = tmp_path / "e.xlsx"
    wb = SafeWorkbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write(0, 0, text)
    ws.write_row(1, 0, [text, 5])
    ws.write_string(2, 0, text)
    wb.close()
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    styles = zipfile.ZipFile(path).read("xl/styles.xml").decode()
    assert 'quotePrefix="1"' in styles
    rows = read_sheet(path, 0).rows
    assert rows[0][0] == rows[1][0] == rows[2][0] == text  # the text itself is unchanged
    with pytest.raises(TypeError):
        ws.write_formula(3, 0, "=1+1")


def test_dashboard_children_table_does_not_turn_unit_names_into_formulas(as_user, central_office):
    from chuxin.orgs.models import Unit

    unit = Unit.objects.get(code=COUNTY)
    Unit.objects.filter(pk=unit.pk).update(name='=HYPERLINK("http://evil","点我")')
    response = as_user(central_office).get(reverse("dashboard_children_xlsx", kwargs={"code": "440600"}))
    assert response.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(response.content))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert 'quotePrefix="1"' in book.read("xl/styles.xml").decode()
    names = [
        r[0]
        for r in CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    ]
    assert '=HYPERLINK("http://evil","点我")' in names
    assert xlsx.needs_escape(names[names.index('=HYPERLINK("http://evil","点我")')])
