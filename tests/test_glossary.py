"""The glossary's words are the words the product shows, in every place the label appears.

``docs/GLOSSARY-shared.md`` is the campaign's glossary (one Chinese word per concept). These tests read
its tables — statuses, kinds, severities, problem sources, roles, committee posts, escalation levels —
and check that the model choices render exactly those words in Chinese, on the pages (select options),
in the .xlsx 台账 and on the dashboard. The choices are the one source of each label, so a wrong msgstr
or a second hard-coded word fails here. The tables are matched to the choices by value; a choice the
glossary names but the code does not have yet (the "returned" status of the office's workflow) is
checked as soon as it exists.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from chuxin.orgs.models import CommitteePost, Role
from chuxin.problems.ledger import layout as ledger_layout
from chuxin.problems.models import Kind, Problem, Severity, Source, Status
from chuxin.reminders.models import Level
from chuxin.study.models import AttendanceStatus, MeetingKind, TopicKind

GLOSSARY = Path(settings.BASE_DIR) / "docs" / "GLOSSARY-shared.md"


def _table_rows() -> dict[str, str]:
    """English cell -> Chinese cell of every table row, parentheses kept."""
    rows = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and line.startswith("|") and not set(cells[1]) <= set("-: "):
            rows[cells[0]] = cells[1]
    return rows


def _word(cell: str) -> str:
    """已申请销号 (待验收) -> 已申请销号: the label, without the glossary's explanation."""
    return re.sub(r"\s*[（(].*?[)）]\s*$", "", cell).strip()


def _split(english_row: str, sep: str = " / ") -> dict[str, str]:
    """'severity: ordinary / serious / prominent' | '一般 / 较重 / 突出' -> {'ordinary': '一般', …}."""
    rows = _table_rows()
    head, _, names = english_row.partition(": ")
    words = rows[english_row].split(sep)
    names = names.split(" / ") if names else head.split(" / ")
    assert len(names) == len(words), english_row
    return {n.strip(): _word(w) for n, w in zip(names, words, strict=True)}


def _sources() -> dict[str, str]:
    text = GLOSSARY.read_text(encoding="utf-8")
    para = re.search(r"Problem sources:(.*?)\n\n", text, re.S).group(1)
    out = {}
    for part in " ".join(para.split()).split(" · "):
        m = re.fullmatch(r"(.+?)\s+(\S+?)\.?", part.strip())
        out[m.group(1)] = m.group(2)
    return out


def glossary() -> dict[str, dict[str, str]]:
    """concept -> {choice value: Chinese word}, read from the glossary through the maps below."""
    rows = _table_rows()
    statuses = {k.split("status: ")[1]: _word(v) for k, v in rows.items() if k.startswith("status: ")}
    kinds = {k.split("kind: ")[1]: _word(v) for k, v in rows.items() if k.startswith("kind: ")}
    severities = _split("severity: ordinary / serious / prominent")
    posts = _split("secretary / deputy secretary / member")
    roles = {k.removesuffix(" (role)"): _word(v) for k, v in rows.items() if k.endswith(" (role)")}
    levels = dict(zip(["remind", "supervise", "warn"], rows["escalation levels"].split(" → "), strict=True))
    sources = _sources()
    education = [_word(w) for w in rows["education kinds"].split(" / ")]  # in the order of TopicKind
    attendance = _split("attendance: present / absent with reason / made up")
    return {
        "status": {STATUS[k]: v for k, v in statuses.items()},
        "kind": {KIND[k]: v for k, v in kinds.items()},
        "severity": {SEVERITY[k]: v for k, v in severities.items()},
        "source": {SOURCE[k]: v for k, v in sources.items()},
        "role": {ROLE[k]: v for k, v in roles.items()}
        | {"secretary": posts["secretary"], "member": posts["member"]},
        "post": {POST[k]: v for k, v in posts.items()},
        "level": levels,
        "meeting": {
            "study_session": _word(rows["study session (collective study)"]),
            "democratic_life": sources["democratic life meeting"],
            "org_life": sources["organisational life meeting"],
        },
        "education": dict(zip(TopicKind.values, education, strict=True)),
        "attendance": {ATTENDANCE[k]: v for k, v in attendance.items()},
    }


