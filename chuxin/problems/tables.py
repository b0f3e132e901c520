"""The items table (problem, unit, kind, responsible person, due date, status) that the ledger, "my
items" and a problem's page show, built here rather than by the template engine.

The ledger page is measured against 50 rows fetched by primary key in a bare template (bench/bench_http.py):
through the engine, an include per row for the status badge and a variable lookup per cell cost more
than the whole rest of the request, and fifty model instances with three joined ones each cost more than
the query that fetched them. So the rows come as plain `ItemRow`s from one `values_list` query (or from
model instances already loaded), and the markup is joined here, every text escaped, the labels of the
kinds and statuses looked up once per table. The markup is the one the templates had."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from html import escape

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from chuxin.core import prepared
from chuxin.orgs.models import Person, Unit

from .models import ACTIVE_STATUSES, Kind, Status, WorkArea

# The columns of a row, in ItemRow's order: what `values_list` fetches for the table.
COLUMNS = (
    "id",
    "problem__title",
    "unit__name",
    "kind",
    "responsible_person__name",
    "due_date",
    "status",
    "problem__work_areas",
)

BADGES = {
    Status.CLOSED: "text-bg-success",
    Status.KEPT_UP: "text-bg-info",
    Status.CLAIMED: "text-bg-warning",
    Status.RETURNED: "text-bg-danger",
}
# a sign before the word, so the status is not told by colour alone
MARKS = {Status.CLAIMED: "⏳ ", Status.RETURNED: "↩ "}


@dataclass(slots=True)
class ItemRow:
    pk: int
    title: str
    unit_name: str
    kind: str
    person: str
    due_date: date | None
    status: str
    work_areas: int = 0  # the problem's central-task work areas (WorkArea bits)

    @classmethod
    def of(cls, item) -> ItemRow:
        """The row of a RectificationItem instance (its problem, unit and person loaded with it)."""
        return cls(
            item.pk,
            item.problem.title,
            item.unit.name,
            item.kind,
            item.responsible_person.name,
            item.due_date,
            item.status,
            item.problem.work_areas,
        )

    def days_overdue(self, today: date) -> int:
        """As RectificationItem.days_overdue()."""
        if self.status not in ACTIVE_STATUSES or self.due_date is None or self.due_date >= today:
            return 0
        return (today - self.due_date).days


def rows_in(ids) -> list[ItemRow]:
    """The rows of the items whose ids `ids` gives (a list, or a sliced id query), newest first; the joins
    run for these rows only.

    The id query is composed by the ORM (it carries the page's filters: ledger_queryset) and runs on its
    own, planned for its values (a subtree's path prefix, a status: chuxin/core/prepared.py says why it is
    not prepared). The statement of the rows is written out, COLUMNS' joins in ItemRow's order (composing
    it cost the page more than running it), and prepared: the same statement for any ids, whose planning
    (four tables joined) cost the database more than running it (tests/test_read_paths.py compares it with
    the ORM's answer)."""
    from .models import Problem, RectificationItem

    db = DEFAULT_DB_ALIAS
    if isinstance(ids, QuerySet):
        db = ids.db
        inner, params = ids.query.get_compiler(using=db).as_sql()
        with connections[db].cursor() as cur:
            cur.execute(inner, params)
            ids = [row[0] for row in cur.fetchall()]
    params = [int(i) for i in ids]
    if not params:
        return []
    if prepared.enabled(db):  # one statement for any number of ids
        where, params = "i.id = ANY(%s::bigint[])", [params]
    else:
        where = f"i.id IN ({', '.join(['%s'] * len(params))})"
    sql = f"""
        SELECT i.id, p.title, u.name, i.kind, r.name, i.due_date, i.status, p.work_areas
        FROM {RectificationItem._meta.db_table} i
        JOIN {Problem._meta.db_table} p ON p.id = i.problem_id
        JOIN {Unit._meta.db_table} u ON u.id = i.unit_id
        JOIN {Person._meta.db_table} r ON r.id = i.responsible_person_id
        WHERE {where}
        ORDER BY i.id DESC"""  # noqa: S608 — table names from the models, the ids as parameters
    with prepared.cursor(db) as cur:
        cur.execute(sql, params)
        return [ItemRow(*values) for values in cur.fetchall()]


def rows_in_orm(ids) -> list[ItemRow]:
    """rows_in composed by the ORM from COLUMNS: the reference the tests hold the written statement to."""
    from .models import RectificationItem

    qs = RectificationItem.objects.filter(id__in=ids).order_by("-id").values_list(*COLUMNS)
    return [ItemRow(*values) for values in qs]


@lru_cache(maxsize=8192)
def _due_texts(day: date, date_fmt: str, language: str) -> tuple[str, str]:
    """A due date as the table shows it (escaped, in the language's DATE_FORMAT) and in ISO form. Held per
    process: Django's date formatting cost a third of the table, and a campaign's due dates are few.
    `language` keys the cache only (the format and month names follow the active language)."""
    return escape(format_date(day, date_fmt)), day.isoformat()


def status_badge(status: str, days_overdue: int, label: str | None = None) -> str:
    """The status badge, and the overdue badge when the item is overdue (HTML, escaped)."""
    css = BADGES.get(status, "text-bg-light border")
    word = escape(label if label is not None else str(Status(status).label))
    html = f'<span class="badge {css}">{MARKS.get(status, "")}{word}</span>\n'
    if days_overdue:
        text = ngettext("overdue %(d)s day", "overdue %(d)s days", days_overdue) % {"d": days_overdue}
        html += f' <span class="badge text-bg-danger">{escape(text)}</span>'
    return html


def items_table(items, show_unit: bool, today: date | None = None) -> SafeString:
    """The table of items (ItemRow or RectificationItem instances), as `problems/_items_table.html` was."""
    today = today or timezone.localdate()
    kinds = {k: escape(str(label)) for k, label in Kind.choices}
    statuses = {k: str(label) for k, label in Status.choices}
    date_fmt = get_format("DATE_FORMAT")
    item_url = reverse("item_detail", args=[0]).removesuffix("0/")  # + id + "/"
    unit_cell = '<td class="small">{}</td><td class="small">{}</td>'
    area_labels = [(a.value, str(a.label)) for a in WorkArea]
    due_word = escape(gettext("Due"))
    areas_line = gettext("Work areas: %(areas)s")
    language = get_language()
    rows, cards = [], []
    # the same work areas and badges recur down a page: each is formatted once per table
    area_names: dict[int, str] = {}
    badges: dict[tuple[str, int], str] = {}
    for it in items:
        row = it if isinstance(it, ItemRow) else ItemRow.of(it)
        mask = row.work_areas or 0
        areas = area_names.get(mask)
        if areas is None:
            areas = area_names[mask] = "、".join(label for bit, label in area_labels if mask & bit)
        due, due_iso = ("—", "—") if row.due_date is None else _due_texts(row.due_date, date_fmt, language)
        key = (row.status, row.days_overdue(today))
        badge = badges.get(key)
        if badge is None:
            badge = badges[key] = status_badge(row.status, key[1], statuses.get(row.status, row.status))
        title, unit_name, person = escape(row.title), escape(row.unit_name), escape(row.person)
        kind = kinds.get(row.kind) or escape(row.kind)
        link = f'<a href="{item_url}{row.pk}/">{title}</a>'
        cards.append(
            '\n  <li class="card card-body p-2 item-card">\n'
            f'    <a class="fw-semibold" href="{item_url}{row.pk}/">{title}</a>\n'
            f'    <div class="small">{badge}</div>\n'
            f'    <div class="small text-muted">{unit_name + " · " if show_unit else ""}'
            f"{kind} · {person} · {due_word} {due_iso}</div>\n"
            # on a phone the table's 服务中心工作 column is this line (a ledger filtered by area shows why)
            + (
                f'    <div class="small text-muted">{escape(areas_line % {"areas": areas})}</div>\n'
                if show_unit and areas
                else ""
            )
            + "  </li>"
        )
        rows.append(
            "\n    <tr>\n"
            f"      <td>{link}</td>\n"
            f"      {unit_cell.format(unit_name, escape(areas or '—')) if show_unit else ''}\n"
            f'      <td class="small">{kind}</td>\n'
            f'      <td class="small">{person}</td>\n'
            f'      <td class="small text-nowrap">{due}</td>\n'
            f'      <td class="small">{badge}</td>\n'
            "    </tr>\n  "
        )
    if not rows:
        rows.append(
            f'<tr><td colspan="6" class="text-muted">{escape(gettext("No rectification items."))}</td></tr>'
        )
        cards.append(f'<li class="text-muted">{escape(gettext("No rectification items."))}</li>')
    unit_head = (
        f'<th scope="col">{escape(gettext("Unit"))}</th><th scope="col">{escape(gettext("Work areas"))}</th>'
        if show_unit
        else ""
    )
    head = (
        f'<th scope="col">{escape(gettext("Problem"))}</th>{unit_head}\n'
        f'    <th scope="col">{escape(gettext("Kind of rectification"))}</th>'
        f'<th scope="col">{escape(gettext("Responsible person"))}</th>\n'
        f'    <th scope="col">{escape(gettext("Deadline"))}</th><th scope="col">{escape(gettext("Status"))}</th>'
    )
    return mark_safe(  # noqa: S308 — built from escaped values above
        '<div class="table-responsive d-none d-md-block"><table class="table table-sm table-hover align-middle">\n'
        f"  <thead><tr>\n    {head}\n  </tr></thead>\n"
        f"  <tbody>{''.join(rows)}</tbody>\n</table></div>\n"
        f'<ul class="list-unstyled d-md-none item-cards">{"".join(cards)}\n</ul>\n'
    )
