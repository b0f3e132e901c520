"""The figures the platform already computes for every unit's subtree (enter once, report everywhere):
each with the names offices use for it in their forms. A field asked whose name carries one of these
names is a figure the platform knew: the meter flags it, naming who asked.

The figures are the roll-ups' own (rollups.models counters, the strands' tallies, the work areas), so a
superior reads them on the unit's dashboard instead of asking for them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    names: tuple[str, ...]  # how forms name it (Chinese), most specific first
    page: str  # where the platform shows it: the url name of a unit page


FIGURES = [
    Figure(
        "completion",
        _("Completion rate of rectification"),
        ("整改完成率", "整改率", "销号率"),
        "unit_dashboard",
    ),
    Figure(
        "overdue",
        _("Number of overdue items"),
        ("逾期未整改", "逾期事项", "超期未完成", "逾期未完成"),
        "unit_dashboard",
    ),
    Figure(
        "closed",
        _("Items rectified and closed"),
        ("已销号", "已整改", "整改完成数", "已完成整改"),
        "unit_dashboard",
    ),
    Figure("kept_up", _("Items kept up long-term"), ("长期坚持", "阶段性完成"), "unit_dashboard"),
    Figure(
        "items", _("Number of rectification items"), ("整改事项", "整改任务", "整改措施数"), "unit_dashboard"
    ),
    Figure(
        "problems",
        _("Number of problems found"),
        ("查摆问题", "检视问题数", "问题总数", "问题数", "问题清单"),
        "unit_dashboard",
    ),
    Figure(
        "areas",
        _("Problems by central task"),
        ("稳增长", "促改革", "调结构", "惠民生", "防风险", "保稳定", "中心工作"),
        "unit_dashboard",
    ),
    Figure(
        "study.sessions",
        _("Study sessions held"),
        ("集中学习", "专题学习", "学习研讨", "读书班"),
        "strand_progress",
    ),
    Figure("study.meetings", _("Meetings held"), ("召开会议", "会议次数", "会议场次"), "strand_progress"),
    Figure("research.reports", _("Research reports"), ("调研报告",), "strand_progress"),
    Figure(
        "research.topics",
        _("Number of research topics"),
        ("调研课题", "调研题目", "调研次数"),
        "strand_progress",
    ),
]
BY_KEY = {f.key: f for f in FIGURES}


def norm(s: str) -> str:
    """NFKC, no whitespace or punctuation: 「整改完成率（%）」 and 「整改 完成率」 read alike."""
    s = unicodedata.normalize("NFKC", s or "")
    return re.sub(r"[\s\W_]+", "", s)


def match(name: str) -> str:
    """The key of the figure a field's name asks for, or "" when the platform does not compute it."""
    n = norm(name)
    for figure in FIGURES:
        if any(norm(alias) in n for alias in figure.names):
            return figure.key
    return ""
