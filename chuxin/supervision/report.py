"""The guidance group's report upward (.docx, GB/T 9704 layout): what it did, what it found, how the units
are rectifying it — all from the records, nothing typed twice."""

from __future__ import annotations

import io

from django.utils import timezone

from chuxin.documents import layout
from chuxin.documents.generate import Writer, cn_date, open_base

from .models import VisitStatus


def build(group, visits, findings, progress) -> bytes:
    today = timezone.localdate()
    done = [v for v in visits if v.status == VisitStatus.DONE]
    doc = open_base()
    w = Writer(doc)
    w.para(f"关于{group.name}督促指导工作情况的报告", "Title")
    w.para(f"{group.dispatched_by.name}主题教育领导小组：", layout.NO_INDENT)
    units = "、".join(u.display_name for u in group.assigned_units.order_by("path"))
    w.heading("一、基本情况", 1)
    w.para(
        f"{group.name}负责督促指导{units}的主题教育工作。截至{cn_date(today)}，共计划督导{len(visits)}次，"
        f"已实地督导{len(done)}次，开展个别谈话、查阅资料和随机抽查。"
    )
    if done:
        w.table(
            ["督导日期", "单位", "个别谈话", "查阅资料", "随机抽查"],
            [
                [
                    cn_date(v.visited_on) if v.visited_on else "",
                    v.unit.display_name,
                    v.talks[:60],
                    v.documents[:60],
                    v.spot_checks[:60],
                ]
                for v in done[:30]
            ],
        )
    w.heading("二、发现的主要问题及整改情况", 1)
    if findings:
        closed = sum(
            1 for f in findings if progress[f.problem_id]["items"] and not progress[f.problem_id]["open"]
        )
        w.para(f"共向被督导单位反馈问题{len(findings)}个，其中已整改到位{closed}个。")
        w.table(
            ["单位", "反馈问题", "整改事项", "已完成", "未完成"],
            [
                [
                    f.problem.unit.display_name,
                    f.problem.title,
                    progress[f.problem_id]["items"],
                    progress[f.problem_id]["done"],
                    progress[f.problem_id]["open"],
                ]
                for f in findings[:50]
            ],
        )
    else:
        w.para("本期未反馈问题。")
    w.heading("三、下一步工作建议", 1)
    w.para(
        "继续压实被督导单位主体责任，对反馈问题逐项跟踪销号；对尚未制定整改措施的问题，督促限期制定并推进。"
    )
    w.para()
    w.para(group.name, layout.SIGNATURE, layout.NO_INDENT)
    w.para(cn_date(today), layout.SIGNATURE, layout.NO_INDENT)
    doc.core_properties.title = "督导报告"
    doc.core_properties.author = group.name
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
