"""The office's day (issue 9): to-do page, returned status, immediate notifications, extension requests,
recording on one page, the ledger with subordinates, watermark and 关怀版."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.demo.generator import PASSWORD
from chuxin.orgs.models import CommitteeMember, Person, Rank, RoleAssignment, Unit
from chuxin.problems import actions
from chuxin.problems.models import Kind, Problem, RectificationItem, Status
from chuxin.reminders.models import Notification, NotificationKind
from chuxin.rollups.counters import drift


def today():
    """Shanghai's date when the test runs (not at import: a run may cross midnight, 16:00 UTC)."""
    return timezone.localdate()


ZH: dict = {}


@pytest.fixture(autouse=True)
def in_chinese(client):
    """Users read Chinese: the pages through the language cookie, the actions' messages too."""
    from django.utils import translation

    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def county_office(db, django_user_model):
    """The leading-group office of 禅城区 (440604), the office that verifies its items."""
    user = django_user_model.objects.create_user("chancheng_office", password=PASSWORD)
    unit = Unit.objects.get(code="440604")
    person = Person.objects.create(name="区委办", home_unit=unit, user=user, rank=Rank.SECTION)
    RoleAssignment.objects.create(person=person, unit=unit, role="office")
    return user


def record(staff, **fields):
    unit = Unit.objects.get(code="440604")
    _problem, item = actions.do_record_problem_with_item(
        campaign=Campaign.objects.get(launched_on="2019-05-31"),
        unit=unit,
        problem={"title": "窗口排队时间长", "source": "opinion"},
        item={
            "measures": "增设窗口",
            "kind": Kind.DEADLINE,
            "responsible_person": unit.people.order_by("pk").first(),
            "deadline": today() + timedelta(days=20),
            "requirements": "月底前完成",
            **fields,
        },
        acting_user=staff,
    )
    return item


def claim(staff, item):
    return actions.do_claim_item(
        item, "已增设窗口", [SimpleUploadedFile("报告.pdf", b"%PDF-1.4")], acting_user=staff
    )


def test_a_claim_notifies_the_nearest_office_at_once(county_staff, county_office, guangdong_office):
    item = claim(county_staff, record(county_staff))
    assert (
        Notification.objects.filter(user=county_office, kind=NotificationKind.CLAIMED, item=item).count() == 1
    )
    assert not Notification.objects.filter(user=guangdong_office, item=item).exists()


def test_a_return_has_its_own_status_and_reaches_the_claimant_with_the_reason(county_staff, county_office):
    item = claim(county_staff, record(county_staff))
    actions.do_reject_claim(item, "佐证材料不足", acting_user=county_office)
    item.refresh_from_db()
    assert item.status == Status.RETURNED and item.office_status() == "已退回"
    note = Notification.objects.get(user=county_staff, kind=NotificationKind.CLAIM_REJECTED)
    assert "佐证材料不足" in note.text


def test_a_returned_item_can_be_claimed_again_and_verified(county_staff, county_office):
    item = claim(county_staff, record(county_staff))
    actions.do_reject_claim(item, "佐证材料不足", acting_user=county_office)
    actions.do_add_progress(item, "补充了照片", acting_user=county_staff)
    claim(county_staff, item)
    actions.do_verify_item(item, "属实", acting_user=county_office)
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    assert Notification.objects.filter(user=county_staff, kind=NotificationKind.VERIFIED).exists()


def test_the_returned_counter_equals_a_recount(county_staff, county_office):
    item = claim(county_staff, record(county_staff))
    actions.do_reject_claim(item, "佐证材料不足", acting_user=county_office)
    campaign = Campaign.objects.get(launched_on="2019-05-31")
    for code in ("440604", "440600", "440000", "000000"):
        assert drift(Unit.objects.get(code=code), campaign.pk) == {}


def test_staff_see_the_return_and_its_reason_on_the_todo_page(client, county_staff, county_office):
    item = claim(county_staff, record(county_staff))
    actions.do_reject_claim(item, "佐证材料不足", acting_user=county_office)
    client.force_login(county_staff)
    body = client.get("/todo/", **ZH).content.decode()
    assert "已退回" in body and "佐证材料不足" in body and f"/ledger/items/{item.pk}/" in body


def test_the_office_finds_claims_oldest_first_and_not_those_of_a_nested_office(
    client, county_staff, county_office, guangdong_office
):
    first = claim(county_staff, record(county_staff))
    second = claim(county_staff, record(county_staff, measures="推行预约"))
    RectificationItem.objects.filter(pk=second.pk).update(claimed_at=first.claimed_at - timedelta(days=2))
    client.force_login(county_office)
    body = client.get("/todo/", **ZH).content.decode()
    assert "待验收销号" in body
    assert body.index(f"/ledger/items/{second.pk}/") < body.index(f"/ledger/items/{first.pk}/")
    client.force_login(guangdong_office)  # 禅城区 has its own office: Guangdong's list leaves its claims out
    assert f"/ledger/items/{first.pk}/" not in client.get("/todo/", **ZH).content.decode()


