"""Demo special rectification (专项整治): the 2019 campaign's eight central topics, one Guangdong topic for
its counties, the demo's special-rectification problems listed under them, a few "none found" statements
(one challenged), referrals of violations at several stages, and published public pages."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from chuxin.orgs.models import Unit, UnitKind
from chuxin.problems.models import Problem, Source
from chuxin.special.models import (
    NoneFound,
    NoneFoundStatus,
    Publication,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    Topic,
)

# The eight areas of prominent problems set by the central leading group in 2019.
CENTRAL_TOPICS_2019 = [
    "对贯彻落实习近平新时代中国特色社会主义思想和党中央决策部署做选择、搞变通、打折扣的问题进行整治",
    "对在干部选拔任用、公务员招录、企业招工、考核考察、评优评先等方面搞任人唯亲、排斥异己、暗箱操作、"
    "不正之风、突击提拔的问题进行整治",
    "对干事创业精气神不够，患得患失，不担当不作为的问题进行整治",
    "对形式主义、官僚主义，文山会海、过度留痕，督查检查考核过多过频、过度问责，加重基层负担的问题进行整治",
    "对领导干部配偶、子女及其配偶违规经商办企业，甚至利用职权或职务影响为其经商办企业谋取非法利益的问题进行整治",
    "对漠视侵害群众利益问题进行整治",
    "对基层党组织软弱涣散，党员教育管理宽松软的问题进行整治",
    "对党员干部利用名贵特产类特殊资源谋取私利的问题进行整治",
]
GUANGDONG_TOPIC = (
    "整治群众办事堵点难点问题",
    "聚焦群众办事“门难进、脸难看、事难办”和“多头跑、反复跑”，县级单位逐项列出问题清单，限期整改。",
    "县级政务服务事项“最多跑一次”比例达到90%以上；群众投诉件件有回应。",
)
NONE_FOUND_REASONS = [
    "经对照排查本单位近三年有关情况，未发现此类问题。",
    "经班子成员逐一说明、查阅相关档案和群众来信来访记录，未发现此类问题，将持续跟踪。",
]
REFERRAL_FACTS = [
    "整改中发现有关人员在项目审批中涉嫌收受管理服务对象礼金，线索移交纪检监察机关处理。",
    "专项整治排查发现违规发放津贴补贴问题，涉及违反中央八项规定精神，移交纪检监察机关处理。",
    "群众反映的征地补偿款被截留问题经核实涉嫌违纪违法，移交纪检监察机关处理。",
]


def make_special_demo(campaign, units: list[Unit], rng: random.Random, now=None) -> str:
    now = now or timezone.now()
    centre = units[0]
    topics = [
        Topic(campaign=campaign, root_unit=centre, order=i, title=t[:200], created_at=now)
        for i, t in enumerate(CENTRAL_TOPICS_2019, 1)
    ]
    Topic.objects.bulk_create(topics)
    guangdong = next((u for u in units if u.code == "440000"), None)
    gd_topic = None
    if guangdong is not None:
        title, description, done = GUANGDONG_TOPIC
        gd_topic = Topic.objects.create(
            campaign=campaign,
            root_unit=guangdong,
            order=1,
            title=title,
            description=description,
            done_criteria=done,
            unit_kinds=f",{UnitKind.COUNTY},",
        )
    # The demo ledger's special-rectification problems are listed under a topic that applies to them.
    problems = list(
        Problem.objects.filter(campaign=campaign, source=Source.SPECIAL).select_related("unit").order_by("pk")
    )
    for p in problems:
        if gd_topic is not None and gd_topic.applies_to(p.unit) and rng.random() < 0.4:
            p.topic = gd_topic
        else:
            p.topic = rng.choice(topics)
    Problem.objects.bulk_update(problems, ["topic"], batch_size=2000)

    # Some counties state that they found nothing under the burden-on-the-grassroots topic; one is challenged.
    listed = {(p.unit_id, p.topic_id) for p in problems}
    counties = [u for u in units if u.kind == UnitKind.COUNTY]
    statements = []
    for u in rng.sample(counties, min(len(counties), 12)):
        t = topics[4]
        if (u.pk, t.pk) not in listed:
            statements.append(
                NoneFound(topic=t, unit=u, reason=rng.choice(NONE_FOUND_REASONS), stated_at=now)
            )
    if statements:
        statements[0].status = NoneFoundStatus.CHALLENGED
        statements[0].challenge = "该单位信访件中反映过此类问题，请重新排查。"
        statements[0].challenged_at = now
    NoneFound.objects.bulk_create(statements)

    # Referrals of violations found during the rectification, at several stages.
    in_gd = [p for p in problems if guangdong is not None and p.unit.path.startswith(guangdong.path)]
    candidates = (in_gd or problems)[:3]
    stages = [
        (
            ReferralStatus.CONCLUDED,
            ReferralOutcome.PARTY_DISCIPLINE,
            "经审查，给予有关责任人党内严重警告处分。",
        ),
        (ReferralStatus.REVIEWING, "", ""),
        (ReferralStatus.REFERRED, "", ""),
    ]
    discipline_unit = guangdong if in_gd else centre
    for p, (status, outcome, conclusion), facts in zip(candidates, stages, REFERRAL_FACTS, strict=False):
        Referral.objects.create(
            problem=p,
            to_unit=discipline_unit,
            from_unit=p.unit,
            reason=facts,
            status=status,
            outcome=outcome,
            conclusion=conclusion,
            referred_at=now - timedelta(days=rng.randint(5, 40)),
        )
    return f"{len(topics) + (gd_topic is not None)} topics, {len(problems)} problems listed, {len(statements)} none-found statements, {len(candidates)} referrals"


def publish_demo(campaign, units: list[Unit], today=None) -> None:
    """Public pages for the centre and Guangdong, published from the roll-ups once they are built."""
    from chuxin.special.actions import publication_content

    today = today or timezone.localdate()
    statement = "坚持边学边查边改，逐项列出问题清单，明确责任、限期整改，整改情况接受党员干部群众监督。"
    for code in ("000000", "440000"):
        unit = next((u for u in units if u.code == code), None)
        if unit is None:
            continue
        topics = list(
            Topic.objects.filter(campaign=campaign).covering(unit).order_by("root_unit__depth", "order")
        )
        content, etag = publication_content(
            unit, topics, dict.fromkeys((t.pk for t in topics), statement), today
        )
        Publication.objects.create(campaign=campaign, unit=unit, as_of=today, content=content, etag=etag)
