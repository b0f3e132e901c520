"""The 台账's columns, their limits and labels: one definition shared by the export, the template and the import."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from chuxin.problems import rules
from chuxin.problems.models import Kind, Source

# The order of the export. 问题编号 (P…) and 事项编号 (I…) are the stable codes; 阶段目标 and 阶段时限 hold a
# long-term item's stage goals, one per line, and their target dates on the same lines.
COLUMNS = [
    "序号",
    "单位代码",
    "单位名称",
    "问题来源",
    "问题描述",
    "根源剖析",
    "整改措施",
    "责任领导",
    "责任人",
    "整改时限",
    "整改类型",
    "阶段目标",
    "阶段时限",
    "整改进展",
    "完成情况",
    "销号情况",
    "问题编号",
    "事项编号",
]
WIDTHS = [6, 10, 18, 14, 40, 30, 40, 10, 10, 15, 10, 30, 16, 30, 12, 16, 9, 9]
REQUIRED = ["问题来源", "问题描述", "整改措施", "责任人", "整改时限", "整改类型"]
READ_ONLY = {
    "序号",
    "单位名称",
    "整改进展",
    "完成情况",
    "销号情况",
}  # shown, never imported (unit name: a fallback)

# The most characters a cell may hold, the same as the model field (or the rule) it lands in.
LIMITS = {
    "单位代码": 32,
    "单位名称": 200,
    "问题描述": rules.TITLE_MAX,
    "根源剖析": rules.ROOT_CAUSE_MAX,
    "整改措施": rules.MEASURES_MAX,
    "责任领导": rules.NAME_MAX,
    "责任人": rules.NAME_MAX,
    "阶段目标": 20 * (rules.STAGE_GOAL_MAX + 1),
}

SOURCE_ZH = {
    Source.OPINION: "征求意见",
    Source.SELF_EXAMINATION: "检视查摆",
    Source.RESEARCH: "调查研究",
    Source.DEMOCRATIC_LIFE: "专题民主生活会",
    Source.GUIDANCE: "指导组反馈",
    Source.SPECIAL: "专项整治",
    Source.ASSIGNED: "上级交办",
    Source.OTHER: "其他",
}
KIND_ZH = {Kind.AT_ONCE: "立行立改", Kind.DEADLINE: "限期整改", Kind.LONG_TERM: "长期坚持"}
BIG_IMPORT_ROWS = 2000  # more rows than this are parsed and applied in the worker


def norm(s) -> str:
    """NFKC (full-width digits and letters, ideographic spaces), no whitespace at all, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s))).lower()


def label_map(zh: dict, choices) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[norm(value)] = value
        out[norm(str(label))] = value
    for value, label in zh.items():
        out[norm(label)] = value
    return out


def zh_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def title_for(unit) -> str:
    return f"{unit.name if unit else ''}主题教育整改台账"


def item_code(pk: int) -> str:
    return f"I{pk}"


def problem_code(pk: int) -> str:
    return f"P{pk}"
