"""The burden meter (M14): what superiors asked of each unit, and which of it the platform already knew."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuxin.burden import known
from chuxin.burden.actions import do_make_request
from chuxin.burden.models import Request
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden
from chuxin.orgs.actions import do_create_unit
from chuxin.orgs.models import Unit
from chuxin.rollups import tallies


def _campaign():
    return Campaign.objects.get(launched_on="2019-05-31")


def _ask(user, code="440000", fields=("查摆问题总数", "整改完成率（%）", "典型经验做法"), to=None):
    unit = Unit.objects.get(code=code)
    return do_make_request(
        acting_user=user,
        campaign=_campaign(),
        from_unit=unit,
        kind="form",
        title="整改进展情况统计表",
        fields=list(fields),
        to_units=to if to is not None else list(Unit.objects.children_of(unit)),
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("整改完成率（%）", "completion"),
        ("本地区查摆问题总数", "problems"),
        ("逾期未整改事项数", "overdue"),
        ("集中学习次数", "study.sessions"),
        ("典型经验做法", ""),
        ("存在的困难和建议", ""),
    ],
)
def test_fields_are_matched_to_the_figures_the_platform_computes(name, key):
    assert known.match(name) == key


def test_a_request_counts_at_every_unit_asked_and_up_the_tree(guangdong_office):
    gd = Unit.objects.get(code="440000")
    foshan = Unit.objects.get(code="440600")
    before = tallies.read([gd, foshan], _campaign().pk, ["burden.requests", "burden.fields", "burden.known"])
    req = _ask(guangdong_office)
    after = tallies.read([gd, foshan], _campaign().pk, ["burden.requests", "burden.fields", "burden.known"])
    cities = req.recipients
    assert req.fields_asked == 3 and req.fields_known == 2
    assert after[foshan.pk]["burden.requests"] == before[foshan.pk]["burden.requests"] + 1
    assert after[foshan.pk]["burden.known"] == before[foshan.pk]["burden.known"] + 2
    assert after[gd.pk]["burden.fields"] == before[gd.pk]["burden.fields"] + 3 * cities
    assert tallies.drift(gd, _campaign().pk) == {}
    assert tallies.drift(Unit.objects.get(code="000000"), _campaign().pk) == {}


def test_a_request_goes_only_to_units_below_and_only_from_an_office(guangdong_office, county_staff):
    with pytest.raises(ActionError):
        _ask(guangdong_office, to=[Unit.objects.get(code="420000")])
    with pytest.raises(ActionError):
        _ask(guangdong_office, to=[Unit.objects.get(code="440000")])  # not to itself
    with pytest.raises(ActionForbidden):
        _ask(county_staff, code="440604", to=[])


def test_the_meter_flags_a_figure_asked_again_naming_who_asked(as_user, guangdong_office, county_staff):
    req = _ask(
        guangdong_office, fields=["逾期未整改事项数", "下一步工作打算"], to=[Unit.objects.get(code="440600")]
    )
    body = as_user(guangdong_office).get("/burden/units/440600/").content.decode()
    flagged = body[body.index('id="asked-again"') :]
    flagged = flagged[: flagged.index("</section>")]
    assert "逾期未整改事项数" in flagged and "重复索要" in flagged and "逾期事项数" in flagged
    assert "广东省" in flagged and req.title in flagged
    assert "下一步工作打算" not in flagged  # not a figure the platform computes
    if req.asked_by:
        assert req.asked_by.name in flagged


def test_the_demo_has_requests_some_asking_again(as_user, central_office):
    assert Request.objects.filter(fields_known__gt=0).exists()
    assert Request.objects.filter(fields_known=0).exists()
    body = as_user(central_office).get("/burden/units/000000/").content.decode()
    assert "基层负担监测" in body and "本级及下级发出的要求中重复索要平台已有数据的" in body
    assert "全省主题教育整改进展情况统计表" in body


def test_recording_a_request_through_the_page(as_user, guangdong_office):
    client = as_user(guangdong_office)
    assert client.get("/burden/units/440000/new/").status_code == 200
    response = client.post(
        "/burden/units/440000/new/",
        {"title": "数据报送", "kind": "data", "fields_asked": "整改事项数\n意见建议", "to_children": "on"},
    )
    assert response.status_code == 302
    req = Request.objects.latest("pk")
    assert req.fields_known == 1 and req.recipients == Unit.objects.children_of(req.from_unit).count()
    page = client.get(response["Location"]).content.decode()
    assert "所列填报内容中有1项是平台已自动统计的数据" in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_meter_makes_as_many_queries_after_the_tree_grew(as_user, central_office):
    client = as_user(central_office)
    gd = Unit.objects.get(code="440000")
    _ask(central_office, code="440000")
    client.get("/burden/units/440000/")
    before = _queries(client, "/burden/units/440000/")
    for i in range(8):
        u = do_create_unit(gd, code=f"44X{i}", name=f"新单位{i}", kind="city", acting_user=central_office)
        _ask(central_office, code="440000", to=[u])
    assert _queries(client, "/burden/units/440000/") == before
    assert _queries(client, "/burden/units/000000/") <= before + 1


# --- withdrawing a request, and answering it ------------------------------------------------------------

KEYS = ["burden.requests", "burden.fields", "burden.known", "burden.answered"]


def _read(*codes):
    units = [Unit.objects.get(code=c) for c in codes]
    got = tallies.read(units, _campaign().pk, KEYS)
    return [got[u.pk] for u in units]


def _ask_chancheng(user):
    """Foshan's request to Chancheng alone (Guangdong's office manages Foshan)."""
    return _ask(user, code="440600", to=[Unit.objects.get(code="440604")])


def test_a_withdrawn_request_stops_counting_everywhere_and_is_kept(guangdong_office):
    from chuxin.audit.models import AuditEntry
    from chuxin.burden.actions import do_withdraw_request

    before = _read("440000", "440600", "000000")
    req = _ask(guangdong_office)
    assert _read("440000")[0]["burden.requests"] == before[0]["burden.requests"] + req.recipients
    do_withdraw_request(req, reason="数据平台已有", acting_user=guangdong_office)
    assert _read("440000", "440600", "000000") == before
    req.refresh_from_db()
    assert (
        req.is_withdrawn and req.withdraw_reason == "数据平台已有" and req.receipts.count() == req.recipients
    )
    assert AuditEntry.objects.filter(action="burden.request.withdraw", object_id=req.pk).exists()
    for code in ("440000", "000000"):
        assert tallies.drift(Unit.objects.get(code=code), _campaign().pk) == {}


def test_withdrawing_takes_back_the_answers_too(guangdong_office, county_staff):
    from chuxin.burden.actions import do_mark_request_answered, do_withdraw_request

    before = _read("440604", "440000")
    req = _ask_chancheng(guangdong_office)
    do_mark_request_answered(req.receipts.get(), acting_user=county_staff)
    assert _read("440604")[0]["burden.answered"] == before[0]["burden.answered"] + 1
    do_withdraw_request(req, acting_user=guangdong_office)
    assert _read("440604", "440000") == before
    assert tallies.drift(Unit.objects.get(code="440000"), _campaign().pk) == {}


def test_a_request_is_withdrawn_once_and_only_by_the_asking_office(
    guangdong_office, county_staff, hubei_office
):
    from chuxin.burden.actions import do_withdraw_request

    req = _ask_chancheng(guangdong_office)
    for user in (county_staff, hubei_office):  # the unit asked; an office elsewhere
        with pytest.raises(ActionForbidden):
            do_withdraw_request(req, acting_user=user)
    do_withdraw_request(req, acting_user=guangdong_office)
    with pytest.raises(ActionError, match="已撤回"):
        do_withdraw_request(req, acting_user=guangdong_office)


def test_the_unit_asked_marks_it_answered_once_and_it_rolls_up(guangdong_office, county_staff):
    from chuxin.audit.models import AuditEntry
    from chuxin.burden.actions import do_mark_request_answered

    before = _read("440604", "440000")
    receipt = _ask_chancheng(guangdong_office).receipts.get()
    do_mark_request_answered(receipt, acting_user=county_staff)
    after = _read("440604", "440000")
    assert [a["burden.answered"] - b["burden.answered"] for a, b in zip(after, before, strict=True)] == [1, 1]
    receipt.refresh_from_db()
    assert receipt.answered_by == county_staff
    assert AuditEntry.objects.filter(action="burden.request.answer", object_id=receipt.pk).exists()
    with pytest.raises(ActionError, match="已答复"):
        do_mark_request_answered(receipt, acting_user=county_staff)
    assert tallies.drift(Unit.objects.get(code="440000"), _campaign().pk) == {}


def test_the_asker_and_those_above_it_cannot_answer_for_the_unit(guangdong_office, central_office):
    from chuxin.burden.actions import do_mark_request_answered

    receipt = _ask_chancheng(guangdong_office).receipts.get()
    for user in (guangdong_office, central_office):  # they reach Chancheng, but from above Foshan
        with pytest.raises(ActionForbidden):
            do_mark_request_answered(receipt, acting_user=user)


def test_a_withdrawn_request_cannot_be_answered(guangdong_office, county_staff):
    from chuxin.burden.actions import do_mark_request_answered, do_withdraw_request

    req = _ask_chancheng(guangdong_office)
    do_withdraw_request(req, acting_user=guangdong_office)
    with pytest.raises(ActionError, match="已撤回"):
        do_mark_request_answered(req.receipts.get(), acting_user=county_staff)


def test_an_outsider_crossing_the_scope_finds_nothing(
    as_user, guangdong_office, hubei_office, outsider, county_staff, central_office
):
    req = _ask_chancheng(guangdong_office)
    receipt = req.receipts.get()
    hubei_req = _ask(central_office, code="000000", to=[Unit.objects.get(code="420000")])
    for user in (hubei_office, outsider):
        client = as_user(user)
        assert client.post(f"/burden/requests/{req.pk}/withdraw/").status_code == 404
        assert client.post(f"/burden/receipts/{receipt.pk}/answer/").status_code == 404
    # Chancheng's staff reaches Chancheng only: Hubei's receipt and the centre's request are not there
    client = as_user(county_staff)
    assert client.post(f"/burden/receipts/{hubei_req.receipts.get().pk}/answer/").status_code == 404
    assert client.post(f"/burden/requests/{hubei_req.pk}/withdraw/").status_code == 404
    assert client.post(f"/burden/requests/{req.pk}/withdraw/").status_code == 403  # sees it, did not send it
    req.refresh_from_db()
    receipt.refresh_from_db()
    assert not req.is_withdrawn and receipt.answered_at is None


def test_the_pages_answer_and_withdraw_and_say_a_withdrawn_request_is_no_burden(
    as_user, guangdong_office, county_staff
):
    req = _ask_chancheng(guangdong_office)
    staff = as_user(county_staff)
    meter = staff.get("/burden/units/440604/").content.decode()
    assert "发出单位撤回的要求不计入基层负担" in meter and "标记为已答复" in meter
    receipt = req.receipts.get()
    done = staff.post(f"/burden/receipts/{receipt.pk}/answer/", {"back": "meter"})
    assert done.status_code == 302 and done["Location"].startswith("/burden/units/440604/")
    assert "已答复" in staff.get(done["Location"]).content.decode()

    office = as_user(guangdong_office)
    page = office.get(f"/burden/requests/{req.pk}/").content.decode()
    assert 'id="withdraw-form"' in page and "已答复 1" in page
    gone = office.post(f"/burden/requests/{req.pk}/withdraw/", {"reason": "平台已有数据"})
    page = office.get(gone["Location"]).content.decode()
    assert "撤回，不计入基层负担" in page and "平台已有数据" in page and 'id="withdraw-form"' not in page
    meter = as_user(county_staff).get("/burden/units/440604/").content.decode()
    assert "本单位收到的要求中有1件已撤回" in meter


def test_withdrawing_twice_through_the_page_says_why_in_plain_words(as_user, guangdong_office):
    req = _ask_chancheng(guangdong_office)
    office = as_user(guangdong_office)
    office.post(f"/burden/requests/{req.pk}/withdraw/")
    again = office.post(f"/burden/requests/{req.pk}/withdraw/", follow=True).content.decode()
    assert "该要求已撤回。" in again and "[&#x27;" not in again and "['" not in again
