"""The 台账 import with the files offices really send, in Chinese (the default language).

Each test names one of the failures the import used to have: duplicates, silent overwrites, blocked valid
rows, refused shapes, uploads kept forever.
"""

import io
import os
import time
import zipfile
from datetime import date, datetime, timedelta

import pytest
import xlsxwriter
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.core.xlsx import col_letters as xlsx_col
from chuxin.orgs.models import Unit
from chuxin.problems.actions import do_import_ledger
from chuxin.problems.ledger import jobs
from chuxin.problems.ledger.layout import COLUMNS, SOURCE_ZH, areas_text, parse_areas, zh_date
from chuxin.problems.ledger.read import parse_date
from chuxin.problems.models import Kind, Problem, RectificationItem, WorkArea
from tests.test_ledger_xlsx import make_ledger


def today():
    """Read at each use: a module-level date goes stale when a run crosses midnight in Beijing."""
    return timezone.localdate()


COUNTY = "440604"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ledger(county_staff):
    """Two problems at 禅城区: one with two items, one with one (as in test_ledger_xlsx)."""
    return make_ledger(county_staff)


def _counts():
    return Problem.objects.count(), RectificationItem.objects.count(), AuditEntry.objects.count()


def _export(client, code=COUNTY):
    response = client.get(reverse("ledger_export", kwargs={"code": code}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _table(content: bytes) -> list[dict]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows[3:]]


def _book(rows, header=COLUMNS, title_rows=2, sheets_before=0, merges=(), formulas=None, raw_cells=None):
    """An office's workbook: title rows, optional sheets before the ledger, merged ranges, formula cells."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    for k in range(sheets_before):
        ws = wb.add_worksheet(f"填报说明{k + 1}")
        ws.write(0, 0, "请按模板填写，勿改动表头。")
    ws = wb.add_worksheet("整改台账")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    if title_rows:
        ws.write(0, 0, "某单位主题教育整改台账")
        r += 1
    if title_rows > 1:
        ws.write(1, 0, "填报单位：禅城区　　填报日期：2019年11月1日")
        r += 1
    for j, h in enumerate(header):
        ws.write_string(r, j, h)
    first = r + 1
    for i, row in enumerate(rows):
        for j, h in enumerate(header):
            v = row.get(h)
            if isinstance(v, date):
                ws.write_datetime(first + i, j, datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, int | float):
                ws.write_number(first + i, j, v)
            elif v is not None:
                ws.write_string(first + i, j, str(v))
    for (r0, c0, r1, c1), value in merges:
        ws.merge_range(first + r0, header.index(c0), first + r1, header.index(c1), value)
    for (i, col), (formula, value) in (formulas or {}).items():
        ws.write_formula(first + i, header.index(col), formula, None, value)
    wb.close()
    return out.getvalue()


def _path(tmp_path, content, name="台账.xlsx"):
    p = tmp_path / name
    p.write_bytes(content)
    return p


def _import(user, path, unit, confirm=False, mode="stop"):
    from chuxin.campaigns.models import Campaign

    campaign = Campaign.objects.get(launched_on="2019-05-31")
    return do_import_ledger(
        unit=unit, path=path, confirm=confirm, mode=mode, campaign=campaign, acting_user=user
    )


def _new(ledger, **over):
    row = {
        "单位代码": COUNTY,
        "问题来源": "征求意见",
        "问题描述": "会议多文件多",
        "根源剖析": "形式主义",
        "整改措施": "精简会议",
        "责任领导": ledger["leader"].name,
        "责任人": ledger["person"].name,
        "整改时限": zh_date(today() + timedelta(days=20)),
        "整改类型": "限期整改",
    }
    row.update(over)
    return row


# ------------------------------------------------------------------------------------------ duplicates


def test_a_re_sent_file_of_new_rows_adds_nothing_the_second_time(county_staff, ledger, tmp_path):
    unit = ledger["unit"]
    path = _path(
        tmp_path, _book([_new(ledger), _new(ledger, 整改措施="压缩文件", 整改类型="立行立改", 整改时限="")])
    )
    first = _import(county_staff, path, unit, confirm=True)
    assert first["applied"] and first["summary"]["new"] == 2
    before = _counts()
    again = _import(county_staff, path, unit)
    assert again["summary"]["new"] == 0 and again["summary"]["unchanged"] == 2
    assert again["summary"]["fingerprint"] == 2 and not again["errors"]
    assert _import(county_staff, path, unit, confirm=True)["applied"]
    assert _counts() == before


def test_an_export_without_the_code_columns_is_matched_by_fingerprint(
    as_user, county_staff, ledger, tmp_path
):
    client = as_user(county_staff)
    data = _table(_export(client))
    header = [c for c in COLUMNS if c not in ("问题编号", "事项编号")]
    before = _counts()
    result = _import(county_staff, _path(tmp_path, _book(data, header=header)), ledger["unit"], confirm=True)
    assert result["applied"] and result["summary"]["new"] == 0, (result["errors"], result.get("file_error"))
    assert result["summary"]["unchanged"] == len(data)
    assert _counts() == before


def test_an_edited_row_without_its_code_is_refused_not_added_to_the_problem(county_staff, ledger, tmp_path):
    # the office changed the measures of an existing item in a file without the code columns
    header = [c for c in COLUMNS if c not in ("问题编号", "事项编号")]
    row = _new(ledger, 问题描述="窗口排队时间长", 整改措施="增设两个窗口")
    before = _counts()
    result = _import(county_staff, _path(tmp_path, _book([row], header=header)), ledger["unit"], confirm=True)
    assert not result.get("applied")
    (reason,) = [r for _n, c, r in result["errors"] if c == "问题描述"]
    assert f"P{ledger['problems'][0].pk}" in reason and "已在台账中" in reason
    assert _counts() == before


def test_two_identical_new_rows_are_both_refused_naming_each_other(county_staff, ledger, tmp_path):
    rows = [_new(ledger), _new(ledger, 整改措施="另一条措施"), _new(ledger)]
    result = _import(county_staff, _path(tmp_path, _book(rows)), ledger["unit"])
    errors = {n: reason for n, _c, reason in result["errors"]}
    assert set(errors) == {4, 6}  # rows 4 and 6 of the sheet (two title rows and the header come first)
    assert "第 6 行" in errors[4] and "第 4 行" in errors[6]


def test_a_new_row_joins_an_existing_problem_only_by_its_code(county_staff, ledger, tmp_path):
    p1 = ledger["problems"][0]
    row = _new(ledger, 问题描述="窗口排队时间长", 整改措施="延长服务时间", 问题编号=f"P{p1.pk}")
    result = _import(county_staff, _path(tmp_path, _book([row])), ledger["unit"], confirm=True)
    assert result["applied"] and result["summary"]["new"] == 1
    assert p1.items.filter(measures="延长服务时间").exists()
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.LIVELIHOOD | WorkArea.RISK  # its empty 服务中心工作 cell said nothing


# ------------------------------------------------------------------------------------------ no silent writes


def test_a_million_character_cell_is_refused_with_the_column_limit(county_staff, ledger, tmp_path):
    i1 = ledger["items"][0]
    path = tmp_path / "long.xlsx"
    content = _book([_new(ledger, 问题描述="X", 事项编号=f"I{i1.pk}")])
    # xlsxwriter caps a cell at 32 767 characters: put a 1 000 000-character text in by hand, as a crafted
    # file would
    zin = zipfile.ZipFile(io.BytesIO(content))
    sheet = zin.read("xl/worksheets/sheet1.xml").decode()
    strings = zin.read("xl/sharedStrings.xml").decode()
    strings = strings.replace("<t>X</t>", "<t>" + "长" * 1_000_000 + "</t>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = strings.encode()
            elif info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            zout.writestr(info.filename, data)
    before = _counts()
    result = _import(county_staff, path, ledger["unit"], confirm=True, mode="skip")
    (reason,) = [r for _n, c, r in result["errors"] if c == "问题描述"]
    assert "1000000" in reason and "最多 200" in reason
    assert Problem.objects.get(pk=i1.problem_id).title == "窗口排队时间长"
    assert _counts()[0:2] == before[0:2]


def test_a_formula_cell_is_refused_with_its_address_unless_it_shows_the_current_value(
    as_user, county_staff, ledger, tmp_path
):
    data = _table(_export(as_user(county_staff)))
    i = next(k for k, d in enumerate(data) if d["事项编号"] == f"I{ledger['items'][0].pk}")
    formulas = {(i, "问题描述"): ('="新"&"标题"', "新标题")}
    result = _import(
        county_staff, _path(tmp_path, _book(data, formulas=formulas)), ledger["unit"], confirm=True
    )
    assert not result.get("applied")
    (reason,) = [r for n, c, r in result["errors"] if c == "问题描述"]
    assert f"E{4 + i}" in reason and "公式" in reason
    assert Problem.objects.get(pk=ledger["problems"][0].pk).title == "窗口排队时间长"
    # the same formula showing the current title changes nothing and is accepted
    formulas = {(i, "问题描述"): ('="窗口排队"&"时间长"', "窗口排队时间长")}
    result = _import(county_staff, _path(tmp_path, _book(data, formulas=formulas), "2.xlsx"), ledger["unit"])
    assert not result["errors"] and result["summary"]["unchanged"] == len(data)


def test_re_importing_an_export_with_long_text_changes_nothing(as_user, county_staff, ledger, tmp_path):
    from chuxin.problems import actions

    item = ledger["items"][1]
    actions.do_edit_item(
        item, None, measures="推行网上办。" * 800, acting_user=county_staff
    )  # 4 800 characters
    data = _table(_export(as_user(county_staff)))
    result = _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"])
    assert not result["errors"] and result["summary"]["changed"] == 0


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("整改措施", "增设窗口并延时服务", "measures"),
        ("整改时限", "DEADLINE", "deadline"),
        ("责任人", "LEADER", "responsible_person"),
        ("问题描述", "窗口排队时间太长", "title"),
        ("问题来源", "检视剖析", "source"),
        ("根源剖析", "宗旨意识淡薄", "root_cause"),
        ("服务中心工作", "稳增长、保稳定", "work_areas"),
        ("服务中心工作", "", "work_areas"),  # emptied: the problem serves no central task any more
        ("NEW", "", "new"),
    ],
)
def test_the_dry_run_lists_exactly_what_the_apply_writes(
    as_user, county_staff, ledger, tmp_path, column, value, field
):
    data = _table(_export(as_user(county_staff)))
    i1 = ledger["items"][0]
    row = next(d for d in data if d["事项编号"] == f"I{i1.pk}")
    problem_level = ("问题描述", "问题来源", "根源剖析", "服务中心工作")
    if column == "NEW":
        data.append(_new(ledger, 问题描述="新问题（试算）", 整改措施="新措施（试算）", 服务中心工作="调结构"))
    else:
        if value == "DEADLINE":
            value = zh_date(today() + timedelta(days=45))
        if value == "LEADER":
            value = ledger["leader"].name
        for d in data:  # a problem-level cell is the same on every row of the problem
            if d["问题编号"] == row["问题编号"] or column not in problem_level:
                if d is row or column in problem_level:
                    d[column] = value
    path = _path(tmp_path, _book(data))
    dry = _import(county_staff, path, ledger["unit"])
    assert not dry["errors"], dry["errors"]
    listed = {(n, c, after) for n, cells in dry["diffs"] for c, _b, after in cells}
    audit_before = AuditEntry.objects.count()
    applied = _import(county_staff, path, ledger["unit"], confirm=True)
    assert applied["applied"]
    written = AuditEntry.objects.filter(pk__gt=0).order_by("-id")[: AuditEntry.objects.count() - audit_before]
    if column == "NEW":
        item = RectificationItem.objects.get(measures="新措施（试算）")
        assert {
            ("整改措施", "新措施（试算）"),
            ("问题描述", "新问题（试算）"),
            ("服务中心工作", "调结构"),
        } <= {(c, a) for _n, c, a in listed}
        (entry,) = written  # one ledger.import entry for everything the import created
        assert entry.action == "ledger.import" and entry.after["created"]["RectificationItem"] == 1
        assert entry.after["ids"]["RectificationItem"] == [[item.pk, item.pk]]
        assert item.problem.title == "新问题（试算）" and item.problem.work_areas == WorkArea.STRUCTURE
        return
    assert {(c, a) for _n, c, a in listed} == {(column, value)}
    (entry,) = written  # one change, one audit entry: nothing else was touched
    changed = {k for k in entry.after if entry.before.get(k) != entry.after[k]} - {"version", "due_date"}
    assert changed == {field}
    obj = RectificationItem.objects.get(pk=i1.pk) if entry.model == "RectificationItem" else i1.problem
    obj.refresh_from_db()
    shown = {
        "deadline": lambda o: zh_date(o.deadline),
        "responsible_person": lambda o: o.responsible_person.name,
        "source": lambda o: SOURCE_ZH[o.source],
        "work_areas": lambda o: areas_text(o.work_areas),
    }.get(field, lambda o: getattr(o, field))(obj)
    assert shown == value
    if field == "work_areas":  # the areas' roll-ups moved with the problem, up to the root
        from chuxin.orgs.models import Unit
        from chuxin.rollups.counters import drift

        for code in (COUNTY, "440000", "000000"):
            assert drift(Unit.objects.get(code=code), obj.campaign_id) == {}


# ------------------------------------------------------------------------------------------ modes


def test_skip_mode_applies_the_valid_rows_and_lists_the_refused(
    client, as_user, county_staff, ledger, tmp_path
):
    rows = [_new(ledger), _new(ledger, 整改措施="第二条", 责任人="查无此人"), _new(ledger, 整改措施="第三条")]
    c = as_user(county_staff)
    f = io.BytesIO(_book(rows))
    f.name = "台账.xlsx"
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    response = c.post(url, {"file": f, "mode": "skip"})
    assert response.status_code == 200 and response.context["can_confirm"]
    assert "导入无误的行" in response.content.decode()
    before = _counts()
    done = c.post(url, {"sha": response.context["sha"], "confirm": "1", "mode": "skip"})
    assert done.status_code == 302
    assert _counts()[1] == before[1] + 2
    page = c.get(done["Location"])
    assert page.context["applied"] and "查无此人" in page.content.decode()
    download = c.get(
        reverse("ledger_import_refused", kwargs={"code": COUNTY}) + "?job=" + page.context["sha"]
    )
    assert download.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(download.content)).get_sheet_by_index(0).to_python()
    assert rows[2][:3] == ["行号", "列", "原因"]
    assert rows[3][0] == 5 and rows[3][1] == "责任人" and "查无此人" in rows[3][2]
    assert "第二条" in rows[3]


def test_stop_mode_writes_nothing_when_a_row_is_refused(county_staff, ledger, tmp_path):
    rows = [_new(ledger), _new(ledger, 整改措施="第二条", 责任人="查无此人")]
    before = _counts()
    result = _import(county_staff, _path(tmp_path, _book(rows)), ledger["unit"], confirm=True)
    assert not result["applied"] and "第 5 行" in result["file_error"]
    assert _counts() == before


def test_update_only_mode_changes_items_and_adds_none(as_user, county_staff, ledger, tmp_path):
    data = _table(_export(as_user(county_staff)))
    i2 = ledger["items"][1]
    for d in data:
        if d["事项编号"] == f"I{i2.pk}":
            d["整改措施"] = "推行网上办、掌上办"
    data.append(_new(ledger, 问题描述="另一个问题"))
    result = _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"], confirm=True, mode="update")
    assert result["applied"] and result["summary"]["new"] == 0 and result["summary"]["changed"] == 1
    assert "仅更新" in result["errors"][0][2]
    assert not Problem.objects.filter(title="另一个问题").exists()


# ------------------------------------------------------------------------------------------ shapes


def test_the_ledger_on_a_second_sheet_is_found_and_named(as_user, county_staff, ledger, tmp_path):
    result = _import(county_staff, _path(tmp_path, _book([_new(ledger)], sheets_before=1)), ledger["unit"])
    assert result["sheet"] == "整改台账" and result["summary"]["new"] == 1 and not result["errors"]


def test_merged_problem_cells_give_every_row_the_problem(county_staff, ledger, tmp_path):
    rows = [
        _new(ledger, 问题描述=None, 问题来源=None, 整改措施="精简会议"),
        _new(ledger, 问题描述=None, 问题来源=None, 整改措施="压缩文件"),
    ]
    merges = [((0, "问题描述", 1, "问题描述"), "文山会海"), ((0, "问题来源", 1, "问题来源"), "检视查摆")]
    result = _import(county_staff, _path(tmp_path, _book(rows, merges=merges)), ledger["unit"], confirm=True)
    assert result["applied"], result["errors"]
    problem = Problem.objects.get(title="文山会海")
    assert problem.source == "self_exam" and problem.items.count() == 2


@pytest.mark.parametrize(
    "cell",
    [
        date(2019, 10, 31),
        "2019年10月31日",
        "2019.10.31",
        "2019/10/31",
        "２０１９年１０月３１日",
        " 2019-10-31 ",
        "20191031",
    ],
)
def test_dates_in_the_shapes_offices_write_and_history_may_be_past(county_staff, ledger, tmp_path, cell):
    Campaign.objects.update(ended_on=date(2020, 1, 8))  # the 2019 campaign, entered afterwards
    result = _import(
        county_staff, _path(tmp_path, _book([_new(ledger, 整改时限=cell)])), ledger["unit"], confirm=True
    )
    assert result["applied"], result["errors"]
    assert RectificationItem.objects.get(measures="精简会议").deadline == date(2019, 10, 31)


def test_a_past_deadline_is_refused_while_the_campaign_runs(county_staff, ledger, tmp_path):
    Campaign.objects.update(ended_on=None)
    result = _import(
        county_staff, _path(tmp_path, _book([_new(ledger, 整改时限="2019年10月31日")])), ledger["unit"]
    )
    assert [c for _n, c, _r in result["errors"]] == ["整改时限"]


def test_full_width_digits_and_stray_spaces_in_codes(county_staff, ledger, tmp_path):
    row = _new(ledger, 单位代码=" ４４０６０４ ", 责任人=f" {ledger['person'].name} ")
    result = _import(county_staff, _path(tmp_path, _book([row], title_rows=0)), ledger["unit"])
    assert not result["errors"] and result["summary"]["new"] == 1


def test_stage_goals_round_trip_in_their_own_columns(as_user, county_staff, ledger, tmp_path):
    row = _new(
        ledger,
        问题描述="调研成果转化不够",
        整改措施="建立调研成果转化机制",
        整改类型="长期坚持",
        整改时限="",
        阶段目标="制定办法\n全面推行",
        阶段时限=f"{zh_date(today() + timedelta(days=30))}\n{zh_date(today() + timedelta(days=90))}",
    )
    result = _import(county_staff, _path(tmp_path, _book([row])), ledger["unit"], confirm=True)
    assert result["applied"], result["errors"]
    item = RectificationItem.objects.get(measures="建立调研成果转化机制")
    assert item.kind == Kind.LONG_TERM
    assert [(s.goal, s.target_date) for s in item.stages.all()] == [
        ("制定办法", today() + timedelta(days=30)),
        ("全面推行", today() + timedelta(days=90)),
    ]
    assert item.due_date == today() + timedelta(days=30)
    data = _table(_export(as_user(county_staff)))
    exported = next(d for d in data if d["事项编号"] == f"I{item.pk}")
    assert exported["阶段目标"] == "制定办法\n全面推行"
    again = _import(county_staff, _path(tmp_path, _book(data), "again.xlsx"), ledger["unit"])
    assert not again["errors"] and again["summary"]["unchanged"] == len(data)


def test_parse_date_reads_every_shape():
    for v in (
        "2019年10月31日",
        "2019.10.31",
        "2019/10/31",
        "２０１９年１０月３１日",
        " 2019-10-31 ",
        43769,
        "20191031",
    ):
        assert parse_date(v) == date(2019, 10, 31), v
    for v in ("10月31日", "2019年13月1日", "明年"):
        with pytest.raises(ValueError):
            parse_date(v)


# ------------------------------------------------------------------------------------------ retention


def test_old_uploads_are_purged_and_fresh_ones_kept(settings):
    settings.IMPORT_RETENTION_DAYS = 7
    old = jobs.import_dir("440604") / ("a" * 64 + ".xlsx")
    fresh = jobs.import_dir("440604") / ("b" * 64 + ".xlsx")
    state = jobs.import_dir("440604") / ("a" * 64 + ".json")
    for p in (old, fresh, state):
        p.write_bytes(b"x")
    ten_days = time.time() - 10 * 86400
    os.utime(old, (ten_days, ten_days))
    os.utime(state, (ten_days, ten_days))
    assert jobs.purge() == 2
    assert not old.exists() and not state.exists() and fresh.exists()


def test_a_unit_has_an_upload_quota(as_user, county_staff, ledger, settings):
    settings.IMPORT_QUOTA_FILES = 2
    c = as_user(county_staff)
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    for k in range(2):
        f = io.BytesIO(_book([_new(ledger, 整改措施=f"措施{k}")]))
        f.name = "台账.xlsx"
        assert c.post(url, {"file": f}).status_code == 200
    f = io.BytesIO(_book([_new(ledger, 整改措施="第三个文件")]))
    f.name = "台账.xlsx"
    response = c.post(url, {"file": f})
    assert response.status_code == 400 and "待导入" in response.context["file_error"]


def _check(client, content, name="台账.xlsx"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("ledger_import", kwargs={"code": COUNTY}), {"file": f})


def test_a_checked_upload_is_listed_and_can_be_cancelled_freeing_the_quota(
    as_user, county_staff, county_office, ledger, settings
):
    settings.IMPORT_QUOTA_FILES = 2
    c = as_user(county_staff)
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    shas = [
        _check(c, _book([_new(ledger, 整改措施=f"措施{k}")]), name=f"第{k}版.xlsx").context["sha"]
        for k in (1, 2)
    ]
    assert "待导入" in _check(c, _book([_new(ledger, 整改措施="第三版")])).context["file_error"]
    page = c.get(url)
    assert {w["sha"] for w in page.context["waiting"]} == set(shas)
    html = page.content.decode()
    assert "我上传的待导入文件" in html and "第1版.xlsx" in html and "已检查，未导入" in html
    # another member of the office neither sees nor cancels this user's upload
    other = as_user(county_office)
    assert not other.get(url).context["waiting"]
    assert other.post(url, {"sha": shas[0], "cancel": "1"}).status_code == 404
    assert jobs.upload_path(COUNTY, shas[0]).exists()
    # cancelled: the file, its kept plan and its state leave the disk, and the quota has room again
    c = as_user(county_staff)
    assert jobs.upload_path(COUNTY, shas[0]).with_suffix(".plan").exists()
    response = c.post(url, {"sha": shas[0], "cancel": "1"}, follow=True)
    assert "已取消导入，上传的文件已删除。" in response.content.decode()
    assert not jobs.upload_path(COUNTY, shas[0]).exists()
    assert not jobs.upload_path(COUNTY, shas[0]).with_suffix(".plan").exists()
    assert not jobs.job_path(COUNTY, shas[0]).exists()
    assert [w["sha"] for w in c.get(url).context["waiting"]] == [shas[1]]
    assert _check(c, _book([_new(ledger, 整改措施="第三版")])).status_code == 200


def test_a_file_with_refused_rows_can_be_cancelled_from_its_result(as_user, county_staff, ledger):
    c = as_user(county_staff)
    response = _check(c, _book([_new(ledger, 责任人="查无此人")]))  # stop mode: nothing to apply
    assert response.status_code == 200 and response.context["errors"] and not response.context["can_confirm"]
    assert 'name="cancel"' in response.content.decode()
    sha = response.context["sha"]
    c.post(reverse("ledger_import", kwargs={"code": COUNTY}), {"sha": sha, "cancel": "1"})
    assert not jobs.upload_path(COUNTY, sha).exists()


def test_a_file_being_checked_in_the_worker_is_not_cancelled(as_user, county_staff, ledger):
    c = as_user(county_staff)
    sha = _check(c, _book([_new(ledger)])).context["sha"]
    state = jobs.read_job(COUNTY, sha)
    jobs.write_job(COUNTY, sha, state | {"status": "running"})
    response = c.post(
        reverse("ledger_import", kwargs={"code": COUNTY}), {"sha": sha, "cancel": "1"}, follow=True
    )
    assert "检查完成后才能取消" in response.content.decode()
    assert jobs.upload_path(COUNTY, sha).exists()


def test_a_file_refused_as_a_whole_keeps_no_upload(as_user, county_staff, ledger):
    c = as_user(county_staff)
    response = _check(c, _book([]))  # the header and no row below it
    assert response.status_code == 400
    assert "只有表头，下面没有数据行" in response.context["file_error"]
    assert not list(jobs.import_dir(COUNTY).glob("*.xlsx"))
    assert not list(jobs.import_dir(COUNTY).glob("*.plan"))


def test_a_column_written_twice_is_refused_naming_both_cells(county_staff, ledger, tmp_path):
    header = [*COLUMNS, "整改措施"]
    row = _new(ledger)
    result = _import(
        county_staff, _path(tmp_path, _book([row], header=header)), Unit.objects.get(code=COUNTY)
    )
    assert result["status"] == "failed"
    last = xlsx_col(len(header))
    first = xlsx_col(COLUMNS.index("整改措施") + 1)
    assert f"“整改措施”列出现了不止一次（单元格 {first}3、{last}3）" in result["file_error"]


def test_an_applied_import_keeps_no_upload(as_user, county_staff, ledger):
    c = as_user(county_staff)
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    f = io.BytesIO(_book([_new(ledger)]))
    f.name = "台账.xlsx"
    response = c.post(url, {"file": f})
    assert c.post(url, {"sha": response.context["sha"], "confirm": "1"}).status_code == 302
    assert not list(jobs.import_dir(COUNTY).glob("*.xlsx"))


def test_two_members_sending_the_same_file_keep_two_uploads(as_user, county_staff, county_office, ledger):
    """The same bytes from two members of one unit are two uploads: the second check neither replaces the
    first one's state nor takes its upload away (they used to share one file named by its hash)."""
    content = _book([_new(ledger, 整改措施="两人都上传的文件")])
    first = _check(as_user(county_staff), content).context["sha"]
    second = _check(as_user(county_office), content).context["sha"]
    assert first != second
    assert jobs.read_job(COUNTY, first)["user"] == county_staff.pk
    assert jobs.read_job(COUNTY, second)["user"] == county_office.pk
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    c = as_user(county_staff)
    assert [w["sha"] for w in c.get(url).context["waiting"]] == [first]
    assert c.get(url, {"job": first}).status_code == 200
    # neither opens nor applies the other's upload
    assert c.get(url, {"job": second}).status_code == 404
    refused = c.post(url, {"sha": second, "confirm": "1"})
    assert refused.status_code == 400 and "已失效" in refused.context["file_error"]
    assert c.post(url, {"sha": first, "confirm": "1"}).status_code == 302
    assert RectificationItem.objects.filter(measures="两人都上传的文件").count() == 1
    assert jobs.upload_path(COUNTY, second).exists()  # the other member's upload is still there


def test_one_file_checked_in_two_campaigns_is_two_uploads(as_user, county_staff, ledger):
    from tests.test_campaign_rule import _campaign

    special = _campaign("440000", "广东省专项整治")
    central = Campaign.objects.get(launched_on="2019-05-31")
    c = as_user(county_staff)
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    content = _book([_new(ledger, 整改措施="两次主题教育都检查过")])
    shas = {}
    for campaign in (central, special):
        f = io.BytesIO(content)
        f.name = "台账.xlsx"
        response = c.post(url + f"?campaign={campaign.pk}", {"file": f, "campaign": campaign.pk})
        assert response.context["can_confirm"]
        shas[campaign.pk] = response.context["sha"]
    assert shas[central.pk] != shas[special.pk]
    for campaign, other in ((central, special), (special, central)):
        page = c.get(url, {"campaign": campaign.pk})
        assert [w["sha"] for w in page.context["waiting"]] == [shas[campaign.pk]]
        # an upload checked in one campaign is not opened, applied or refused-rows-downloaded in the other
        assert c.get(url, {"campaign": campaign.pk, "job": shas[other.pk]}).status_code == 404
        assert (
            c.post(url, {"campaign": campaign.pk, "sha": shas[other.pk], "confirm": "1"}).status_code == 400
        )
    assert not RectificationItem.objects.filter(measures="两次主题教育都检查过").exists()


def test_a_file_with_nothing_to_change_offers_no_import_and_is_not_kept(as_user, county_staff, ledger):
    c = as_user(county_staff)
    response = _check(c, _export(c))  # the ledger's own export, sent back unchanged
    assert response.status_code == 200
    ctx = response.context
    assert ctx["summary"]["unchanged"] == ctx["summary"]["total"] > 0 and not ctx["errors"]
    assert not ctx["can_confirm"] and ctx["nothing_to_apply"]
    html = response.content.decode()
    assert "每一行都与台账一致，没有需要导入的内容" in html
    assert 'name="confirm"' not in html and 'name="cancel"' not in html
    assert not list(jobs.import_dir(COUNTY).glob("*.xlsx"))
    assert not c.get(reverse("ledger_import", kwargs={"code": COUNTY})).context["waiting"]


def test_a_closed_campaign_takes_no_import(as_user, county_staff, central_office, ledger):
    from chuxin.campaigns.actions import do_close_campaign

    campaign = do_close_campaign(Campaign.objects.get(launched_on="2019-05-31"), acting_user=central_office)
    c = as_user(county_staff)
    url = reverse("ledger_import", kwargs={"code": COUNTY}) + f"?campaign={campaign.pk}"
    page = c.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "不能再导入" in html and 'type="file"' not in html
    f = io.BytesIO(_book([_new(ledger, 整改措施="结束后才送来的台账")]))
    f.name = "台账.xlsx"
    before = _counts()
    response = c.post(url, {"file": f, "campaign": campaign.pk})
    assert response.status_code == 400 and "已结束" in response.context["file_error"]
    assert not list(jobs.import_dir(COUNTY).glob("*.xlsx"))  # nothing uploaded
    # the action refuses it too, whoever calls it (the worker, the API)
    path = jobs.import_dir(COUNTY) / "direct.xlsx"
    path.write_bytes(_book([_new(ledger, 整改措施="结束后才送来的台账")]))
    with pytest.raises(ActionError, match="已结束"):
        do_import_ledger(
            unit=Unit.objects.get(code=COUNTY), path=path, campaign=campaign, acting_user=county_staff
        )
    assert _counts() == before


# ------------------------------------------------------------------------------------------ work areas (M13)


@pytest.mark.parametrize(
    "cell",
    [
        "惠民生、防风险",
        "惠民生，防风险",
        "惠民生,防风险",
        "惠民生；防风险",
        "惠民生;防风险",
        "惠民生／防风险",
        "惠民生/防风险",
        "惠民生 防风险",
        "惠民生\u3000防风险",  # an ideographic space
        " 防风险 、 惠民生 ",  # any order, stray spaces
        "惠民生、、防风险、惠民生",  # doubled separators and repeats
    ],
)
def test_the_areas_cell_reads_the_separators_offices_use(cell):
    assert parse_areas(cell) == (WorkArea.LIVELIHOOD | WorkArea.RISK, [])


def test_an_unknown_area_is_refused_naming_the_cell_and_the_six_words(county_staff, ledger, tmp_path):
    rows = [_new(ledger), _new(ledger, 整改措施="第二条", 服务中心工作="惠民生、促发展")]
    before = _counts()
    result = _import(county_staff, _path(tmp_path, _book(rows)), ledger["unit"], confirm=True)
    assert not result.get("applied")
    ((row, column, reason),) = result["errors"]
    cell = f"{chr(ord('A') + COLUMNS.index('服务中心工作'))}5"  # the second row under two title rows and the header
    assert (row, column) == (5, "服务中心工作")
    assert f"单元格 {cell}" in reason and "促发展" in reason
    assert "稳增长、促改革、调结构、惠民生、防风险、保稳定" in reason
    assert _counts() == before


def test_re_importing_an_export_leaves_the_areas_and_their_counts_as_they_were(
    as_user, county_staff, ledger, tmp_path
):
    from chuxin.rollups.areas import stored

    p1 = ledger["problems"][0]
    data = _table(_export(as_user(county_staff)))
    assert {d["服务中心工作"] for d in data if d["问题编号"] == f"P{p1.pk}"} == {"惠民生、防风险"}
    figures = stored(ledger["unit"], p1.campaign_id)
    before = _counts()
    dry = _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"])
    assert dry["diffs"] == [] and dry["summary"]["unchanged"] == len(data)
    assert _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"], confirm=True)["applied"]
    assert _counts() == before
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.LIVELIHOOD | WorkArea.RISK and p1.version == 1
    assert stored(ledger["unit"], p1.campaign_id) == figures


def test_a_file_without_the_areas_column_keeps_every_problems_areas(as_user, county_staff, ledger, tmp_path):
    p1 = ledger["problems"][0]
    data = _table(_export(as_user(county_staff)))
    for d in data:
        d["整改措施"] = d["整改措施"] + "（修订）" if d["问题编号"] == f"P{p1.pk}" else d["整改措施"]
    header = [c for c in COLUMNS if c != "服务中心工作"]
    result = _import(county_staff, _path(tmp_path, _book(data, header=header)), ledger["unit"], confirm=True)
    assert result["applied"] and result["summary"]["changed"] == 2, result["errors"]
    assert {c for _n, cells in result["diffs"] for c, _b, _a in cells} == {"整改措施"}
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.LIVELIHOOD | WorkArea.RISK


def test_an_edited_areas_cell_is_listed_before_and_after_and_moves_the_counts(
    as_user, county_staff, ledger, tmp_path
):
    from chuxin.rollups.areas import stored

    p1 = ledger["problems"][0]
    data = _table(_export(as_user(county_staff)))
    for d in data:
        if d["问题编号"] == f"P{p1.pk}":
            d["服务中心工作"] = "保稳定，稳增长"  # any order, a full-width comma
    figures = stored(ledger["unit"], p1.campaign_id)
    dry = _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"])
    (changed,) = [cells for _n, cells in dry["diffs"]]
    assert changed == [["服务中心工作", "惠民生、防风险", "稳增长、保稳定"]]
    assert _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"], confirm=True)["applied"]
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.GROWTH | WorkArea.STABILITY
    after = stored(ledger["unit"], p1.campaign_id)
    assert after[WorkArea.LIVELIHOOD]["items"] == figures[WorkArea.LIVELIHOOD]["items"] - 2
    assert after[WorkArea.GROWTH]["items"] == figures[WorkArea.GROWTH]["items"] + 2
    entry = AuditEntry.objects.filter(action="problem.change").latest("id")
    assert (entry.before["work_areas"], entry.after["work_areas"]) == (
        WorkArea.LIVELIHOOD | WorkArea.RISK,
        WorkArea.GROWTH | WorkArea.STABILITY,
    )


def test_rows_of_one_problem_that_name_different_areas_are_refused(as_user, county_staff, ledger, tmp_path):
    p1 = ledger["problems"][0]
    data = _table(_export(as_user(county_staff)))
    rows = [d for d in data if d["问题编号"] == f"P{p1.pk}"]
    rows[0]["服务中心工作"], rows[1]["服务中心工作"] = "惠民生", "防风险"
    result = _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"], mode="skip", confirm=True)
    assert {c for _n, c, _r in result["errors"]} == {"服务中心工作"}
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.LIVELIHOOD | WorkArea.RISK


def test_new_rows_give_their_new_problem_the_areas_of_the_cell(county_staff, ledger, tmp_path):
    from chuxin.orgs.models import Unit
    from chuxin.rollups.counters import drift

    rows = [
        _new(ledger, 服务中心工作="防风险；保稳定"),
        _new(ledger, 整改措施="压缩文件", 服务中心工作="防风险；保稳定"),
    ]
    result = _import(county_staff, _path(tmp_path, _book(rows)), ledger["unit"], confirm=True)
    assert result["applied"] and result["summary"]["new"] == 2
    problem = Problem.objects.get(title="会议多文件多")
    assert problem.work_areas == WorkArea.RISK | WorkArea.STABILITY and problem.items.count() == 2
    for code in (COUNTY, "440000", "000000"):
        assert drift(Unit.objects.get(code=code), problem.campaign_id) == {}


def test_a_row_that_adds_an_item_to_a_problem_proposes_its_areas_never_ignores_them(
    county_staff, ledger, tmp_path
):
    p1 = ledger["problems"][0]
    row = _new(
        ledger,
        问题描述="窗口排队时间长",
        整改措施="延长服务时间",
        问题编号=f"P{p1.pk}",
        服务中心工作="惠民生",
    )
    dry = _import(county_staff, _path(tmp_path, _book([row])), ledger["unit"])
    listed = [cell for _n, cells in dry["diffs"] for cell in cells if cell[0] == "服务中心工作"]
    assert ["服务中心工作", "惠民生、防风险", "惠民生"] in listed
    assert _import(county_staff, _path(tmp_path, _book([row])), ledger["unit"], confirm=True)["applied"]
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.LIVELIHOOD and p1.items.filter(measures="延长服务时间").exists()


def test_a_joining_row_whose_areas_disagree_with_the_problems_rows_is_refused(
    as_user, county_staff, ledger, tmp_path
):
    p1 = ledger["problems"][0]
    data = _table(_export(as_user(county_staff)))
    for d in data:
        if d["问题编号"] == f"P{p1.pk}":
            d["服务中心工作"] = "稳增长"
    data.append(
        _new(
            ledger,
            问题描述="窗口排队时间长",
            整改措施="延长服务时间",
            问题编号=f"P{p1.pk}",
            服务中心工作="保稳定",
        )
    )
    before = _counts()
    result = _import(county_staff, _path(tmp_path, _book(data)), ledger["unit"], mode="skip", confirm=True)
    assert result["applied"] and result["summary"]["new"] == 0
    assert {c for _n, c, _r in result["errors"]} == {"服务中心工作"}
    assert _counts()[1] == before[1]  # the joining row was refused with the others, not added
    p1.refresh_from_db()
    assert p1.work_areas == WorkArea.LIVELIHOOD | WorkArea.RISK


# ------------------------------------------------------------------------------------ one campaign per import


def _in(campaign, user, content, tmp_path, confirm=False, mode="stop"):
    return do_import_ledger(
        unit=Unit.objects.get(code=COUNTY),
        path=_path(tmp_path, content, name=f"台账{campaign.pk}{int(confirm)}.xlsx"),
        confirm=confirm,
        mode=mode,
        campaign=campaign,
        acting_user=user,
    )


def test_another_campaigns_export_sent_to_this_campaign_changes_none_of_its_items(
    as_user, county_staff, ledger, tmp_path
):
    """The 2019 ledger's export, edited and sent to the import of a new campaign: its rows name the 2019 items
    by code; they are refused (the items are another campaign's), never changed from the new one's page."""
    from tests.test_campaign_rule import _campaign

    rows = _table(_export(as_user(county_staff)))  # the 2019 ledger, before the new campaign is launched
    special = _campaign("440000", "广东省专项整治")
    rows[0]["整改措施"] = "从专项整治导入时改的措施"
    result = _in(special, county_staff, _book(rows), tmp_path, confirm=True, mode="skip")
    assert not RectificationItem.objects.filter(measures="从专项整治导入时改的措施").exists()
    reasons = " ".join(r for _n, _c, r in result["errors"])
    assert result["summary"]["refused"] == len(rows) and "不属于本次主题教育" in reasons, result["errors"]


def test_a_row_like_another_campaigns_item_is_new_in_this_campaign(county_staff, ledger, tmp_path):
    """The same problem and measures recorded again in a new campaign: a new problem and item there, not
    "unchanged" because the 2019 ledger had one like it, and not refused as a problem already in the ledger."""
    from tests.test_campaign_rule import _campaign

    special = _campaign("440000", "广东省专项整治")
    item = ledger["items"][0]
    row = _new(
        ledger,
        问题描述=item.problem.title,
        整改措施=item.measures,
        责任人=item.responsible_person.name,
        整改时限=zh_date(today() + timedelta(days=30)),
    )
    again = _in(special, county_staff, _book([row]), tmp_path, confirm=True)
    assert again["summary"]["new"] == 1 and not again["errors"], again["errors"]
    made = RectificationItem.objects.get(campaign=special)
    assert made.problem.campaign == special and made.problem_id != item.problem_id
    assert Problem.objects.filter(title=item.problem.title).count() == 2


def test_a_problem_number_of_another_campaign_is_refused(county_staff, ledger, tmp_path):
    """问题编号 P… of a 2019 problem in a file imported into a new campaign: the new item would have landed in
    the 2019 campaign (an item takes its problem's)."""
    from tests.test_campaign_rule import _campaign

    special = _campaign("440000", "广东省专项整治")
    problem = ledger["items"][0].problem
    row = _new(ledger, 问题编号=f"P{problem.pk}", 问题描述=problem.title, 整改措施="加到旧问题下的措施")
    result = _in(special, county_staff, _book([row]), tmp_path, confirm=True)
    assert not RectificationItem.objects.filter(measures="加到旧问题下的措施").exists()
    assert result["summary"]["refused"] == 1
    assert "不属于本次主题教育" in result["errors"][0][2], result["errors"]


# ------------------------------------------------------------------------------------ how offices write cells


def test_names_padded_with_spaces_are_the_people_they_name(county_staff, ledger, tmp_path):
    """Sheets pad two-character names for alignment (张　三) and split names by accident (上官 月惠)."""
    person, leader = ledger["person"].name, ledger["leader"].name
    row = _new(ledger, 责任人=f" {person[:1]}　{person[1:]} ", 责任领导="  " + " ".join(leader))
    result = _import(county_staff, _path(tmp_path, _book([row])), Unit.objects.get(code=COUNTY), confirm=True)
    assert result["summary"]["new"] == 1 and not result["errors"], result["errors"]
    made = RectificationItem.objects.get(
        measures=row["整改措施"], unit__code=COUNTY, responsible_person__name=person
    )
    assert made.responsible_leader.name == leader


def test_several_names_in_one_person_cell_are_refused_saying_why(county_staff, ledger, tmp_path):
    row = _new(ledger, 责任人=f"{ledger['person'].name}、{ledger['leader'].name}")
    result = _import(county_staff, _path(tmp_path, _book([row])), Unit.objects.get(code=COUNTY))
    assert result["errors"][0][1] == "责任人"
    assert "是多个人名：每个整改事项只有一名责任人" in result["errors"][0][2]


@pytest.mark.parametrize("word", ["立即整改", "即知即改", "立行立改"])
def test_offices_words_for_fix_at_once_are_read_as_such(county_staff, ledger, tmp_path, word):
    row = _new(ledger, 整改类型=word, 整改时限="", 整改措施=f"{word}的措施")
    result = _import(county_staff, _path(tmp_path, _book([row])), Unit.objects.get(code=COUNTY), confirm=True)
    assert not result["errors"], result["errors"]
    assert RectificationItem.objects.get(measures=f"{word}的措施").kind == Kind.AT_ONCE


def test_an_unknown_source_or_kind_lists_the_words_to_write(county_staff, ledger, tmp_path):
    row = _new(ledger, 问题来源="群众来信", 整改类型="马上改")
    result = _import(county_staff, _path(tmp_path, _book([row])), Unit.objects.get(code=COUNTY))
    reasons = {column: reason for _n, column, reason in result["errors"]}
    assert "未知的问题来源：群众来信。可填：征求意见、" in reasons["问题来源"]
    assert "未知的整改类型：马上改。可填：立查立改、限期整改、持续整改。" == reasons["整改类型"]


def test_an_import_checked_in_an_older_campaign_keeps_its_links_to_that_campaign(
    as_user, county_staff, ledger, settings
):
    """The import page of the 2019 campaign while a newer campaign covers the unit (the default one): the
    progress poll, the refused rows' download and "import another file" name the 2019 campaign (the job is
    that campaign's: opened under the other one it is not found)."""
    import re

    from tests.test_campaign_rule import _campaign

    _campaign("440000", "广东省专项整治")  # now the newest covering Chancheng
    central = Campaign.objects.get(launched_on="2019-05-31")
    c = as_user(county_staff)
    url = reverse("ledger_import", kwargs={"code": COUNTY})
    f = io.BytesIO(_book([_new(ledger), _new(ledger, 整改措施="另一条", 责任人="查无此人")]))
    f.name = "台账.xlsx"
    page = c.post(f"{url}?campaign={central.pk}", {"file": f, "campaign": central.pk, "mode": "skip"})
    html = page.content.decode()
    links = re.findall(r'href="([^"]*(?:refused|import/)[^"]*job=[^"]*)"', html)
    assert links and all(f"campaign={central.pk}" in link for link in links), links
    for link in links:
        assert c.get(link.replace("&amp;", "&")).status_code == 200
    sha = page.context["sha"]
    progress = c.get(url, {"job": sha, "campaign": central.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "campaign=" + str(central.pk) in progress
