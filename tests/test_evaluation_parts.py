"""The evaluation's survey through the unit's public link and the guidance groups' ratings: anti-abuse as
for public opinions, one response per device and campaign, members rate only their assigned units, and
every response and rating keeps the roll-ups equal to a recount."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError, ActionForbidden, StaleVersion
from chuxin.evaluation import actions
from chuxin.evaluation.models import GroupRating, Scheme, SurveyResponse
from chuxin.evaluation.scores import assess, questions_of
from chuxin.opinions import abuse
from chuxin.opinions.actions import Throttled
from chuxin.orgs.actions import do_move_unit
from chuxin.orgs.models import GuidanceGroup, Unit
from chuxin.rollups.counters import drift

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return Campaign.objects.get(launched_on="2019-05-31")


@pytest.fixture
def scheme(campaign):
    return Scheme.objects.get(campaign=campaign)


def _url(code, campaign):
    return reverse("public_survey", args=[code, campaign.pk])


def _post(client, code, campaign, scheme, value="75", **extra):
    page = client.get(_url(code, campaign))
    token = page.context.get("token") or abuse.new_challenge()  # none on the "already answered" page
    survey, _rating = questions_of(scheme)
    data = {f"a{q.slot}": value for q in survey}
    data.update(token=token, answer=str(abuse.solve(token)), comment="路灯修好了")
    data.update(extra)
    return client.post(_url(code, campaign), data)


def test_the_survey_is_answered_once_per_device_and_counted_at_the_unit(client, campaign, scheme):
    chancheng = Unit.objects.get(code="440604")
    before = assess([chancheng], scheme, timezone.localdate())[chancheng.pk]
    page = client.get(_url("440604", campaign))
    html = page.content.decode()
    for text in ("群众满意度测评", "获得感", "幸福感", "安全感", "很满意", "不满意", "为民服务解难题"):
        assert text in html, text
    done = _post(client, "440604", campaign, scheme, value="100")
    assert "感谢" in done.content.decode()
    after = assess([chancheng], scheme, timezone.localdate())[chancheng.pk]
    assert after.responses == before.responses + 1
    assert "已参加过" in client.get(_url("440604", campaign)).content.decode()
    again = _post(client, "440604", campaign, scheme, value="0")
    assert "已参加过" in again.content.decode()
    assert assess([chancheng], scheme, timezone.localdate())[chancheng.pk].responses == after.responses
    for code in ("440604", "440600", "440000", "000000"):
        assert not drift(Unit.objects.get(code=code), campaign.pk)


def test_the_device_is_one_per_campaign_not_per_unit(client, campaign, scheme):
    _post(client, "440604", campaign, scheme)
    assert "已参加过" in client.get(_url("440600", campaign)).content.decode()


def test_a_response_keeps_no_address_device_or_challenge_in_the_log(client, campaign, scheme):
    _post(client, "440604", campaign, scheme)
    response = SurveyResponse.objects.latest("pk")
    assert (
        len(response.device_hash) == 64 and response.device_hash != client.cookies[abuse.DEVICE_COOKIE].value
    )
    entry = AuditEntry.objects.filter(action="evaluation.survey", object_id=response.pk).get()
    assert not {"device_hash", "ip_hash", "challenge_nonce"} & set(entry.after)


def test_a_wrong_sum_a_filled_honeypot_and_a_missing_answer_are_refused(client, campaign, scheme):
    n = SurveyResponse.objects.count()
    assert "不正确" in _post(client, "440604", campaign, scheme, answer="999").content.decode()
    _post(client, "440604", campaign, scheme, website="http://spam")
    survey, _rating = questions_of(scheme)
    missing = _post(client, "440604", campaign, scheme, **{f"a{survey[0].slot}": ""})
    assert missing.status_code == 200 and "请选择" in missing.content.decode()
    assert SurveyResponse.objects.count() == n


def test_a_challenge_picture_answers_one_response_only(campaign, scheme):
    token = abuse.new_challenge()
    survey, _rating = questions_of(scheme)
    unit = Unit.objects.get(code="440604")
    kw = dict(unit=unit, campaign=campaign, answers={q.slot: 50 for q in survey}, address="10.0.0.1")
    actions.do_submit_survey(**kw, device="a" * 32, token=token, answer=str(abuse.solve(token)))
    with pytest.raises(ActionError, match="已使用"):
        actions.do_submit_survey(**kw, device="b" * 32, token=token, answer=str(abuse.solve(token)))


def test_the_address_limit_of_public_forms_applies(campaign, scheme):
    survey, _rating = questions_of(scheme)
    unit = Unit.objects.get(code="440604")
    for i in range(abuse.PER_ADDRESS_PER_HOUR):
        token = abuse.new_challenge()
        actions.do_submit_survey(
            unit=unit,
            campaign=campaign,
            answers={q.slot: 50 for q in survey},
            address="10.9.9.9",
            device=f"{i:032d}",
            token=token,
            answer=str(abuse.solve(token)),
        )
    token = abuse.new_challenge()
    with pytest.raises(Throttled):
        actions.do_submit_survey(
            unit=unit,
            campaign=campaign,
            answers={q.slot: 50 for q in survey},
            address="10.9.9.9",
            device="f" * 32,
            token=token,
            answer=str(abuse.solve(token)),
        )


def _xunhui():
    return get_user_model().objects.get(username="xunhui")


def _roving():
    return GuidanceGroup.objects.get(name="广东省委第一巡回指导组")


def test_a_group_member_rates_an_assigned_unit_and_the_rating_rolls_up(campaign, scheme):
    foshan, guangdong = Unit.objects.get(code="440600"), Unit.objects.get(code="440000")
    _survey, criteria = questions_of(scheme)
    before = assess([foshan, guangdong], scheme, timezone.localdate())
    rating = actions.do_rate_unit(
        group=_roving(),
        campaign=campaign,
        unit=foshan,
        grades={q.slot: 100 for q in criteria},
        comment="整改扎实",
        acting_user=_xunhui(),
    )
    after = assess([foshan, guangdong], scheme, timezone.localdate())
    assert after[foshan.pk].ratings == before[foshan.pk].ratings + 1
    assert after[foshan.pk].part("rating").value == 100.0
    assert after[guangdong.pk].ratings == before[guangdong.pk].ratings + 1
    actions.do_rate_unit(
        group=_roving(),
        campaign=campaign,
        unit=foshan,
        grades={q.slot: 50 for q in criteria},
        expected_version=rating.version,
        acting_user=_xunhui(),
    )
    again = assess([foshan], scheme, timezone.localdate())[foshan.pk]
    assert again.ratings == after[foshan.pk].ratings and again.part("rating").value == 50.0
    with pytest.raises(StaleVersion):
        actions.do_rate_unit(
            group=_roving(),
            campaign=campaign,
            unit=foshan,
            grades={q.slot: 0 for q in criteria},
            expected_version=rating.version,
            acting_user=_xunhui(),
        )
    assert AuditEntry.objects.filter(action="evaluation.rate", object_id=rating.pk).count() == 2
    for u in (foshan, guangdong, Unit.objects.get(code="000000")):
        assert not drift(u, campaign.pk)


def test_only_members_rate_and_only_the_units_assigned_to_their_group(campaign, scheme, guangdong_office):
    _survey, criteria = questions_of(scheme)
    grades = {q.slot: 75 for q in criteria}
    with pytest.raises(ActionForbidden):  # Chancheng lies below Foshan but is not itself assigned
        actions.do_rate_unit(
            group=_roving(),
            campaign=campaign,
            unit=Unit.objects.get(code="440604"),
            grades=grades,
            acting_user=_xunhui(),
        )
    with pytest.raises(ActionForbidden):  # the dispatching office reads the group's work but does not rate
        actions.do_rate_unit(
            group=_roving(),
            campaign=campaign,
            unit=Unit.objects.get(code="440600"),
            grades=grades,
            acting_user=guangdong_office,
        )
    with pytest.raises(ActionError):  # every criterion is graded
        actions.do_rate_unit(
            group=_roving(),
            campaign=campaign,
            unit=Unit.objects.get(code="440600"),
            grades={},
            acting_user=_xunhui(),
        )


def test_the_rating_page_in_chinese_saves_and_goes_back_to_the_scores(client, campaign, scheme):
    client.force_login(_xunhui())
    url = reverse("evaluation_rate", args=["440600"])
    page = client.get(url)
    html = page.content.decode()
    for text in ("指导组评价", "广东省委第一巡回指导组", "理论学习有收获", "较好", "差"):
        assert text in html, text
    _survey, criteria = questions_of(scheme)
    saved = client.post(url, {**{f"r{q.slot}": "75" for q in criteria}, "comment": "较好"})
    assert saved.status_code == 302 and reverse("evaluation_unit", args=["440600"]) in saved["Location"]
    shown = client.get(saved["Location"]).content.decode()
    assert "广东省委第一巡回指导组" in shown and "评价本单位" in shown
    assert GroupRating.objects.get(unit__code="440600", group=_roving()).r1 == 75


SURVEY_UNITS = ["440604", "440600", "440100", "420000"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(
                st.just("survey"), st.sampled_from(SURVEY_UNITS), st.sampled_from([0, 25, 50, 75, 100])
            ),
            st.tuples(st.just("rate"), st.sampled_from(["440600", "440100"]), st.sampled_from([0, 50, 100])),
            st.tuples(st.just("move"), st.sampled_from(["440604"]), st.sampled_from(["440100", "440600"])),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_responses_ratings_and_moves_keep_the_rollups_equal_to_a_recount(
    ops, campaign, scheme, central_office
):
    survey, criteria = questions_of(scheme)
    for i, (verb, code, value) in enumerate(ops):
        unit = Unit.objects.get(code=code)
        if verb == "survey":
            token = abuse.new_challenge()
            actions.do_submit_survey(
                unit=unit,
                campaign=campaign,
                answers={q.slot: value for q in survey},
                address=f"10.1.{i}.1",
                device=f"{i:016d}{SurveyResponse.objects.count():016d}",
                token=token,
                answer=str(abuse.solve(token)),
            )
        elif verb == "rate":
            rating = GroupRating.objects.filter(group=_roving(), campaign=campaign, unit=unit).first()
            actions.do_rate_unit(
                group=_roving(),
                campaign=campaign,
                unit=unit,
                grades={q.slot: value for q in criteria},
                expected_version=rating.version if rating else None,
                acting_user=_xunhui(),
            )
        else:
            target = Unit.objects.get(code=value)
            if not unit.path.startswith(target.path):
                do_move_unit(unit, target, acting_user=central_office)
    for code in ("000000", "440000", "440100", "440600", "440604", "420000"):
        assert not drift(Unit.objects.get(code=code), campaign.pk), code


def test_the_opinion_form_links_to_the_survey_only_where_the_campaign_runs_one(client, campaign, scheme):
    form = reverse("public_opinion_form", args=["440604", campaign.pk])
    assert 'id="survey-link"' in client.get(form).content.decode()
    scheme.delete()  # a campaign without a scheme has no survey: its link would lead to a 404
    assert client.get(_url("440604", campaign)).status_code == 404
    assert 'id="survey-link"' not in client.get(form).content.decode()