def test_a_secretary_sees_the_unsigned_problem_list(client, county_staff, django_user_model):
    record(county_staff)
    seat = CommitteeMember.objects.get(unit__code="440604", post="secretary")
    user = django_user_model.objects.create_user("shuji", password=PASSWORD)
    Person.objects.filter(pk=seat.person_id).update(user=user)
    client.force_login(user)
    body = client.get("/todo/", **ZH).content.decode()
    assert "待书记审签的问题清单" in body and "/ledger/units/440604/problems/" in body


def test_the_todo_page_query_count_does_not_grow_with_the_work(
    client, county_staff, county_office, django_assert_max_num_queries
):
    client.force_login(county_office)
    for _ in range(3):
        claim(county_staff, record(county_staff))
    with django_assert_max_num_queries(30) as few:
        client.get("/todo/")
    for _ in range(6):
        claim(county_staff, record(county_staff))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/todo/")


def test_login_leads_to_the_todo_page(client, county_staff):
    response = client.post("/accounts/login/", {"username": "chancheng", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/todo/"


def test_staff_cannot_move_a_running_items_deadline_by_editing(county_staff):
    item = record(county_staff)
    actions.do_start_item(item, acting_user=county_staff)
    with pytest.raises(ActionError, match="延期申请"):
        actions.do_edit_item(item, None, deadline=today() + timedelta(days=400), acting_user=county_staff)


def test_a_pending_claim_freezes_the_item(county_staff):
    item = claim(county_staff, record(county_staff))
    with pytest.raises(ActionError, match="不能修改"):
        actions.do_edit_item(item, None, measures="改了", acting_user=county_staff)


def test_an_approved_extension_moves_the_deadline_with_an_audit_entry(county_staff, county_office):
    item = record(county_staff)
    new = today() + timedelta(days=90)
    ext = actions.do_request_extension(item, new, "需要财政预算批复", acting_user=county_staff)
    assert Notification.objects.filter(user=county_office, kind=NotificationKind.EXT_REQUESTED).exists()
    with pytest.raises(ActionForbidden, match="领导小组办公室"):
        actions.do_decide_extension(ext, True, acting_user=county_staff)  # staff never decide
    actions.do_decide_extension(ext, True, "同意", acting_user=county_office)
    item.refresh_from_db()
    assert item.deadline == new and item.due_date == new
    assert AuditEntry.objects.filter(action="extension.approve", item_id=item.pk).exists()
    assert AuditEntry.objects.filter(action="item.extend", item_id=item.pk).exists()
    assert Notification.objects.filter(user=county_staff, kind=NotificationKind.EXT_DECIDED).exists()


def test_a_refusal_needs_a_reason_and_leaves_the_deadline(county_staff, county_office):
    item = record(county_staff)
    old = item.deadline
    ext = actions.do_request_extension(
        item, today() + timedelta(days=90), "人手不足", acting_user=county_staff
    )
    with pytest.raises(ActionError, match="理由"):
        actions.do_decide_extension(ext, False, "", acting_user=county_office)
    actions.do_decide_extension(ext, False, "时限内可以完成", acting_user=county_office)
    item.refresh_from_db()
    assert item.deadline == old


def test_no_extension_while_a_claim_waits_or_a_second_one_pends(county_staff):
    item = record(county_staff)
    actions.do_request_extension(item, today() + timedelta(days=90), "人手不足", acting_user=county_staff)
    with pytest.raises(ActionError, match="待审批"):
        actions.do_request_extension(item, today() + timedelta(days=99), "再申请", acting_user=county_staff)
    other = claim(county_staff, record(county_staff))
    with pytest.raises(ActionError, match="正在整改"):
        actions.do_request_extension(
            other, today() + timedelta(days=90), "人手不足", acting_user=county_staff
        )


def test_the_extension_request_shows_on_both_todo_pages(client, county_staff, county_office):
    item = record(county_staff)
    actions.do_request_extension(
        item, today() + timedelta(days=90), "需要财政预算批复", acting_user=county_staff
    )
    for user in (county_staff, county_office):
        client.force_login(user)
        body = client.get("/todo/", **ZH).content.decode()
        assert "延期申请" in body and "需要财政预算批复" in body


def test_the_extension_card_names_the_people_not_their_accounts(client, county_staff, county_office):
    item = record(county_staff)
    ext = actions.do_request_extension(
        item, today() + timedelta(days=90), "人手不足", acting_user=county_staff
    )
    actions.do_decide_extension(ext, True, "同意", acting_user=county_office)
    client.force_login(county_office)
    body = client.get(reverse("item_detail", args=[item.pk]), **ZH).content.decode()
    card = body[body.index('id="extension"') :]
    assert county_staff.person.name in card and county_office.person.name in card
    assert f"· {county_staff.username} " not in card


# --- recording on one page -----------------------------------------------------------------------


def _post(client, **extra):
    unit = Unit.objects.get(code="440604")
    person = unit.people.order_by("pk").first()
    data = {
        "title": "群众办事排队时间长",
        "source": "opinion",
        "measures": "增设窗口、推行预约",
        "kind": "deadline",
        "person": f"{person.name} · {person.position}" if person.position else person.name,
        "deadline": (today() + timedelta(days=30)).isoformat(),
        "requirements": "月底前完成",
        "severity": "1",
        **extra,
    }
    return client.post("/ledger/units/440604/problems/new/", data, **ZH)


def test_one_post_records_the_problem_with_its_first_item(client, county_staff):
    client.force_login(county_staff)
    response = _post(client)
    assert response.status_code == 302
    item = RectificationItem.objects.get(problem__title="群众办事排队时间长")
    assert response["Location"] == f"/ledger/items/{item.pk}/"
    assert item.problem.responsible_leader is not None  # the committee's default


def test_nothing_typed_is_lost_on_a_validation_error_and_nothing_is_written(client, county_staff):
    client.force_login(county_staff)
    response = _post(client, requirements="", root_cause="窗口设置不合理")
    body = response.content.decode()
    assert response.status_code == 400
    assert "群众办事排队时间长" in body and "增设窗口、推行预约" in body and "窗口设置不合理" in body
    assert not Problem.objects.filter(title="群众办事排队时间长").exists()


def test_save_and_add_another_keeps_the_unit_and_the_source(client, county_staff):
    client.force_login(county_staff)
    response = _post(client, another="1", source="dlm")
    location = response["Location"]
    assert location.startswith("/ledger/units/440604/problems/new/?") and "source=dlm" in location
    body = client.get(response["Location"], **ZH).content.decode()
    assert '<option value="dlm" selected>' in body


def test_stage_goals_are_rows_with_dates_and_chinese_dates_are_understood(client, county_staff):
    client.force_login(county_staff)
    year = today().year + 1
    response = _post(
        client,
        kind="long_term",
        deadline="",
        stage_goal=["建立预约制度", "形成长效机制"],
        stage_date=[f"{year}-03-31", f"{year}年6月30日"],
    )
    assert response.status_code == 302
    item = RectificationItem.objects.get(problem__title="群众办事排队时间长")
    assert [s.target_date.month for s in item.stages.all()] == [3, 6]


def test_choosing_a_kind_shows_its_fields_and_keeps_what_was_typed(client, county_staff):
    client.force_login(county_staff)
    response = client.get(
        "/ledger/units/440604/problems/new/",
        {"fragment": "kind", "kind": "long_term", "requirements": "已写的要求"},
        HTTP_HX_REQUEST="true",
        **ZH,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="kind-fields">') and 'name="stage_goal"' in body
    assert "已写的要求" in body


def test_choosing_a_domain_suggests_the_member_who_covers_it(client, county_staff):
    client.force_login(county_staff)
    seat = CommitteeMember.objects.filter(unit__code="440604", domains__isnull=False).first()
    domain = seat.domains.first()
    body = client.get(
        "/ledger/units/440604/problems/new/",
        {"fragment": "leader", "domain": domain.pk},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'<option value="{seat.person_id}" selected>' in body


# --- navigation, ledger, shell -------------------------------------------------------------------


def test_the_ledger_includes_subordinates_unless_narrowed(client, guangdong_office):
    client.force_login(guangdong_office)
    whole = client.get("/ledger/units/440000/", **ZH).content.decode()
    assert "本单位及下级单位" in whole and re.search(
        r"/ledger/units/440000/ledger\.xlsx\?campaign=\d+&amp;subtree=1", whole
    )
    own = client.get("/ledger/units/440000/", {"own": "on"}, **ZH).content.decode()
    assert "仅本单位" in own


def test_the_rectification_menu_opens_the_users_ledger(client, county_staff):
    client.force_login(county_staff)
    response = client.get("/go/ledger/")
    assert response.status_code == 302 and response["Location"] == "/ledger/units/440604/"


def test_every_page_carries_the_watermark_with_the_users_name(client, county_staff):
    client.force_login(county_staff)
    body = client.get("/todo/", **ZH).content.decode()
    assert 'class="watermark"' in body and "chancheng" in body
    assert f"{today().year}年{today().month}月{today().day}日" in body


def test_care_mode_is_remembered_for_the_user(client, county_staff):
    client.force_login(county_staff)
    client.post("/accounts/care/", {"on": "1", "next": "/todo/"})
    client.logout()
    client.force_login(county_staff)
    assert 'class="care"' in client.get("/todo/").content.decode()
