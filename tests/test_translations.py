"""Every catalogue in the repository is checked the way it will be used.

A msgstr whose placeholders differ from its msgid crashes the page for everyone reading that language
(``"Row %(row)s: "`` translated with an extra ``%(error)s`` made every Chinese import answer 500). These
tests read every ``.po`` file — the project's ``locale/`` and every app's ``chuxin/<app>/locale/`` —
so a catalogue added by any stream is covered without being listed here.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "static_build", "staticfiles", ".git", "var"}


def catalogue_paths() -> list[Path]:
    paths = []
    for path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            paths.append(path)
    return paths


@dataclass
class Entry:
    path: Path
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def read_po(path: Path) -> list[Entry]:
    """The entries of one .po file (obsolete ``#~`` entries are ignored)."""
    entries: list[Entry] = []
    cur = Entry(path, 0)
    key: str | tuple[str, int] | None = None

    def flush() -> None:
        nonlocal cur
        if cur.line:
            entries.append(cur)
        cur = Entry(path, 0)

    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if cur.msgstr:  # a comment after a msgstr starts the next entry
                flush()
            if line.startswith("#,"):
                cur.flags.update(f.strip() for f in line[2:].split(","))
            continue
        m = _KEYWORD.match(line)
        if m:
            word, index, value = m.group(1), m.group(2), ast.literal_eval(m.group(3))
            if word in ("msgctxt", "msgid") and cur.msgstr:
                flush()
            if not cur.line:
                cur.line = n
            if word.startswith("msgstr"):
                key = ("msgstr", int(index or 0))
                cur.msgstr[key[1]] = value
            else:
                key = word
                setattr(cur, word, value)
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, tuple):
                cur.msgstr[key[1]] += value
            elif key:
                setattr(cur, key, getattr(cur, key) + value)
            continue
        raise AssertionError(f"{path}:{n}: cannot read this line: {raw!r}")
    flush()
    return [e for e in entries if e.msgid]  # the header has an empty msgid


# %(name)s, %(n)d, %(code)r … ; positional %s / %d; {name} for str.format. "%%" is a literal percent.
_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa])")
_BRACE = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def placeholders(text: str, python_format: bool) -> set[str]:
    """Named ``%(name)s`` always (a hand-edited entry may lack its python-format flag); positional ``%s``
    only in python-format entries, where a bare percent sign cannot be text."""
    found = set()
    for m in _PERCENT.finditer(text.replace("%%", "")):
        if m.group(1):
            found.add(f"%({m.group(1)}){m.group(2)}")
        elif python_format:
            found.add(f"%{m.group(2)}")
    found.update("{" + m.group(1) + "}" for m in _BRACE.finditer(text))
    return found


def all_entries() -> list[Entry]:
    return [e for path in catalogue_paths() for e in read_po(path)]


def test_the_catalogues_of_both_languages_are_found():
    found = {p.relative_to(ROOT).as_posix() for p in catalogue_paths()}
    assert "locale/zh_Hans/LC_MESSAGES/django.po" in found
    assert "locale/en/LC_MESSAGES/django.po" in found


def test_every_translation_keeps_exactly_the_placeholders_of_its_msgid():
    wrong = []
    for e in all_entries():
        python_format = "python-format" in e.flags
        wanted = placeholders(e.msgid, python_format)
        if e.msgid_plural is not None:
            wanted |= placeholders(e.msgid_plural, python_format)
        for i, text in e.msgstr.items():
            if not text:
                continue
            got = placeholders(text, python_format)
            if got != wanted:
                wrong.append(
                    f"{e.where()}: msgstr[{i}] {text!r} has {sorted(got)}, msgid {e.msgid!r} has {sorted(wanted)}"
                )
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_every_python_format_translation_formats_with_the_msgids_arguments():
    """What Django does at run time: ``msgstr % {names of the msgid}`` must not raise."""
    broken = []
    for e in all_entries():
        source = e.msgid + (e.msgid_plural or "")
        names = {m.group(1) for m in _PERCENT.finditer(source.replace("%%", "")) if m.group(1)}
        if "python-format" not in e.flags and not names:
            continue
        positional = [m for m in _PERCENT.finditer(source.replace("%%", "")) if not m.group(1)]
        args: dict | tuple = {name: 1 for name in names} if names else tuple(1 for _ in positional)
        for i, text in e.msgstr.items():
            if not text:
                continue
            try:
                text % args
            except (KeyError, TypeError, ValueError) as exc:
                broken.append(f"{e.where()}: msgstr[{i}] {text!r}: {type(exc).__name__}: {exc}")
    assert not broken, "translations that crash when formatted:\n" + "\n".join(broken)


