"""The http benchmark's baseline, the floor for a 50-row ledger page: the same 50 rows fetched by
primary key (their ids known in advance, passed as ?ids=1,2,…) with one hand-written SQL query and
rendered in a bare table template with the same columns — no ORM, no session, no scope, no layout.
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
WHERE i.id IN ({})
ORDER BY i.id DESC
"""


def ledger_reference(request):
    ids = [int(x) for x in request.GET.get("ids", "").split(",") if x.strip().isdigit()][:50]
    rows = []
    if ids:
        with connection.cursor() as c:
            c.execute(SQL.format(",".join(["%s"] * len(ids))), ids)
            rows = c.fetchall()
    return HttpResponse(TEMPLATE.render(Context({"rows": rows})))
