"""Fault injection: a claim with evidence and the Excel import killed at each step leave the database as
it was, and the files they had written are collected as orphans."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from chuxin.audit.events import AuditEvent
from chuxin.audit.models import AuditEntry
from chuxin.problems import actions, evidence
from chuxin.problems.models import Evidence, EvidenceBlob, ProgressUpdate, RectificationItem, Status

from .conftest import make_item
from .test_ledger_xlsx import _book, _confirm, _counts, _new_row, _post, chinese_and_media, ledger  # noqa: F401


class Boom(Exception):
    pass


def _state(item):
    item.refresh_from_db()
    return (
        item.status,
        item.version,
        Evidence.objects.filter(item=item).count(),
        ProgressUpdate.objects.filter(item=item).count(),
        EvidenceBlob.objects.count(),
        AuditEntry.objects.count(),
    )


def _files(settings):
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(p for p in root.glob("*/*/*") if p.is_file()) if root.exists() else []


def _claim(item, user, *names):
    files = [SimpleUploadedFile(n, f"%PDF-1.4 {n} {item.pk}".encode()) for n in names]
    actions.do_claim_item(item, "完成", files, acting_user=user)


def _boom(*args, **kwargs):
    raise Boom("injected")


@pytest.mark.parametrize("step", ["evidence_row", "second_file", "audit_write"])
def test_a_claim_killed_at_each_step_leaves_nothing_behind(step, county_staff, monkeypatch, settings):
    item = make_item("440604")
    before, files_before = _state(item), _files(settings)
    if step == "evidence_row":  # after the file write, before its row (one statement with the update on PG)
        monkeypatch.setattr(Evidence.objects, "create", _boom)
        monkeypatch.setattr(actions, "_add_update_with_evidence", _boom)
    elif step == "second_file":  # the first file stored, the second one fails
        real = evidence._write_file
        calls = []

        def second_fails(f, sha):
            calls.append(f)
            if len(calls) == 2:
                raise Boom("disk full")
            return real(f, sha)

        monkeypatch.setattr(evidence, "_write_file", second_fails)
    else:  # the audit entry of the evidence cannot be written (after the file and its row)

        def audit(user, entries, *a, **kw):  # the item's and its evidence's entries go in together
            entries = list(entries)
            if any(e[0] == AuditEvent.EVIDENCE_ADD for e in entries):
                raise Boom("audit down")
            return real_record_many(user, entries, *a, **kw)

        real_record_many = actions.record_many
        monkeypatch.setattr(actions, "record_many", audit)
    with pytest.raises(Boom):
        _claim(item, county_staff, "甲.pdf", "乙.pdf")
    assert _state(item) == before
    assert item.status == Status.OPEN
    evidence.collect_orphans(grace_seconds=0)
    assert _files(settings) == files_before


def test_collecting_orphans_never_removes_a_stored_file(county_staff, settings):
    item = make_item("440604")
    _claim(item, county_staff, "留存.pdf")
    kept = _files(settings)
    call_command("verifyevidence", "--collect-orphans", "--grace-hours", "0")
    assert _files(settings) == kept and kept


@pytest.mark.parametrize("step", ["mid_bulk_insert", "audit_write", "before_commit"])
def test_an_import_killed_at_each_step_writes_nothing(step, as_user, county_staff, ledger, monkeypatch):  # noqa: F811
    client = as_user(county_staff)
    response = _post(client, _book([_new_row(ledger), _new_row(ledger, 整改措施="压缩文件（故障注入）")]))
    assert response.context["can_confirm"], response.context["errors"]
    before = _counts()
    if step == "mid_bulk_insert":  # problems inserted, the items' insert fails
        from chuxin.core import bulk

        real_insert = bulk.insert_rows

        def items_fail(model, *a, **kw):
            if model is RectificationItem:
                raise Boom("disk full")
            return real_insert(model, *a, **kw)

        monkeypatch.setattr(bulk, "insert_rows", items_fail)
    elif step == "audit_write":
        monkeypatch.setattr(actions, "record", _boom)  # the one ledger.import entry, last before the commit
    else:  # the last write before the commit: the roll-up counters
        monkeypatch.setattr(actions.counters, "bulk_created_rows", _boom)
    try:
        _confirm(client, response)
    except Boom:
        pass
    assert _counts() == before
