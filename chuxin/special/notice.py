"""The internal notice (通报) on one special-rectification topic, as .docx in the GB/T 9704 layout.

Figures are counted from the ledger as they stood at the end of `as_of`: an item counts once created by
then, and as rectified once closed by then (an item closed before the cut-off and reopened by a later
look-back counts as not rectified — the ledger keeps its current state, the audit log its history).
For today the figures equal the roll-up counters (a test checks it).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone

from chuxin.cases.models import Case, CaseKind, Visibility
from chuxin.documents import layout
from chuxin.documents.generate import (
    Writer,
    _default_cc,
    cn_date,
    doc_number,
    office_name,
    open_base,
    percent,
    unit_head,
)
from chuxin.orgs.models import Unit, ancestor_paths, subtree_q
from chuxin.problems.models import RectificationItem, Status

from .models import NoneFound, NoneFoundStatus

WORST = 5
CASES = 3  # typical cases of each kind in a notice


def typical_cases(unit: Unit, campaign, topic, as_of: date) -> tuple[list[Case], list[Case]]:
    """(good experiences and advanced people, negative cases) under the topic that the notice's readers — the
    unit's subtree — may read: recorded in the subtree and published to it or to the public, or promoted to
    the unit or a unit above it. Recorded by the cut-off, newest first."""
    readable = (subtree_q(unit.path, "unit__path") & ~Q(visibility=Visibility.UNIT)) | Q(
        promotions__to_unit__path__in=ancestor_paths(unit.path)
    )
    qs = (
        Case.objects.filter(readable, campaign=campaign, topic=topic, created_at__lte=_end_of(as_of))
        .select_related("unit")
        .distinct()
        .order_by("-created_at", "-id")
    )
    good = list(qs.exclude(kind=CaseKind.NEGATIVE)[:CASES])
    bad = list(qs.filter(kind=CaseKind.NEGATIVE)[:CASES])
    return good, bad


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def figures_as_of(unit: Unit, topic, as_of: date) -> tuple[dict, dict[int, dict]]:
    """(the subtree's figures, figures per child unit id) under the topic at the end of `as_of`."""
    end = _end_of(as_of)
    children = {c.path: c for c in Unit.objects.children_of(unit)}
    depth_len = len(unit.path) + Unit.steplen
    total: Counter = Counter()
    per_child: dict[str, Counter] = {p: Counter() for p in children}
    rows = RectificationItem.objects.filter(
        subtree_q(unit.path, "unit__path"), problem__topic=topic, created_at__lte=end
    ).values_list("unit__path", "status", "closed_at")
    for path, status, closed_at in rows.iterator():
        fixed = status == Status.CLOSED and closed_at is not None and closed_at <= end
        kept = status == Status.KEPT_UP and closed_at is not None and closed_at <= end
        for c in (total, per_child.get(path[:depth_len])):
            if c is None:
                continue
            c["found"] += 1
            c["fixed"] += fixed
            c["kept_up"] += kept

    def done(c: Counter) -> dict:
        found = c["found"]
        return {
            "found": found,
            "fixed": c["fixed"],
            "kept_up": c["kept_up"],
            "ongoing": found - c["fixed"] - c["kept_up"],
            "rate": round(100 * c["fixed"] / found, 2) if found else None,
        }

    return done(total), {children[p].pk: done(c) for p, c in per_child.items()}


def build(
    unit: Unit, campaign, topic, ranking: list[dict], *, as_of: date, number: int, issue_date: date, cc: str
) -> bytes:
    me, per_child = figures_as_of(unit, topic, as_of)
    reported = [r for r in ranking if r["found"] or r["none_found"]]
    worst = sorted(
        (r for r in reported if per_child.get(r["unit"].pk, {}).get("found")),
        key=lambda r: (per_child[r["unit"].pk]["rate"] or 0, r["unit"].path),
    )[:WORST]
    silent = [r["unit"] for r in ranking if not r["found"] and not r["none_found"]]
    none_found = NoneFound.objects.filter(
        topic=topic, status=NoneFoundStatus.STATED, unit__in=[r["unit"] for r in ranking]
    ).count()

    doc = open_base()
    w = Writer(doc)
    office = office_name(unit)
    w.para(office, layout.ISSUER_MARK, "Title")
    num = w.para(doc_number(unit, issue_date.year, number), layout.DOC_NUMBER, layout.NO_INDENT)
    layout.border(num._p, "bottom", size=24, color="FF0000")
    w.para(f"关于{unit.name}“{topic.title}”专项整治情况的通报", "Title")
    w.para("各有关单位：", layout.NO_INDENT)
    w.para(
        f"按照{campaign.title}关于专项整治的部署，现将{unit.name}“{topic.title}”专项整治进展情况通报如下。"
    )
    head = unit_head()  # the screen's status words (model choices), as in the ledger notice
    w.heading("一、总体情况", 1)
    w.para(
        f"截至{cn_date(as_of)}，共列出整改事项{me['found']}项，{head[2]}{me['fixed']}项，"
        f"{head[3]}{me['kept_up']}项，正在整改{me['ongoing']}项，整改完成率{percent(me['rate'])}。"
    )
    if ranking:
        w.para(
            f"{len(ranking)}个下级单位中，{len(ranking) - len(silent) - none_found}个已列出整改事项，"
            f"{none_found}个说明未发现此类问题，{len(silent)}个尚未报告。"
        )
    if topic.done_criteria:
        w.para(f"整治目标：{topic.done_criteria}")
    w.heading("二、进展较慢的单位", 1)
    if worst:
        w.table(
            head[:4] + ["未完成", head[6]],
            [
                [
                    r["unit"].display_name,
                    per_child[r["unit"].pk]["found"],
                    per_child[r["unit"].pk]["fixed"],
                    per_child[r["unit"].pk]["kept_up"],
                    per_child[r["unit"].pk]["ongoing"],
                    percent(per_child[r["unit"].pk]["rate"]),
                ]
                for r in worst
            ],
        )
    else:
        w.para("无。")
    numerals = iter("三四五六")
    if silent:
        w.heading(f"{next(numerals)}、尚未报告的单位", 1)
        w.para("、".join(u.display_name for u in silent[:30]) + ("等。" if len(silent) > 30 else "。"))
    good, bad = typical_cases(unit, campaign, topic, as_of)
    if good or bad:
        w.heading(f"{next(numerals)}、典型案例", 1)
        for label, cases in (("好的经验做法", good), ("反面典型", bad)):
            if cases:
                w.para(f"{label}：", layout.NO_INDENT)
            for case in cases:
                w.para(f"{case.unit.display_name}：{case.title}。{case.summary or ''}".rstrip())
    w.heading(f"{next(numerals)}、下一步工作要求", 1)
    w.para(
        "各单位要对照整治目标逐项推进，对尚未报告的要立即组织排查；对进展较慢的要查明原因、压实责任，"
        "确保整治取得实效。对发现的违纪违法问题，要移交纪检监察机关严肃查处。"
    )
    w.para()
    w.para(office, layout.SIGNATURE, layout.NO_INDENT)
    w.para(cn_date(issue_date), layout.SIGNATURE, layout.NO_INDENT)
    w.para()
    w.record_block(cc or _default_cc(unit), office, issue_date)
    doc.core_properties.title = "通报"
    doc.core_properties.author = office
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
