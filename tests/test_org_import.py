"""The organisation from one .xlsx: units in any order, people with roles, committees with their 分管领域."""

import io

import pytest
import xlsxwriter
from django.urls import reverse

from chuxin.core.i18n import zh
from chuxin.orgs.actions import do_import_org
from chuxin.orgs.models import CommitteeMember, Person, Role, RoleAssignment, Unit, UnitKind

PROVINCE = "440000"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _book(units=(), people=(), seats=(), title=True) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, header, rows in (
        ("班子成员", ["单位代码", "工号", "班子职务", "分管领域"], seats),  # sheets in any order
        ("单位", ["单位代码", "单位名称", "上级单位代码", "单位类别"], units),
        ("人员", ["工号", "姓名", "所在单位代码", "职务", "角色"], people),
    ):
        ws = wb.add_worksheet(name)
        r = 0
        if title:
            ws.merge_range(0, 0, 0, len(header) - 1, f"某省{name}名册")
            r = 1
        for j, h in enumerate(header):
            ws.write_string(r, j, h)
        for i, row in enumerate(rows, r + 1):
            for j, v in enumerate(row):
                ws.write_string(i, j, v)
    wb.close()
    return out.getvalue()


COUNTY_KIND = zh(UnitKind.COUNTY.label)
TOWNSHIP_KIND = zh(UnitKind.TOWNSHIP.label)
GOOD = {
    # the township comes before its county: rows in any order
    "units": [
        ("44069901", "新城镇", "440699", TOWNSHIP_KIND),
        ("440699", "新区", "440600", COUNTY_KIND),
    ],
    "people": [
        ("GD0001", "林书记", "440699", "区委书记", "书记"),
        ("GD0002", "陈副书记", "440699", "区委副书记", ""),
        ("GD0003", "黄干事", "44069901", "镇党政办干事", "工作人员、查看人员"),
    ],
    "seats": [
        ("440699", "GD0001", "书记", ""),
        ("440699", "GD0002", "副书记", "组织、宣传"),
    ],
}


def _path(tmp_path, content, name="org.xlsx"):
    p = tmp_path / name
    p.write_bytes(content)
    return p


def test_a_province_loads_units_people_and_committees_from_one_sheet(guangdong_office, tmp_path):
    path = _path(tmp_path, _book(**GOOD))
    units = Unit.objects.count()
    dry = do_import_org(unit=Unit.objects.get(code=PROVINCE), path=path, acting_user=guangdong_office)
    assert not dry["errors"], dry["errors"]
    assert len(dry["changes"]) == 7 and Unit.objects.count() == units  # the check writes nothing
    done = do_import_org(
        unit=Unit.objects.get(code=PROVINCE), path=path, confirm=True, acting_user=guangdong_office
    )
    assert done["applied"]
    town = Unit.objects.get(code="44069901")
    assert town.parent().code == "440699" and town.parent().parent().code == "440600"
    clerk = Person.objects.get(staff_number="GD0003")
    assert clerk.home_unit == town and clerk.position == "镇党政办干事"
    assert set(RoleAssignment.objects.filter(person=clerk).values_list("role", flat=True)) == {
        Role.STAFF,
        Role.VIEWER,
    }
    deputy = CommitteeMember.objects.get(unit__code="440699", person__staff_number="GD0002")
    assert deputy.post == "deputy" and {d.name for d in deputy.domains.all()} == {"组织", "宣传"}
    assert CommitteeMember.objects.get(unit__code="440699", post="secretary").person.name == "林书记"


def test_loading_the_same_sheet_again_changes_nothing(guangdong_office, tmp_path):
    path = _path(tmp_path, _book(**GOOD))
    province = Unit.objects.get(code=PROVINCE)
    assert do_import_org(unit=province, path=path, confirm=True, acting_user=guangdong_office)["applied"]
    counts = (Unit.objects.count(), Person.objects.count(), RoleAssignment.objects.count())
    again = do_import_org(unit=province, path=path, acting_user=guangdong_office)
    assert again["changes"] == [] and again["errors"] == []
    do_import_org(unit=province, path=path, confirm=True, acting_user=guangdong_office)
    assert (Unit.objects.count(), Person.objects.count(), RoleAssignment.objects.count()) == counts


