"""The audit log cannot be trimmed, edited or re-computed quietly: each kind of tampering is named, in
every chain of it (one per province and chain "" for the rest)."""

import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from chuxin.audit import log
from chuxin.audit.events import AuditEvent
from chuxin.audit.models import AuditEntry, AuditHead
from chuxin.orgs.models import Unit


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchor.log"
    return settings.AUDIT_ANCHOR_FILE


def committed():
    """What a commit does to the transaction's hold on its audit chain: the suite runs each test in one
    transaction, so without this every entry of a test would join the chain its first entry picked."""
    connection.run_on_commit[:] = [
        c for c in connection.run_on_commit if not isinstance(c[1], log._HeldChain)
    ]


def entries(n, code="440604"):
    """n new entries of unit `code` (after whatever the demo already wrote), oldest first, each in its own
    transaction."""
    unit = Unit.objects.get(code=code)
    for i in range(n):
        committed()
        with transaction.atomic():
            log.record(None, AuditEvent.UNIT_MOVE, unit, {"n": i}, {"n": i + 1})
    return list(AuditEntry.objects.filter(action=AuditEvent.UNIT_MOVE).order_by("-id")[:n])[::-1]


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
    chain = rows[0].chain
    assert rep.ok and rep.ends[chain][0] == seqs[-1]
    assert AuditHead.objects.get(chain=chain).last_seq == seqs[-1]


def test_the_mac_needs_the_key_outside_the_database(db, settings):
    e = entries(1)[0]
    assert e.compute_hash() == e.hash
    assert e.compute_hash(key=b"somebody else's key") != e.hash


def test_deleting_the_last_rows_is_named_as_truncation(db):
    rows = entries(5)
    sql("DELETE FROM audit_auditentry WHERE chain = %s AND seq > %s", [rows[2].chain, rows[2].seq])
    rep = log.check_log()
    assert "truncated" in rep.kinds()
    assert "2 entries removed from the end" in " ".join(f.message for f in rep.findings)


def test_deleting_the_last_rows_and_rewinding_the_head_is_caught_by_the_anchor(db, anchor_file):
    rows = entries(5)
    log.write_anchor()
    keep = rows[1]
    sql("DELETE FROM audit_auditentry WHERE chain = %s AND seq > %s", [keep.chain, keep.seq])
    sql(
        "UPDATE audit_audithead SET last_seq = %s, last_hash = %s WHERE chain = %s",
        [keep.seq, keep.hash, keep.chain],
    )
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
    prev = {}
    for e in AuditEntry.objects.order_by(
        "chain", "seq"
    ):  # the attacker's best guess: chains under another key
        e.actor_name = "mallory"
        e.prev_hash = prev.get(e.chain, log.GENESIS)
        prev[e.chain] = e.compute_hash(key=b"guessed")
        sql(
            "UPDATE audit_auditentry SET actor_name = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [e.actor_name, e.prev_hash, prev[e.chain], e.pk],
        )
    for chain, last in prev.items():
        sql("UPDATE audit_audithead SET last_hash = %s WHERE chain = %s", [last, chain])
    rep = log.check_log()
    assert rep.findings[0].kind == "rekeyed"


def test_a_forged_anchor_line_is_named(db, anchor_file):
    entries(1)
    log.write_anchor()
    with open(anchor_file, "a") as fh:
        fh.write('{"seq": 99, "hash": "00", "at": "2026-01-01", "mac": "bad"}\n')
    rep = log.check_log()
    assert [f.kind for f in rep.findings] == ["anchor"]


def test_the_anchor_file_is_only_appended_to_with_one_line_per_chain(db, anchor_file):
    chain = entries(1)[0].chain
    first = log.write_anchor()
    entries(1)
    second = log.write_anchor()
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == len(first["chains"]) + len(second["chains"]) and len(first["chains"]) >= 2
    assert second["chains"][chain] == first["chains"][chain] + 1 and second["seq"] == first["seq"]
    assert f'"seq": {first["seq"]}' in lines[0] and '"chain"' not in lines[0]  # chain "": the old format


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


# --- the chains: one per province, chain "" for the rest --------------------------------------------


def test_each_province_appends_to_its_own_chain_and_chain_quote_quote_records_its_opening(db):
    gd, hb, root = entries(3, "440604"), entries(2, "420000"), entries(1, "000000")
    gd_path, hb_path = Unit.objects.get(code="440000").path, Unit.objects.get(code="420000").path
    assert {e.chain for e in gd} == {gd_path} and {e.chain for e in hb} == {hb_path} and root[0].chain == ""
    for rows in (gd, hb):
        assert [e.seq for e in rows] == list(range(rows[0].seq, rows[0].seq + len(rows)))
    opened = AuditEntry.objects.filter(chain="", action=AuditEvent.AUDIT_CHAIN_OPEN)
    assert {e.after["chain"] for e in opened} >= {gd_path, hb_path}
    assert set(AuditHead.objects.values_list("chain", flat=True)) >= {"", gd_path, hb_path}
    rep = log.check_log()
    assert rep.ok and rep.ends[gd_path][0] == gd[-1].seq and rep.ends[hb_path][0] == hb[-1].seq


def test_the_chain_key_is_the_province_path(db):
    gd = Unit.objects.get(code="440000")
    assert log.chain_of_path(Unit.objects.get(code="440604").path) == gd.path
    assert log.chain_of_path(gd.path) == gd.path
    assert log.chain_of_path(Unit.objects.get(code="000000").path) == "" == log.chain_of_path(None)


