"""Opinions heard (M6): the public form and its abuse limits, anonymity everywhere, routing, groups,
answers and the receipt lookup."""

import io
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.opinions import abuse, actions
from chuxin.opinions.models import Opinion, OpinionGroup, OpinionStatus
from chuxin.orgs.actions import ActionError
from chuxin.orgs.models import Unit

CODE = "440604"
PHONE = "13812345678"
NAME = "王小明"
IP_A, IP_B = "203.0.113.77", "198.51.100.23"


@pytest.fixture
def campaign(db):
    return Campaign.objects.get(launched_on="2019-05-31")


def form_url():
    return reverse("public_opinion_form", args=[CODE, Campaign.objects.get(launched_on="2019-05-31").pk])


def submit(client, text="政务服务中心办事排队时间太长，希望多开窗口。", ip=IP_A, **extra):
    """Fetch the form for a fresh picture, read the sum off it (as a person would), post."""
    page = client.get(form_url(), REMOTE_ADDR=ip)
    token = page.context["token"]
    data = {"text": text, "token": token, "answer": str(abuse.solve(token)), "anonymous": "on", **extra}
    return client.post(form_url(), data, REMOTE_ADDR=ip)


def test_the_public_form_needs_no_login_and_reads_in_chinese(client, db):
    response = client.get(form_url())
    assert response.status_code == 200
    assert "欢迎" in response.content.decode() or "意见" in response.content.decode()
    assert 'name="viewport"' in response.content.decode()


def test_the_short_link_leads_to_the_unit_form_of_the_current_campaign(client, db):
    response = client.get(reverse("public_opinion_entry", args=[CODE]))
    assert response.status_code == 302 and response["Location"] == form_url()


def test_an_anonymous_opinion_is_kept_without_name_phone_or_address(client, db):
    response = submit(client, contact_name=NAME, contact_phone=PHONE)  # anonymous ticked wins
    assert response.status_code == 200
    op = Opinion.objects.get(receipt_code=response.context["opinion"].receipt_code)
    assert (op.contact_name, op.contact_phone, op.has_contact) == ("", "", False)
    assert op.ip_hash and IP_A not in op.ip_hash and len(op.ip_hash) == 64
    assert op.receipt_code in response.content.decode()


def test_a_contact_is_kept_when_the_submitter_leaves_one(client, db):
    response = submit(client, anonymous="", contact_name=NAME, contact_phone=PHONE)
    op = response.context["opinion"]
    assert (op.contact_name, op.contact_phone, op.has_contact) == (NAME, PHONE, True)
    assert op.answer_due is not None


def test_a_wrong_sum_is_refused_and_a_new_picture_shown(client, db):
    page = client.get(form_url())
    token = page.context["token"]
    response = client.post(form_url(), {"text": "路灯不亮很久了", "token": token, "answer": "999"})
    assert response.status_code == 200 and not Opinion.objects.filter(text="路灯不亮很久了").exists()
    assert response.context["token"] != token


def test_one_picture_answers_one_submission(client, db):
    page = client.get(form_url())
    token = page.context["token"]
    data = {"text": "小区停车位太少", "token": token, "answer": str(abuse.solve(token))}
    assert client.post(form_url(), data).context.get("opinion") is not None
    again = client.post(form_url(), data)
    assert again.context.get("opinion") is None
    assert Opinion.objects.filter(text="小区停车位太少").count() == 1


def test_the_honeypot_catches_a_bot(client, db):
    response = submit(client, text="机器人填写的内容很多很多", website="http://spam.example")
    assert response.context.get("opinion") is None
    assert not Opinion.objects.filter(text__contains="机器人").exists()


def test_html_is_stripped(client, db):
    text = "<script>alert(1)</script><b>暖气不热</b>&lt;i&gt;家里很冷&lt;/i&gt;"
    op = submit(client, text=text).context["opinion"]
    assert op.text == "alert(1)暖气不热家里很冷"


def test_an_opinion_longer_than_the_limit_is_refused(client, db):
    response = submit(client, text="冷" * (abuse.MAX_TEXT + 1))
    assert response.context.get("opinion") is None
    assert not Opinion.objects.filter(text__startswith="冷冷冷").exists()


def test_a_burst_of_1000_from_one_address_is_throttled_and_keeps_every_accepted_one(client, db):
    statuses, receipts = [], []
    token = client.get(form_url(), REMOTE_ADDR=IP_B).context["token"]
    for i in range(1000):
        data = {"text": f"第{i}条：学校乱收费问题", "token": token, "answer": str(abuse.solve(token))}
        r = client.post(form_url(), data, REMOTE_ADDR=IP_B)
        statuses.append(r.status_code)
        if r.context and r.context.get("opinion"):
            receipts.append(r.context["opinion"].receipt_code)
        token = r.context["token"] if r.context and "token" in r.context else abuse.new_challenge()
        if r.context and r.context.get("opinion"):
            token = abuse.new_challenge()
    assert 500 not in statuses
    assert statuses.count(429) == 1000 - abuse.PER_ADDRESS_PER_HOUR
    assert len(receipts) == abuse.PER_ADDRESS_PER_HOUR
    assert Opinion.objects.filter(receipt_code__in=receipts).count() == len(receipts)


