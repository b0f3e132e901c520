"""A task for the RQ backend's test: the worker imports it from here (no database needed)."""

import time
from pathlib import Path

from django_tasks import task


@task()
def count_attempts(log: str, hold: float) -> int:
    """Note one line per attempt; the first attempt holds for `hold` seconds (time to kill its worker)."""
    path = Path(log)
    with path.open("a") as f:
        f.write("attempt\n")
    attempts = path.read_text().count("attempt")
    if attempts == 1:
        time.sleep(hold)
    return attempts
