"""Odd input is a clear answer, never a database error. A NUL character anywhere a request carries text is a
400: PostgreSQL cannot hold NUL in text (SQLite can, so only the PostgreSQL run of the suite used to fail
these). Pasted control characters in an Excel cell are dropped by the import, the same in its dry run and its
apply. A page number past any list is an empty page, not an offset beyond the database's bigint."""

import pytest

from chuxin.audit.models import AuditEntry
from chuxin.problems.models import Problem
from tests.test_api import _auth, _token
from tests.test_ledger_import_shapes import _book, _import, _new, _path
from tests.test_ledger_xlsx import make_ledger

PAGES = [
    "/ledger/units/44%00/",
    "/dashboards/units/44%00/progress/",
    "/ledger/units/440604/?status=%00",
    "/ledger/units/440604/?topic=1%002",
]
API = ["/api/v1/units/44%00", "/api/v1/units/440604/items?status=%00"]


@pytest.mark.parametrize("url", PAGES)
def test_a_nul_in_a_page_address_is_a_bad_request(as_user, county_staff, url):
    response = as_user(county_staff).get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("url", API)
def test_a_nul_in_an_api_address_is_a_bad_request_in_json(county_staff, client, url):
    response = client.get(url, **_auth(_token(county_staff)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_nul_in_a_json_body_writes_nothing(county_staff, client):
    token = _auth(_token(county_staff, "write"))
    before = Problem.objects.count(), AuditEntry.objects.count()
    response = client.post(
        "/api/v1/units/440604/problems",
        {"title": "办事\u0000窗口", "source": "opinion", "root_cause": "服务意识不强"},
        content_type="application/json",
        **token,
    )
    assert response.status_code == 400 and "NUL" in response.json()["error"]["message"]
    assert (Problem.objects.count(), AuditEntry.objects.count()) == before
    # the escaped text "\u0000" (a backslash and five characters) is ordinary text
    ok = client.post(
        "/api/v1/units/440604/problems",
        {"title": "办事窗口\\u0000", "source": "opinion", "root_cause": "服务意识不强"},
        content_type="application/json",
        **token,
    )
    assert ok.status_code == 201, ok.content


def test_a_nul_in_a_posted_form_field_is_a_bad_request(as_user, county_staff):
    response = as_user(county_staff).post("/ledger/units/440604/import/", {"mode": "stop\x00", "sha": "x"})
    assert response.status_code == 400


def test_control_characters_pasted_into_a_cell_are_dropped_by_dry_run_and_apply_alike(
    county_staff, tmp_path, settings
):
    from chuxin.orgs.models import Unit

    settings.MEDIA_ROOT = tmp_path / "media"
    ledger = make_ledger(county_staff)
    unit = Unit.objects.get(code="440604")
    content = _book([_new(ledger, 问题描述="会议\x00多\x0b文件\x1f多", 根源剖析="第一行\n第二行\t")])
    dry = _import(county_staff, _path(tmp_path, content), unit)
    assert dry["status"] == "done" and not dry["errors"] and dry["summary"]["new"] == 1
    applied = _import(county_staff, _path(tmp_path, content), unit, confirm=True)
    assert applied.get("applied"), applied
    problem = Problem.objects.order_by("-id").first()
    assert problem.title == "会议多文件多" and problem.root_cause == "第一行\n第二行"
    # the same file again changes nothing: the stored text equals the cleaned cell
    again = _import(county_staff, _path(tmp_path, content), unit)
    assert again["summary"]["new"] == 0 and again["summary"]["unchanged"] == 1


@pytest.mark.parametrize("path", ["/ledger/units/440604/", "/ledger/units/440604/problems/"])
@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "1e3"])
def test_any_page_number_is_a_page(as_user, county_staff, path, page):
    response = as_user(county_staff).get(f"{path}?page={page}")
    assert response.status_code == 200
