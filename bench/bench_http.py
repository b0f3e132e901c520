"""The ledger list page (50 rows of a filtered subtree, logged in) under gunicorn with 2 workers, driven
by wrk, against a reference view on the same server that fetches the same 50 rows with one hand-written
SQL query and renders them in a plain table (bench/reference_view.py). Targets: at least 50 % of the
reference's throughput, and p99 at most 250 ms with 20 connections."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

from common import ROOT, percentile, scaled_demo  # noqa: F401

DURATION = os.environ.get("BENCH_HTTP_SECONDS", "15")
PORT = 8765


def _wrk(url, cookie):
    out = subprocess.run(
        ["wrk", "-t2", "-c20", f"-d{DURATION}s", "--latency", "-H", f"Cookie: {cookie}", url],
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


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    os.environ["SECRET_KEY"] = "bench-only"  # the session's auth hash must match the server's key
    vendor = scaled_demo()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from chuxin.orgs.models import Unit

    user = get_user_model().objects.get(username="guangdong")
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    cookie = f"sessionid={s.session_key}"
    gd = Unit.objects.get(code="440000")

    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CHUXIN_BENCH_REFERENCE": "1",
        "CONN_MAX_AGE": "600",
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
        page = f"{base}/ledger/units/440000/?subtree=on&status=in_progress"
        ref = f"{base}/bench/ledger-reference/?path={gd.path}&status=in_progress"
        for url in (page, ref):  # warm up and check both answer 200
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Cookie: {cookie}", url],
                capture_output=True,
                text=True,
            ).stdout
            if out != "200":
                raise RuntimeError(f"{url} answered {out}")
        ref_rps, ref_p99 = _wrk(ref, cookie)
        page_rps, page_p99 = _wrk(page, cookie)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    ratio = page_rps / ref_rps
    print(
        f"ledger page {page_rps:.0f} req/s (p99 {page_p99:.0f} ms); reference {ref_rps:.0f} req/s "
        f"(p99 {ref_p99:.0f} ms); {DURATION} s each, 20 connections, gunicorn 2 workers, {vendor}"
    )
    return {
        "name": "http",
        "scale": f"ledger of 440000's subtree, status in_progress, 50 rows; {vendor}",
        "value": round(page_rps, 1),
        "baseline": round(ref_rps, 1),
        "unit": "requests/s",
        "ratio": round(ratio, 3),
        "target": "ratio >= 0.5 and p99 <= 250 ms",
        "ok": ratio >= 0.5 and page_p99 <= 250,
        "p99_ms": round(page_p99, 1),
        "reference_p99_ms": round(ref_p99, 1),
    }