# The glossary's English (its msgid side) -> the choice value. A glossary row missing here fails the
# parse (KeyError), so a new row cannot be skipped silently.
STATUS = {
    "not started": "open",
    "in progress": "in_progress",
    "claimed done, awaiting verification": "claimed",
    "returned with a reason": "returned",
    "verified and closed": "closed",
    "stage goals met, kept up long-term": "kept_up",
}
KIND = {"fix at once": "at_once", "fix by a deadline": "deadline", "ongoing, with stage goals": "long_term"}
SEVERITY = {"ordinary": 1, "serious": 2, "prominent": 3}
SOURCE = {
    "self-examination": "self_exam",
    "opinions collected": "opinion",
    "investigation and research": "research",
    "democratic life meeting": "dlm",
    "organisational life meeting": "org_life",
    "guidance group feedback": "guidance",
    "assigned by a superior": "assigned",
    "special rectification": "special",
    "inspection feedback": "inspection",
}
ROLE = {
    "office": "office",
    "staff": "staff",
    "guidance group member": "guidance",
    "discipline inspection": "discipline",
    "viewer": "viewer",
}
POST = {"secretary": "secretary", "deputy secretary": "deputy", "member": "member"}
ATTENDANCE = {"present": "present", "absent with reason": "absent", "made up": "made_up"}
CHOICES = {
    "status": Status,
    "kind": Kind,
    "severity": Severity,
    "source": Source,
    "role": Role,
    "post": CommitteePost,
    "level": Level,
    "meeting": MeetingKind,
    "education": TopicKind,
    "attendance": AttendanceStatus,
}
# Named by the glossary, not yet a choice (issue 9 adds it); checked as soon as it exists.
NOT_YET = {("status", "returned")}

CASES = [
    (concept, value, word)
    for concept, words in glossary().items()
    for value, word in words.items()
    if value in CHOICES[concept].values or (concept, value) not in NOT_YET
]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_the_glossary_tables_are_read():
    g = glossary()
    assert len(g["status"]) == 6 and len(g["kind"]) == 3 and len(g["severity"]) == 3
    assert len(g["source"]) == 9 and len(g["role"]) == 7 and g["level"]["warn"] == "告诫"
    assert g["status"]["claimed"] == "已申请销号" and g["kind"]["long_term"] == "持续整改"


@pytest.mark.parametrize(("concept", "value", "word"), CASES, ids=[f"{c}-{v}" for c, v, _w in CASES])
def test_each_choice_the_glossary_names_renders_its_word(concept, value, word):
    choices = CHOICES[concept]
    assert value in choices.values, (
        f"the glossary names {concept} {value!r} ({word}); the model has no such choice"
    )
    # a label may carry the glossary's explanation too: 已申请销号（待验收） (issue 9 shows it on badges)
    assert _word(str(choices(value).label)) == word


def _options(body: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return {
        v: html.unescape(t).strip()
        for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    }


def _expect(concept: str) -> dict[str, str]:
    return {str(v): w for v, w in glossary()[concept].items() if v in CHOICES[concept].values}


def test_the_ledger_filter_offers_the_glossary_words(as_user, county_staff):
    body = as_user(county_staff).get(reverse("unit_ledger", args=["440604"])).content.decode()
    for concept in ("status", "kind", "source"):
        options = _options(body, concept)
        for value, word in _expect(concept).items():
            assert _word(options[value]) == word, (concept, value)


def test_the_problem_and_item_forms_offer_the_glossary_words(as_user, county_staff):
    client = as_user(county_staff)
    body = client.get(reverse("problem_create", args=["440604"])).content.decode()
    for concept in ("source", "severity"):
        options = _options(body, concept)
        for value, word in _expect(concept).items():
            assert options[value] == word, (concept, value)
    problem = Problem.objects.filter(unit__code="440604").first()
    body = client.get(reverse("item_create", args=[problem.pk])).content.decode()
    options = _options(body, "kind")
    for value, word in _expect("kind").items():
        assert options[value] == word


def test_the_excel_ledger_writes_the_glossary_words_whatever_the_interface_language():
    with translation.override("en"):
        sources, kinds = dict(ledger_layout.SOURCE_ZH), dict(ledger_layout.KIND_ZH)
    assert {v: sources[v] for v in _expect("source")} == _expect("source")
    assert kinds == _expect("kind")


def test_the_dashboard_shows_the_status_words(as_user, guangdong_office):
    body = as_user(guangdong_office).get(reverse("unit_dashboard", args=["440000"])).content.decode()
    words = _expect("status")
    for value in ("open", "in_progress", "closed", "kept_up"):
        assert words[value] in body