def test_a_renamed_person_is_updated_by_staff_number_not_added(guangdong_office, tmp_path):
    province = Unit.objects.get(code=PROVINCE)
    do_import_org(
        unit=province, path=_path(tmp_path, _book(**GOOD)), confirm=True, acting_user=guangdong_office
    )
    people = [("GD0003", "黄小明", "44069901", "镇党政办主任", "工作人员")]
    result = do_import_org(
        unit=province,
        path=_path(tmp_path, _book(people=people), "2.xlsx"),
        confirm=True,
        acting_user=guangdong_office,
    )
    assert result["applied"]
    assert Person.objects.filter(staff_number="GD0003").get().name == "黄小明"


def test_an_applied_sheet_is_audited_and_a_check_is_not(guangdong_office, tmp_path):
    from chuxin.audit.models import AuditEntry

    province = Unit.objects.get(code=PROVINCE)
    path = _path(tmp_path, _book(**GOOD))
    do_import_org(unit=province, path=path, acting_user=guangdong_office)
    assert not AuditEntry.objects.filter(action="org.import").exists()
    created = AuditEntry.objects.filter(action="unit.create").count()
    do_import_org(unit=province, path=path, confirm=True, acting_user=guangdong_office)
    entry = AuditEntry.objects.get(action="org.import")
    assert entry.actor == guangdong_office and entry.unit_id == province.pk
    assert entry.after["counts"]["people"] == 3 and entry.after["counts"]["seats"] == 2
    assert {p["staff_number"] for p in entry.after["people"]} == {"GD0001", "GD0002", "GD0003"}
    assert zh(entry.get_event_display()) == "导入组织架构表"
    assert AuditEntry.objects.filter(action="unit.create").count() == created + 2  # one per new unit


def test_every_bad_row_is_named_and_nothing_is_written(guangdong_office, tmp_path):
    bad = {
        "units": [
            ("440698", "甲区", "999999", COUNTY_KIND),  # unknown parent
            ("440697", "乙区", "420000", COUNTY_KIND),  # Hubei: outside the subtree
            ("440696", "丙区", "440600", "某某类"),  # unknown kind
            ("440696", "丙区", "440600", COUNTY_KIND),  # twice
            ("440695", "丁区", "440694", COUNTY_KIND),  # a circle of parents
            ("440694", "戊区", "440695", COUNTY_KIND),
        ],
        "people": [("GD0009", "某人", "440600", "", "皇帝")],  # unknown role
        "seats": [("440600", "GD0404", "书记", "")],  # unknown staff number
    }
    before = (Unit.objects.count(), Person.objects.count())
    result = do_import_org(
        unit=Unit.objects.get(code=PROVINCE),
        path=_path(tmp_path, _book(**bad)),
        confirm=True,
        acting_user=guangdong_office,
    )
    assert not result["applied"]
    got = {(sheet, row, column) for sheet, row, column, _reason in result["errors"]}
    assert {
        ("单位", 3, "上级单位代码"),
        ("单位", 4, "上级单位代码"),
        ("单位", 5, "单位类别"),
        ("单位", 6, "单位代码"),
        ("人员", 3, "角色"),
        ("班子成员", 3, "工号"),
    } <= got
    assert any("圈" in r or "circle" in r for *_x, r in result["errors"])
    assert (Unit.objects.count(), Person.objects.count()) == before


def test_the_page_checks_then_applies_in_chinese(as_user, guangdong_office):
    client = as_user(guangdong_office)
    url = reverse("org_import", kwargs={"code": PROVINCE})
    page = client.get(url)
    assert page.status_code == 200 and "从 Excel 导入组织" in page.content.decode()
    f = io.BytesIO(_book(**GOOD))
    f.name = "组织.xlsx"
    response = client.post(url, {"file": f})
    assert response.status_code == 200 and response.context["can_confirm"]
    assert "尚未写入任何内容" in response.content.decode()
    assert not Unit.objects.filter(code="440699").exists()
    done = client.post(url, {"sha": response.context["sha"], "confirm": "1"})
    assert done.status_code == 302
    assert Unit.objects.filter(code="440699").exists()


def test_a_county_office_cannot_load_units_elsewhere(as_user, county_staff):
    assert as_user(county_staff).get(reverse("org_import", kwargs={"code": "440604"})).status_code == 403


def _upload(client, content, name="组织.xlsx"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("org_import", kwargs={"code": PROVINCE}), {"file": f})


def _held():
    from chuxin.core import uploads

    return sorted(p.suffix for p in uploads.import_dir(PROVINCE).iterdir())


