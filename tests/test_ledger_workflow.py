"""The rectification ledger's workflow: every transition, allowed and refused."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from chuxin.audit.log import verify_chain
from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.demo.generator import PASSWORD
from chuxin.orgs.models import Person, Rank, RoleAssignment, Unit
from chuxin.problems import actions
from chuxin.problems.evidence import MAX_BYTES
from chuxin.problems.models import Evidence, Kind, RectificationItem, Status


def today():
    """Shanghai's date when the test runs (not at import: a run may cross midnight, 16:00 UTC)."""
    return timezone.localdate()


@pytest.fixture(autouse=True)
def chinese():
    """Messages are checked in Chinese, the language users read (pages get it as the default)."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def county_office(db, django_user_model):
    """The leading-group office of 禅城区 (440604)."""
    user = django_user_model.objects.create_user("chancheng_office", password=PASSWORD)
    unit = Unit.objects.get(code="440604")
    person = Person.objects.create(name="区委办", home_unit=unit, user=user, rank=Rank.SECTION)
    RoleAssignment.objects.create(person=person, unit=unit, role="office")
    return user


def evidence(name="整改报告.pdf", size=None, content=b"%PDF-1.4 rectified"):
    if size is not None:
        content = b"x" * size
    return SimpleUploadedFile(name, content)


def record(staff, kind=Kind.DEADLINE, **item_fields):
    unit = Unit.objects.get(code="440604")
    problem = actions.do_record_problem(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=unit,
        title="测试问题甲：窗口排队",
        source="opinion",
        root_cause="服务意识不强",
        direction="优化流程",
        acting_user=staff,
    )
    fields = (
        {"deadline": today() + timedelta(days=30), "requirements": "月底前完成"}
        if kind == Kind.DEADLINE
        else {}
    )
    if kind == Kind.LONG_TERM:
        fields = {
            "stages": [
                ("建立预约制度", today() + timedelta(days=10)),
                ("全面推开", today() + timedelta(days=60)),
            ]
        }
    fields.update(item_fields)
    person = unit.people.order_by("pk").first()
    return actions.do_add_item(
        problem,
        measures="增设窗口、推行预约",
        kind=kind,
        responsible_person=person,
        **fields,
        acting_user=staff,
    )


def test_the_whole_cycle_record_claim_verify_reopen(county_staff, county_office):
    item = record(county_staff)
    assert item.status == Status.OPEN and item.responsible_leader is not None
    actions.do_start_item(item, acting_user=county_staff)
    actions.do_claim_item(item, "已增设两个窗口", [evidence()], acting_user=county_staff)
    item.refresh_from_db()
    assert item.status == Status.CLAIMED and item.evidence.count() == 1
    actions.do_verify_item(item, "经核查属实", acting_user=county_office)
    item.refresh_from_db()
    assert item.status == Status.CLOSED and item.get_status_display() == "已销号"
    actions.do_reopen_item(item, "回头看发现高峰期仍排队", acting_user=county_office)
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS and item.reopen_count == 1


def test_fix_at_once_gets_a_short_default_deadline(county_staff):
    item = record(county_staff, kind=Kind.AT_ONCE)
    assert item.deadline == today() + timedelta(days=actions.AT_ONCE_DAYS)


def test_fix_by_deadline_needs_deadline_and_requirements(county_staff):
    with pytest.raises(ActionError, match="限期整改须同时填写整改时限和整改要求"):
        record(county_staff, deadline=None)
    with pytest.raises(ActionError, match="限期整改须同时填写整改时限和整改要求"):
        record(county_staff, requirements="")


def test_a_past_deadline_is_refused_and_nothing_is_written(county_staff):
    from chuxin.campaigns.models import Campaign

    Campaign.objects.update(ended_on=None)  # a running campaign plans ahead
    count = RectificationItem.objects.count()
    with pytest.raises(ActionError, match="已过"):
        record(county_staff, deadline=today() - timedelta(days=1))
    assert RectificationItem.objects.count() == count


def test_a_past_deadline_is_history_in_a_campaign_that_has_ended(county_staff):
    from chuxin.campaigns.models import Campaign

    Campaign.objects.update(ended_on=today() - timedelta(days=30))
    item = record(county_staff, deadline=today() - timedelta(days=100))
    assert item.deadline == today() - timedelta(days=100) and item.is_overdue()


def test_long_term_items_have_stages_and_can_be_kept_up(county_staff, county_office):
    item = record(county_staff, kind=Kind.LONG_TERM)
    first, second = item.stages.all()
    assert item.due_date == first.target_date
    actions.do_complete_stage(first, acting_user=county_staff)
    item.refresh_from_db()
    assert item.due_date == second.target_date
    actions.do_claim_item(item, "阶段目标完成", [evidence()], acting_user=county_staff)
    actions.do_verify_item(item, keep_up=True, acting_user=county_office)
    item.refresh_from_db()
    assert item.status == Status.KEPT_UP and item.get_status_display() == "阶段性完成、长期坚持"


def test_keep_up_is_only_for_long_term_items(county_staff, county_office):
    item = record(county_staff)
    actions.do_claim_item(item, "done", [evidence()], acting_user=county_staff)
    with pytest.raises(ActionError, match="只有持续整改事项"):
        actions.do_verify_item(item, keep_up=True, acting_user=county_office)


def test_a_claim_needs_evidence(county_staff):
    item = record(county_staff)
    with pytest.raises(ActionError, match="申请销号须提供佐证材料"):
        actions.do_claim_item(item, "done", [], acting_user=county_staff)
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_nobody_verifies_their_own_claim(county_office):
    item = record(county_office)
    actions.do_claim_item(item, "done", [evidence()], acting_user=county_office)
    with pytest.raises(ActionError, match="不能验收本人提出的销号申请"):
        actions.do_verify_item(item, acting_user=county_office)
    with pytest.raises(ActionError, match="不能验收本人提出的销号申请"):
        actions.do_reject_claim(item, "no", acting_user=county_office)


def test_staff_cannot_verify(county_staff, county_office):
    item = record(county_office)
    actions.do_claim_item(item, "done", [evidence()], acting_user=county_office)
    with pytest.raises(ActionForbidden, match="领导小组办公室才能验收销号"):
        actions.do_verify_item(item, acting_user=county_staff)


def test_the_office_above_may_verify(county_staff, guangdong_office):
    item = record(county_staff)
    actions.do_claim_item(item, "done", [evidence()], acting_user=county_staff)
    actions.do_verify_item(item, acting_user=guangdong_office)
    item.refresh_from_db()
    assert item.status == Status.CLOSED


def test_a_rejected_claim_goes_back_with_reasons(county_staff, county_office):
    item = record(county_staff)
    actions.do_claim_item(item, "done", [evidence()], acting_user=county_staff)
    with pytest.raises(ActionError, match="请说明退回理由"):
        actions.do_reject_claim(item, "", acting_user=county_office)
    actions.do_reject_claim(item, "证明材料不足", acting_user=county_office)
    item.refresh_from_db()
    assert item.status == Status.RETURNED
    with translation.override("zh-hans"):
        assert item.get_status_display() == "已退回"
    assert item.updates.filter(kind="reject", text="证明材料不足").exists()


@pytest.mark.parametrize(
    ("status", "verb"),
    [
        (Status.OPEN, "verify"),
        (Status.IN_PROGRESS, "verify"),
        (Status.CLOSED, "verify"),
        (Status.OPEN, "reject"),
        (Status.CLOSED, "reject"),
        (Status.OPEN, "reopen"),
        (Status.IN_PROGRESS, "reopen"),
        (Status.CLAIMED, "reopen"),
        (Status.CLAIMED, "claim"),
        (Status.CLOSED, "claim"),
        (Status.KEPT_UP, "claim"),
        (Status.IN_PROGRESS, "start"),
        (Status.CLOSED, "start"),
        (Status.CLOSED, "progress"),
        (Status.CLAIMED, "progress"),
    ],
)
def test_illegal_transitions_are_refused_with_a_message(status, verb, county_staff, county_office):
    item = record(county_staff)
    RectificationItem.objects.filter(pk=item.pk).update(status=status, claimed_by=county_staff)
    item.refresh_from_db()
    call = {
        "verify": lambda: actions.do_verify_item(item, acting_user=county_office),
        "reject": lambda: actions.do_reject_claim(item, "r", acting_user=county_office),
        "reopen": lambda: actions.do_reopen_item(item, "f", acting_user=county_office),
        "claim": lambda: actions.do_claim_item(item, "d", [evidence()], acting_user=county_staff),
        "start": lambda: actions.do_start_item(item, acting_user=county_staff),
        "progress": lambda: actions.do_add_progress(item, "p", acting_user=county_staff),
    }[verb]
    with pytest.raises(ActionError):
        call()
    item.refresh_from_db()
    assert item.status == status


def test_a_stale_version_is_refused(county_staff, county_office):
    item = record(county_staff)
    seen = item.version
    actions.do_edit_item(item, seen, measures="第一人的修改", acting_user=county_office)
    with pytest.raises(ActionError, match="已有他人修改"):
        actions.do_edit_item(item, seen, measures="第二人的修改", acting_user=county_staff)
    item.refresh_from_db()
    assert item.measures == "第一人的修改"


def test_oversized_or_unknown_evidence_is_refused(county_staff):
    item = record(county_staff)
    with pytest.raises(ActionError, match="超过"):
        actions.do_claim_item(item, "d", [evidence("big.pdf", size=MAX_BYTES + 1)], acting_user=county_staff)
    with pytest.raises(ActionError, match="不接受此类文件"):
        actions.do_claim_item(item, "d", [evidence("virus.exe")], acting_user=county_staff)
    assert not Evidence.objects.filter(item=item).exists()


def test_overdue_is_computed_and_escalates(county_staff):
    item = record(county_staff)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=today() - timedelta(days=12))
    item.refresh_from_db()
    assert item.days_overdue() == 12 and item.escalation() == "supervise"
    assert RectificationItem.objects.overdue().filter(pk=item.pk).exists()


def test_every_change_is_in_the_audit_log_and_the_chain_verifies(county_staff, county_office):
    item = record(county_staff)
    actions.do_claim_item(item, "done", [evidence()], acting_user=county_staff)
    actions.do_verify_item(item, acting_user=county_office)
    actions_seen = list(AuditEntry.objects.filter(item_id=item.pk).values_list("action", flat=True))
    assert actions_seen == ["item.create", "item.claim", "evidence.add", "item.verify"]
    checked, broken = verify_chain()
    assert broken is None and checked >= 5


def test_the_audit_check_names_an_edited_entry(county_staff):
    record(county_staff)
    victim = AuditEntry.objects.filter(action="item.create").last()
    with connection.cursor() as c:  # tamper behind the application's back
        c.execute("UPDATE audit_auditentry SET actor_name = 'mallory' WHERE id = %s", [victim.pk])
    _, broken = verify_chain()
    assert broken is not None and broken.pk == victim.pk
    with pytest.raises(Exception, match=rf"\(id {victim.pk},"):  # named by sequence number and id
        call_command("verifyaudit")


def test_audit_entries_cannot_be_changed_through_the_orm(county_staff):
    record(county_staff)
    entry = AuditEntry.objects.last()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_evidence_is_stored_once_by_content(county_staff):
    a, b = record(county_staff), record(county_staff)
    actions.do_claim_item(a, "d", [evidence()], acting_user=county_staff)
    actions.do_claim_item(b, "d", [evidence(name="另一个名字.pdf")], acting_user=county_staff)
    ea, eb = Evidence.objects.get(item=a), Evidence.objects.get(item=b)
    assert ea.blob_id == eb.blob_id and ea.name != eb.name


def test_evidence_download_inside_and_outside_the_scope(county_staff, client, hubei_office):
    item = record(county_staff)
    actions.do_claim_item(item, "d", [evidence()], acting_user=county_staff)
    ev = Evidence.objects.get(item=item)
    client.force_login(county_staff)
    response = client.get(f"/ledger/evidence/{ev.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 rectified"
    client.force_login(hubei_office)
    assert client.get(f"/ledger/evidence/{ev.pk}/").status_code == 404


def test_the_workflow_through_the_pages_with_htmx(client, county_staff, county_office):
    item = record(county_staff)
    client.force_login(county_staff)
    response = client.post(
        f"/ledger/items/{item.pk}/claim/",
        {"text": "已完成", "version": item.version, "files": evidence()},
    )
    assert response.status_code == 302
    client.force_login(county_office)
    item.refresh_from_db()
    response = client.post(
        f"/ledger/items/{item.pk}/verify/", {"version": item.version}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="item-panel"') and "<html" not in body
    item.refresh_from_db()
    assert item.status == Status.CLOSED


def test_a_stale_form_shows_the_conflict_in_the_panel(client, county_staff, county_office):
    item = record(county_staff)
    client.force_login(county_office)
    response = client.post(
        f"/ledger/items/{item.pk}/start/", {"version": item.version - 1}, HTTP_HX_REQUEST="true"
    )
    assert "已有他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_ledger_page_filters_and_shows_overdue_of_subordinates(client, county_staff, guangdong_office):
    item = record(county_staff)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=today() - timedelta(days=3))
    client.force_login(guangdong_office)
    body = client.get("/ledger/units/440000/", {"overdue": "on"}).content.decode()  # subordinates included
    assert "测试问题甲：窗口排队" in body
    body = client.get(
        "/ledger/units/440000/", {"own": "on"}
    ).content.decode()  # the province's own items only
    assert "测试问题甲：窗口排队" not in body


def test_my_items_lists_what_i_am_responsible_for(client, county_staff):
    item = record(county_staff)
    person = item.responsible_person
    person.user = county_staff
    Person.objects.filter(user=county_staff).exclude(pk=person.pk).update(user=None)
    person.save()
    client.force_login(county_staff)
    assert "测试问题甲：窗口排队" in client.get("/ledger/mine/").content.decode()


def test_ledger_pages_through_a_subtree_and_takes_its_total_from_the_rollups(client, guangdong_office):
    client.force_login(guangdong_office)
    closed = RectificationItem.objects.in_subtree(Unit.objects.get(code="440000")).filter(status="closed")
    first = client.get("/ledger/units/440000/", {"subtree": "on", "status": "closed"})
    assert f"{closed.count()} 项整改事项" in first.content.decode()
    ids_first = [it.pk for it in first.context["page"].object_list]
    assert ids_first == list(closed.order_by("-id").values_list("id", flat=True)[:50])
    second = client.get("/ledger/units/440000/", {"subtree": "on", "status": "closed", "page": 2})
    assert [it.pk for it in second.context["page"].object_list] == list(
        closed.order_by("-id").values_list("id", flat=True)[50:100]
    )


def test_only_the_units_secretary_signs_off_its_problem_list(client, county_staff, county_office):
    from chuxin.problems.models import ProblemListSignoff

    unit = Unit.objects.get(code="440604")
    record(county_staff)
    with pytest.raises(ActionForbidden, match="的书记才能审签问题清单"):
        actions.do_sign_off_problem_list(
            unit, Campaign.objects.get(launched_on="2019-05-31"), acting_user=county_office
        )
    secretary = unit.committee.get(post="secretary").person
    secretary.user = county_office
    Person.objects.filter(user=county_office).exclude(pk=secretary.pk).update(user=None)
    secretary.save()
    client.force_login(county_office)
    assert client.post("/ledger/units/440604/sign-off/").status_code == 302
    signoff = ProblemListSignoff.objects.get(unit=unit)
    assert signoff.signed_by == secretary and signoff.problems == unit.problems.count()
    assert AuditEntry.objects.filter(action="problem_list.sign_off", object_id=signoff.pk).exists()
    page = client.get("/ledger/units/440604/").content.decode()
    day = timezone.localtime(signoff.signed_at).date()
    assert (
        f"问题清单（{signoff.problems} 个问题）已由{secretary.name}于{day.year}年{day.month}月{day.day}日审签"
        in page
    )


def test_the_ledger_shows_the_latest_sign_off_and_the_sign_off_button_to_the_secretary_only(
    client, county_office, guangdong_office
):
    from chuxin.problems.models import ProblemListSignoff

    unit = Unit.objects.get(code="440604")
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    secretary = unit.committee.get(post="secretary").person
    Person.objects.filter(user=county_office).update(user=None)
    secretary.user = county_office
    secretary.save()
    client.force_login(county_office)
    page = client.get("/ledger/units/440604/").content.decode()
    assert "问题清单尚未审签" in page and "书记审签" in page
    first = actions.do_sign_off_problem_list(unit, campaign, acting_user=county_office)
    ProblemListSignoff.objects.filter(pk=first.pk).update(signed_at=first.signed_at - timedelta(days=3))
    latest = actions.do_sign_off_problem_list(unit, campaign, acting_user=county_office)
    page = client.get("/ledger/units/440604/")
    assert page.context["signoff"].pk == latest.pk and page.context["is_secretary"] is True
    assert (
        f"已由{secretary.name}于" in page.content.decode() and "问题清单尚未审签" not in page.content.decode()
    )
    client.force_login(guangdong_office)  # an office above: sees the sign-off, may not sign
    page = client.get("/ledger/units/440604/")
    assert page.context["signoff"].pk == latest.pk and page.context["is_secretary"] is False
    assert "书记审签" not in page.content.decode()


def test_the_hot_rows_are_locked_by_the_last_statements_of_a_claim_and_a_verification(django_user_model):
    """The counters (the root's included) and the audit head are held from their statement to the commit:
    everything else a change writes — the item, its evidence, the notifications its event sends — comes
    before them."""
    from django.test.utils import CaptureQueriesContext

    from chuxin.reminders.models import Notification

    staff = django_user_model.objects.get(username="zhongyang")
    verifier = django_user_model.objects.get(username="admin")
    item = RectificationItem.objects.filter(status="in_progress", kind="deadline").order_by("pk").first()
    notes = Notification.objects.count()
    for step in ("claim", "verify"):
        with CaptureQueriesContext(connection) as ctx:
            if step == "claim":
                actions.do_claim_item(item, "已整改", [SimpleUploadedFile("a.txt", b"e")], acting_user=staff)
            else:
                actions.do_verify_item(item, "属实", acting_user=verifier)
        sql = [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
        ]
        hot = [i for i, s in enumerate(sql) if "rollups_" in s or "audit_" in s]
        assert hot and hot == list(range(hot[0], len(sql))), sql[hot[0] :]
        item.refresh_from_db()
    assert item.status == Status.CLOSED and Notification.objects.count() > notes  # the claimant was told


def test_the_ledger_filter_form_held_per_process_is_the_one_rendered_afresh(db):
    """problem_tables.ledger_filters keeps the filter form's markup per language, campaign and submitted
    values: whatever was held before, each answer equals the template rendered for this form now."""
    from django.http import QueryDict

    from chuxin.problems.forms import LedgerFilterForm
    from chuxin.problems.templatetags import problem_tables

    campaigns = [None, *Campaign.objects.order_by("pk")[:2]]
    queries = [
        None,
        "status=in_progress",
        "status=closed",
        "status=in_progress&kind=deadline&overdue=on",
        "status=bogus&own=on",  # invalid: the select shows what was sent, with its error state
        "person=%E5%BC%A0%E4%B8%89&area=8&source=opinion",
        "person=%3Cb%3E&topic=3",  # escaped, and the hidden field carries the value
        "status=closed&status=in_progress",  # the last of two values, as the select shows it
    ]
    problem_tables._filters.clear()
    for _round in range(2):  # the second round answers from what the first held
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for campaign in campaigns:
                    for query in queries:
                        form = LedgerFilterForm(QueryDict(query) if query else None)
                        form.is_valid()
                        held = problem_tables.ledger_filters(form, campaign)
                        fresh = problem_tables.render_filters(LedgerFilterForm(form.data or None), campaign)
                        assert held == fresh, (language, campaign, query)
    assert len(problem_tables._filters) == 2 * len(campaigns) * len(queries)
    escaped = LedgerFilterForm(QueryDict("person=%3Cb%3E"))
    assert 'value="&lt;b&gt;"' in problem_tables.ledger_filters(escaped, None)
    last = LedgerFilterForm(QueryDict("status=closed&status=in_progress"))
    assert '<option value="in_progress" selected>' in problem_tables.ledger_filters(last, None)
