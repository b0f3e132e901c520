"""Demo evaluation (成效评估).

The 2019 campaign: its scheme with the default weights and questions, public survey responses at a bounded
sample of units (always Guangzhou, Foshan and Chancheng), and the central guidance groups' ratings of their
provinces plus the Guangdong roving group's rating of Guangzhou (Foshan is left for the `xunhui` account to
rate).

The running Guangdong special rectification (`make demo` only): a scheme of its own (no study strand and no
opinions of its own, so their weights are 0; its goals, and 获得感、幸福感、安全感, as questions), responses
at a sample of Guangdong's units dated within the campaign — Guangzhou, Foshan and Chancheng with enough
of them to count (the scheme's minimum) — and the roving group's rating of Guangzhou. Because the campaign
is open, a demo user rates Foshan (`xunhui`) and a member of the public answers the survey through a
unit's public link.

Rows are written in bulk; the roll-ups are rebuilt by the caller.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, time, timedelta

from django.utils import timezone

from chuxin.evaluation.actions import do_set_up_evaluation
from chuxin.evaluation.models import GroupRating, SurveyResponse
from chuxin.evaluation.scores import questions_of
from chuxin.orgs.models import GuidanceGroup, GuidanceGroupMember, Unit

SURVEY_UNITS = 240  # units with responses, whatever the size of the demo
ALWAYS = ("440100", "440600", "440604")
POINTS = (100, 75, 50, 25, 0)
COMMENTS = [
    "办事比以前方便多了",
    "希望继续解决停车难问题",
    "",
    "",
    "干部作风明显转变",
    "",
    "老旧小区改造还要加快",
]
# The Guangdong special rectification: no study strand and no opinions of its own, so those parts weigh 0.
GD_WEIGHTS = {"w_study": 0, "w_rectify": 35, "w_overdue": 15, "w_answers": 0, "w_survey": 30, "w_rating": 20}
GD_SURVEY_UNITS = 60
GD_COMMENTS = [
    "村里账目按月公开了，看得明白",
    "补贴发放比以前及时",
    "",
    "窗口办事不用来回跑了",
    "",
    "希望继续整治吃拿卡要",
    "",
]


def _answer(rng: random.Random, quality: float) -> int:
    """A point value leaning to the unit's quality (0..1): good units get more 很满意 and 满意."""
    x = min(max(rng.gauss(quality, 0.22), 0.0), 0.999)
    return POINTS[4 - int(x * 5)]


def _responses(campaign, survey_qs, chosen, rng, counts, when, comments) -> list[SurveyResponse]:
    """`counts(unit)` responses at each chosen unit, dated by `when()`, answers around a quality per unit."""
    rows = []
    for u in chosen:
        quality = rng.uniform(0.35, 0.9)
        for _ in range(counts(u)):
            row = SurveyResponse(
                campaign=campaign,
                unit=u,
                comment=rng.choice(comments),
                device_hash=secrets.token_hex(32),
                ip_hash=secrets.token_hex(32),
                created_at=when(),
            )
            for q in survey_qs:
                setattr(row, f"a{q.slot}", _answer(rng, quality))
            rows.append(row)
    SurveyResponse.objects.bulk_create(rows, batch_size=2000)
    return rows


def _rating(group, campaign, unit, rating_qs, rng, day, comment) -> GroupRating:
    leader = GuidanceGroupMember.objects.filter(group=group).order_by("post", "pk").first()
    row = GroupRating(
        group=group,
        campaign=campaign,
        unit=unit,
        comment=comment,
        rated_at=day,
        rated_by=getattr(getattr(leader, "person", None), "user", None),
    )
    quality = rng.uniform(0.45, 0.95)
    for q in rating_qs:
        setattr(row, f"r{q.slot}", _answer(rng, quality))
    return row


def make_evaluation_demo(campaign, units: list[Unit], rng: random.Random) -> str:
    scheme = do_set_up_evaluation(campaign, acting_user=None)
    survey_qs, rating_qs = questions_of(scheme)
    by_code = {u.code: u for u in units}
    pool = [u for u in units if u.depth >= 3]
    chosen = {u.pk: u for u in rng.sample(pool, min(SURVEY_UNITS, len(pool)))}
    for code in ALWAYS:
        if code in by_code:
            chosen[by_code[code].pk] = by_code[code]
    start = timezone.make_aware(datetime.combine(campaign.launched_on or timezone.localdate(), time(9)))
    responses = _responses(
        campaign,
        survey_qs,
        chosen.values(),
        rng,
        lambda u: rng.randint(4, 14),
        lambda: start + timedelta(days=rng.randint(100, 180), minutes=rng.randint(0, 600)),
        COMMENTS,
    )

    ratings = []
    day = start + timedelta(days=170)
    groups = GuidanceGroup.objects.prefetch_related("assigned_units")
    for group in groups:
        for u in group.assigned_units.all():
            if u.code == "440600":
                continue  # left for the demo account xunhui
            ratings.append(
                _rating(
                    group,
                    campaign,
                    u,
                    rating_qs,
                    rng,
                    day,
                    "主题教育组织有力，学习教育扎实，整改落实见到成效。",
                )
            )
    GroupRating.objects.bulk_create(ratings, batch_size=2000)
    return f"{len(responses)} survey responses at {len(chosen)} units, {len(ratings)} guidance group ratings"


def make_guangdong_evaluation_demo(campaign, units: list[Unit], rng: random.Random) -> str:
    """The running Guangdong campaign's evaluation; `units` are Guangdong's subtree."""
    from chuxin.demo.supervision import ROVING_NAME

    scheme = do_set_up_evaluation(campaign, GD_WEIGHTS, acting_user=None)
    survey_qs, rating_qs = questions_of(scheme)
    by_code = {u.code: u for u in units}
    pool = [u for u in units if u.depth >= 3]
    chosen = {u.pk: u for u in rng.sample(pool, min(GD_SURVEY_UNITS, len(pool)))}
    for code in ALWAYS:
        if code in by_code:
            chosen[by_code[code].pk] = by_code[code]
    began = timezone.make_aware(datetime.combine(campaign.launched_on, time(9)))
    days = max(1, (timezone.localdate() - campaign.launched_on).days - 1)
    enough = scheme.min_responses

    def counts(u: Unit) -> int:
        # the spine's units have enough responses to count; the others a few, some below the minimum
        return rng.randint(enough, enough + 12) if u.code in ALWAYS else rng.randint(3, enough + 10)

    responses = _responses(
        campaign,
        survey_qs,
        chosen.values(),
        rng,
        counts,
        lambda: began + timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 600)),
        GD_COMMENTS,
    )
    ratings = []
    roving = GuidanceGroup.objects.filter(name=ROVING_NAME).prefetch_related("assigned_units").first()
    if roving is not None:
        day = began + timedelta(days=days // 2)
        for u in roving.assigned_units.all():
            if u.code == "440600":
                continue  # left for the demo account xunhui
            ratings.append(
                _rating(
                    roving, campaign, u, rating_qs, rng, day, "专项整治推进有力，群众反映强烈的问题整改见效。"
                )
            )
    GroupRating.objects.bulk_create(ratings)
    return f"{len(responses)} survey responses at {len(chosen)} units, {len(ratings)} guidance group ratings"
