"""Demo problems and rectification items: a realistic mix of sources, kinds, stages, claims, closures,
overdue items and look-backs. Dates are relative to the day the demo is built so that overdue and
due-soon items exist whenever it is opened. Bulk inserts; the audit log starts after the demo."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from chuxin.orgs.models import Person, Unit
from chuxin.problems.models import (
    Kind,
    Problem,
    ProgressUpdate,
    RectificationItem,
    Source,
    Stage,
    Status,
    UpdateKind,
    WorkArea,
)

BATCH = 5000

PROBLEMS = [
    (
        "学习贯彻党的创新理论不够深入系统，学用结合不紧",
        "理论学习",
        "满足于读原著、记笔记，联系实际思考不够",
        "制定专题学习计划，开展读书班",
    ),
    (
        "文山会海问题依然存在，发文开会数量偏多",
        "形式主义",
        "习惯于以会议落实会议、以文件落实文件",
        "精简会议文件，严控发文数量",
    ),
    (
        "督查检查考核过多过频，基层负担较重",
        "基层减负",
        "统筹不够，多头布置、重复检查",
        "统筹整合督查检查考核事项",
    ),
    (
        "为民服务窗口办事排队时间长、跑腿多",
        "为民服务",
        "服务意识不强，流程设计从部门出发",
        "推行一窗受理、预约服务",
    ),
    ("农村人居环境整治推进不平衡", "民生实事", "资金投入不足，长效管护机制不健全", "建立村庄保洁长效机制"),
    ("调查研究走马观花，解决实际问题不够", "调查研究", "调研重形式轻实效", "开展蹲点调研，形成问题清单"),
    (
        "落实全面从严治党主体责任有差距",
        "主体责任",
        "管党治党宽松软问题仍然存在",
        "压实一岗双责，开展警示教育",
    ),
    (
        "漠视侵害群众利益问题时有发生",
        "专项整治",
        "监督机制不健全，问责不到位",
        "开展专项整治，建立台账逐一销号",
    ),
    ("基层党组织软弱涣散，组织生活不规范", "基层党建", "支部书记能力不足", "选优配强支部书记，规范三会一课"),
    ("营商环境仍有短板，审批事项多、时限长", "营商环境", "放管服改革不到位", "压减审批事项和时限"),
    (
        "干部担当作为不够，存在不敢为不愿为现象",
        "干部作风",
        "激励约束机制不完善",
        "完善容错纠错机制，强化正向激励",
    ),
    (
        "公款吃喝、违规发放津贴补贴问题仍有反弹",
        "廉洁自律",
        "制度执行不严，监督不到位",
        "开展专项检查，健全财务制度",
    ),
    ("教育医疗等民生领域群众反映的问题解决不及时", "民生实事", "部门协调不畅", "建立群众诉求快速响应机制"),
    ("防范化解重大风险的能力有待提高", "防风险", "风险排查不全面", "建立风险隐患台账，逐项化解"),
]
SOURCES = [
    (Source.OPINION, 30),
    (Source.SELF_EXAMINATION, 25),
    (Source.RESEARCH, 12),
    (Source.DEMOCRATIC_LIFE, 10),
    (Source.GUIDANCE, 8),
    (Source.SPECIAL, 10),
    (Source.ASSIGNED, 5),
]
KINDS = [(Kind.AT_ONCE, 35), (Kind.DEADLINE, 45), (Kind.LONG_TERM, 20)]


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _aware(d):
    return timezone.make_aware(datetime.combine(d, time(10, 0)))


def make_ledger(
    campaign,
    units: list[Unit],
    people_by_unit: dict[int, list[Person]],
    total_items: int,
    rng,
    problems_pool=PROBLEMS,
) -> dict:
    """Spread `total_items` items over the units (more at higher levels); returns counts. The problems'
    titles come from `problems_pool` (title, category, root cause, direction)."""
    today = timezone.localdate()
    if total_items <= 0 or not units:
        return {"problems": 0, "items": 0}
    weights = [max(1, 7 - u.level) for u in units]
    chosen = rng.choices(range(len(units)), weights=weights, k=max(1, int(total_items / 1.3)))
    problems: list[Problem] = []
    for idx in chosen:
        unit = units[idx]
        title, category, cause, direction = rng.choice(problems_pool)
        leaders = people_by_unit.get(unit.pk) or []
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
                    [
                        0,
                        WorkArea.LIVELIHOOD,
                        WorkArea.REFORM,
                        WorkArea.RISK | WorkArea.STABILITY,
                        WorkArea.GROWTH | WorkArea.STRUCTURE,
                    ]
                ),
                severity=rng.choice([1, 1, 1, 2, 2, 3]),
                created_at=_aware(today - timedelta(days=rng.randint(30, 150))),
            )
        )
    Problem.objects.bulk_create(problems, batch_size=BATCH)

    items: list[RectificationItem] = []
    stage_specs: list[tuple[int, list[tuple[str, int, bool]]]] = []
    for i in range(total_items):
        problem = problems[i % len(problems)]
        people = people_by_unit.get(problem.unit_id) or []
        if not people:
            continue
        kind = _pick(rng, KINDS)
        roll = rng.random()
        deadline_offset = rng.randint(-60, 90)
        if kind == Kind.LONG_TERM:
            status = (
                Status.KEPT_UP
                if roll < 0.35
                else Status.CLOSED
                if roll < 0.55
                else Status.CLAIMED
                if roll < 0.62
                else Status.IN_PROGRESS
                if roll < 0.95
                else Status.OPEN
            )
        else:
            status = (
                Status.CLOSED
                if roll < 0.72
                else Status.CLAIMED
                if roll < 0.79
                else Status.IN_PROGRESS
                if roll < 0.95
                else Status.OPEN
            )
        if kind == Kind.AT_ONCE:
            deadline_offset = rng.randint(-20, 7)
        if status in (Status.OPEN, Status.IN_PROGRESS, Status.CLAIMED) and rng.random() < 0.8:
            deadline_offset = abs(deadline_offset) + 1  # most unfinished work is not yet due
        deadline = today + timedelta(days=deadline_offset)
        stages = []
        if kind == Kind.LONG_TERM:
            first = deadline_offset - 60
            for s in range(rng.randint(2, 3)):
                offset = first + 45 * s
                done = status in (Status.CLOSED, Status.KEPT_UP) or (offset < 0 and rng.random() < 0.8)
                stages.append((["完成阶段性整改任务", "建立长效机制", "巩固提升整改成效"][s], offset, done))
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
            responsible_person=responsible,
            responsible_leader=problem.responsible_leader,
            created_at=problem.created_at,
            reopen_count=1 if status == Status.IN_PROGRESS and rng.random() < 0.08 else 0,
        )
        open_stage_dates = [today + timedelta(days=o) for _, o, done in stages if not done]
        item.due_date = (min(open_stage_dates) if open_stage_dates else None) if stages else item.deadline
        if status in (Status.CLOSED, Status.KEPT_UP):
            item.closed_at = _aware(min(today, deadline) - timedelta(days=rng.randint(1, 20)))
        if status in (Status.CLAIMED, Status.CLOSED, Status.KEPT_UP):
            item.claimed_at = (item.closed_at or _aware(today)) - timedelta(days=rng.randint(1, 5))
        items.append(item)
        stage_specs.append((len(items) - 1, stages))
    RectificationItem.objects.bulk_create(items, batch_size=BATCH)

    stage_rows = [
        Stage(
            item=items[i],
            order=n,
            goal=goal,
            target_date=today + timedelta(days=offset),
            completed_at=_aware(today + timedelta(days=min(offset, 0) - 1)) if done else None,
        )
        for i, stages in stage_specs
        for n, (goal, offset, done) in enumerate(stages, 1)
    ]
    Stage.objects.bulk_create(stage_rows, batch_size=BATCH)

    updates = []
    for item in items:
        if item.claimed_at:
            updates.append(
                ProgressUpdate(
                    item=item, kind=UpdateKind.CLAIM, text="整改任务已完成，申请销号", at=item.claimed_at
                )
            )
        if item.status == Status.CLOSED:
            updates.append(
                ProgressUpdate(item=item, kind=UpdateKind.VERIFY, text="经核查，同意销号", at=item.closed_at)
            )
        elif item.status == Status.KEPT_UP:
            updates.append(
                ProgressUpdate(
                    item=item, kind=UpdateKind.KEEP_UP, text="阶段性完成，长期坚持", at=item.closed_at
                )
            )
        elif item.reopen_count:
            updates.append(
                ProgressUpdate(
                    item=item,
                    kind=UpdateKind.REOPEN,
                    text="回头看发现问题反弹，重新整改",
                    at=_aware(today - timedelta(days=3)),
                )
            )
    ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH)
    return {"problems": len(problems), "items": len(items), "stages": len(stage_rows)}
