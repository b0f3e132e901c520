"""The history of an item or a problem as sentences: who, when, what changed from what to what, and why.

The audit log (chuxin.audit) keeps each change as an action key and two snapshots (``item.claim``,
``{"status": "in_progress"}`` → ``{"status": "claimed"}``); users read neither. ``describe`` turns an
entry into a ``Line``: the person's name (their Person record, else the account), the sentence of the act
in the reader's language, each changed field with its label and its values as the screen shows them
(choice labels, dates in the date format, people by name), and the reason or note the act carried (the
progress update written in the same transaction). Field labels and choice labels come from the models,
the one source of each word.

Actions another part adds (extension requests, returns …) get a sentence by adding to ``SENTENCES``;
an unknown action still reads as "<name>: <changes>" rather than as a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import in_ranges
from chuxin.audit.models import AuditEntry
from chuxin.orgs.models import Person

from .models import Kind, Problem, ProgressUpdate, RectificationItem, Severity, Source, Status, UpdateKind

# action -> the sentence, with %(who)s; "%(goal)s" / "%(name)s" where the entry names one.
SENTENCES = {
    "problem.create": gettext_lazy("%(who)s recorded the problem."),
    "problem.change": gettext_lazy("%(who)s changed the problem."),
    "problem.refer": gettext_lazy("%(who)s referred the problem to discipline inspection."),
    "item.create": gettext_lazy("%(who)s added the rectification item."),
    "item.start": gettext_lazy("%(who)s started the rectification."),
    "item.progress": gettext_lazy("%(who)s reported progress."),
    "item.stage": gettext_lazy("%(who)s completed a stage goal."),
    "item.claim": gettext_lazy("%(who)s claimed completion."),
    "item.verify": gettext_lazy("%(who)s verified and closed the item."),
    "item.keep_up": gettext_lazy("%(who)s verified the stage goals: stage complete, kept up long-term."),
    "item.reject": gettext_lazy("%(who)s returned the claim."),
    "item.reopen": gettext_lazy("%(who)s reopened the item after a look-back."),
    "item.change": gettext_lazy("%(who)s changed the item."),
    "evidence.add": gettext_lazy("%(who)s attached the evidence file %(name)s."),
    "stage.create": gettext_lazy("%(who)s set the stage goal “%(goal)s”."),
    "extension.request": gettext_lazy("%(who)s requested a deadline extension."),
    "extension.approve": gettext_lazy("%(who)s approved the deadline extension."),
    "extension.refuse": gettext_lazy("%(who)s refused the deadline extension."),
    "item.extend": gettext_lazy("%(who)s extended the deadline as approved."),
}
# The Excel import writes one ledger.import entry for everything it created; each record it created reads it
# as its own creation (see import_entry).
IMPORTED = {
    "RectificationItem": gettext_lazy(
        "%(who)s added the rectification item by importing the ledger (import %(seq)s)."
    ),
    "Problem": gettext_lazy("%(who)s recorded the problem by importing the ledger (import %(seq)s)."),
}
# Entries that repeat what another entry of the same act says (item.stage follows stage.complete).
SILENT = {"stage.complete"}
# The progress update an act writes in its transaction: its text is the act's reason or note.
UPDATE_KIND = {
    "item.progress": UpdateKind.NOTE,
    "item.start": UpdateKind.START,
    "item.stage": UpdateKind.STAGE,
    "item.claim": UpdateKind.CLAIM,
    "item.verify": UpdateKind.VERIFY,
    "item.keep_up": UpdateKind.KEEP_UP,
    "item.reject": UpdateKind.REJECT,
    "item.reopen": UpdateKind.REOPEN,
    "item.extend": UpdateKind.EXTEND,
}
# Fields shown when they change, in this order; the rest (versions, counters, timestamps) are bookkeeping.
ITEM_FIELDS = [
    "status",
    "kind",
    "measures",
    "requirements",
    "deadline",
    "responsible_person",
    "responsible_leader",
]
PROBLEM_FIELDS = [
    "title",
    "description",
    "source",
    "category",
    "severity",
    "responsible_leader",
    "root_cause",
    "direction",
]
CHOICES = {"status": Status, "kind": Kind, "source": Source, "severity": Severity}
PEOPLE = {"responsible_person", "responsible_leader"}


@dataclass
class Change:
    label: str
    before: str
    after: str

    def sentence(self) -> str:
        if not self.before:
            return _("%(field)s set to “%(after)s”") % {"field": self.label, "after": self.after}
        if not self.after:
            return _("%(field)s “%(before)s” removed") % {"field": self.label, "before": self.before}
        return _("%(field)s changed from “%(before)s” to “%(after)s”") % {
            "field": self.label,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class Line:
    at: datetime
    who: str
    sentence: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    action: str = ""


def _label(model, name: str) -> str:
    f = model._meta.get_field(name)
    return str(f.verbose_name)


def _value(model, name: str, raw, people: dict[int, str]) -> str:
    if raw in (None, ""):
        return ""
    if name in CHOICES:
        try:
            return str(CHOICES[name](type(CHOICES[name].values[0])(raw)).label)
        except (ValueError, TypeError):
            return str(raw)
    if name in PEOPLE:
        return people.get(raw, str(raw))
    internal = model._meta.get_field(name).get_internal_type()
    if internal == "DateField":
        d = parse_date(str(raw)) if not isinstance(raw, date) else raw
        return date_format(d) if d else str(raw)
    if internal == "DateTimeField":
        dt = parse_datetime(str(raw))
        return date_format(timezone.localtime(dt), "DATETIME_FORMAT") if dt else str(raw)
    return str(raw)


def _action(entry: AuditEntry) -> str:
    if entry.action == "item.verify" and (entry.after or {}).get("status") == Status.KEPT_UP:
        return "item.keep_up"
    return entry.action


def _people(entries) -> dict[int, str]:
    ids = set()
    for e in entries:
        for snap in (e.before or {}, e.after or {}):
            ids.update(v for k, v in snap.items() if k in PEOPLE and isinstance(v, int))
    return dict(Person.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _actors(entries) -> dict[int, str]:
    ids = {e.actor_id for e in entries if e.actor_id}
    names: dict[int, str] = {}
    for user_id, name in (
        Person.objects.filter(user_id__in=ids).order_by("-is_active", "pk").values_list("user_id", "name")
    ):
        names.setdefault(user_id, name)
    return names


def _pair_updates(entries, updates) -> dict[int, ProgressUpdate]:
    """entry id -> the progress update written with it (same item, same kind, within a few seconds)."""
    unused = {}
    for u in updates:
        unused.setdefault(u.kind, []).append(u)
    out = {}
    for e in entries:
        kind = UPDATE_KIND.get(_action(e))
        candidates = unused.get(kind) or []
        best = min(candidates, key=lambda u: abs(u.at - e.at), default=None)
        if best is not None and abs(best.at - e.at) <= timedelta(seconds=5):
            out[e.pk] = best
            candidates.remove(best)
    return out


def describe(entries, model, fields: list[str], updates=()) -> list[Line]:
    """Lines for the entries (oldest first), in the active language; a constant number of queries."""
    entries = [e for e in entries if e.action not in SILENT]
    people = _people(entries)
    actors = _actors(entries)
    paired = _pair_updates(entries, updates)
    lines = []
    for e in entries:
        who = actors.get(e.actor_id) or e.actor_name or _("the system")
        action = _action(e)
        after = e.after or {}
        sentence = (
            IMPORTED.get(model.__name__) if action == AuditEvent.LEDGER_IMPORT else SENTENCES.get(action)
        )
        if sentence is None:
            text = _("%(who)s: %(action)s") % {"who": who, "action": action}
        else:
            text = str(sentence) % {
                "who": who,
                "name": after.get("name", ""),
                "goal": after.get("goal", ""),
                "seq": e.pk,  # the entry's number in the auditors' log
            }
        changes = []
        if e.before is not None and e.model == model.__name__:
            for name in fields:
                old = _value(model, name, e.before.get(name), people)
                new = _value(model, name, after.get(name), people)
                if old != new:
                    changes.append(Change(_label(model, name), old, new))
        update = paired.get(e.pk)
        lines.append(
            Line(
                at=e.at,
                who=who,
                sentence=text,
                changes=changes,
                reason=update.text if update else "",
                action=action,
            )
        )
    return lines


def import_entry(obj: Problem | RectificationItem) -> AuditEntry | None:
    """The ledger.import entry that created `obj`, if the Excel import did: that entry's `at` is the
    `created_at` the import gave every record it wrote (one lookup on the `audit_event_time` index), and its
    ids name the record, so a record made otherwise at the same instant is never taken for imported."""
    name = type(obj).__name__
    for e in AuditEntry.objects.filter(action=AuditEvent.LEDGER_IMPORT, at=obj.created_at).order_by("id"):
        if in_ranges(obj.pk, ((e.after or {}).get("ids") or {}).get(name)):
            return e
    return None


def item_entries(item: RectificationItem) -> list[AuditEntry]:
    """The item's audit entries, oldest first: those naming it, and the import's that created it."""
    entries = list(AuditEntry.objects.filter(item_id=item.pk).order_by("id"))
    imported = import_entry(item)
    return sorted([imported, *entries], key=lambda e: e.pk) if imported else entries


def item_history(item: RectificationItem, updates=None, entries=None) -> list[Line]:
    if entries is None:
        entries = item_entries(item)
    if updates is None:
        updates = list(item.updates.all())
    return describe(entries, RectificationItem, ITEM_FIELDS, updates)


def problem_history(problem: Problem) -> list[Line]:
    entries = list(AuditEntry.objects.filter(model="Problem", object_id=problem.pk).order_by("id"))
    imported = import_entry(problem)
    if imported:
        entries = sorted([imported, *entries], key=lambda e: e.pk)
    return describe(entries, Problem, PROBLEM_FIELDS)
