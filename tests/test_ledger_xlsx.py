"""The Excel 台账: export layout, template, dry run, round trip, edits, refusals, scope."""

import io
import os
import time
from datetime import date, timedelta

import pytest
import xlsxwriter
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from chuxin.audit.models import AuditEntry
from chuxin.campaigns import directory
from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Person, Unit
from chuxin.problems import actions, xlsx_views
from chuxin.problems.history import import_entry
from chuxin.problems.ledger import layout as lx
from chuxin.problems.ledger.read import parse_date
from chuxin.problems.models import Kind, Problem, RectificationItem, WorkArea


def today():
    """Read at each use: a module-level date goes stale when a run crosses midnight in Beijing."""
    return timezone.localdate()


COUNTY = "440604"


@pytest.fixture(autouse=True)
def chinese_and_media(settings, tmp_path):
    """Pages and messages are checked in Chinese, the default language (no cookie, no Accept-Language)."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        yield


def _unique_people(unit, n=2):
    """People of the unit whose names are unique in the whole tree (so a name resolves to one person)."""
    out = []
    for p in Person.objects.filter(home_unit=unit, is_active=True).order_by("pk"):
        if Person.objects.filter(name=p.name).count() == 1:
            out.append(p)
        if len(out) == n:
            return out
    raise AssertionError("no unique names in the demo unit")


@pytest.fixture
def ledger(county_staff):
    return make_ledger(county_staff)


def make_ledger(county_staff):
    """Two problems at 禅城区: one with two items (serving 惠民生 and 防风险), one with one (no work area)."""
    unit = Unit.objects.get(code=COUNTY)
    leader, person = _unique_people(unit)
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    p1 = actions.do_record_problem(
        campaign=campaign,
        unit=unit,
        title="窗口排队时间长",
        source="opinion",
        root_cause="服务意识不强",
        responsible_leader=leader,
        work_areas=WorkArea.LIVELIHOOD | WorkArea.RISK,
        acting_user=county_staff,
    )
    i1 = actions.do_add_item(
        p1,
        measures="增设窗口",
        kind=Kind.DEADLINE,
        responsible_person=person,
        deadline=today() + timedelta(days=30),
        requirements="月底前完成",
        acting_user=county_staff,
    )
    i2 = actions.do_add_item(
        p1, measures="推行网上办", kind=Kind.AT_ONCE, responsible_person=person, acting_user=county_staff
    )
    p2 = actions.do_record_problem(
        campaign=campaign, unit=unit, title="调研不深入", source="research", acting_user=county_staff
    )
    i3 = actions.do_add_item(
        p2,
        measures="建立调研制度",
        kind=Kind.LONG_TERM,
        responsible_person=person,
        stages=[("制定制度", today() + timedelta(days=60))],
        acting_user=county_staff,
    )
    return {"unit": unit, "leader": leader, "person": person, "items": [i1, i2, i3], "problems": [p1, p2]}


def _rows(content: bytes):
    return (
        CalamineWorkbook.from_filelike(io.BytesIO(content))
        .get_sheet_by_index(0)
        .to_python(skip_empty_area=False)
    )


def _counts():
    return Problem.objects.count(), RectificationItem.objects.count(), AuditEntry.objects.count()


def _export(client, code=COUNTY, **params):
    response = client.get(reverse("ledger_export", kwargs={"code": code}), params)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def _post(client, content: bytes, name="台账.xlsx", code=COUNTY):
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("ledger_import", kwargs={"code": code}), {"file": f})


def _confirm(client, response, code=COUNTY):
    sha = response.context["sha"]
    return client.post(reverse("ledger_import", kwargs={"code": code}), {"sha": sha, "confirm": "1"})


def _book(rows, header=lx.COLUMNS, title_rows=2) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet()
    r = 0
    for _ in range(title_rows):
        ws.write(r, 0, "某单位主题教育整改台账")
        r += 1
    for j, h in enumerate(header):
        ws.write(r, j, h)
    for row in rows:
        r += 1
        for j, h in enumerate(header):
            v = row.get(h)
            if isinstance(v, date):
                ws.write_datetime(
                    r,
                    j,
                    timezone.datetime(v.year, v.month, v.day),
                    wb.add_format({"num_format": "yyyy-mm-dd"}),
                )
            elif v is not None:
                ws.write(r, j, v)
    wb.close()
    return out.getvalue()


def _new_row(ledger, **over):
    row = {
        "序号": 1,
        "单位代码": COUNTY,
        "单位名称": "",
        "问题来源": "征求意见",
        "问题描述": "会议多文件多（导入测试）",
        "根源剖析": "形式主义",
        "整改措施": "精简会议（导入测试）",
        "责任领导": ledger["leader"].name,
        "责任人": ledger["person"].name,
        "整改时限": lx.zh_date(today() + timedelta(days=20)),
        "整改类型": "限期整改",
    }
    row.update(over)
    return row


def test_export_has_layout_and_rows(as_user, county_staff, ledger):
    content = _export(as_user(county_staff))
    rows = _rows(content)
    assert rows[0][0] == "禅城区主题教育整改台账" or rows[0][0].endswith("主题教育整改台账")
    assert "填报单位：" in rows[1][0] and "填报日期：" in rows[1][0] and "导出人：chancheng" in rows[1][0]
    assert rows[2] == lx.COLUMNS
    body = rows[3:]
    assert len(body) == RectificationItem.objects.filter(unit=ledger["unit"]).count()  # one row per item
    code = lx.COLUMNS.index("事项编号")
    by_id = {r[code]: dict(zip(lx.COLUMNS, r, strict=True)) for r in body}
    i1, i2, i3 = ledger["items"]
    r1 = by_id[f"I{i1.pk}"]
    assert r1["单位代码"] == COUNTY and r1["问题来源"] == "征求意见" and r1["问题描述"] == "窗口排队时间长"
    assert r1["根源剖析"] == "服务意识不强" and r1["整改措施"] == "增设窗口"
    assert r1["服务中心工作"] == "惠民生、防风险"  # the glossary's words, in WorkArea order
    assert r1["责任领导"] == ledger["leader"].name and r1["责任人"] == ledger["person"].name
    assert (
        r1["整改时限"] == lx.zh_date(i1.deadline)
        and r1["整改类型"] == "限期整改"
        and r1["完成情况"] == "未开始"
    )
    assert r1["问题编号"] == f"P{i1.problem_id}" and r1["事项编号"] == f"I{i1.pk}"
    assert by_id[f"I{i2.pk}"]["整改类型"] == "立查立改" and by_id[f"I{i3.pk}"]["整改类型"] == "持续整改"
    r3 = by_id[f"I{i3.pk}"]
    assert r3["服务中心工作"] == ""  # a problem serving no central task
    assert r3["阶段目标"] == "制定制度" and r3["阶段时限"] == lx.zh_date(today() + timedelta(days=60))


def test_export_subtree_includes_units_below(as_user, guangdong_office, ledger):
    gd = Unit.objects.get(code="440000")
    own = _rows(_export(as_user(guangdong_office), "440000"))
    assert len(own) == 3 + RectificationItem.objects.filter(unit=gd).count()
    whole = _rows(_export(as_user(guangdong_office), "440000", subtree="1"))
    assert len(whole) == 3 + RectificationItem.objects.in_subtree(gd).count()
    assert len(whole) > len(own) and any(r[1] == COUNTY for r in whole[3:])


def test_template_downloads_with_validation(as_user, outsider):
    response = as_user(outsider).get(reverse("ledger_template"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = _rows(content)
    assert rows[2] == lx.COLUMNS
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "dataValidation" in sheet and "征求意见" in sheet and "限期整改" in sheet
    assert "稳增长、促改革、调结构、惠民生、防风险、保稳定" in sheet  # the hint of 服务中心工作


def test_import_page_shows_form(as_user, county_staff):
    response = as_user(county_staff).get(reverse("ledger_import", kwargs={"code": COUNTY}))
    assert response.status_code == 200
    assert b'type="file"' in response.content


def test_round_trip_changes_nothing(as_user, county_staff, ledger):
    client = as_user(county_staff)
    content = _export(client)
    before = _counts()
    response = _post(client, content)
    assert response.status_code == 200
    n = RectificationItem.objects.filter(unit=ledger["unit"]).count()
    assert not response.context["errors"], response.context["errors"][:5]
    assert response.context["summary"]["unchanged"] == n
    # nothing differs: no import is offered, and the upload is not kept to be confirmed later
    assert response.context["nothing_to_apply"] and not response.context["can_confirm"]
    assert _counts() == before  # the dry run writes nothing
    assert _confirm(client, response).status_code == 400
    assert _counts() == before
    assert all(i.version == RectificationItem.objects.get(pk=i.pk).version for i in ledger["items"])


def test_edited_cell_updates_that_item_only(as_user, county_staff, ledger):
    client = as_user(county_staff)
    rows = _rows(_export(client))
    i1, i2, i3 = ledger["items"]
    data = [dict(zip(lx.COLUMNS, r, strict=True)) for r in rows[3:]]
    for d in data:
        if d["事项编号"] == f"I{i2.pk}":
            d["整改措施"] = "推行网上办、掌上办"
    audit_before = AuditEntry.objects.count()
    versions = {i.pk: RectificationItem.objects.get(pk=i.pk).version for i in ledger["items"]}
    response = _post(client, _book(data))
    assert response.context["summary"]["changed"] == 1, response.context
    assert _confirm(client, response).status_code == 302
    assert RectificationItem.objects.get(pk=i2.pk).measures == "推行网上办、掌上办"
    assert RectificationItem.objects.get(pk=i2.pk).version == versions[i2.pk] + 1
    assert RectificationItem.objects.get(pk=i1.pk).version == versions[i1.pk]
    assert RectificationItem.objects.get(pk=i3.pk).version == versions[i3.pk]
    assert AuditEntry.objects.count() == audit_before + 1


def test_new_rows_create_problems_and_items(as_user, county_staff, ledger):
    client = as_user(county_staff)
    before = _counts()
    rows = [
        _new_row(ledger),
        _new_row(ledger, 整改措施="压缩文件", 整改类型="立查立改", 整改时限=""),
        _new_row(  # the words of older sheets (检视查摆, 长期坚持) are still read
            ledger,
            问题描述="作风不实（导入测试）",
            整改措施="改进作风",
            问题来源="检视查摆",
            整改类型="长期坚持",
            整改时限=(today() + timedelta(days=90)).isoformat(),
            单位代码=" ４４０６０４ ",
        ),
    ]
    response = _post(client, _book(rows))
    assert response.context["can_confirm"], response.context["errors"]
    assert _counts() == before
    assert _confirm(client, response).status_code == 302
    problems, items, _audit = _counts()
    assert problems == before[0] + 2 and items == before[1] + 3
    item = RectificationItem.objects.get(measures="精简会议（导入测试）")
    assert item.kind == Kind.DEADLINE and item.deadline == today() + timedelta(days=20)
    assert item.responsible_person == ledger["person"] and item.responsible_leader == ledger["leader"]
    assert item.problem.items.count() == 2
    # the bulk path keeps the audit chain and the roll-ups as exact as the one-by-one actions do
    from chuxin.audit.log import verify_chain
    from chuxin.rollups.counters import drift

    assert verify_chain()[1] is None
    # one ledger.import entry for what the import created, found from each record it created
    entry = import_entry(item)
    assert entry is not None and entry == import_entry(item.problem)
    assert entry.after["created"] == {"Problem": 2, "RectificationItem": 3, "Stage": 1}
    for code in ("440604", "440000", "000000"):
        assert drift(Unit.objects.get(code=code), item.problem.campaign_id) == {}
    assert RectificationItem.objects.get(problem__title="作风不实（导入测试）").stages.count() == 1


def test_excel_date_cells_are_read(ledger):
    assert parse_date("２０１９年１１月３０日") == date(2019, 11, 30)
    assert parse_date(" 2019-11-30 ") == date(2019, 11, 30)
    assert parse_date("2019/11/30") == date(2019, 11, 30)
    assert parse_date(43799.0) == date(2019, 11, 30)
    content = _book([_new_row(ledger, 整改时限=today() + timedelta(days=5))])
    rows = _rows(content)
    assert parse_date(rows[3][lx.COLUMNS.index("整改时限")]) == today() + timedelta(days=5)


def test_dry_run_lists_row_errors_and_writes_nothing(as_user, county_staff, ledger):
    Campaign.objects.update(ended_on=None)  # a running campaign: its deadlines may not be past
    directory.touch()  # a queryset update sends no signal: tell the per-process campaign directory
    client = as_user(county_staff)
    before = _counts()
    rows = [
        _new_row(ledger),  # fine
        _new_row(ledger, 单位代码="999999"),
        _new_row(ledger, 责任人="查无此人"),
        _new_row(ledger, 整改时限="2019年11月30日"),
        _new_row(ledger, 问题来源="道听途说"),
        _new_row(ledger, 整改类型="随便改改"),
        _new_row(ledger, 整改时限=""),  # fix-by-deadline without a deadline
        _new_row(ledger, 单位代码="420000"),  # Hubei: outside the subtree -> unknown
    ]
    response = _post(client, _book(rows))
    assert response.status_code == 200
    errors = response.context["errors"]
    got = {(r, c) for r, c, _reason in errors}
    assert got == {
        (5, "单位代码"),
        (6, "责任人"),
        (7, "整改时限"),
        (8, "问题来源"),
        (9, "整改类型"),
        (10, "整改时限"),
        (11, "单位代码"),
    }
    reasons = " ".join(reason for _r, _c, reason in errors)
    assert "未知单位 999999" in reasons and "未知人员 查无此人" in reasons
    assert "已过" in reasons and "未知的问题来源：道听途说" in reasons
    assert "限期整改须填写整改时限" in reasons
    assert not response.context["can_confirm"]
    assert "查无此人".encode() in response.content
    assert _counts() == before


def test_confirm_with_errors_writes_nothing(as_user, county_staff, ledger):
    client = as_user(county_staff)
    before = _counts()
    response = _post(client, _book([_new_row(ledger), _new_row(ledger, 责任人="查无此人")]))
    sha = response.context["sha"]
    response = client.post(reverse("ledger_import", kwargs={"code": COUNTY}), {"sha": sha, "confirm": "1"})
    assert response.status_code == 400 and response.context["errors"]
    assert _counts() == before


def test_malformed_file(as_user, county_staff, ledger):
    client = as_user(county_staff)
    before = _counts()
    response = _post(client, b"this is not a workbook")
    assert response.status_code == 400
    assert "该文件不是 Excel 工作簿（.xlsx）" in response.context["file_error"]
    response = _post(client, b"a,b,c", name="台账.csv")
    assert response.status_code == 400 and ".xlsx" in response.context["file_error"]
    assert _counts() == before


@pytest.mark.parametrize("name", ["台账.xls", "台账.et", "台账.csv", "台账.xlsm"])
def test_another_spreadsheet_format_is_refused_saying_how_to_make_an_xlsx(as_user, county_staff, name):
    """What offices send instead of an .xlsx (Excel 97-2003, WPS 表格, CSV, a workbook with macros): refused by
    name, saying to save it as .xlsx in Excel or WPS."""
    response = _post(as_user(county_staff), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, name=name)
    assert response.status_code == 400
    assert f"{name} 是 .{name.split('.')[-1]} 文件" in response.context["file_error"]
    assert "另存为”Excel 工作簿（.xlsx）" in response.context["file_error"]


def test_an_old_or_password_protected_workbook_named_xlsx_is_refused_with_the_reason(as_user, county_staff):
    """An .xls renamed .xlsx, or an .xlsx saved with a password to open (an OLE2 file whatever its name)."""
    response = _post(as_user(county_staff), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert response.status_code == 400
    assert "旧版 Excel 文件（.xls）或设置了打开密码的工作簿" in response.context["file_error"]


def test_missing_columns_are_named(as_user, county_staff, ledger):
    client = as_user(county_staff)
    header = [c for c in lx.COLUMNS if c not in ("责任人", "整改类型")]
    response = _post(client, _book([_new_row(ledger)], header=header))
    assert response.status_code == 400
    msg = response.context["file_error"]
    assert "责任人" in msg and "整改类型" in msg
    response = _post(client, _book([], header=["甲", "乙"]))
    assert "未找到表头" in response.context["file_error"]


def test_header_found_without_title_rows_and_unit_by_name(as_user, county_staff, ledger):
    client = as_user(county_staff)
    row = _new_row(ledger, 单位代码="", 单位名称=ledger["unit"].name)
    response = _post(client, _book([row], title_rows=0))
    assert response.context["can_confirm"], response.context["errors"]


def test_import_and_export_outside_subtree_is_404(as_user, guangdong_office, county_staff, ledger):
    client = as_user(guangdong_office)
    assert client.get(reverse("ledger_export", kwargs={"code": "420000"})).status_code == 404
    assert _post(client, _book([_new_row(ledger)]), code="420000").status_code == 404
    client = as_user(county_staff)
    assert client.get(reverse("ledger_export", kwargs={"code": "440000"})).status_code == 404


def test_item_numbers_outside_the_subtree_are_unknown(as_user, county_staff, hubei_office, ledger):
    # Hubei's office importing a Guangdong export cannot touch Guangdong's items.
    content = _export(as_user(county_staff))
    response = _post(as_user(hubei_office), content, code="420000")
    assert response.context["errors"]
    assert {c for _r, c, _reason in response.context["errors"]} >= {"单位代码"}


def test_big_import_runs_as_a_job(as_user, county_staff, ledger, monkeypatch):
    monkeypatch.setattr(xlsx_views, "BIG_IMPORT_ROWS", 2)
    client = as_user(county_staff)
    before = _counts()
    rows = [_new_row(ledger, 整改措施=f"措施{i}") for i in range(20)]
    response = _post(client, _book(rows))
    assert response.status_code == 302 and "?job=" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["finished"] and page.context["can_confirm"]
    poll = client.get(response["Location"], headers={"HX-Request": "true"})
    assert "确认导入" in poll.content.decode()
    assert _counts() == before
    sha = page.context["sha"]
    done = client.post(reverse("ledger_import", kwargs={"code": COUNTY}), {"sha": sha, "confirm": "1"})
    assert done.status_code == 302
    page = client.get(done["Location"])
    assert page.context["applied"]
    assert RectificationItem.objects.count() == before[1] + 20
    # someone else cannot look at the job
    other = as_user(Person.objects.filter(user__username="guangdong").get().user)
    assert other.get(response["Location"]).status_code == 404


def test_export_edit_and_import_with_new_and_changed_rows_in_chinese(as_user, county_staff, ledger):
    """The office's round trip in the default language; "第 %(row)s 行：" is formatted for every new row
    (a wrong msgstr once answered 500 here)."""
    client = as_user(county_staff)
    rows = _rows(_export(client))
    data = [dict(zip(lx.COLUMNS, r, strict=True)) for r in rows[3:]]
    i1 = ledger["items"][0]
    for d in data:
        if d["事项编号"] == f"I{i1.pk}":
            d["整改措施"] = "增设窗口，推行错峰预约"
    data.append(_new_row(ledger, 问题来源="组织生活会", 整改类型="持续整改"))
    before = _counts()
    response = _post(client, _book(data))
    assert response.context["can_confirm"], response.context["errors"]
    page = response.content.decode()
    assert "新增 1 项，修改 1 项" in page and "尚未写入任何内容" in page
    response = _confirm(client, response)
    assert response.status_code == 302
    assert _counts()[1] == before[1] + 1
    assert RectificationItem.objects.get(pk=i1.pk).measures == "增设窗口，推行错峰预约"
    new = RectificationItem.objects.get(measures="精简会议（导入测试）")
    assert new.problem.get_source_display() == "组织生活会" and new.get_kind_display() == "持续整改"
    page = client.get(response["Location"]).content.decode()
    assert "已导入：新增 1 项，修改 1 项" in page


# ------------------------------------------------------------------------- big exports, written by the worker


def _sheet_rows(content: bytes) -> list:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()[2:]


def test_a_big_export_is_written_by_the_worker_and_downloaded_by_its_user(
    as_user, county_staff, county_office, hubei_office, ledger, settings
):
    """Past LEDGER_EXPORT_BACKGROUND_ROWS the export is a job: the page shows its progress, then the download,
    which is the same sheet the request would have written, audited when it is downloaded."""
    client = as_user(county_staff)
    in_request = _sheet_rows(_export(client, subtree="1"))
    settings.LEDGER_EXPORT_BACKGROUND_ROWS = 2
    url = reverse("ledger_export", kwargs={"code": COUNTY})
    started = client.get(url, {"subtree": "1"})
    assert started.status_code == 302 and "job=" in started.url
    page = client.get(started.url)
    html = page.content.decode()
    assert (
        page.status_code == 200
        and f"台账已生成，共 {len(in_request) - 1} 行" in html
        and "下载台账（.xlsx）" in html
    )
    before = AuditEntry.objects.count()
    download = client.get(started.url + "&download=1")
    assert download.status_code == 200
    assert _sheet_rows(b"".join(download.streaming_content)) == in_request
    entry = AuditEntry.objects.latest("id")
    assert AuditEntry.objects.count() == before + 1 and entry.after["job"] in started.url
    # nobody else opens it: another member of the office, or the same user under another campaign
    assert as_user(county_office).get(started.url + "&download=1").status_code == 404
    assert as_user(hubei_office).get(started.url + "&download=1").status_code == 404  # outside the scope
    from tests.test_campaign_rule import _campaign

    other = _campaign("440000", "广东省专项整治")
    key = started.url.split("job=")[1].split("&")[0]
    assert client.get(url, {"job": key, "campaign": other.pk}).status_code == 404


def test_a_big_exports_page_polls_its_progress_until_the_worker_has_written_it(
    as_user, county_staff, ledger, settings
):
    from chuxin.problems.ledger import jobs

    settings.LEDGER_EXPORT_BACKGROUND_ROWS = 2
    client = as_user(county_staff)
    started = client.get(reverse("ledger_export", kwargs={"code": COUNTY}), {"subtree": "1"})
    key = started.url.split("job=")[1].split("&")[0]
    state = jobs.read_job(COUNTY, key, jobs.EXPORT_DIR)

    def poll(**now) -> str:
        jobs.write_job(COUNTY, key, state | now, jobs.EXPORT_DIR)
        return client.get(started.url, HTTP_HX_REQUEST="true").content.decode()

    assert "等待后台处理" in poll(status="queued", processed=0, total=4321)
    assert "正在读取数据" in poll(status="running", processed=0, total=4321)
    jobs.write_job(
        COUNTY, key, state | {"status": "running", "processed": 2000, "total": 4321}, jobs.EXPORT_DIR
    )
    poll = client.get(started.url, HTTP_HX_REQUEST="true").content.decode()
    assert (
        'hx-trigger="every 1s"' in poll and "2000 / 4321" in poll and "正在后台生成台账（共 4321 行）" in poll
    )
    assert client.get(started.url + "&download=1").status_code == 200  # not done: the page, no file
    assert "下载台账" not in client.get(started.url + "&download=1").content.decode()
    # done, then purged after the retention: the page says so instead of a broken link
    jobs.write_job(COUNTY, key, state | {"status": "done", "total": 3}, jobs.EXPORT_DIR)
    path = jobs.upload_path(COUNTY, key, jobs.EXPORT_DIR)
    old = time.time() - 8 * 86400
    os.utime(path, (old, old))
    jobs.purge()
    assert not path.exists()
    assert "导出文件已过期" in client.get(started.url).content.decode()


def test_a_big_export_is_refused_by_the_worker_to_a_user_who_lost_the_scope(county_staff, ledger, settings):
    from chuxin.orgs.models import RoleAssignment
    from chuxin.problems.ledger import jobs

    key = jobs.new_export_key()
    central = Campaign.objects.get(launched_on="2019-05-31")
    jobs.write_job(
        COUNTY, key, {"user": county_staff.pk, "unit": COUNTY, "status": "queued"}, jobs.EXPORT_DIR
    )
    RoleAssignment.objects.filter(person__user=county_staff).delete()
    jobs.ledger_export_task.enqueue(key, county_staff.pk, COUNTY, central.pk, True)
    state = jobs.read_job(COUNTY, key, jobs.EXPORT_DIR)
    assert state["status"] == "failed" and "无权导出" in state["error"]
    assert not jobs.upload_path(COUNTY, key, jobs.EXPORT_DIR).exists()
