"""Demo requests from superiors to the units below them (the burden meter, M14): a few forms, reports,
meetings and data requests, some asking again for figures the platform already computes. Rows are written
directly; the generator's roll-up rebuild then counts them (tallies burden.*)."""

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
]


def make_burden_demo(campaign, units: list[Unit]) -> str:
    by_code = {u.code: u for u in units}
    launched = datetime.combine(campaign.launched_on, time(9, 0))
    made = 0
    for code, kind, title, days, fields in REQUESTS:
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
        Receipt.objects.bulk_create([Receipt(request=req, unit=u, received_on=at.date()) for u in below])
        made += 1
    return f"{made} requests to units below"
