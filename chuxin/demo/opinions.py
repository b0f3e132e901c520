"""Demo data for the hearing-the-people and self-examination strands (M6, M7): bulk-created, no audit
entries; deterministic for a seed; fast at the default 3 000 units.

* Opinions: each unit down to the county level hears a few; Chancheng (440604), the demo county, hears
  several hundred, so that grouping has something to do. Texts come from about forty concerns in varied
  wording (opinion_texts.py), with a skewed frequency as real concerns have. Most opinions with a
  contact are answered; public ones carry a made-up address hash, never an address.
* Self-examination: the four 2019 comparisons; a checklist per focus-group cadre of each unit down to the
  county level, most complete with a gap per heading; materials in every state; organisational life
  meetings (组织生活会) at grassroots branches. Chancheng's checklists stay open for the walk-through.
* Two more demo accounts at Chancheng: its secretary (reviews materials) and a committee member.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from chuxin.orgs.models import CommitteeMember, Rank, Role, RoleAssignment, UnitLevel

from .opinion_texts import CONCERNS, make_text

DEMO_COUNTY = "440604"
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CHANNEL_MIX = [("public_form", 0.6), ("symposium", 0.15), ("visit", 0.1), ("box", 0.08), ("hotline", 0.07)]
# (username, committee post at the demo county, label) — password as the other demo accounts
ACCOUNTS = [
    ("chanchengshuji", "secretary", "secretary of Chancheng District (reviews examination materials)"),
    ("chanchengweiyuan", "member", "committee member of Chancheng District (fills a checklist)"),
]
GAPS = {
    0: [
        (
            "理论学习不够系统深入，满足于读原文、记笔记",
            "理论学习的自觉性不强",
            "学深悟透",
            "制定个人学习计划，每月专题研讨一次",
        )
    ],
    1: [("执行民主集中制不够到位，有时一言堂", "党性修养有所放松", "严守党章党规", "重大事项一律集体研究")],
    2: [
        (
            "深入基层调研不够，对群众急难愁盼掌握不全",
            "宗旨意识有所淡化",
            "站稳人民立场",
            "每季度到联系点蹲点调研",
        )
    ],
    3: [
        (
            "对照先进典型，担当作为的劲头不足",
            "干事创业的精气神有所减退",
            "见贤思齐",
            "学习先进典型事迹，对标找差",
        )
    ],
}


def _weighted(rng, pairs):
    r, acc = rng.random(), 0.0
    for value, w in pairs:
        acc += w
        if r < acc:
            return value
    return pairs[-1][0]


def _aware(d: date, rng) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(rng.randint(8, 20), rng.randint(0, 59))))


def make_opinions(campaign, units, people_by_unit, rng) -> int:
    from chuxin.opinions.models import Opinion, OpinionStatus

    start = date(2019, 9, 1)
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(CONCERNS))]  # a few concerns come up far more often
    order = list(range(len(CONCERNS)))
    rows: list[Opinion] = []
    codes: set[str] = set()
    for u in units:
        if u.level > UnitLevel.COUNTY:
            continue
        n = 300 if u.code == DEMO_COUNTY else rng.randint(0, 8)
        for _ in range(n):
            concern = rng.choices(order, weights)[0]
            channel = _weighted(rng, CHANNEL_MIX)
            taken = start + timedelta(days=rng.randint(0, 80))
            contact = rng.random() < 0.4
            answered = contact and rng.random() < 0.9
            code = "".join(rng.choice(RECEIPT_ALPHABET) for _ in range(12))
            while code in codes:
                code = "".join(rng.choice(RECEIPT_ALPHABET) for _ in range(12))
            codes.add(code)
            created = _aware(taken, rng)
            rows.append(
                Opinion(
                    campaign=campaign,
                    unit=u,
                    handling_unit=u,
                    channel=channel,
                    text=make_text(rng, concern),
                    contact_name=rng.choice("王李张刘陈杨黄赵吴周")
                    + rng.choice(["先生", "女士", "师傅", "阿姨"])
                    if contact
                    else "",
                    contact_phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
                    if contact
                    else "",
                    has_contact=contact,
                    ip_hash=hashlib.sha256(f"demo-{rng.random()}".encode()).hexdigest()
                    if channel == "public_form"
                    else "",
                    receipt_code=code,
                    taken_on=taken,
                    taken_by="" if channel == "public_form" else "主题教育办工作人员",
                    status=OpinionStatus.ACCEPTED
                    if u.code != DEMO_COUNTY and rng.random() < 0.7
                    else OpinionStatus.RECEIVED,
                    answer="感谢您的意见，我们已认真研究并转有关部门办理。" if answered else "",
                    answered_at=created + timedelta(days=rng.randint(2, 14)) if answered else None,
                    answer_due=taken + timedelta(days=15) if contact else None,
                    created_at=created,
                )
            )
    Opinion.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def make_examination(campaign, units, people_by_unit, rng) -> dict:
    from chuxin.examine import counters
    from chuxin.examine.actions import do_set_default_headings
    from chuxin.examine.models import Checklist, Gap, Material, MaterialStatus
    from chuxin.study.models import Meeting, MeetingKind, Venue

    headings = do_set_default_headings(campaign)
    checklists: list[Checklist] = []
    plan = []
    for u in units:
        if u.level > UnitLevel.COUNTY:
            continue
        for p in people_by_unit.get(u.pk, []):
            if p.rank < campaign.focus_rank:
                continue
            done = u.code != DEMO_COUNTY and rng.random() < 0.75
            checklists.append(
                Checklist(
                    campaign=campaign,
                    unit=u,
                    person=p,
                    completed_at=_aware(date(2019, 10, 1) + timedelta(days=rng.randint(0, 30)), rng)
                    if done
                    else None,
                )
            )
            plan.append(done)
    Checklist.objects.bulk_create(checklists, batch_size=2000)
    gaps, materials = [], []
    for c, done in zip(checklists, plan, strict=True):
        if not done:
            continue
        for i, h in enumerate(headings):
            text, cause, direction, measures = rng.choice(GAPS[i % 4])
            gaps.append(
                Gap(
                    checklist=c,
                    heading=h,
                    text=text,
                    root_cause=cause,
                    direction=direction,
                    measures=measures,
                )
            )
        status = _weighted(
            rng,
            [
                (MaterialStatus.APPROVED, 0.5),
                (MaterialStatus.SUBMITTED, 0.2),
                (MaterialStatus.RETURNED, 0.1),
                (MaterialStatus.DRAFT, 0.2),
            ],
        )
        materials.append(
            Material(
                campaign=campaign,
                unit=c.unit,
                person=c.person,
                status=status,
                comparisons={str(h.pk): GAPS[i % 4][0][0] for i, h in enumerate(headings)},
                root_causes="\n".join(g[0][1] for g in GAPS.values()),
                measures="\n".join(g[0][3] for g in GAPS.values()),
                submissions=0 if status == MaterialStatus.DRAFT else 1,
            )
        )
    Gap.objects.bulk_create(gaps, batch_size=2000)
    Material.objects.bulk_create(materials, batch_size=2000)
    olm = []
    for u in units:
        if u.level >= UnitLevel.TOWNSHIP and rng.random() < 0.6:
            olm.append(
                Meeting(
                    campaign=campaign,
                    unit=u,
                    kind=MeetingKind.ORG_LIFE,
                    title="“不忘初心、牢记使命”专题组织生活会",
                    date=date(2019, 11, 1) + timedelta(days=rng.randint(0, 25)),
                    place="党员活动室",
                    required_rank=Rank.NONE,
                )
            )
    Meeting.objects.bulk_create(olm, batch_size=1000)
    Venue.objects.bulk_create(
        [Venue(meeting=m, unit=m.unit, is_main=True, place=m.place) for m in olm], batch_size=1000
    )
    counters.rebuild(campaign.pk)
    return {
        "checklists": len(checklists),
        "gaps": len(gaps),
        "materials": len(materials),
        "org_life_meetings": len(olm),
    }


def make_accounts() -> None:
    from chuxin.demo.generator import PASSWORD
    from chuxin.orgs.models import Unit

    unit = Unit.objects.filter(code=DEMO_COUNTY).first()
    if unit is None:
        return
    User = get_user_model()
    seats = list(CommitteeMember.objects.filter(unit=unit).select_related("person").order_by("order", "pk"))
    for username, post, _label in ACCOUNTS:
        seat = next((s for s in seats if s.post == post and s.person.user_id is None), None)
        if seat is None or User.objects.filter(username=username).exists():
            continue
        user = User(username=username)
        user.set_password(PASSWORD)
        user.save()
        seat.person.user = user
        seat.person.save(update_fields=["user"])
        role = Role.SECRETARY if post == "secretary" else Role.MEMBER
        RoleAssignment.objects.get_or_create(person=seat.person, unit=unit, role=role)


def make_hearing_demo(campaign, units, people_by_unit, seed: int) -> dict:
    """Opinions and self-examination for the demo; its own random stream, so other demos do not shift."""
    rng = random.Random(f"opinions-{seed}")
    out = {"opinions": make_opinions(campaign, units, people_by_unit, rng)}
    out.update(make_examination(campaign, units, people_by_unit, rng))
    make_accounts()
    return out