def chinese_catalogues() -> list[Path]:
    return [p for p in catalogue_paths() if p.parent.parent.name == "zh_Hans"]


@pytest.mark.parametrize("path", chinese_catalogues(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_chinese_translation_is_fuzzy_or_empty(path):
    bad = []
    for e in read_po(path):
        if "fuzzy" in e.flags:
            bad.append(f"{e.where()}: fuzzy: {e.msgid!r}")
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values()):
            bad.append(f"{e.where()}: empty: {e.msgid!r}")
    assert not bad, "Chinese catalogue incomplete:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", catalogue_paths(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_catalogue_has_no_duplicate_msgid(path):
    seen, dupes = set(), []
    for e in read_po(path):
        key = (e.msgctxt, e.msgid)
        if key in seen:
            dupes.append(f"{e.where()}: {e.msgid!r}")
        seen.add(key)
    assert not dupes, "duplicate msgids:\n" + "\n".join(dupes)


@pytest.mark.parametrize("path", catalogue_paths(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_catalogue_compiles_with_msgfmt_checks(path, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (gettext) is needed to compile the catalogues"
    run = subprocess.run(
        [msgfmt, "--check-format", "--check-header", "-o", str(tmp_path / "out.mo"), str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


# --- every marked string is in a Chinese catalogue ---------------------------------------------------------

GETTEXT_FUNCS = {
    "_": 0, "gettext": 0, "gettext_lazy": 0, "ngettext": 0, "ngettext_lazy": 0,
    "pgettext": 1, "pgettext_lazy": 1, "npgettext": 1, "npgettext_lazy": 1,
}  # fmt: skip
_TEMPLATE_CALL = re.compile(r"\b(n?p?gettext)\(u'((?:[^'\\]|\\.)*)'(?:,\s*u'((?:[^'\\]|\\.)*)')?")


def marked_strings() -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) of every string marked for translation in the code and the templates → where."""
    from django.utils.translation.template import templatize

    found: dict[tuple[str | None, str], str] = {}
    for path in sorted((ROOT / "chuxin").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            i = GETTEXT_FUNCS.get(name)
            if i is None or len(node.args) <= i:
                continue
            arg = node.args[i]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                ctx = node.args[0].value if i == 1 and isinstance(node.args[0], ast.Constant) else None
                found.setdefault((ctx, arg.value), f"{path.relative_to(ROOT)}:{node.lineno}")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for m in _TEMPLATE_CALL.finditer(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            first = ast.literal_eval(f"'{m.group(2)}'")
            if m.group(1).startswith(("p", "np")):
                key = (first, ast.literal_eval(f"'{m.group(3) or ''}'"))
            else:
                key = (None, first)
            found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_every_string_marked_for_translation_has_a_chinese_translation():
    """A string missing from every catalogue shows in English on the Chinese screen (典型案例 read
    "Typical cases" for a whole session while every catalogue test was green)."""
    known = {
        (e.msgctxt, e.msgid)
        for path in catalogue_paths()
        if "zh_Hans" in path.parts
        for e in read_po(path)
        if e.msgid and any(e.msgstr.values())
    }
    marked = marked_strings()
    assert len(marked) > 500  # the scan sees the code and the templates
    missing = sorted(
        f"{where}: {msgid!r}" for (ctx, msgid), where in marked.items() if (ctx, msgid) not in known
    )
    assert not missing, "untranslated in zh_Hans:\n" + "\n".join(missing)


def test_a_string_has_one_chinese_translation_across_the_catalogues():
    """Django merges the catalogues and one of two translations of the same msgid silently wins (the project's
    own over the apps'), so an app whose meaning differs must say so with a context (pgettext, `context` in
    the template), never with a second translation nobody sees."""
    translations: dict[tuple[str | None, str], dict[str, str]] = {}
    for path in chinese_catalogues():
        for e in read_po(path):
            if not e.msgid_plural:
                translations.setdefault((e.msgctxt, e.msgid), {})[e.where()] = e.msgstr.get(0, "")
    clashes = [
        f"{msgid!r} (context {ctx!r}): " + "; ".join(f"{where} {text!r}" for where, text in found.items())
        for (ctx, msgid), found in translations.items()
        if len(set(found.values())) > 1
    ]
    assert not clashes, "one msgid, several Chinese translations:\n" + "\n".join(clashes)