def test_a_checked_sheet_waits_as_the_users_upload_until_applied_or_cancelled(
    as_user, guangdong_office, central_office
):
    """A checked sheet that could be applied is listed on the page for the user who sent it, opened again
    and cancelled there (file and state leave the disk and the unit's quota at once); a sheet that cannot be
    applied is not kept at all; another office that may load the unit neither sees, opens, applies nor
    cancels it."""
    url = reverse("org_import", kwargs={"code": PROVINCE})
    c = as_user(guangdong_office)
    bad = _upload(c, _book(units=[("440698", "", "440600", COUNTY_KIND)]))
    assert bad.status_code == 200 and bad.context["result"]["errors"] and not bad.context["can_confirm"]
    assert 'name="cancel"' not in bad.content.decode() and _held() == []
    nothing = _upload(c, _book(units=[("440600", Unit.objects.get(code="440600").name, PROVINCE, "")]))
    assert not nothing.context["can_confirm"] and _held() == []

    sha = _upload(c, _book(**GOOD), name="第一版.xlsx").context["sha"]
    assert _held() == [".json", ".xlsx"]
    page = c.get(url)
    assert [w["sha"] for w in page.context["waiting"]] == [sha]
    assert "我上传的待导入文件" in page.content.decode() and "第一版.xlsx" in page.content.decode()
    again = c.get(url, {"upload": sha})
    assert again.context["can_confirm"] and "尚未写入任何内容" in again.content.decode()

    other = as_user(central_office)
    assert not other.get(url).context["waiting"]
    assert other.get(url, {"upload": sha}).status_code == 404
    assert other.post(url, {"sha": sha, "cancel": "1"}).status_code == 404
    assert other.post(url, {"sha": sha, "confirm": "1"}).status_code == 400
    assert not Unit.objects.filter(code="440699").exists() and _held() == [".json", ".xlsx"]

    c = as_user(guangdong_office)
    done = c.post(url, {"sha": sha, "cancel": "1"}, follow=True)
    assert "已取消导入，上传的文件已删除。" in done.content.decode()
    assert _held() == [] and not done.context["waiting"]
    assert c.post(url, {"sha": sha, "confirm": "1"}).status_code == 400  # cancelled: nothing to apply
    assert not Unit.objects.filter(code="440699").exists()


def test_an_applied_sheet_leaves_no_upload_and_a_ledger_import_cannot_open_it(as_user, guangdong_office):
    from chuxin.campaigns.models import Campaign

    url = reverse("org_import", kwargs={"code": PROVINCE})
    c = as_user(guangdong_office)
    sha = _upload(c, _book(**GOOD)).context["sha"]
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    ledger = reverse("ledger_import", kwargs={"code": PROVINCE})
    assert c.get(ledger, {"job": sha, "campaign": campaign.pk}).status_code == 404
    assert not c.get(ledger, {"campaign": campaign.pk}).context["waiting"]
    assert c.post(url, {"sha": sha, "confirm": "1"}).status_code == 302
    assert Unit.objects.filter(code="440699").exists() and _held() == []


def test_an_old_excel_file_or_a_wps_sheet_is_refused_saying_how_to_make_an_xlsx(as_user, guangdong_office):
    c = as_user(guangdong_office)
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    response = _upload(c, ole2, name="组织.et")
    assert response.status_code == 400 and "组织.et 是 .et 文件" in response.context["file_error"]
    response = _upload(c, ole2)  # an .xls renamed, or a workbook with a password to open it
    assert "旧版 Excel 文件（.xls）或设置了打开密码的工作簿" in response.content.decode()
    assert not [p for p in _held() if p == ".xlsx"]


def test_a_workbook_without_an_organisation_sheet_shows_why_on_the_page(as_user, guangdong_office):
    """A sheet refused as a whole: the reason is on the page (it used to be in the result only, the page
    showing the empty form again)."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.add_worksheet("名单").write(0, 0, "随便写的表")
    wb.close()
    response = _upload(as_user(guangdong_office), out.getvalue())
    assert response.status_code == 400
    assert "未找到组织工作表" in response.content.decode()


def test_a_name_padded_for_alignment_is_kept_without_its_spaces(guangdong_office, tmp_path):
    """姓名 "林　书记" (a two-character name padded to line up with three-character ones) is 林书记: the
    ledger import reads names the same way, so the person is found by the name the sheets give."""
    people = [("GD0001", " 林　书记 ", "440699", "区委书记", "书记"), *GOOD["people"][1:]]
    path = _path(tmp_path, _book(units=GOOD["units"], people=people, seats=GOOD["seats"]))
    province = Unit.objects.get(code=PROVINCE)
    assert do_import_org(unit=province, path=path, confirm=True, acting_user=guangdong_office)["applied"]
    assert Person.objects.get(staff_number="GD0001").name == "林书记"
