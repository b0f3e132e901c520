"""The write path's statements (issue 15, target 4): what a claim → verify pair asks the database."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuxin.campaigns.models import Campaign
from chuxin.orgs.models import Unit
from chuxin.problems import actions
from chuxin.problems.models import RectificationItem
from chuxin.rollups import counters, shards
from chuxin.rollups.counters import drift

pytestmark = pytest.mark.django_db


def _deep_item(under="440000"):
    return (
        RectificationItem.objects.filter(
            status="in_progress", unit__depth__gte=4, unit_path__startswith=Unit.objects.get(code=under).path
        )
        .select_related("unit")
        .order_by("pk")
        .first()
    )


def test_the_locked_item_carries_its_units_ancestry():
    """On PostgreSQL the item's lock reads the unit's ancestors in the same statement: the same (id, depth)
    pairs, root first, that the counters' own query gives."""
    item = _deep_item()
    got = counters.with_ancestry(RectificationItem.objects.select_related("unit")).get(pk=item.pk)
    state = counters.ItemState.of(got)
    if connection.vendor == "postgresql":
        assert list(state.ancestry) == shards.ancestry(item.unit_id)
        assert len(state.ancestry) == item.unit.depth
    else:
        assert state.ancestry == ()


def test_claim_and_verify_read_no_ancestors_of_their_own(django_user_model):
    """A claim and a verification lock the item with its ancestry (PostgreSQL): no separate statement for
    the ancestors' ids, and the counters still equal a recount in every ancestor."""
    staff = django_user_model.objects.get(username="zhongyang")
    verifier = django_user_model.objects.get(username="admin")
    item = _deep_item()
    campaign = Campaign.objects.get(pk=item.problem.campaign_id)
    with CaptureQueriesContext(connection) as ctx:
        actions.do_claim_item(
            item, "已完成整改", [SimpleUploadedFile("a.txt", b"evidence")], acting_user=staff
        )
        item.refresh_from_db()
        actions.do_verify_item(item, "核查属实", acting_user=verifier)
    unit_reads = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith('SELECT "orgs_unit"."id"')
    ]
    if connection.vendor == "postgresql":
        assert unit_reads == []
    assert RectificationItem.objects.get(pk=item.pk).status == "closed"
    for unit in Unit.objects.get_ancestors(item.unit):
        assert drift(unit, campaign.pk) == {}, unit.code
    assert drift(item.unit, campaign.pk) == {}


def test_a_claim_notifies_the_nearest_office_and_reuses_stored_files_in_fewer_statements(django_user_model):
    """The claim's notification goes to the users of the nearest office above the item (the acting user
    left out), chosen by the INSERT itself; the unit's evidence use and the files already stored are read by
    one statement, and nothing more is asked for a file stored before."""
    from chuxin.problems.models import EvidenceBlob
    from chuxin.reminders.models import Notification, NotificationKind
    from chuxin.reminders.receivers import verifying_office_user_ids

    staff = django_user_model.objects.get(username="zhongyang")
    item = _deep_item()
    before = EvidenceBlob.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        actions.do_claim_item(
            item, "已完成整改", [SimpleUploadedFile("a.txt", b"stored once")], acting_user=staff
        )
    first = [q["sql"] for q in ctx.captured_queries]
    assert EvidenceBlob.objects.count() == before + 1
    want = sorted(set(verifying_office_user_ids(item.unit)) - {staff.pk})
    assert want
    got = Notification.objects.filter(item=item, kind=NotificationKind.CLAIMED).order_by("pk")
    assert [n.user_id for n in got] == want
    assert all(n.text and n.due_date == item.due_date and n.read_at is None for n in got)
    assert not any('"orgs_roleassignment"' in sql and sql.lstrip().startswith("SELECT") for sql in first)
    assert sum('"problems_evidenceblob"' in sql for sql in first) == 2  # the read, the new blob's insert
    other = RectificationItem.objects.filter(unit=item.unit, status="in_progress").exclude(pk=item.pk).first()
    other = other or _deep_item()
    with CaptureQueriesContext(connection) as ctx:
        actions.do_claim_item(
            other, "已完成整改", [SimpleUploadedFile("b.txt", b"stored once")], acting_user=staff
        )
    assert EvidenceBlob.objects.count() == before + 1
    assert sum('"problems_evidenceblob"' in q["sql"] for q in ctx.captured_queries) == 1
    assert other.evidence.get().blob.sha256 == item.evidence.get().blob.sha256


def test_a_claims_update_and_evidence_rows_are_written_together(django_user_model):
    """On PostgreSQL the claim's progress update and its evidence rows are one statement; the rows are those
    the ORM wrote (the files in order, the update, the uploader) and their audit entries name them."""
    from chuxin.audit.models import AuditEntry
    from chuxin.problems.models import Evidence, ProgressUpdate

    staff = django_user_model.objects.get(username="zhongyang")
    item = _deep_item()
    files = [SimpleUploadedFile(f"{n}.txt", f"evidence {n}".encode()) for n in ("甲", "乙", "丙")]
    with CaptureQueriesContext(connection) as ctx:
        actions.do_claim_item(item, "已完成整改", files, acting_user=staff)
    inserts = [q["sql"] for q in ctx.captured_queries if 'INTO "problems_evidence"' in q["sql"]]
    if connection.vendor == "postgresql":
        assert inserts == [] and sum("problems_progressupdate" in q["sql"] for q in ctx.captured_queries) == 1
    update = ProgressUpdate.objects.get(item=item, kind="claim")
    assert update.text == "已完成整改" and update.author == staff
    rows = list(Evidence.objects.filter(item=item).order_by("pk"))
    assert [e.name for e in rows] == ["甲.txt", "乙.txt", "丙.txt"]
    assert {(e.update_id, e.uploaded_by_id) for e in rows} == {(update.pk, staff.pk)}
    assert all(abs((e.uploaded_at - update.at).total_seconds()) < 5 for e in rows)
    logged = AuditEntry.objects.filter(action="evidence.add", item_id=item.pk).order_by("seq")
    assert [(e.object_id, e.after["name"]) for e in logged] == [(e.pk, e.name) for e in rows]
