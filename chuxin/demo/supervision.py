"""Demo guidance groups (督促指导): central guidance groups covering the provinces three by three, a Guangdong
roving group covering Guangzhou and Foshan (with the demo account `xunhui`), and its visit to Foshan with
two findings that became Foshan's problems."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from chuxin.orgs.models import GroupKind, GroupPost, GuidanceGroup, GuidanceGroupMember, Person, Rank, Unit
from chuxin.problems.models import Problem, Source
from chuxin.supervision.models import Finding, Visit, VisitStatus

NUMERALS = "一二三四五六七八九十"
PROVINCIAL_KINDS = {"province", "municipality", "autonomous_region", "xpcc"}
ROVING_NAME = "广东省委第一巡回指导组"
ROVING_UNITS = ("440100", "440600")
FINDINGS = [
    ("理论学习流于形式，个别班子成员学习笔记照抄照搬", "专题学习记录与个人研讨发言雷同，学用脱节。"),
    (
        "征求意见覆盖面不广，基层群众意见反映不充分",
        "座谈会对象以机关干部为主，未深入村（社区）听取群众意见。",
    ),
]


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    return ("十" if n < 20 else NUMERALS[n // 10 - 1] + "十") + (NUMERALS[n % 10 - 1] if n % 10 else "")


def _member(group, unit, name, post, rank) -> GuidanceGroupMember:
    person = Person.objects.create(
        name=name, position=f"{group.name}{GroupPost(post).label}", rank=rank, home_unit=unit
    )
    return GuidanceGroupMember.objects.create(group=group, person=person, post=post)


def make_supervision_demo(campaign, units: list[Unit], rng: random.Random, names) -> str:
    centre = units[0]
    provinces = [u for u in units if u.depth == 2 and u.kind in PROVINCIAL_KINDS]
    groups = 0
    for i in range(0, len(provinces), 3):
        n = i // 3 + 1
        group = GuidanceGroup.objects.create(
            name=f"中央第{numeral(n)}指导组", kind=GroupKind.CENTRAL, dispatched_by=centre
        )
        group.assigned_units.set(provinces[i : i + 3])
        _member(group, centre, names(rng), GroupPost.LEADER, Rank.MINISTERIAL)
        _member(group, centre, names(rng), GroupPost.DEPUTY, Rank.VICE_MINISTERIAL)
        _member(group, centre, names(rng), GroupPost.MEMBER, Rank.BUREAU)
        groups += 1
    by_code = {u.code: u for u in units}
    guangdong = by_code.get("440000")
    findings = 0
    if guangdong is not None:
        roving = GuidanceGroup.objects.create(
            name=ROVING_NAME, kind=GroupKind.ROVING, dispatched_by=guangdong
        )
        roving.assigned_units.set([by_code[c] for c in ROVING_UNITS if c in by_code])
        _member(roving, guangdong, names(rng), GroupPost.LEADER, Rank.VICE_MINISTERIAL)
        _member(roving, guangdong, names(rng), GroupPost.DEPUTY, Rank.BUREAU)
        groups += 1
        foshan = by_code.get("440600")
        if foshan is not None:
            day = (campaign.launched_on or timezone.localdate()) + timedelta(days=120)
            visit = Visit.objects.create(
                group=roving,
                campaign=campaign,
                unit=foshan,
                planned_on=day,
                visited_on=day,
                status=VisitStatus.DONE,
                purpose="第二批主题教育巡回督导",
                talks="与市委班子成员及部分县处级干部个别谈话12人次。",
                documents="查阅专题学习记录、调研报告、问题清单和整改台账。",
                spot_checks="随机抽查2个区、3个基层党组织。",
            )
            Visit.objects.create(
                group=roving,
                campaign=campaign,
                unit=by_code.get("440100", foshan),
                planned_on=day + timedelta(days=14),
                purpose="第二批主题教育巡回督导",
            )
            for title, description in FINDINGS:
                problem = Problem.objects.create(
                    campaign=campaign,
                    unit=foshan,
                    title=title,
                    description=description,
                    source=Source.GUIDANCE,
                    created_at=timezone.make_aware(
                        timezone.datetime.combine(day, timezone.datetime.min.time())
                    ),
                )
                Finding.objects.create(visit=visit, problem=problem, sent_at=problem.created_at)
                findings += 1
    return f"{groups} guidance groups, {findings} findings"


def make_roving_account(user) -> None:
    """The demo account `xunhui`: a member of the Guangdong roving group (sees Guangzhou's and Foshan's subtrees)."""
    group = GuidanceGroup.objects.filter(name=ROVING_NAME).first()
    if group is None:
        return
    person, _ = Person.objects.get_or_create(
        user=user,
        defaults={
            "name": "巡回指导组成员",
            "position": "巡回指导组成员",
            "home_unit": group.dispatched_by,
            "rank": Rank.COUNTY,
        },
    )
    GuidanceGroupMember.objects.get_or_create(group=group, person=person, defaults={"post": GroupPost.MEMBER})
