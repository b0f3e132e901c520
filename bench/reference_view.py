"""The http benchmark's baseline: the same 50 ledger rows fetched with one hand-written SQL query and
rendered in a plain table template with the same columns — no ORM, no scope helper, no page layout.
Mounted only when CHUXIN_BENCH_REFERENCE=1 (see chuxin/urls.py)."""

from pathlib import Path

from django.db import connection
from django.http import HttpResponse
from django.template import Context, Engine

TEMPLATE = Engine().from_string((Path(__file__).parent / "templates" / "ledger_reference.html").read_text())

SQL = """
SELECT i.id, p.title, u.name, i.kind, r.name, i.due_date, i.status
FROM problems_rectificationitem i
JOIN orgs_unit u ON u.id = i.unit_id
JOIN problems_problem p ON p.id = i.problem_id
JOIN orgs_person r ON r.id = i.responsible_person_id
WHERE u.path LIKE %s AND i.status = %s
ORDER BY i.id DESC
LIMIT 50
"""


def ledger_reference(request):
    prefix = request.GET.get("path", "") + "%"
    with connection.cursor() as c:
        c.execute(SQL, [prefix, request.GET.get("status", "in_progress")])
        rows = c.fetchall()
    return HttpResponse(TEMPLATE.render(Context({"rows": rows})))
