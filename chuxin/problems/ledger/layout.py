"""The 台账's columns, their limits and labels: one definition shared by the export, the template and the import."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from django.utils import translation

from chuxin.core.i18n import zh, zh_date  # noqa: F401 (zh_date: the 台账's dates, imported from here)
from chuxin.problems import rules
from chuxin.problems.models import Kind, Source, Status, WorkArea

# The order of the export. 问题编号 (P…) and 事项编号 (I…) are the stable codes; 阶段目标 and 阶段时限 hold a
# long-term item's stage goals, one per line, and their target dates on the same lines. 服务中心工作 holds the
# problem's central tasks (M13) in the glossary's words, separated by 、 (see `parse_areas`).
COLUMNS = [
    "序号",
    "单位代码",
    "单位名称",
    "问题来源",
    "问题描述",
    "根源剖析",
    "服务中心工作",
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
WIDTHS = [6, 10, 18, 14, 40, 30, 16, 40, 10, 10, 15, 10, 30, 16, 30, 12, 16, 9, 9]
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
    "服务中心工作": 100,  # six words and their separators, with room for spaces
}


class _ChineseLabels(Mapping):
    """value -> the model choice's label in Chinese. The 台账 is a Chinese sheet whatever the interface
    language, and its words are the screen's: one source, the model choices (GLOSSARY.md)."""

    def __init__(self, choices):
        self.choices = choices
        self._labels: dict | None = None

    def _all(self) -> dict:
        if self._labels is None:  # the catalogue does not change while the process runs
            self._labels = {value: zh(label) for value, label in self.choices.choices}
        return self._labels

    def __getitem__(self, value):
        return self._all()[value]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


SOURCE_ZH = _ChineseLabels(Source)
KIND_ZH = _ChineseLabels(Kind)
STATUS_ZH = _ChineseLabels(Status)
# Words of offices' own sheets (and of files exported before the glossary): read, never written.
ALIASES = {
    Source: {
        "检视查摆": Source.SELF_EXAMINATION,
        "专题民主生活会": Source.DEMOCRATIC_LIFE,
        "听取意见": Source.OPINION,
        "巡视反馈": Source.INSPECTION,
        "巡察反馈": Source.INSPECTION,
    },
    Kind: {
        "立行立改": Kind.AT_ONCE,
        "立即整改": Kind.AT_ONCE,
        "即知即改": Kind.AT_ONCE,
        "长期坚持": Kind.LONG_TERM,
        "长期整改": Kind.LONG_TERM,
    },
}
AREA_COLUMN = "服务中心工作"
BIG_IMPORT_ROWS = 2000  # more rows than this are parsed and applied in the worker


def norm_str(s: str) -> str:
    """`norm` of a str, without the cache (texts that rarely repeat: problem texts, measures)."""
    # str.split() splits at exactly the characters re's \s matches in a str (str.isspace), faster
    if s.isascii():
        return "".join(s.split()).lower()
    return "".join(unicodedata.normalize("NFKC", s).split()).lower()


_norm_short = lru_cache(maxsize=65536)(norm_str)


def norm(s) -> str:
    """NFKC (full-width digits and letters, ideographic spaces), no whitespace at all, lower case."""
    if type(s) is not str:
        s = str(s)
    if len(s) <= 32:  # codes, names, labels repeat row after row
        return _norm_short(s)
    return norm_str(s)


def label_map(chinese: Mapping, choices) -> dict[str, str]:
    """Every way a cell may name a choice: its value, its Chinese and English labels, an old alias."""
    out = {norm(alias): value for alias, value in ALIASES.get(choices, {}).items()}
    for value, label in choices.choices:
        out[norm(value)] = value
        with translation.override("en"):
            out[norm(str(label))] = value
    for value, label in chinese.items():
        out[norm(label)] = value
    return out


def title_for(unit) -> str:
    return f"{unit.name if unit else ''}主题教育整改台账"


def item_code(pk: int) -> str:
    return f"I{pk}"


def problem_code(pk: int) -> str:
    return f"P{pk}"


# --- 服务中心工作: the problem's work areas (WorkArea bits) as a cell -----------------------------------------

# What offices put between the words: 、，, ; / and spaces (full-width ones become these under NFKC)
_AREA_SEPARATORS = re.compile(r"[、,;/\s]+")


def area_words() -> list[str]:
    """The six words, in WorkArea order (稳增长 … 保稳定): the only ones the column accepts."""
    return [zh(a.label) for a in WorkArea]


@lru_cache(maxsize=1)
def _area_map() -> dict[str, int]:
    # the Chinese words only: the sheet is Chinese, and spaces separate words (the English labels have them)
    return {norm(zh(area.label)): area.value for area in WorkArea}


def areas_text(mask: int | None) -> str:
    """The cell the export writes: the areas' Chinese words in WorkArea order, separated by 、 ("" for none)."""
    return "、".join(zh(a.label) for a in WorkArea if (mask or 0) & a.value)


def parse_areas(value) -> tuple[int, list[str]]:
    """(mask, words that name no area) of a cell: 惠民生、防风险 / 惠民生，防风险 / 惠民生; 防风险 / 惠民生 防风险,
    full-width or not, in any order, repeats ignored; an empty cell is no area."""
    if value is None:
        return 0, []
    s = unicodedata.normalize("NFKC", str(value)).strip()
    mask, unknown = 0, []
    known = _area_map()
    for word in _AREA_SEPARATORS.split(s):
        if not word:
            continue
        bit = known.get(norm(word))
        if bit is None:
            unknown.append(word)
        else:
            mask |= bit
    return mask, unknown
