"""Browser tests: the real app served by a real server process, driven by Playwright in Debian's Chromium."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_env(tmp_path_factory):
    """The environment of the e2e server: its own SQLite file, the demo settings."""
    db = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "CHUXIN_ENV": "demo",
        "DEBUG": "true",
        "AXES_FAILURE_LIMIT": "50",
    }


@pytest.fixture(scope="session")
def manage(server_env):
    """Runs a management command on the e2e server's database (e.g. `shell -c` to add an account)."""

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=server_env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    return run


@pytest.fixture(scope="session")
def server(server_env):
    """A demo on its own SQLite file, served by `manage.py runserver` on a free local port."""
    env = server_env
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        # the suite's shape: the 2019 campaign alone, running, its ledger dated around today
        [*manage, "makedemo", "--units", "400", "--seed", "7", "--one-campaign"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 180  # a loaded machine starts slowly
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("the e2e server did not start")
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "Debian's Chromium is missing: apt-get install chromium fonts-noto-cjk (make test does it)"
        )
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    p = context.new_page()
    yield p
    context.close()


def login(page, server, username, password="chuxin2019"):
    page.goto(f"{server}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_load_state()