def test_one_transaction_appends_to_one_chain(db):
    """Its first entry picks the chain; the others follow it, so no transaction holds two heads."""
    committed()
    with transaction.atomic():
        log.record(None, AuditEvent.UNIT_MOVE, Unit.objects.get(code="440604"), None, {"n": 1})
        log.record(None, AuditEvent.UNIT_MOVE, Unit.objects.get(code="420000"), None, {"n": 2})
    a, b = AuditEntry.objects.filter(action=AuditEvent.UNIT_MOVE).order_by("-id")[:2]
    assert a.chain == b.chain == Unit.objects.get(code="440000").path and a.seq == b.seq + 1
    assert log.check_log().ok


def test_the_chain_is_found_from_the_unit_id_alone(db):
    """An object whose unit is not loaded: the head is locked by the unit's path in the same statement."""
    from chuxin.orgs.models import RoleAssignment

    hb = Unit.objects.get(code="420000")
    grant = RoleAssignment.objects.filter(unit__path__startswith=hb.path, unit__depth__gt=2).first()
    grant = RoleAssignment.objects.get(pk=grant.pk)  # its unit not loaded
    entries(1, "420000")  # the chain exists
    committed()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        e = log.record(None, AuditEvent.ROLE_ASSIGN, grant, None, {"n": 1})
    # the head (found by the unit's path in the same statement), then the entry and the head's new end
    # (one statement on PostgreSQL)
    assert len(queries) == (2 if connection.vendor == "postgresql" else 3)
    assert e.chain == Unit.objects.get(code="420000").path and log.check_log().ok


def test_an_entry_moved_to_another_chain_is_named(db):
    gd, hb = entries(3, "440604"), entries(3, "420000")
    victim = gd[1]
    sql("UPDATE audit_auditentry SET chain = %s, seq = %s WHERE id = %s", [hb[0].chain, 99, victim.pk])
    rep = log.check_log()
    assert "gap" in rep.kinds() and "altered" in rep.kinds()
    assert any(f.kind == "gap" and f.chain == victim.chain and f.seq == victim.seq for f in rep.findings)


def test_an_entry_moved_into_chain_quote_quote_is_named_altered(db):
    """Chain ""'s MACs do not cover the chain (they predate it); every other chain's do."""
    rows = entries(2, "440604")
    head = AuditHead.objects.get(chain="")
    sql(
        "UPDATE audit_auditentry SET chain = '', seq = %s, prev_hash = %s WHERE id = %s",
        [head.last_seq + 1, head.last_hash, rows[1].pk],
    )
    sql("UPDATE audit_audithead SET last_seq = last_seq + 1, last_hash = %s WHERE chain = ''", [rows[1].hash])
    sql(
        "UPDATE audit_audithead SET last_seq = %s, last_hash = %s WHERE chain = %s",
        [rows[0].seq, rows[0].hash, rows[0].chain],
    )
    rep = log.check_log()
    assert [(f.kind, f.chain) for f in rep.findings] == [("altered", "")]


def test_reordering_two_entries_of_a_chain_is_named(db):
    a, b, _c = entries(3, "440604")
    sql("UPDATE audit_auditentry SET seq = -1 WHERE id = %s", [a.pk])
    sql("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [a.seq, b.pk])
    sql("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [b.seq, a.pk])
    rep = log.check_log()
    assert {"relinked", "altered"} <= rep.kinds() and {f.chain for f in rep.findings} == {a.chain}


def test_a_whole_chain_removed_with_its_head_is_named_by_its_opening_entry(db):
    rows = entries(2, "420000")
    chain = rows[0].chain
    sql("DELETE FROM audit_auditentry WHERE chain = %s", [chain])
    sql("DELETE FROM audit_audithead WHERE chain = %s", [chain])
    rep = log.check_log()
    assert [(f.kind, f.chain) for f in rep.findings] == [("truncated", chain)]
    assert "opened by entry" in rep.findings[0].message


def test_a_chain_nobody_opened_is_named(db):
    rows = entries(2, "420000")
    opening = AuditEntry.objects.get(chain="", action=AuditEvent.AUDIT_CHAIN_OPEN, after__chain=rows[0].chain)
    sql("DELETE FROM audit_auditentry WHERE id = %s", [opening.pk])
    rep = log.check_log()
    assert ("unknown", rows[0].chain) in [(f.kind, f.chain) for f in rep.findings]
    assert any(f.kind in ("gap", "truncated") and f.chain == "" for f in rep.findings)


def test_entries_outside_every_known_chain_are_counted(db):
    rows = entries(2, "420000")
    sql("UPDATE audit_auditentry SET chain = 'XXXX' WHERE id = %s", [rows[1].pk])
    rep = log.check_log()
    assert any(f.kind == "unknown" and "XXXX" in f.message for f in rep.findings)


def test_the_entries_written_before_the_split_verify_unchanged(db):
    """Chain "" entries MAC the same content as before the chains existed (no "chain" key)."""
    e = entries(1, "000000")[0]
    assert e.chain == "" and b'"chain"' not in e.payload()
    other = entries(1, "440604")[0]
    assert b'"chain"' in other.payload()


def test_one_chain_for_everything_when_the_chains_are_off(db, settings):
    settings.AUDIT_CHAIN_DEPTH = 0
    assert {e.chain for e in entries(2, "440604") + entries(1, "420000")} == {""}
    assert log.check_log().ok
