"""The audit log cannot be trimmed, edited or re-computed quietly: each kind of tampering is named."""

import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from chuxin.audit import log
from chuxin.audit.events import AuditEvent
from chuxin.audit.models import AuditEntry, AuditHead
from chuxin.orgs.models import Unit


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchor.log"
    return settings.AUDIT_ANCHOR_FILE


def entries(n):
    """n new entries (after whatever the demo already wrote), oldest first."""
    unit = Unit.objects.get(code="440604")
    for i in range(n):
        with transaction.atomic():
            log.record(None, AuditEvent.UNIT_MOVE, unit, {"n": i}, {"n": i + 1})
    return list(AuditEntry.objects.order_by("-seq")[:n])[::-1]


def sql(statement, params=()):
    with connection.cursor() as c:  # behind the application's back, as someone with database access
        c.execute(statement, params)


def test_sm3_is_the_national_hash_and_is_used_for_new_entries(db):
    # GB/T 32905-2016, example 1: SM3("abc")
    assert hashlib.new("sm3", b"abc").hexdigest() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert log.sm3_available()
    assert {e.alg for e in entries(2)} == {log.SM3}


def test_an_intact_log_verifies_with_consecutive_sequence_numbers(db):
    rows = entries(4)
    seqs = [e.seq for e in rows]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    rep = log.check_log()
    assert rep.ok and rep.last_seq == seqs[-1]
    assert AuditHead.objects.get(pk=1).last_seq == seqs[-1]


def test_the_mac_needs_the_key_outside_the_database(db, settings):
    e = entries(1)[0]
    assert e.compute_hash() == e.hash
    assert e.compute_hash(key=b"somebody else's key") != e.hash


def test_deleting_the_last_rows_is_named_as_truncation(db):
    rows = entries(5)
    sql("DELETE FROM audit_auditentry WHERE seq > %s", [rows[2].seq])
    rep = log.check_log()
    assert "truncated" in rep.kinds()
    assert "2 entries removed from the end" in " ".join(f.message for f in rep.findings)


def test_deleting_the_last_rows_and_rewinding_the_head_is_caught_by_the_anchor(db, anchor_file):
    rows = entries(5)
    log.write_anchor()
    keep = rows[1]
    sql("DELETE FROM audit_auditentry WHERE seq > %s", [keep.seq])
    sql("UPDATE audit_audithead SET last_seq = %s, last_hash = %s", [keep.seq, keep.hash])
    rep = log.check_log()
    assert [f.kind for f in rep.findings] == ["truncated"]
    assert "anchor" in rep.findings[0].message and "3 entries removed" in rep.findings[0].message


def test_deleting_every_row_is_named_as_truncation(db, anchor_file):
    entries(3)
    log.write_anchor()
    sql("DELETE FROM audit_auditentry")
    sql("UPDATE audit_audithead SET last_seq = 0, last_hash = %s", [log.GENESIS])
    rep = log.check_log()
    assert rep.checked == 0 and AuditEntry.objects.count() == 0 and "truncated" in rep.kinds()


def test_deleting_a_middle_row_is_named_as_a_gap(db):
    rows = entries(5)
    victim = rows[2]
    sql("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    rep = log.check_log()
    gap = [f for f in rep.findings if f.kind == "gap"]
    assert len(gap) == 1 and gap[0].seq == victim.seq
    assert f"entries {victim.seq}–{victim.seq}" in gap[0].message


def test_rewriting_one_row_names_that_entry(db):
    rows = entries(4)
    victim = rows[1]
    sql("UPDATE audit_auditentry SET actor_name = 'mallory' WHERE id = %s", [victim.pk])
    rep = log.check_log()
    assert [(f.kind, f.seq) for f in rep.findings] == [("altered", victim.seq)]
    assert rep.first_bad.pk == victim.pk


def test_recomputing_the_whole_chain_without_the_key_is_named(db):
    entries(4)
    prev = log.GENESIS
    for e in AuditEntry.objects.order_by("seq"):  # the attacker's best guess: a chain under another key
        e.actor_name = "mallory"
        e.prev_hash = prev
        prev = e.compute_hash(key=b"guessed")
        sql(
            "UPDATE audit_auditentry SET actor_name = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [e.actor_name, e.prev_hash, prev, e.pk],
        )
    sql("UPDATE audit_audithead SET last_hash = %s", [prev])
    rep = log.check_log()
    assert rep.findings[0].kind == "rekeyed"


def test_a_forged_anchor_line_is_named(db, anchor_file):
    entries(1)
    log.write_anchor()
    with open(anchor_file, "a") as fh:
        fh.write('{"seq": 99, "hash": "00", "at": "2026-01-01", "mac": "bad"}\n')
    rep = log.check_log()
    assert [f.kind for f in rep.findings] == ["anchor"]


def test_the_anchor_file_is_only_appended_to(db, anchor_file):
    entries(1)
    first = log.write_anchor()
    entries(1)
    second = log.write_anchor()
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == 2 and second["seq"] == first["seq"] + 1
    assert f'"seq": {first["seq"]}' in lines[0]


def test_verifyaudit_passes_on_an_intact_log_and_fails_naming_the_entry(db, capsys):
    rows = entries(3)
    call_command("anchoraudit", "--now")
    call_command("verifyaudit")
    assert "audit chain intact" in capsys.readouterr().out
    sql("DELETE FROM audit_auditentry WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError, match=f"entries {rows[1].seq}"):
        call_command("verifyaudit")


def test_an_event_outside_the_enum_is_refused(db):
    unit = Unit.objects.get(code="440604")
    with pytest.raises(ValueError, match="not an AuditEvent"), transaction.atomic():
        log.record(None, "unit.renamed", unit, None, None)


def test_a_failing_audit_write_rolls_the_change_back(db, monkeypatch):
    from chuxin.orgs.actions import do_move_unit

    unit, target = Unit.objects.get(code="440604"), Unit.objects.get(code="440100")
    old_path = unit.path
    central = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    boss = central.objects.get(username="zhongyang")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("chuxin.orgs.actions.record", broken)
    with pytest.raises(OSError):
        do_move_unit(unit, target, acting_user=boss)
    unit.refresh_from_db()
    assert unit.path == old_path


def test_the_daily_anchor_task_writes_the_head(db, anchor_file):
    from chuxin.audit.tasks import anchor_audit_log

    rows = entries(2)
    anchor_audit_log.enqueue()  # the suite runs tasks inline
    assert f'"seq": {rows[-1].seq}' in anchor_file.read_text()


def test_the_anchor_is_mailed_to_the_auditor_when_an_address_is_set(db, anchor_file, settings, mailoutbox):
    from chuxin.audit.tasks import anchor_audit_log

    settings.AUDIT_ANCHOR_EMAIL = "auditor@example.org"
    rows = entries(1)
    anchor_audit_log.enqueue()
    assert [m.to for m in mailoutbox] == [["auditor@example.org"]]
    assert f'"seq": {rows[-1].seq}' in mailoutbox[0].body and rows[-1].hash in mailoutbox[0].body
