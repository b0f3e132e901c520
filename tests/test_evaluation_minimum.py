"""The survey's minimum number of responses (成效评估, M15): below the scheme's minimum a subtree's public
satisfaction shows 样本不足 and its weight goes to the other parts; the minimum is set per scheme (30 unless
the office sets another), documented beside the score; and the survey's own QR poster."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from chuxin.audit.models import AuditEntry
from chuxin.campaigns.actions import do_close_campaign
from chuxin.campaigns.models import Campaign
from chuxin.core.errors import ActionError
from chuxin.evaluation import actions
from chuxin.evaluation.models import DEFAULT_MIN_RESPONSES, Scheme, SurveyResponse
from chuxin.evaluation.scores import assess
from chuxin.orgs.models import Unit, subtree_q

pytestmark = pytest.mark.django_db

CODE = "440604"


@pytest.fixture
def scheme():
    return Scheme.objects.get(campaign=Campaign.objects.get(launched_on="2019-05-31"))


def _responses(code: str) -> int:
    unit = Unit.objects.get(code=code)
    return SurveyResponse.objects.filter(
        subtree_q(unit.path, "unit__path"), campaign__launched_on="2019-05-31"
    ).count()


def _minimum(scheme, n, user):
    return actions.do_set_evaluation_weights(scheme, scheme.weights(), min_responses=n, acting_user=user)


def _assess(scheme, code=CODE):
    unit = Unit.objects.get(code=code)
    return assess([unit], scheme, timezone.localdate())[unit.pk]


def test_a_new_scheme_needs_30_responses_unless_told_otherwise(scheme):
    assert DEFAULT_MIN_RESPONSES == 30 and Scheme._meta.get_field("min_responses").default == 30


def test_below_the_minimum_the_survey_is_left_out_and_its_weight_goes_to_the_other_parts(
    scheme, central_office
):
    n = _responses(CODE)
    assert n > 0
    scheme = _minimum(scheme, n + 1, central_office)
    a = _assess(scheme)
    survey = a.part("survey")
    assert survey.value is None and survey.short and survey.base == n
    assert survey in a.missing and all(q.value is None and q.short for q in a.survey)
    others = [s for s in a.parts if s.key != "survey" and s.value is not None and s.weight]
    assert a.total == round(sum(s.value * s.weight for s in others) / sum(s.weight for s in others), 1)

    scheme = _minimum(scheme, n, central_office)  # exactly the minimum: it counts
    a = _assess(scheme)
    assert a.part("survey").value is not None and not a.part("survey").short
    assert all(q.value is not None for q in a.survey)


def test_a_subtree_without_responses_is_without_data_not_short(scheme, central_office):
    from chuxin.orgs.actions import do_create_unit

    new = do_create_unit(
        Unit.objects.get(code=CODE),
        code="44060499",
        name="新设社区",
        kind="grassroots",
        acting_user=central_office,
    )
    survey = _assess(scheme, new.code).part("survey")
    assert survey.value is None and not survey.short and survey.base == 0


def test_the_page_says_too_few_responses_beside_the_score_and_documents_the_minimum(
    client, scheme, central_office
):
    n = _responses(CODE)
    _minimum(scheme, n + 1, central_office)
    client.force_login(central_office)
    body = client.get(reverse("evaluation_unit", args=[CODE])).content.decode()
    row = body[body.index('data-part="survey"') :]
    row = row[: row.index("</tr>")]
    assert "样本不足" in row and f"不足 {n + 1} 份" in row  # the score and why, beside it
    assert "群众满意度样本不足，未计入综合得分" in body
    assert f"答卷达到 {n + 1} 份才计分" in body[body.index('id="method"') :]


def test_the_minimum_is_set_on_the_scheme_page_checked_and_audited(client, scheme, central_office):
    client.force_login(central_office)
    url = reverse("evaluation_scheme", args=[scheme.campaign_id])
    assert "满意度测评最少答卷数" in client.get(url).content.decode()
    bad = client.post(url, {**scheme.weights(), "min_responses": "0", "version": scheme.version})
    assert bad.status_code == 200 and Scheme.objects.get(pk=scheme.pk).min_responses == 30
    with pytest.raises(ActionError):
        _minimum(scheme, 0, central_office)
    ok = client.post(url, {**scheme.weights(), "min_responses": "50", "version": scheme.version})
    assert ok.status_code == 302 and Scheme.objects.get(pk=scheme.pk).min_responses == 50
    entry = AuditEntry.objects.filter(action="evaluation.weights").latest("pk")
    assert (entry.before["min_responses"], entry.after["min_responses"]) == (30, 50)


def test_the_survey_has_a_qr_poster_of_its_own(client, scheme, county_staff):
    client.force_login(county_staff)
    page = client.get(reverse("evaluation_unit", args=[CODE])).content.decode()
    assert reverse("evaluation_poster", args=[CODE, "png"]) in page
    png = client.get(reverse("evaluation_poster", args=[CODE, "png"]))
    assert png["Content-Type"] == "image/png" and Image.open(io.BytesIO(png.content)).size == (1240, 1754)
    docx = client.get(reverse("evaluation_poster", args=[CODE, "docx"]))
    assert docx.status_code == 200 and docx["Content-Disposition"].endswith('.docx"')
    assert client.get(reverse("evaluation_poster", args=[CODE, "pdf"])).status_code == 404


def test_the_posters_qr_code_opens_the_units_survey(scheme):
    from chuxin.opinions import poster

    url = "http://testserver" + reverse("public_survey", args=[CODE, scheme.campaign_id])
    text = poster.poster_docx("禅城区", scheme.campaign.title, url, poster.SURVEY)
    import docx

    words = "\n".join(p.text for p in docx.Document(io.BytesIO(text)).paragraphs)
    assert "群众满意度测评" in words and url in words and "广泛听取意见" not in words


def test_a_closed_campaigns_survey_says_it_ended_before_asking(client, scheme, central_office):
    do_close_campaign(scheme.campaign, acting_user=central_office)
    body = client.get(reverse("public_survey", args=[CODE, scheme.campaign_id])).content.decode()
    assert 'id="survey-ended"' in body and "不再接受答卷" in body and "获得感" not in body


def test_the_ranking_names_the_children_whose_survey_is_short(client, scheme, central_office):
    _minimum(scheme, 10_000, central_office)
    client.force_login(central_office)
    body = client.get(reverse("evaluation_unit", args=["440000"])).content.decode()
    ranking = body[body.index('id="ranking"') :]
    ranking = ranking[: ranking.index("</table>")]
    children = Unit.objects.children_of(Unit.objects.get(code="440000"))
    assert ranking.count("样本不足") == sum(1 for c in children if _responses(c.code))
    assert all(f">{c.name}</a>" in ranking for c in children)
