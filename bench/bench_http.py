"""The ledger list page (50 rows of a filtered subtree, logged in) under gunicorn with 2 workers and 20
connections, against the floor for the same answer on the same server: the same 50 rows fetched by
primary key, their ids known in advance, rendered in a bare template (bench/reference_view.py).
Targets: at least 50 % of the reference's throughput, and p99 at most 250 ms.

The load comes from wrk when it is installed (`make bench` installs it from Debian when run as root),
else from bench/loadgen.py (standard library). BENCH_HTTP_SECONDS sets each side's run length (15 s), taken in
BENCH_HTTP_ROUNDS (3) rounds in which the page and the reference take turns."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

from common import ROOT, SCALE, scaled_demo

DURATION = int(os.environ.get("BENCH_HTTP_SECONDS", "15"))
# the page and the reference take turns (reference first in even rounds, page first in odd ones), each round
# DURATION / ROUNDS seconds: a change in the machine's load during the run moves both sides alike
ROUNDS = max(1, min(int(os.environ.get("BENCH_HTTP_ROUNDS", "3")), DURATION // 5))
CONNECTIONS = 20
PORT = int(os.environ.get("BENCH_HTTP_PORT", "8765"))  # another agent's benchmark may hold 8765
PAGE = "/ledger/units/440000/?subtree=on&status=in_progress"


def _wrk(url, cookie, seconds):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses")
    return rps, p99


def load(url, cookie, seconds=DURATION):
    """(requests/s, p99 ms) at 20 connections, by wrk or by the Python load generator."""
    if shutil.which("wrk"):
        return _wrk(url, cookie, seconds)
    from loadgen import run

    return run(url, CONNECTIONS, seconds, cookie)


def load_in_turns(page, ref, cookie):
    """((page req/s, page p99), (reference req/s, reference p99)) over ROUNDS alternating rounds: the mean of
    the rounds' rates (equal durations) and the highest round's p99."""
    seconds = max(1, DURATION // ROUNDS)
    got = {page: [], ref: []}
    for i in range(ROUNDS):
        for url in (ref, page) if i % 2 == 0 else (page, ref):
            got[url].append(load(url, cookie, seconds))
    return tuple((sum(r for r, _ in got[u]) / len(got[u]), max(p for _, p in got[u])) for u in (page, ref))


def main():
    os.environ["SECRET_KEY"] = "bench-only"  # the session's auth hash must match the server's key
    vendor = scaled_demo()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from chuxin.orgs.models import Unit
    from chuxin.problems.views import PER_PAGE, ledger_queryset

    user = get_user_model().objects.get(username="guangdong")
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    cookie = f"sessionid={s.session_key}"
    gd = Unit.objects.get(code="440000")
    # the reference knows its ids in advance: the first page the ledger page shows
    ids = list(
        ledger_queryset(gd, {"subtree": True, "status": "in_progress"})
        .order_by("-id")
        .values_list("id", flat=True)[:PER_PAGE]
    )

    env = {
        **os.environ,
        "CHUXIN_ENV": "production",  # measured as deployed: DEBUG off, hashed static files
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "AUDIT_HMAC_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CHUXIN_BENCH_REFERENCE": "1",
        "CONN_MAX_AGE": "600",
        "OTP_REQUIRED": "false",  # the session is made here, without the second factor the log-in asks
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "chuxin.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", PORT)) == 0:
                    break
            time.sleep(0.2)
        base = f"http://127.0.0.1:{PORT}"
        page = f"{base}{PAGE}"
        ref = f"{base}/bench/ledger-reference/?ids={','.join(map(str, ids))}"
        for url in (page, ref):  # warm up and check both answer 200
            for _ in range(5):
                out = subprocess.run(
                    ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Cookie: {cookie}", url],
                    capture_output=True,
                    text=True,
                ).stdout
            if out != "200":
                raise RuntimeError(f"{url} answered {out}")
        (page_rps, page_p99), (ref_rps, ref_p99) = load_in_turns(page, ref, cookie)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:  # a loaded machine can take longer than gunicorn's graceful stop; the figures are already in
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        s.delete()  # the scaled demo is shared by every run: it keeps no session of this one
    ratio = page_rps / ref_rps
    tool = "wrk" if shutil.which("wrk") else "bench/loadgen.py"
    print(
        f"ledger page {page_rps:.0f} req/s (p99 {page_p99:.0f} ms); reference (50 rows by primary key, bare "
        f"template) {ref_rps:.0f} req/s (p99 {ref_p99:.0f} ms); {DURATION} s each in {ROUNDS} alternating rounds, "
        f"{CONNECTIONS} connections "
        f"by {tool}, gunicorn 2 workers, {vendor}"
    )
    return {
        "name": "http",
        "scale": f"SCALE={SCALE}; ledger of 440000's subtree, status in_progress, 50 rows; {vendor}",
        "value": round(page_rps, 1),
        "baseline": round(ref_rps, 1),
        "unit": "requests/s",
        "ratio": round(ratio, 3),
        "target": "ratio >= 0.5 and p99 <= 250 ms",
        "ok": ratio >= 0.5 and page_p99 <= 250,
        "p99_ms": round(page_p99, 1),
        "reference_p99_ms": round(ref_p99, 1),
        "load": tool,
    }
