"""Demo requests from superiors to the units below them (the burden meter, M14): a few forms, reports,
meetings and data requests, some asking again for figures the platform already computes; most units asked
marked them answered a few days later, and one was withdrawn by the office that sent it (it stays on record,
no longer counted). The 2019 campaign's set, and a smaller one in the running Guangdong campaign
(`GD_REQUESTS`), where withdrawing and answering are live. Rows are written directly; the generator's
roll-up rebuild then counts them (tallies burden.*)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from chuxin.burden import known
from chuxin.burden.models import Receipt, Request, RequestField, RequestKind
from chuxin.orgs.models import Person, Unit

# (asking unit, kind, title, days after the launch, fields)
REQUESTS = [
    (
        "000000",
        RequestKind.DATA,
        "主题教育整改落实情况数据报送",
        20,
        ["整改事项数", "已销号事项数", "群众满意度调查情况"],
    ),
    (
        "440000",
        RequestKind.FORM,
        "全省主题教育整改进展情况统计表",
        35,
        ["查摆问题总数", "整改完成率（%）", "逾期未整改事项数", "典型经验做法", "存在的困难和建议"],
    ),
    (
        "440000",
        RequestKind.MEETING,
        "全省主题教育推进会参会回执",
        40,
        ["参会人员姓名", "职务", "联系电话"],
    ),
    (
        "440600",
        RequestKind.REPORT,
        "集中学习研讨情况报告",
        50,
        ["集中学习次数", "学习心得体会", "调研报告数"],
    ),
    (
        "440600",
        RequestKind.FORM,
        "专项整治工作进展表",
        65,
        ["整治措施落实情况", "惠民生问题整改情况", "下一步工作打算"],
    ),
    (
        "420000",
        RequestKind.FORM,
        "全省整改台账汇总表",
        45,
        ["问题总数", "已整改数", "整改完成率"],
    ),
    ("440000", RequestKind.FORM, "各市主题教育工作台账（重复报送）", 55, ["问题总数", "整改完成率（%）"]),
]

# Withdrawn by its sender a day later: (title, reason).
WITHDRAWN = {
    "各市主题教育工作台账（重复报送）": "所列数据平台已自动统计，为减轻基层负担予以撤回",
    "专项整治问题线索月报表（重复报送）": "问题线索和整改进展平台已实时汇总，不再另行报送",
}
GD_REQUESTS = [
    (
        "440000",
        RequestKind.FORM,
        "专项整治进展情况统计表",
        30,
        ["排查问题总数", "整改完成率（%）", "典型做法"],
    ),
    ("440000", RequestKind.MEETING, "全省专项整治推进会参会回执", 45, ["参会人员姓名", "职务"]),
    (
        "440000",
        RequestKind.DATA,
        "专项整治问题线索月报表（重复报送）",
        60,
        ["问题总数", "逾期未整改事项数"],
    ),
    ("440600", RequestKind.REPORT, "专项整治阶段性工作总结", 90, ["主要做法", "存在问题", "下一步打算"]),
]
ANSWERED_EVERY = 3  # of the units asked, all but every third marked the request answered


def make_burden_demo(campaign, units: list[Unit], requests=REQUESTS) -> str:
    by_code = {u.code: u for u in units}
    launched = datetime.combine(campaign.launched_on, time(9, 0))
    now = timezone.now()
    made = 0
    for code, kind, title, days, fields in requests:
        unit = by_code.get(code)
        if unit is None:
            continue
        below = [u for u in units if u.depth == unit.depth + 1 and u.path.startswith(unit.path)]
        if not below:
            continue
        at = timezone.make_aware(launched + timedelta(days=days))
        matched = [known.match(f) for f in fields]
        req = Request.objects.create(
            campaign=campaign,
            from_unit=unit,
            asked_by=Person.objects.filter(home_unit=unit).order_by("pk").first(),
            kind=kind,
            title=title,
            created_at=at,
            recipients=len(below),
            fields_asked=len(fields),
            fields_known=sum(1 for m in matched if m),
        )
        RequestField.objects.bulk_create(
            [
                RequestField(request=req, order=i, name=f, known=m)
                for i, (f, m) in enumerate(zip(fields, matched, strict=True))
            ]
        )
        withdrawn = title in WITHDRAWN
        if withdrawn:
            req.withdrawn_at = min(at + timedelta(days=1), now)
            req.withdraw_reason = WITHDRAWN[title]
            req.save(update_fields=["withdrawn_at", "withdraw_reason"])
        answered = min(at + timedelta(days=3), now)
        Receipt.objects.bulk_create(
            [
                Receipt(
                    request=req,
                    unit=u,
                    received_on=at.date(),
                    answered_at=answered if not withdrawn and i % ANSWERED_EVERY else None,
                )
                for i, u in enumerate(below)
            ]
        )
        made += 1
    return f"{made} requests to units below"
