"""Demo evaluation (成效评估): the 2019 scheme with its default weights and questions, public survey
responses at a bounded sample of units (always Guangzhou, Foshan and Chancheng), and the central guidance
groups' ratings of their provinces plus the Guangdong roving group's rating of Guangzhou (Foshan is left for
the `xunhui` account to rate). Rows are written in bulk; the roll-ups are rebuilt by the caller."""

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


def _answer(rng: random.Random, quality: float) -> int:
    """A point value leaning to the unit's quality (0..1): good units get more 很满意 and 满意."""
    x = min(max(rng.gauss(quality, 0.22), 0.0), 0.999)
    return POINTS[4 - int(x * 5)]


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
    responses = []
    for u in chosen.values():
        quality = rng.uniform(0.35, 0.9)
        for _ in range(rng.randint(4, 14)):
            row = SurveyResponse(
                campaign=campaign,
                unit=u,
                comment=rng.choice(COMMENTS),
                device_hash=secrets.token_hex(32),
                ip_hash=secrets.token_hex(32),
                created_at=start + timedelta(days=rng.randint(100, 180), minutes=rng.randint(0, 600)),
            )
            for q in survey_qs:
                setattr(row, f"a{q.slot}", _answer(rng, quality))
            responses.append(row)
    SurveyResponse.objects.bulk_create(responses, batch_size=2000)

    ratings = []
    day = start + timedelta(days=170)
    groups = GuidanceGroup.objects.prefetch_related("assigned_units")
    for group in groups:
        leader = GuidanceGroupMember.objects.filter(group=group).order_by("post", "pk").first()
        for u in group.assigned_units.all():
            if u.code == "440600":
                continue  # left for the demo account xunhui
            row = GroupRating(
                group=group,
                campaign=campaign,
                unit=u,
                comment="主题教育组织有力，学习教育扎实，整改落实见到成效。",
                rated_at=day,
                rated_by=getattr(getattr(leader, "person", None), "user", None),
            )
            quality = rng.uniform(0.45, 0.95)
            for q in rating_qs:
                setattr(row, f"r{q.slot}", _answer(rng, quality))
            ratings.append(row)
    GroupRating.objects.bulk_create(ratings, batch_size=2000)
    return f"{len(responses)} survey responses at {len(chosen)} units, {len(ratings)} guidance group ratings"
