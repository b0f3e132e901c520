"""Evidence and import files are judged by content; quotas hold; verifyevidence names changed files."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from chuxin.core.errors import ActionError
from chuxin.core.filecheck import check_upload
from chuxin.problems import actions
from chuxin.problems.evidence import blob_path
from chuxin.problems.models import Evidence

from .conftest import make_item

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<html><script>alert(document.cookie)</script></html>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


def ooxml(kind="word"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{kind}/document.xml" if kind == "word" else "xl/workbook.xml", "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("整改报告.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("照片.png", PNG),
        ("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("说明.txt", "整改情况说明：已完成。".encode()),
        ("说明.txt", "整改情况说明".encode("gb18030")),
        ("方案.docx", ooxml("word")),
        ("台账.xlsx", ooxml("xl")),
        ("旧方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
    ],
)
def test_real_files_are_accepted_as_evidence(name, content, settings):
    check_upload(SimpleUploadedFile(name, content), "evidence")


@pytest.mark.parametrize(
    ("name", "content", "looks"),
    [
        ("整改报告.pdf", EXE, ""),
        ("照片.jpg", HTML, "html"),
        ("说明.txt", HTML, "html"),
        ("方案.docx", b"PK\x03\x04" + b"\x00" * 40, "zip"),
        ("照片.png", b"%PDF-1.4 x", "pdf"),
    ],
)
def test_a_file_whose_content_is_not_its_name_is_refused(name, content, looks, settings):
    with pytest.raises(ActionError, match=name.split(".")[0]) as exc:
        check_upload(SimpleUploadedFile(name, content), "evidence")
    assert looks in str(exc.value)


def test_the_import_accepts_only_a_real_workbook(settings):
    check_upload(SimpleUploadedFile("台账.xlsx", ooxml("xl")), "ledger_import")
    with pytest.raises(ActionError):
        check_upload(SimpleUploadedFile("台账.xlsx", ooxml("word")), "ledger_import")
    with pytest.raises(ActionError):
        check_upload(SimpleUploadedFile("台账.pdf", b"%PDF-1.4"), "ledger_import")


def test_a_claim_with_an_exe_renamed_pdf_is_refused_and_nothing_is_written(county_staff):
    item = make_item("440604")
    version = item.version
    with pytest.raises(ActionError):
        actions.do_claim_item(item, "完成", [SimpleUploadedFile("报告.pdf", EXE)], acting_user=county_staff)
    item.refresh_from_db()
    assert item.version == version and not Evidence.objects.filter(item=item).exists()


def test_the_import_page_refuses_html_renamed_xlsx(as_user, guangdong_office):
    response = as_user(guangdong_office).post(
        "/ledger/units/440604/import/", {"file": SimpleUploadedFile("台账.xlsx", HTML)}
    )
    assert response.status_code == 400
    assert "该文件不是 Excel 工作簿" in response.content.decode()


def test_per_file_size_limit(settings):
    settings.UPLOAD_MAX_BYTES = {"evidence": 10}
    with pytest.raises(ActionError, match="MB"):
        check_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.4 more than ten bytes"), "evidence")


def test_the_unit_quota_refuses_evidence_beyond_it(county_staff, settings):
    item = make_item("440604")
    settings.EVIDENCE_UNIT_QUOTA_BYTES = 30
    actions.do_claim_item(
        item, "完成", [SimpleUploadedFile("a.pdf", b"%PDF-1.4 twenty bytes")], acting_user=county_staff
    )
    other = make_item("440604", title="另一个问题")
    with pytest.raises(ActionError, match="MB"):
        actions.do_claim_item(
            other, "完成", [SimpleUploadedFile("b.pdf", b"%PDF-1.4 another twenty")], acting_user=county_staff
        )


def test_verifyevidence_names_a_changed_and_a_vanished_file(county_staff, capsys):
    a, b = make_item("440604"), make_item("440604", title="第二个")
    actions.do_claim_item(
        a, "完成", [SimpleUploadedFile("甲.pdf", b"%PDF-1.4 first")], acting_user=county_staff
    )
    actions.do_claim_item(
        b, "完成", [SimpleUploadedFile("乙.pdf", b"%PDF-1.4 second")], acting_user=county_staff
    )
    call_command("verifyevidence")
    ea, eb = Evidence.objects.get(item=a), Evidence.objects.get(item=b)
    blob_path(ea.blob.sha256).write_bytes(b"%PDF-1.4 forged")
    blob_path(eb.blob.sha256).unlink()
    with pytest.raises(CommandError, match="2 of"):
        call_command("verifyevidence")
    err = capsys.readouterr().err
    assert "[changed]" in err and "甲.pdf" in err and "[missing]" in err and "乙.pdf" in err