def test_the_unit_limit_holds_across_addresses(client, db, monkeypatch):
    monkeypatch.setattr(abuse, "PER_UNIT_PER_HOUR", 3)
    results = [submit(client, text=f"道路破损失修第{i}处", ip=f"192.0.2.{i}").status_code for i in range(5)]
    assert results == [200, 200, 200, 429, 429]


def test_the_challenge_image_is_a_png_drawn_here(client, db):
    response = client.get(reverse("public_challenge", args=[abuse.new_challenge()]))
    assert response["Content-Type"] == "image/png" and response.content[:4] == b"\x89PNG"
    assert client.get(reverse("public_challenge", args=["forged:token"])).status_code == 404


# --- anonymity over every view, export and log ---------------------------------------------------------


@pytest.fixture
def two_opinions(client, db, caplog):
    caplog.set_level(logging.DEBUG)
    named = submit(
        client,
        text="村里道路坑坑洼洼，下雨就没法走",
        ip=IP_A,
        anonymous="",
        contact_name=NAME,
        contact_phone=PHONE,
    )
    anon = submit(client, text="窗口工作人员态度冷漠，爱答不理", ip=IP_B)
    return named.context["opinion"], anon.context["opinion"], caplog


def _staff_pages(op_named, op_anon):
    from django.contrib.auth import get_user_model

    from chuxin.opinions.actions import do_group_opinions

    do_group_opinions(
        op_named.unit, op_named.campaign, acting_user=get_user_model().objects.get(username="zhongyang")
    )
    group = Opinion.objects.get(pk=op_named.pk).group
    return [
        reverse("opinion_list", args=[CODE]),
        reverse("opinion_list", args=["440600"]),
        reverse("opinion_detail", args=[op_named.pk]),
        reverse("opinion_detail", args=[op_anon.pk]),
        reverse("opinion_groups", args=[CODE]),
        reverse("opinion_group_detail", args=[group.pk]),
        reverse("opinion_export", args=[CODE]),
    ]


