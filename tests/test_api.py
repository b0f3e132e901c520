"""The JSON API: the same scope and the same actions as the pages, over tokens or the session."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from chuxin.api.actions import do_create_api_token
from chuxin.api.models import ApiCall, ApiToken
from chuxin.audit.models import AuditEntry
from chuxin.problems.models import RectificationItem, Status

from .conftest import make_item


def _token(user, scope="read"):
    return do_create_api_token(user, name="测试", scope=scope, acting_user=user)[1]


def _auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_openapi_document_lists_the_routes(db, client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/units/{code}/items" in doc["paths"]
    assert "/api/v1/items/{item_id}/claim" in doc["paths"]


def test_a_token_is_stored_hashed_and_shown_once(county_staff):
    row, token = do_create_api_token(county_staff, name="省统计系统", acting_user=county_staff)
    assert token.startswith("cx_") and row.digest != token
    assert not ApiToken.objects.filter(digest__contains=token[3:]).exists()
    assert token not in json.dumps(list(AuditEntry.objects.filter(model="ApiToken").values("after")))


def test_the_apitoken_command_prints_a_working_token(county_staff, client, capsys):
    call_command("apitoken", "chancheng", "--expires", "30")
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(user=county_staff)
    assert row.expires_at is not None and row.scope == "read"
    assert client.get("/api/v1/units/440604", **_auth(token)).status_code == 200


def test_every_call_is_logged_with_the_token_id(county_staff, client):
    token = _token(county_staff)
    client.get("/api/v1/units/440604", **_auth(token))
    call = ApiCall.objects.get()
    assert call.token == ApiToken.objects.get(user=county_staff) and call.status == 200
    assert call.user == county_staff and call.path == "/api/v1/units/440604"


def test_without_credentials_the_answer_is_401_in_the_error_shape(db, client):
    response = client.get("/api/v1/units/440604")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_outside_the_scope_is_404_and_inside_without_the_role_403(county_staff, django_user_model, client):
    item = make_item("440604")
    viewer = _token(django_user_model.objects.get(username="viewer"), scope="write")
    hubei = _token(django_user_model.objects.get(username="hubei"), scope="write")
    assert client.get(f"/api/v1/items/{item.pk}", **_auth(viewer)).status_code == 200
    assert client.get(f"/api/v1/items/{item.pk}", **_auth(hubei)).status_code == 404
    body = {"version": item.version}
    start = f"/api/v1/items/{item.pk}/start"
    assert client.post(start, body, content_type="application/json", **_auth(hubei)).status_code == 404
    refused = client.post(start, body, content_type="application/json", **_auth(viewer))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_a_read_only_token_cannot_write(county_staff, client):
    item = make_item("440604")
    response = client.post(
        f"/api/v1/items/{item.pk}/start",
        {"version": item.version},
        content_type="application/json",
        **_auth(_token(county_staff, scope="read")),
    )
    assert response.status_code == 403
    assert RectificationItem.objects.get(pk=item.pk).status == Status.OPEN


def test_the_ledger_cycle_through_the_api(county_staff, county_office, client):
    staff, office = _auth(_token(county_staff, "write")), _auth(_token(county_office, "write"))
    item = make_item("440604")
    url = f"/api/v1/items/{item.pk}"
    started = client.post(f"{url}/start", {"version": 1}, content_type="application/json", **staff).json()
    assert started["status"] == "in_progress"
    claim = client.post(
        f"{url}/claim",
        {
            "version": started["version"],
            "text": "已增设窗口",
            "files": [SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 x")],
        },
        **staff,
    )
    assert claim.status_code == 200, claim.content
    claimed = claim.json()
    assert claimed["status"] == "claimed" and claimed["updates"][-1]["evidence"] == ["整改报告.pdf"]
    returned = client.post(
        f"{url}/return",
        {"version": claimed["version"], "reasons": "佐证不足"},
        content_type="application/json",
        **office,
    ).json()
    assert returned["status"] == "returned"  # 已退回: a status of its own
    again = client.post(f"{url}/claim", {"version": returned["version"], "text": "补充材料"}, **staff).json()
    closed = client.post(
        f"{url}/verify",
        {"version": again["version"], "text": "属实"},
        content_type="application/json",
        **office,
    ).json()
    assert closed["status"] == "closed"
    reopened = client.post(
        f"{url}/reopen",
        {"version": closed["version"], "findings": "回头看发现反弹"},
        content_type="application/json",
        **office,
    ).json()
    assert reopened["status"] == "in_progress" and reopened["reopen_count"] == 1
    actions = [h["action"] for h in reopened["history"] if h["action"].startswith("item.")]
    assert actions[-6:] == [
        "item.start",
        "item.claim",
        "item.reject",
        "item.claim",
        "item.verify",
        "item.reopen",
    ]


def test_a_stale_version_is_409(county_staff, client):
    item = make_item("440604")
    response = client.post(
        f"/api/v1/items/{item.pk}/start",
        {"version": item.version + 1},
        content_type="application/json",
        **_auth(_token(county_staff, "write")),
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale_version"


def test_bad_input_is_400_in_the_requests_language(county_staff, client):
    item = make_item("440604")
    token = _auth(_token(county_staff, "write"))
    url = f"/api/v1/items/{item.pk}/claim"
    zh = client.post(url, {"version": item.version, "text": "完成"}, **token)
    assert zh.status_code == 400 and "佐证材料" in zh.json()["error"]["message"]
    en = client.post(url, {"version": item.version, "text": "done"}, HTTP_ACCEPT_LANGUAGE="en", **token)
    assert en.status_code == 400 and "evidence" in en.json()["error"]["message"]
    schema = client.post(url, {"text": "x"}, **token)
    assert schema.status_code == 400 and "version" in schema.json()["error"]["fields"]


def test_recording_a_problem_and_an_item_uses_the_page_actions(county_staff, client):
    from chuxin.orgs.models import Person

    token = _auth(_token(county_staff, "write"))
    problem = client.post(
        "/api/v1/units/440604/problems",
        {"title": "办事窗口排队时间长", "source": "opinion", "root_cause": "服务意识不强"},
        content_type="application/json",
        **token,
    )
    assert problem.status_code == 201, problem.content
    pid = problem.json()["id"]
    person = Person.objects.filter(home_unit__code="440604").first()
    item = client.post(
        f"/api/v1/problems/{pid}/items",
        {"measures": "增设窗口", "kind": "at_once", "responsible_person_id": person.pk},
        content_type="application/json",
        **token,
    )
    assert item.status_code == 201, item.content
    assert AuditEntry.objects.filter(action="item.create", object_id=item.json()["id"]).exists()
    detail = client.get(f"/api/v1/problems/{pid}", **token).json()
    assert [i["measures"] for i in detail["items"]] == ["增设窗口"]


def test_the_item_list_takes_the_page_filters_and_a_cursor(county_staff, client):
    for n in range(5):
        make_item("440604", title=f"问题{n}")
    token = _auth(_token(county_staff))
    first = client.get("/api/v1/units/440604/items", {"limit": 3}, **token).json()
    second = client.get(
        "/api/v1/units/440604/items", {"limit": 3, "cursor": first["next_cursor"]}, **token
    ).json()
    ids = [i["id"] for i in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) and ids == sorted(ids, reverse=True)
    only_open = client.get("/api/v1/units/440604/items", {"status": "closed"}, **token).json()
    assert all(i["status"] == "closed" for i in only_open["results"])
    bad = client.get("/api/v1/units/440604/items", {"cursor": "!!"}, **token)
    assert bad.status_code == 400


def test_the_item_list_filters_by_work_area_like_the_ledger(county_staff, client):
    from chuxin.problems.models import Problem, WorkArea

    livelihood = make_item("440604", title="群众办事难")
    Problem.objects.filter(pk=livelihood.problem_id).update(work_areas=WorkArea.LIVELIHOOD | WorkArea.RISK)
    other = make_item("440604", title="会风不实")
    Problem.objects.filter(pk=other.problem_id).update(work_areas=WorkArea.REFORM)
    token = _auth(_token(county_staff))
    found = client.get("/api/v1/units/440604/items", {"area": int(WorkArea.LIVELIHOOD)}, **token).json()
    ids = {i["id"] for i in found["results"]}
    assert livelihood.pk in ids and other.pk not in ids
    wider = client.get("/api/v1/units/440600/items", {"area": 16, "subtree": True}, **token)
    assert wider.status_code == 404  # the county's staff reach no further than the county
    assert client.get("/api/v1/units/440604/items", {"area": 3}, **token).status_code == 400  # not one area


def test_session_auth_needs_the_csrf_token_for_writes(county_staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(county_staff)
    item = make_item("440604")
    assert client.get(f"/api/v1/items/{item.pk}").status_code == 200
    url = f"/api/v1/items/{item.pk}/start"
    assert client.post(url, {"version": 1}, content_type="application/json").status_code == 403
    client.get("/accounts/tokens/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    ok = client.post(url, {"version": 1}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert ok.status_code == 200


def test_calls_over_the_rate_limit_are_429(county_staff, client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE_PER_MINUTE = 3
    token = _auth(_token(county_staff))
    codes = [client.get("/api/v1/units/440604", **token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_figures_for_a_unit_and_its_children(guangdong_office, client):
    answer = client.get("/api/v1/units/440000/figures", **_auth(_token(guangdong_office))).json()
    assert answer["unit"]["unit"] == "440000" and answer["children"]
    assert answer["unit"]["items"] >= sum(c["items"] for c in answer["children"])


def test_meetings_with_attendance_and_topics_read(guangdong_office, client):
    from tests.test_permission_matrix import _meeting, _topic_args

    meeting = _meeting("440000")
    topic = _topic_args("440000")["topic_id"]
    token = _auth(_token(guangdong_office))
    listed = client.get("/api/v1/units/440000/meetings", **token).json()
    assert meeting.pk in [m["id"] for m in listed["results"]]
    detail = client.get(f"/api/v1/meetings/{meeting.pk}", **token).json()
    assert detail["venues"][0]["is_main"] is True
    assert client.get(f"/api/v1/topics/{topic}", **token).json()["title"] == "调研课题"
    assert client.get("/api/v1/units/440000/topics", **token).status_code == 200


def test_the_docs_page_loads_nothing_from_another_origin(db, client):
    import re

    html = client.get("/api/v1/docs").content.decode()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(r.startswith("/") for r in refs), refs


LIST_ENDPOINTS = {
    # endpoint -> (small case, large case): a county vs a province's subtree, 5 rows vs 100
    "items": ("/api/v1/units/440604/items?limit=5", "/api/v1/units/440000/items?subtree=true&limit=100"),
    "problems": (
        "/api/v1/units/440604/problems?limit=5",
        "/api/v1/units/440000/problems?subtree=true&limit=100",
    ),
    "children": ("/api/v1/units/440604/children?limit=5", "/api/v1/units/000000/children?limit=100"),
    "search": ("/api/v1/units?q=440604&limit=5", "/api/v1/units?q=4&limit=100"),
    "meetings": ("/api/v1/units/440604/meetings?limit=1", "/api/v1/units/440000/meetings?limit=100"),
    "topics": ("/api/v1/units/440604/topics?limit=1", "/api/v1/units/440000/topics?limit=100"),
    "figures": ("/api/v1/units/440604/figures", "/api/v1/units/000000/figures"),
}


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_list_endpoints_cost_the_same_queries_at_any_page_size_and_tree_size(endpoint, superuser, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_permission_matrix import _meeting, _topic_args

    for code in ("440000", "440000", "440000", "440604"):
        _meeting(code)
        _topic_args(code)
    token = _auth(_token(superuser))
    counts, sizes = [], []
    for url in LIST_ENDPOINTS[endpoint]:
        client.get(url, **token)  # warm the per-process caches (content types, campaign)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **token)
        assert response.status_code == 200, response.content
        counts.append(len(ctx.captured_queries))
        body = response.json()
        sizes.append(len(body.get("results", body.get("children", []))))
    print(f"QUERIES {endpoint}: {counts} for {sizes} rows")
    assert counts[0] == counts[1], f"{endpoint}: {counts} queries for {sizes} rows"
    assert counts[0] <= 8


def test_the_readme_client_exports_a_countys_overdue_items(county_staff, live_api, tmp_path):
    import csv
    import io
    import pathlib
    import re
    import subprocess
    import sys

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = re.search(r"<!-- client-example -->\n```python\n(.*?)```", readme, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    script = tmp_path / "overdue.py"
    script.write_text(code)
    late = [make_item("440604", title=f"逾期问题{n}", days=-3 - n) for n in range(3)]
    make_item("440604", title="未到期", days=10)
    env = {"CHUXIN_URL": live_api, "CHUXIN_TOKEN": _token(county_staff), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(script), "440604"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    exported = {int(r["id"]) for r in rows}
    assert {it.pk for it in late} <= exported
    assert all(int(r["days_overdue"]) > 0 for r in rows)
    assert exported == set(
        RectificationItem.objects.in_subtree(late[0].unit).overdue().values_list("id", flat=True)
    )


def test_the_excel_import_runs_as_a_job_with_a_dry_run_then_apply(county_staff, client):
    import io

    from chuxin.orgs.models import Unit
    from chuxin.problems.ledger import export
    from tests.test_ledger_xlsx import _book, _new_row, make_ledger

    ledger = make_ledger(county_staff)
    token = _auth(_token(county_staff, "write"))

    def upload(content: bytes) -> str:
        job = client.post("/api/v1/units/440604/imports", {"file": _named(content)}, **token)
        assert job.status_code == 202, job.content
        return job.json()["id"]

    def _named(content: bytes):
        f = io.BytesIO(content)
        f.name = "台账.xlsx"
        return f

    job_id = upload(_book([_new_row(ledger, 整改措施="接口导入的措施")]))
    status = client.get(f"/api/v1/units/440604/imports/{job_id}", **token).json()
    assert status["status"] == "done" and status["errors"] == [] and not status["applied"]
    assert status["summary"]["new"] == 1
    applied = client.post(f"/api/v1/units/440604/imports/{job_id}/apply", **token)
    assert applied.status_code == 202 and applied.json()["applied"] is True
    again = client.post(f"/api/v1/units/440604/imports/{job_id}/apply", **token)
    assert again.status_code in (400, 404)
    # the ledger's own export, unchanged: checked, and refused on apply with the reason (nothing to import)
    out = io.BytesIO()
    export.write_ledger(out, Unit.objects.get(code="440604"), county_staff)
    same = upload(out.getvalue())
    assert client.get(f"/api/v1/units/440604/imports/{same}", **token).json()["summary"]["new"] == 0
    refused = client.post(f"/api/v1/units/440604/imports/{same}/apply", **token)
    assert refused.status_code == 400 and "没有需要导入的内容" in refused.json()["error"]["message"]


def test_the_excel_import_refuses_an_upload_into_a_closed_campaign(county_staff, central_office, client):
    import io

    from chuxin.campaigns.actions import do_close_campaign
    from chuxin.campaigns.models import Campaign

    campaign = do_close_campaign(Campaign.objects.get(launched_on="2019-05-31"), acting_user=central_office)
    f = io.BytesIO(b"PK\x03\x04 not read: the campaign is closed")
    f.name = "台账.xlsx"
    token = _auth(_token(county_staff, "write"))
    refused = client.post(f"/api/v1/units/440604/imports?campaign={campaign.pk}", {"file": f}, **token)
    assert refused.status_code == 400 and "已结束" in refused.json()["error"]["message"]


def test_the_token_page_shows_a_new_token_once_in_chinese(county_staff, client):
    client.force_login(county_staff)
    page = client.get("/accounts/tokens/").content.decode()
    assert "接口令牌" in page and "尚无令牌" in page
    made = client.post("/accounts/tokens/", {"name": "区统计系统", "scope": "write", "expires_days": 30})
    html = made.content.decode()
    token = ApiToken.objects.get(user=county_staff)
    assert "只显示这一次" in html and token.prefix in html and token.scope == "write"
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/units/440604", **_auth(secret)).status_code == 200
    assert secret not in client.get("/accounts/tokens/").content.decode()
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert client.get("/api/v1/units/440604", **_auth(secret)).status_code == 401


def test_an_extension_request_goes_through_the_same_action(county_staff, client):
    from datetime import timedelta

    from django.utils import timezone

    from chuxin.problems.models import ExtensionRequest

    item = make_item("440604")
    wanted = timezone.localdate() + timedelta(days=90)
    response = client.post(
        f"/api/v1/items/{item.pk}/extension",
        {"version": item.version, "new_deadline": wanted.isoformat(), "reason": "需协调上级部门"},
        content_type="application/json",
        **_auth(_token(county_staff, "write")),
    )
    assert response.status_code == 200, response.content
    request = ExtensionRequest.objects.get(item=item)
    assert request.reason == "需协调上级部门"
