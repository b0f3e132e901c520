"""The history reads as sentences in the user's language, and refusals and failures are pages of the product."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from chuxin.campaigns.models import Campaign
from chuxin.core import views as core_views
from chuxin.demo.generator import PASSWORD
from chuxin.orgs.models import Person, Rank, RoleAssignment, Unit
from chuxin.problems import actions
from chuxin.problems.models import Kind


def today():
    """Shanghai's date when the test runs (not at import: a run may cross midnight, 16:00 UTC)."""
    return timezone.localdate()


@pytest.fixture
def people(db):
    """禅城区: a staff member and an office member, each with a name (the history names people, not accounts)."""
    unit = Unit.objects.get(code="440604")
    User = get_user_model()
    staff = User.objects.create_user("cc_staff", password=PASSWORD)
    office = User.objects.create_user("cc_office", password=PASSWORD)
    Person.objects.create(name="李整改", home_unit=unit, user=staff, rank=Rank.SECTION)
    Person.objects.create(name="王验收", home_unit=unit, user=office, rank=Rank.SECTION)
    RoleAssignment.objects.create(person=Person.objects.get(user=staff), unit=unit, role="staff")
    RoleAssignment.objects.create(person=Person.objects.get(user=office), unit=unit, role="office")
    return unit, staff, office


def _cycle(unit, staff, office):
    with translation.override("zh-hans"):
        problem = actions.do_record_problem(
            campaign=Campaign.objects.get(launched_on="2019-05-31"),
            unit=unit,
            title="窗口排队时间长（历史测试）",
            source="opinion",
            acting_user=staff,
        )
        item = actions.do_add_item(
            problem,
            measures="增设窗口",
            kind=Kind.DEADLINE,
            responsible_person=unit.people.order_by("pk").first(),
            deadline=today() + timedelta(days=30),
            requirements="月底前完成",
            acting_user=staff,
        )
        actions.do_start_item(item, acting_user=staff)
        actions.do_claim_item(
            item, "已增设两个窗口", [SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 x")], acting_user=staff
        )
        actions.do_reject_claim(item, "证明材料不足", acting_user=office)
        actions.do_claim_item(
            item, "补充了排队时长统计", [SimpleUploadedFile("统计表.pdf", b"%PDF-1.4 y")], acting_user=staff
        )
        actions.do_verify_item(item, "经核查属实", acting_user=office)
        actions.do_reopen_item(item, "回头看发现高峰期仍排队", acting_user=office)
    return problem, item


def test_the_item_history_reads_as_chinese_sentences(client, people):
    unit, staff, office = people
    _problem, item = _cycle(unit, staff, office)
    client.force_login(office)
    body = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert "李整改添加了整改事项。" in body
    assert "李整改申请销号。" in body
    assert "状态由“正在整改”改为“已申请销号（待验收）”" in body
    assert "王验收退回了销号申请。" in body and "理由或说明：证明材料不足" in body
    assert "王验收验收销号。" in body and "状态由“已申请销号（待验收）”改为“已销号”" in body
    assert "王验收回头看后重新打开了整改事项。" in body and "理由或说明：回头看发现高峰期仍排队" in body
    assert "李整改上传了佐证材料 整改报告.pdf。" in body
    assert "item.claim" not in body and "in_progress" not in body and "→" not in body


def test_the_history_follows_the_language_switch(client, people, settings):
    unit, staff, office = people
    _problem, item = _cycle(unit, staff, office)
    client.force_login(office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert "李整改 claimed completion." in body
    assert "status changed from “In progress” to “Claimed, awaiting verification”" in body
    assert "Reason or note: 证明材料不足" in body


def test_an_edit_lists_each_changed_field_with_its_old_and_new_value(client, people):
    unit, staff, office = people
    _problem, item = _cycle(unit, staff, office)
    item.refresh_from_db()
    # (the deadline of a running item moves only by an approved extension request: not edited here)
    actions.do_edit_item(
        item,
        item.version,
        measures="增设窗口并推行预约",
        requirements="本月底前完成",
        acting_user=staff,
    )
    client.force_login(staff)
    body = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert "李整改修改了整改事项。" in body
    assert "整改措施由“增设窗口”改为“增设窗口并推行预约”" in body
    assert "整改要求由“月底前完成”改为“本月底前完成”" in body


def test_the_problem_page_has_its_history(client, people):
    unit, staff, office = people
    problem, _item = _cycle(unit, staff, office)
    client.force_login(staff)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "李整改登记了问题。" in body


def test_a_missing_page_is_a_chinese_page_inside_the_layout(as_user, county_staff):
    response = as_user(county_staff).get("/ledger/items/999999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "找不到此页面" in body and "我的整改事项" in body  # the message, inside the navigation


def test_a_refusal_is_a_chinese_page_with_the_reason(client, db):
    viewer = get_user_model().objects.get(username="viewer")
    client.force_login(viewer)
    response = client.get(reverse("problem_create", args=["440000"]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "您无权进行此操作" in body and "我的整改事项" in body
    assert "403 Forbidden" not in body


def test_a_refusal_in_english(client, settings, db):
    client.force_login(get_user_model().objects.get(username="viewer"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("problem_create", args=["440000"])).content.decode()
    assert "You may not do this here" in body


@pytest.mark.parametrize(
    ("lang", "text"), [("zh-hans", "系统出现错误"), ("en", "Something went wrong on our side")]
)
def test_the_error_page_needs_neither_database_nor_request(lang, text, db, django_assert_num_queries):
    request = RequestFactory().get("/")  # no user, no session: the failure may have been anywhere
    with translation.override(lang), django_assert_num_queries(0):
        response = core_views.server_error(request)
    assert response.status_code == 500 and text in response.content.decode()
