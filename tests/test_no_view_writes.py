"""No view writes a model: every change goes through an action (`do_<verb>_<noun>(…, *, acting_user)`),
which is where the transaction, the checks and the audit entry live."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "chuxin"
WRITES = re.compile(r"\.(save|create|update|delete|bulk_create|bulk_update|get_or_create|update_or_create)\(")
VIEW_FILES = sorted({*ROOT.rglob("views.py"), *ROOT.rglob("*views*.py")})


def test_there_are_views_to_check():
    assert len(VIEW_FILES) >= 8


@pytest.mark.parametrize("path", VIEW_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_view_writes_a_model(path):
    offending = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRITES.search(line) and not line.lstrip().startswith("#")
    ]
    assert not offending, "views must call an action instead of writing:\n" + "\n".join(offending)