def _text_of(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml"):
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        rows = [r for name in wb.sheet_names for r in wb.get_sheet_by_name(name).to_python()]
        return "\n".join(str(v) for r in rows for v in r)
    return response.content.decode()


@pytest.mark.parametrize("persona", ["zhongyang", "guangdong", "chancheng", "viewer", "guidance", "admin"])
def test_staff_other_than_the_unit_office_see_contacts_masked_and_never_an_address(
    persona, client, two_opinions, django_user_model
):
    named, anon, _ = two_opinions
    pages = _staff_pages(named, anon)
    client.force_login(django_user_model.objects.get(username=persona))
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url  # 404: the city page is outside county staff's scope
        text = _text_of(response) if response.status_code == 200 else ""
        for secret in (
            PHONE,
            NAME,
            IP_A,
            IP_B,
            named.ip_hash,
            anon.ip_hash,
            named.receipt_code,
            anon.receipt_code,
        ):
            assert secret not in text, (persona, url, secret)
    assert "138****5678" in _text_of(client.get(reverse("opinion_detail", args=[named.pk])))


def test_the_unit_office_sees_the_contact_but_still_no_address(client, two_opinions, django_user_model):
    named, anon, _ = two_opinions
    pages = _staff_pages(named, anon)
    client.force_login(django_user_model.objects.get(username="chanchengban"))
    assert PHONE in _text_of(client.get(reverse("opinion_detail", args=[named.pk])))
    for url in pages:
        text = _text_of(client.get(url))
        for secret in (IP_A, IP_B, named.ip_hash, anon.ip_hash, anon.receipt_code):
            assert secret not in text, (url, secret)


def test_no_audit_entry_or_log_line_carries_a_contact_an_address_or_a_receipt(two_opinions):
    named, anon, caplog = two_opinions
    entries = AuditEntry.objects.filter(model="Opinion")
    assert entries.count() >= 2
    dump = json.dumps([[e.before, e.after, e.actor_name] for e in entries], ensure_ascii=False)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (
        PHONE,
        NAME,
        IP_A,
        IP_B,
        named.ip_hash,
        anon.ip_hash,
        named.receipt_code,
        anon.receipt_code,
    ):
        assert secret not in dump and secret not in logs


def test_the_receipt_lookup_shows_status_and_answer_without_the_contact(
    client, two_opinions, django_user_model
):
    named, _anon, _ = two_opinions
    office = django_user_model.objects.get(username="chanchengban")
    actions.do_answer_opinion(named, "已安排修路，月底前完工。", acting_user=office)
    client.logout()
    page = client.get(reverse("public_receipt"), {"code": named.receipt_code.lower()})
    text = page.content.decode()
    assert "已安排修路" in text and PHONE not in text and NAME not in text
    assert "No opinion" not in text
    missing = client.get(reverse("public_receipt"), {"code": "NOSUCHCODE23"})
    assert missing.context["not_found"]


# --- routing ---------------------------------------------------------------------------------------------


@pytest.fixture
def heard(campaign, django_user_model):
    office = django_user_model.objects.get(username="guangdong")
    op = actions.do_record_opinion(
        unit=Unit.objects.get(code="440000"),
        campaign=campaign,
        channel="symposium",
        text="企业办审批手续时间太长",
        taken_by="座谈会记录人",
        acting_user=office,
    )
    return op, office


def test_the_office_routes_an_opinion_down_and_the_unit_accepts_it(heard, django_user_model):
    op, office = heard
    actions.do_route_opinion(op, Unit.objects.get(code=CODE), "请禅城区办理", acting_user=office)
    staff = django_user_model.objects.get(username="chancheng")
    accepted = actions.do_accept_opinion(op, acting_user=staff)
    assert accepted.status == OpinionStatus.ACCEPTED and accepted.handling_unit.code == CODE
    assert list(
        AuditEntry.objects.filter(model="Opinion", object_id=op.pk).values_list("action", flat=True)
    ) == [
        "opinion.create",
        "opinion.route",
        "opinion.accept",
    ]


def test_a_routed_opinion_is_sent_back_only_with_a_reason(heard, django_user_model):
    op, office = heard
    actions.do_route_opinion(op, Unit.objects.get(code=CODE), acting_user=office)
    staff = django_user_model.objects.get(username="chancheng")
    with pytest.raises(ActionError):
        actions.do_send_back_opinion(op, "  ", acting_user=staff)
    back = actions.do_send_back_opinion(op, "不属于本区职责", acting_user=staff)
    assert back.status == OpinionStatus.SENT_BACK and back.handling_unit.code == "440000"
    assert back.route_note == "不属于本区职责"


def test_an_opinion_is_routed_only_inside_the_subtree(heard):
    op, office = heard
    with pytest.raises(ActionError):
        actions.do_route_opinion(op, Unit.objects.get(code="420000"), acting_user=office)


def test_staff_without_the_office_role_cannot_route(heard, django_user_model):
    op, _ = heard
    with pytest.raises(PermissionDenied):
        actions.do_route_opinion(
            op, Unit.objects.get(code=CODE), acting_user=django_user_model.objects.get(username="chancheng")
        )


# --- groups, problem, answer ----------------------------------------------------------------------------


@pytest.fixture
def many(campaign, django_user_model):
    from chuxin.demo.opinion_texts import labelled

    office = django_user_model.objects.get(username="chanchengban")
    unit = Unit.objects.get(code=CODE)
    rows = labelled(120, seed=3)
    for text, _ in rows:
        actions.do_record_opinion(unit=unit, campaign=campaign, channel="box", text=text, acting_user=office)
    actions.do_record_opinion(
        unit=unit,
        campaign=campaign,
        channel="hotline",
        text="政务服务中心办事排队时间太长，等了一上午",
        contact_name=NAME,
        contact_phone=PHONE,
        acting_user=office,
    )
    return unit, office


def test_grouping_makes_a_reviewable_list_and_the_office_turns_a_group_into_one_problem(many, campaign):
    unit, office = many
    n = actions.do_group_opinions(unit, campaign, acting_user=office)
    assert 10 <= n < 121
    named = Opinion.objects.get(contact_phone=PHONE)
    group = named.group
    problem = actions.do_group_to_problem(group, "办事窗口排队时间长", acting_user=office)
    assert problem.source == "opinion" and problem.title == "办事窗口排队时间长"
    assert set(Opinion.objects.filter(group=group).values_list("problem_id", flat=True)) == {problem.pk}
    assert actions.do_group_to_problem(group, acting_user=office).pk == problem.pk  # once
    assert OpinionGroup.objects.get(pk=group.pk).problem_id == problem.pk


def test_merge_and_split_keep_every_opinion_in_exactly_one_group(many, campaign):
    unit, office = many
    actions.do_group_opinions(unit, campaign, acting_user=office)
    total = Opinion.objects.filter(unit=unit, group__isnull=False).count()
    a, b, c = OpinionGroup.objects.filter(unit=unit).order_by("-size")[:3]
    merged = actions.do_merge_groups(a, [b, c], acting_user=office)
    assert merged.size == a.size + b.size + c.size
    ids = list(merged.opinions.values_list("pk", flat=True))[:2]
    new = actions.do_split_group(merged, ids, acting_user=office)
    assert new.size == 2 and OpinionGroup.objects.get(pk=merged.pk).size == merged.size - 2
    assert Opinion.objects.filter(unit=unit, group__isnull=False).count() == total


def test_the_answer_template_uses_the_linked_problems_progress(many, campaign):
    unit, office = many
    actions.do_group_opinions(unit, campaign, acting_user=office)
    named = Opinion.objects.get(contact_phone=PHONE)
    problem = actions.do_group_to_problem(named.group, "办事窗口排队时间长", acting_user=office)
    from datetime import timedelta

    from django.utils import timezone

    from chuxin.problems.actions import do_add_item

    do_add_item(
        problem,
        acting_user=office,
        measures="增设窗口、推行预约",
        kind="deadline",
        deadline=timezone.localdate() + timedelta(days=30),
        requirements="月底前",
        responsible_person=unit.people.first(),
    )
    text = actions.template_answer(Opinion.objects.get(pk=named.pk))
    assert "办事窗口排队时间长" in text and "增设窗口" in text


def test_an_overdue_answer_joins_the_office_digest(many):
    from datetime import timedelta

    from django.utils import timezone

    from chuxin.reminders.digest import collect_events

    unit, office = many
    named = Opinion.objects.get(contact_phone=PHONE)
    Opinion.objects.filter(pk=named.pk).update(answer_due=timezone.localdate() - timedelta(days=3))
    events = collect_events(timezone.localdate())
    mine = [e for e in events[office.pk] if e.kind == "answer_overdue"]
    assert len(mine) == 1 and mine[0].days_overdue == 3 and PHONE not in mine[0].text


def test_grouping_reaches_the_purity_bar_on_a_fixed_labelled_set():
    from chuxin.demo.opinion_texts import labelled
    from chuxin.opinions.grouping import group_texts, purity

    data = labelled(2000, seed=11)
    groups = group_texts([t for t, _ in data])
    assert purity(groups, [label for _, label in data]) >= 0.8
    assert len(groups) <= 400  # thousands become hundreds


HAND_LABELLED = [
    ("小区暖气一点都不热，屋里才十五度", "heat"),
    ("今年冬天供暖温度不达标，老人孩子冻得受不了", "heat"),
    ("暖气片是凉的，打电话给供热公司也没人来", "heat"),
    ("供热不足，家里太冷了", "heat"),
    ("孩子学校总是收各种资料费", "fee"),
    ("学校乱收费，强制家长买教辅", "fee"),
    ("学校代收费项目多，家长负担重", "fee"),
    ("补课费、资料费名目太多，学校乱收费", "fee"),
    ("办事大厅排队要等一上午", "queue"),
    ("政务服务中心窗口太少，排队时间长", "queue"),
    ("去办证排了三个小时的队", "queue"),
    ("办事排长队，叫号太慢", "queue"),
    ("工地拖欠我们农民工工资半年了", "wage"),
    ("包工头欠薪不给，讨薪无门", "wage"),
    ("农民工工资被拖欠，年底讨不到钱", "wage"),
    ("建筑公司拖欠工人工资", "wage"),
]


def test_grouping_separates_a_small_hand_written_set():
    from chuxin.opinions.grouping import group_texts, purity

    groups = group_texts([t for t, _ in HAND_LABELLED])
    assert purity(groups, [label for _, label in HAND_LABELLED]) >= 0.8


def test_the_poster_is_an_a4_png_and_a_docx_with_the_link(client, django_user_model):
    from docx import Document
    from PIL import Image

    client.force_login(django_user_model.objects.get(username="chanchengban"))
    png = client.get(reverse("opinion_poster", args=[CODE, "png"]))
    assert Image.open(io.BytesIO(png.content)).size == (1240, 1754)
    docx = client.get(reverse("opinion_poster", args=[CODE, "docx"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert f"/p/{CODE}/" in text and Unit.objects.get(code=CODE).name in text


@pytest.mark.parametrize("route", ["opinion_list", "opinion_groups"])
def test_opinion_pages_make_as_many_queries_at_a_province_as_at_a_county(
    route, many, campaign, client, django_user_model
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    unit, office = many
    centre = django_user_model.objects.get(username="zhongyang")
    actions.do_group_opinions(unit, campaign, acting_user=office)
    actions.do_group_opinions(Unit.objects.get(code="440000"), campaign, acting_user=centre)
    client.force_login(centre)
    counts = []
    for code in (CODE, "440000"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(route, args=[code])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
