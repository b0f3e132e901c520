"""The Excel import's audit: one ledger.import entry for everything an import created (ids, counts, the
digest of the rows as written), which every record it created shows as its own creation in its history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from chuxin.audit.log import verify_chain
from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.core import bulk
from chuxin.problems import actions
from chuxin.problems.history import import_entry, item_history, problem_history
from chuxin.problems.ledger import layout as lx
from chuxin.problems.models import Kind, Problem, RectificationItem, Stage
from tests.test_ledger_xlsx import _book, _new_row, make_ledger, today


@pytest.fixture(autouse=True)
def chinese_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def ledger(county_staff):
    return make_ledger(county_staff)


def _rows(ledger):
    return [
        _new_row(ledger),
        _new_row(ledger, 整改措施="压缩文件（导入测试）", 整改类型="立行立改", 整改时限=""),
        _new_row(
            ledger,
            问题描述="调研不实（导入测试）",
            整改措施="建立调研台账",
            整改类型="长期坚持",
            整改时限=lx.zh_date(today() + timedelta(days=90)),
        ),
    ]


def _apply(user, ledger, tmp_path, rows=None):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(_book(rows or _rows(ledger)))
    result = actions.do_import_ledger(
        unit=ledger["unit"],
        path=path,
        confirm=True,
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        acting_user=user,
    )
    assert result["applied"], result
    return result


def test_an_import_writes_one_entry_naming_every_record_it_created(county_staff, ledger, tmp_path):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    _apply(county_staff, ledger, tmp_path)
    # (and the opening of its province's audit chain, when this is the province's first entry)
    (entry,) = AuditEntry.objects.filter(id__gt=before).exclude(action="audit.chain_open")
    assert entry.action == "ledger.import" and entry.actor == county_staff
    assert entry.unit_id == ledger["unit"].pk
    items = RectificationItem.objects.filter(
        measures__endswith="（导入测试）"
    ) | RectificationItem.objects.filter(measures="建立调研台账")
    assert entry.after["created"] == {"Problem": 2, "RectificationItem": 3, "Stage": 1}
    named = {pk for a, b in entry.after["ids"]["RectificationItem"] for pk in range(a, b + 1)}
    assert named == set(items.values_list("pk", flat=True))
    assert all(import_entry(item) == entry for item in items)
    assert verify_chain()[1] is None


def test_the_entry_holds_the_digest_of_the_rows_as_written(county_staff, ledger, tmp_path):
    _apply(county_staff, ledger, tmp_path)
    entry = AuditEntry.objects.get(action="ledger.import")
    digest = entry.after["digest"]
    for model in (Problem, RectificationItem, Stage):
        ranges = entry.after["ids"][model.__name__]
        assert bulk.table_digest(model, ranges, digest["alg"]) == digest[model.__name__]
    # a later change to an imported row no longer matches what the import wrote
    item = RectificationItem.objects.get(measures="精简会议（导入测试）")
    actions.do_edit_item(item, item.version, measures="精简会议（已改）", acting_user=county_staff)
    ranges = entry.after["ids"]["RectificationItem"]
    assert bulk.table_digest(RectificationItem, ranges, digest["alg"]) != digest["RectificationItem"]


def test_the_history_page_of_an_imported_item_shows_its_import(as_user, county_staff, ledger, tmp_path):
    _apply(county_staff, ledger, tmp_path)
    entry = AuditEntry.objects.get(action="ledger.import")
    item = RectificationItem.objects.get(measures="精简会议（导入测试）")
    page = as_user(county_staff).get(reverse("item_detail", kwargs={"item_id": item.pk}))
    assert page.status_code == 200
    assert f"通过导入整改台账添加了整改事项（导入记录{entry.pk}）" in page.content.decode()
    lines = item_history(item)
    assert [line.action for line in lines] == ["ledger.import"]


def test_the_history_of_an_imported_item_goes_on_after_its_import(county_staff, ledger, tmp_path):
    _apply(county_staff, ledger, tmp_path)
    item = RectificationItem.objects.get(measures="精简会议（导入测试）")
    actions.do_start_item(item, item.version, acting_user=county_staff)
    assert [line.action for line in item_history(item)] == ["ledger.import", "item.start"]


def test_the_problem_page_of_an_imported_problem_shows_its_import(as_user, county_staff, ledger, tmp_path):
    _apply(county_staff, ledger, tmp_path)
    entry = AuditEntry.objects.get(action="ledger.import")
    problem = Problem.objects.get(title="调研不实（导入测试）")
    assert [line.action for line in problem_history(problem)] == ["ledger.import"]
    page = as_user(county_staff).get(reverse("problem_detail", kwargs={"problem_id": problem.pk}))
    assert f"通过导入整改台账登记了问题（导入记录{entry.pk}）" in page.content.decode()


def test_the_api_history_of_an_imported_item_names_its_import(as_user, county_staff, ledger, tmp_path):
    _apply(county_staff, ledger, tmp_path)
    item = RectificationItem.objects.get(measures="精简会议（导入测试）")
    response = as_user(county_staff).get(reverse("api:api_item_detail", kwargs={"item_id": item.pk}))
    assert response.status_code == 200, response.content
    assert [h["action"] for h in response.json()["history"]] == ["ledger.import"]


def test_a_record_made_by_hand_at_the_same_instant_is_not_taken_for_imported(county_staff, ledger, tmp_path):
    _apply(county_staff, ledger, tmp_path)
    entry = AuditEntry.objects.get(action="ledger.import")
    by_hand = ledger["items"][0]
    RectificationItem.objects.filter(pk=by_hand.pk).update(created_at=entry.at)
    by_hand.refresh_from_db()
    assert import_entry(by_hand) is None
    assert [line.action for line in item_history(by_hand)] == ["item.create"]


def test_an_import_that_only_changes_items_writes_no_import_entry(county_staff, ledger, tmp_path):
    item = ledger["items"][0]
    row = _new_row(ledger, 问题描述="窗口排队时间长", 整改措施="增设窗口（改）", 整改类型="限期整改")
    row.update({"事项编号": f"I{item.pk}", "问题编号": f"P{item.problem_id}", "根源剖析": "服务意识不强"})
    row["整改时限"] = lx.zh_date(item.deadline)
    _apply(county_staff, ledger, tmp_path, rows=[row])
    assert not AuditEntry.objects.filter(action="ledger.import").exists()
    assert AuditEntry.objects.filter(action="item.change", item_id=item.pk).exists()
    assert RectificationItem.objects.get(pk=item.pk).kind == Kind.DEADLINE
