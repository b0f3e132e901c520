"""The apply uses the dry run's own plan only while the ledger is as the dry run saw it (ledger/kept.py).

What the dry run shows is what the apply writes either way: the kept plan itself, or, after any change to
the ledger, a plan made again from the ledger as it is now."""

import pytest

from chuxin.orgs.models import Person
from chuxin.problems import actions
from chuxin.problems.ledger import kept
from chuxin.problems.models import RectificationItem
from tests.test_ledger_import_shapes import _book, _import, _new, _path
from tests.test_ledger_xlsx import make_ledger


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ledger(county_staff):
    return make_ledger(county_staff)


def _file(ledger, tmp_path):
    rows = [_new(ledger, 问题描述="会议多文件多（留用）", 整改措施=f"留用措施{k}") for k in range(3)]
    return _path(tmp_path, _book(rows))


def test_an_unchanged_ledger_applies_the_dry_runs_plan(county_staff, ledger, tmp_path):
    path = _file(ledger, tmp_path)
    dry = _import(county_staff, path, ledger["unit"])
    assert not dry["errors"] and kept.plan_path(path).exists()
    applied = _import(county_staff, path, ledger["unit"], confirm=True)
    assert applied["applied"] and applied["plan_reused"] and applied["summary"]["new"] == 3
    assert not kept.plan_path(path).exists()  # used once
    listed = {after for _n, cells in dry["diffs"] for c, _b, after in cells if c == "整改措施"}
    written = set(
        RectificationItem.objects.filter(measures__startswith="留用措施").values_list("measures", flat=True)
    )
    assert listed == written == {"留用措施0", "留用措施1", "留用措施2"}


def test_a_change_to_the_ledger_after_the_dry_run_plans_again(county_staff, ledger, tmp_path):
    path = _file(ledger, tmp_path)
    _import(county_staff, path, ledger["unit"])
    item = ledger["items"][1]  # someone edits an item in between: the audit chain and the stamp move
    actions.do_edit_item(item, item.version, measures="推行网上办（改）", acting_user=county_staff)
    applied = _import(county_staff, path, ledger["unit"], confirm=True)
    assert applied["applied"] and not applied["plan_reused"] and applied["summary"]["new"] == 3


def test_a_new_person_after_the_dry_run_plans_again(county_staff, ledger, tmp_path):
    path = _file(ledger, tmp_path)
    _import(county_staff, path, ledger["unit"])
    # written without an action (no audit entry): the table's count and highest id still move the stamp
    Person.objects.create(name="新来的人", home_unit=ledger["unit"])
    applied = _import(county_staff, path, ledger["unit"], confirm=True)
    assert applied["applied"] and not applied["plan_reused"]


def test_another_mode_or_day_plans_again(county_staff, ledger, tmp_path):
    path = _file(ledger, tmp_path)
    _import(county_staff, path, ledger["unit"])
    applied = _import(county_staff, path, ledger["unit"], confirm=True, mode="skip")
    assert applied["applied"] and not applied["plan_reused"]


def test_a_tampered_plan_is_never_unpickled(county_staff, ledger, tmp_path, monkeypatch):
    path = _file(ledger, tmp_path)
    _import(county_staff, path, ledger["unit"])
    target = kept.plan_path(path)
    data = bytearray(target.read_bytes())
    data[-5] ^= 1
    target.write_bytes(bytes(data))
    monkeypatch.setattr(kept.pickle, "load", lambda *_a, **_k: pytest.fail("unpickled a tampered plan"))
    applied = _import(county_staff, path, ledger["unit"], confirm=True)
    assert applied["applied"] and not applied["plan_reused"] and applied["summary"]["new"] == 3


def test_a_dry_run_with_nothing_to_apply_keeps_no_plan(county_staff, ledger, tmp_path):
    rows = [_new(ledger, 整改类型="不存在的类型")]
    path = _path(tmp_path, _book(rows))
    dry = _import(county_staff, path, ledger["unit"])
    assert dry["errors"] and not kept.plan_path(path).exists()
