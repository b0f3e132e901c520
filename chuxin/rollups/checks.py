"""Roll-ups kept by other apps in their own tables (the self-examination's ExamineCounts, …) that
`verifyrollups` checks and repairs beside the ledger's counters and the tallies. An app registers its own
in its AppConfig.ready(), so that this app does not import it:

    checks.register("examine", drift=counters.drift, rebuild=counters.rebuild, units=lambda: …)

`drift(unit, campaign_id)` returns {} when the stored figures equal a recount, `rebuild(campaign_id)`
recomputes them, `units()` names the units holding rows (all of them are checked)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    drift: Callable[..., dict]
    rebuild: Callable[[int], object]
    units: Callable[[], Iterable[int]]


CHECKS: dict[str, Check] = {}


def register(name: str, *, drift, rebuild, units) -> None:
    CHECKS[name] = Check(name, drift, rebuild, units)
