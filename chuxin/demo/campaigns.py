"""The demo's campaigns (M22): the 2019 campaign on its real dates, and, beside it, a running Guangdong
special rectification (专项整治) with dates relative to today, so that overdue items, reminders and the
to-do page are live in any demo. Deterministic for a seed.

The 2019 campaign, as the seed tells it: the work meeting on 2019-05-31, a TV and telephone conference with
sub-venues at every province, sub-provincial city and the XPCC (demo/study.py); the first batch from June to
the end of August 2019 (the provincial-level leading organs, central and state organs, people's
organisations, centrally managed enterprises, financial enterprises and universities); the second batch
from September to the end of November 2019 (cities, counties and below); the summary meeting on 2020-01-08,
when it closed. Every date of its ledger lies in 2019-2020: problems are found during the unit's batch,
deadlines fall within weeks, claims and closures before the summary meeting, the look-back in December 2019
reopens a few items, which are closed again before the end.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from chuxin.campaigns.actions import STRANDS_2019, do_add_batch, do_create_campaign
from chuxin.orgs.models import Rank, Unit
from chuxin.problems.models import (
    Kind,
    Problem,
    ProblemListSignoff,
    ProgressUpdate,
    RectificationItem,
    Stage,
    Status,
    UpdateKind,
    WorkArea,
)

from . import data
from .ledger import KINDS, PROBLEMS, SOURCES, _aware, _pick

BATCH = 5000
LAUNCH_2019 = date(2019, 5, 31)
BATCH1 = (date(2019, 6, 1), date(2019, 8, 31))
BATCH2 = (date(2019, 9, 1), date(2019, 11, 30))
END_2019 = date(2020, 1, 8)
LOOK_BACK = (date(2019, 12, 1), date(2019, 12, 20))
TITLE_2019 = "“不忘初心、牢记使命”主题教育"
GOALS_2019 = ["理论学习有收获", "思想政治受洗礼", "干事创业敢担当", "为民服务解难题", "清正廉洁作表率"]
FUNDAMENTAL_TASK_2019 = (
    "深入学习贯彻新时代中国特色社会主义思想、锤炼忠诚干净担当的政治品格、"
    "团结带领全国各族人民为实现伟大梦想共同奋斗"
)
PROVINCE_KINDS = {k for *_, k in data.PROVINCES}

GD_CODE = "440000"
GD_TITLE = "广东省群众身边腐败和作风问题专项整治"
GD_RUNS = (160, 60)  # launched 160 days before the demo is built, ends 60 days after
GD_PROBLEMS = [
    (
        "惠民惠农补贴发放不及时、不精准",
        "惠民惠农",
        "审核把关不严，公示不到位",
        "逐户核查补贴发放，建立一卡通监管台账",
    ),
    (
        "村级“三资”管理不规范，账目公开不及时",
        "三资管理",
        "监督机制缺位",
        "开展村级财务专项清理，按月公开账目",
    ),
    ("窗口单位“门难进、脸难看、事难办”", "作风建设", "服务意识淡薄", "推行首问负责和限时办结，开展暗访"),
    ("征地拆迁补偿款发放不透明", "征地拆迁", "信息公开不到位", "全面公开补偿标准和发放情况"),
    ("基层执法简单粗暴、随意执法", "执法作风", "执法监督不到位", "规范执法程序，推行执法全过程记录"),
    (
        "群众反映强烈的黑恶势力“保护伞”问题线索查处不力",
        "扫黑除恶",
        "线索核查不深入",
        "建立线索台账，逐条核查销号",
    ),
    ("医保基金监管不严，存在违规报销", "民生保障", "审核流程存在漏洞", "开展医保基金专项检查"),
    ("涉农项目资金被截留挪用", "涉农资金", "项目资金监管不到位", "开展涉农资金专项审计"),
]


def top_units(units: list[Unit]) -> list[Unit]:
    """The centre's children: the provinces and the organs (the demo builds them right after the centre)."""
    return [u for u in units if u.depth == 2]


def create_2019_campaign(units: list[Unit]):
    """The 2019 campaign and its two batches. Batch 1 lists the centre's children (the organs with their
    affiliates, and the provinces for their leading organs); batch 2 lists the units directly below the
    provinces (cities and their counties). A unit takes part in the batch of its deepest listed ancestor."""
    centre = units[0]
    campaign = do_create_campaign(
        acting_user=None,
        root_unit=centre,
        title=TITLE_2019,
        general_requirement="守初心、担使命，找差距、抓落实",
        fundamental_task=FUNDAMENTAL_TASK_2019,
        goals=GOALS_2019,
        strands=STRANDS_2019,
        focus_rank=Rank.VICE_COUNTY,
        launched_on=LAUNCH_2019,
        ended_on=END_2019,
    )
    top = top_units(units)
    provinces = {u.path for u in top if u.kind in PROVINCE_KINDS}
    do_add_batch(
        campaign,
        acting_user=None,
        number=1,
        name="第一批",
        start=BATCH1[0],
        end=BATCH1[1],
        units=top,
        description="省部级领导班子，中央和国家机关及其直属单位，人民团体，中管企业、中管金融企业、中管高校领导班子",
    )
    do_add_batch(
        campaign,
        acting_user=None,
        number=2,
        name="第二批",
        start=BATCH2[0],
        end=BATCH2[1],
        units=[u for u in units if u.depth == 3 and u.path[: Unit.steplen * 2] in provinces],
        description="市县及以下各级党组织和全体党员",
    )
    return campaign


