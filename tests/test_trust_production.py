"""Production settings, started the way a server starts them (a fresh process, the environment of a real
instance): the missing secrets stop the start-up with a message saying what to set, and what the code wires up
at start-up survives without DEBUG."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra):
    """The suite's environment minus everything that makes an instance a development one."""
    env = {k: v for k, v in os.environ.items() if k not in {"CHUXIN_ENV", "DEBUG", "PYTEST_CURRENT_TEST"}}
    env.update(
        {
            # empty values win over a local .env (it only fills what is unset)
            "SECRET_KEY": "",
            "SECRET_KEY_FILE": "",
            "AUDIT_HMAC_KEY": "",
            "AUDIT_HMAC_KEY_FILE": "",
            "ALLOWED_HOSTS": "chuxin.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://chuxin.example.org",
        }
    )
    env.update(extra)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "AUDIT_HMAC_KEY"])
def test_production_start_up_stops_without_a_secret(missing):
    keys = {k: secrets.token_urlsafe(50) for k in ("SECRET_KEY", "AUDIT_HMAC_KEY") if k != missing}
    result = _manage("check", env=_production_env(**keys))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set. Set {missing} (or {missing}_FILE" in result.stderr


def test_production_start_up_reads_a_secret_from_its_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(50))
    env = _production_env(SECRET_KEY_FILE=str(key_file), AUDIT_HMAC_KEY=secrets.token_urlsafe(50))
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr


def test_an_unreadable_secret_file_is_named():
    env = _production_env(SECRET_KEY_FILE="/nonexistent/chuxin-key", AUDIT_HMAC_KEY="x" * 50)
    result = _manage("check", env=env)
    assert (
        result.returncode != 0 and "SECRET_KEY_FILE=/nonexistent/chuxin-key cannot be read" in result.stderr
    )


SIGNALS = """
import gc, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuxin.settings")
django.setup()
gc.collect()
from django.conf import settings
from chuxin.orgs.actions import unit_moved
from chuxin.study.actions import meeting_created
def live(signal):
    return sorted(r.__module__ for r in signal._live_receivers(None)[0])
print(settings.DEBUG, live(unit_moved), live(meeting_created))
"""


def test_the_unit_move_listeners_outlive_the_start_up_without_debug():
    """Found by the roll-up property test failing with DEBUG=false: the receivers of `unit_moved` were closures
    connected by weak reference, kept alive only by DEBUG's signature check; in production a move did not
    carry the subtree's counters, tallies and problem paths."""
    env = _production_env(CHUXIN_ENV="test", DEBUG="false", SECRET_KEY="x" * 50, AUDIT_HMAC_KEY="y" * 50)
    result = subprocess.run(
        [sys.executable, "-c", SIGNALS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    debug, rest = result.stdout.split("\n")[0].split(" ", 1)
    moved, created = rest.split("] [")
    assert debug == "False"
    assert {"chuxin.examine.apps", "chuxin.problems.apps", "chuxin.rollups.apps"} <= set(
        re.findall(r"'([\w.]+)'", moved)
    )
    assert "chuxin.examine.apps" in created


def test_debug_is_off_in_production_unless_asked_for():
    keys = {"SECRET_KEY": secrets.token_urlsafe(50), "AUDIT_HMAC_KEY": secrets.token_urlsafe(50)}
    show = ("shell", "-c", "from django.conf import settings; print(settings.DEBUG, settings.OTP_REQUIRED)")
    assert _manage(*show, env=_production_env(**keys)).stdout.split()[-2:] == ["False", "True"]
    demo = _manage(*show, env=_production_env(CHUXIN_ENV="demo"))
    assert demo.stdout.split()[-2:] == ["True", "False"]