def batch_start_2019(units: list[Unit]):
    """unit -> the first day of the unit's batch (the centre: the work meeting's day)."""
    provinces = {u.path for u in units if u.depth == 2 and u.kind in PROVINCE_KINDS}

    def start(unit: Unit) -> date:
        if unit.depth == 1:
            return LAUNCH_2019
        in_second = unit.depth >= 3 and unit.path[: Unit.steplen * 2] in provinces
        return BATCH2[0] if in_second else BATCH1[0]

    return start


def _window(start: date) -> tuple[date, date]:
    return BATCH2 if start == BATCH2[0] else BATCH1


def _between(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def make_ledger_2019(campaign, units: list[Unit], people_by_unit, total_items: int, rng) -> dict:
    """The 2019 ledger, every date inside 2019-2020: problems found during the unit's batch, due within
    weeks; by the summary meeting nearly all items closed (the notices' ~98 %) and the rest kept up
    long-term; a few reopened by the December look-back and closed again."""
    if total_items <= 0 or not units:
        return {"problems": 0, "items": 0, "stages": 0}
    start_of = batch_start_2019(units)
    weights = [max(1, 7 - u.level) for u in units]
    chosen = rng.choices(range(len(units)), weights=weights, k=max(1, int(total_items / 1.3)))
    problems: list[Problem] = []
    found_on: list[date] = []
    for idx in chosen:
        unit = units[idx]
        lo, hi = _window(start_of(unit))
        title, category, cause, direction = rng.choice(PROBLEMS)
        leaders = people_by_unit.get(unit.pk) or []
        day = _between(rng, lo, hi - timedelta(days=20))
        found_on.append(day)
        problems.append(
            Problem(
                campaign=campaign,
                unit=unit,
                unit_path=unit.path,
                title=title,
                category=category,
                source=_pick(rng, SOURCES),
                root_cause=cause,
                direction=direction,
                responsible_leader=leaders[0] if leaders else None,
                work_areas=rng.choice(
                    [0, WorkArea.LIVELIHOOD, WorkArea.REFORM, WorkArea.RISK | WorkArea.STABILITY]
                ),
                severity=rng.choice([1, 1, 1, 2, 2, 3]),
                created_at=_aware(day),
            )
        )
    Problem.objects.bulk_create(problems, batch_size=BATCH)
    # Each unit's secretary signed off its problem list a few days after its last problem was found.
    listed: dict[int, tuple[date, int]] = {}
    for problem, day in zip(problems, found_on, strict=True):
        last, n = listed.get(problem.unit_id, (day, 0))
        listed[problem.unit_id] = (max(last, day), n + 1)
    ProblemListSignoff.objects.bulk_create(
        [
            ProblemListSignoff(
                campaign=campaign,
                unit_id=unit_id,
                signed_by=people_by_unit[unit_id][0],
                signed_at=_aware(last + timedelta(days=3)),
                problems=n,
                note="经领导班子集体研究审定",
            )
            for unit_id, (last, n) in listed.items()
            if people_by_unit.get(unit_id)
        ],
        batch_size=BATCH,
    )

    last_close = END_2019 - timedelta(days=2)
    items: list[RectificationItem] = []
    stage_specs: list[list[tuple[str, date, date]]] = []
    reopened: list[date | None] = []
    for i in range(total_items):
        k = i % len(problems)
        problem, found = problems[k], found_on[k]
        people = people_by_unit.get(problem.unit_id) or []
        if not people:
            continue
        kind = _pick(rng, KINDS)
        if kind == Kind.AT_ONCE:
            deadline = found + timedelta(days=rng.randint(3, 10))
        else:
            deadline = min(found + timedelta(days=rng.randint(20, 90)), date(2019, 12, 31))
        status = Status.KEPT_UP if kind == Kind.LONG_TERM and rng.random() < 0.45 else Status.CLOSED
        # Most finish in time; some late (overdue for a while: the notices' 逾期 lists); all by the end.
        late = rng.random() < 0.12
        closed = (
            deadline + timedelta(days=rng.randint(3, 40))
            if late
            else deadline - timedelta(days=rng.randint(0, 10))
        )
        closed = min(max(closed, found + timedelta(days=1)), last_close)
        back = None
        if kind != Kind.LONG_TERM and closed < LOOK_BACK[0] and rng.random() < 0.03:
            back = _between(rng, *LOOK_BACK)  # the look-back found the problem back: reopened, fixed again
            closed = _between(rng, back + timedelta(days=3), last_close)
        stages = []
        if kind == Kind.LONG_TERM:
            for s in range(rng.randint(2, 3)):
                target = min(found + timedelta(days=40 + 45 * s), date(2020, 6, 30))
                done_on = min(target - timedelta(days=rng.randint(0, 5)), closed)
                stages.append(
                    (["完成阶段性整改任务", "建立长效机制", "巩固提升整改成效"][s], target, done_on)
                )
        responsible = people[(i // len(problems)) % len(people)]
        item = RectificationItem(
            problem=problem,
            campaign_id=problem.campaign_id,
            unit_id=problem.unit_id,
            unit_path=problem.unit_path,
            kind=kind,
            status=status,
            measures=problem.direction + "，明确责任分工，按期推进",
            requirements="明确时限和要求，按期整改到位" if kind == Kind.DEADLINE else "",
            deadline=deadline if kind != Kind.LONG_TERM else None,
            due_date=None if stages else deadline,  # every stage completed: nothing left to fall due
            responsible_person=responsible,
            responsible_leader=problem.responsible_leader,
            created_at=problem.created_at,
            claimed_at=_aware(max(found, closed - timedelta(days=rng.randint(1, 5)))),
            closed_at=_aware(closed),
            reopen_count=1 if back else 0,
        )
        items.append(item)
        stage_specs.append(stages)
        reopened.append(back)
    RectificationItem.objects.bulk_create(items, batch_size=BATCH)
    stages = [
        Stage(item=it, order=n, goal=g, target_date=t, completed_at=_aware(d))
        for it, spec in zip(items, stage_specs, strict=True)
        for n, (g, t, d) in enumerate(spec, 1)
    ]
    Stage.objects.bulk_create(stages, batch_size=BATCH)
    updates = []
    for it, back in zip(items, reopened, strict=True):
        if back:
            updates.append(
                ProgressUpdate(
                    item=it, kind=UpdateKind.REOPEN, text="回头看发现问题反弹，重新整改", at=_aware(back)
                )
            )
        updates.append(
            ProgressUpdate(item=it, kind=UpdateKind.CLAIM, text="整改任务已完成，申请销号", at=it.claimed_at)
        )
        if it.status == Status.CLOSED:
            updates.append(
                ProgressUpdate(item=it, kind=UpdateKind.VERIFY, text="经核查，同意销号", at=it.closed_at)
            )
        else:
            updates.append(
                ProgressUpdate(item=it, kind=UpdateKind.KEEP_UP, text="阶段性完成，长期坚持", at=it.closed_at)
            )
    ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH)
    return {"problems": len(problems), "items": len(items), "stages": len(stages)}


def snapshot_days_2019() -> list[date]:
    """The days the 2019 campaign's figures are kept for: every Friday, every month's end, the batches'
    first and last days, the work meeting and the summary meeting (its last day)."""
    days = {LAUNCH_2019, BATCH1[0], BATCH1[1], BATCH2[0], BATCH2[1], END_2019}
    d = LAUNCH_2019
    while d <= END_2019:
        if d.weekday() == 4 or (d + timedelta(days=1)).day == 1:
            days.add(d)
        d += timedelta(days=1)
    return sorted(days)


def create_guangdong_campaign(units: list[Unit], today: date):
    """A running province-level special rectification rooted at Guangdong, with its dates around today."""
    guangdong = next((u for u in units if u.code == GD_CODE), None)
    if guangdong is None:
        return None
    began, ends = today - timedelta(days=GD_RUNS[0]), today + timedelta(days=GD_RUNS[1])
    campaign = do_create_campaign(
        acting_user=None,
        root_unit=guangdong,
        title=GD_TITLE,
        general_requirement="紧盯群众反映强烈的突出问题，立查立改、即知即改",
        fundamental_task="集中整治群众身边的腐败问题和不正之风，让群众切实感受到整改成效",
        goals=["群众身边腐败问题明显减少", "基层干部作风明显好转", "群众获得感、幸福感、安全感明显增强"],
        strands=[
            ("排查问题", "县乡村三级逐项排查，建立问题清单"),
            ("集中整治", "对照问题清单立查立改，限期整改到位"),
            ("建章立制", "针对共性问题完善制度，形成长效机制"),
        ],
        focus_rank=Rank.VICE_SECTION,
        launched_on=began,
        ended_on=ends,
    )
    do_add_batch(
        campaign,
        acting_user=None,
        number=1,
        name="全省",
        start=began,
        end=ends,
        units=[guangdong],
        description="全省各级党组织",
    )
    return campaign


def guangdong_units(units: list[Unit]) -> list[Unit]:
    root = next((u for u in units if u.code == GD_CODE), None)
    return [u for u in units if root is not None and u.path.startswith(root.path)]
