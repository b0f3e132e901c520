"""The RQ backend (TASKS_BACKEND=rq) against the Redis on 127.0.0.1:6379 (CI runs one; REDIS_URL
points elsewhere): a task is enqueued and a worker runs it; a worker killed in the middle of a task
leaves the job to the next worker, which runs it again to the end. Each test uses a queue of its own,
so runs on a shared Redis do not see each other's jobs."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from django.test import override_settings
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from rq.registry import StartedJobRegistry

from tests.tasks_for_rq import count_attempts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rq_queue():
    name = f"chuxin-test-{uuid.uuid4().hex[:10]}"
    config = {"URL": settings.REDIS_URL, "DEFAULT_TIMEOUT": 600}
    tasks = {
        "default": {
            "BACKEND": "chuxin.core.tasks_rq.RetryingRQBackend",
            "QUEUES": [name],
            "OPTIONS": {"RETRIES": 2},
        }
    }
    with override_settings(RQ_QUEUES={"default": config, name: config}, TASKS=tasks):
        queue = django_rq.get_queue(name)
        queue.connection.ping()  # Redis must be there: this test never skips
        yield name
        queue.delete(delete_jobs=True)


def _worker(queue, *extra):
    env = {**os.environ, "TASKS_BACKEND": "rq", "RQ_QUEUES": queue, "REDIS_URL": settings.REDIS_URL}
    cmd = [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.backend.Job"]
    cmd += [
        "--worker-class",
        "rq.worker.SimpleWorker",
        *extra,
        queue,
    ]  # one process: killing it kills the task
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def _wait(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_runs_an_enqueued_task(rq_queue, tmp_path):
    log = tmp_path / "attempts.log"
    log.write_text("attempt\n")  # as if tried before: this run does not hold
    result = count_attempts.using(queue_name=rq_queue).enqueue(str(log), 0)
    backend = task_backends["default"]
    assert backend.get_result(result.id).status == TaskResultStatus.READY
    worker = _worker(rq_queue, "--burst")
    assert worker.wait(timeout=120) == 0
    done = backend.get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL and done.return_value == 2


def test_a_task_whose_worker_was_killed_runs_again_on_the_next_worker(rq_queue, tmp_path):
    log = tmp_path / "attempts.log"
    result = count_attempts.using(queue_name=rq_queue).enqueue(str(log), 300)
    backend = task_backends["default"]
    worker = _worker(rq_queue)
    try:
        assert _wait(lambda: log.exists() and log.read_text().count("attempt") == 1), "the task never started"
        assert backend.get_result(result.id).status == TaskResultStatus.RUNNING
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # mid-task: no clean shutdown, no failure recorded
        worker.wait(timeout=30)
    # RQ finds the dead worker's job once its lease runs out; clean up as if that time had come
    StartedJobRegistry(queue=django_rq.get_queue(rq_queue)).cleanup(timestamp=time.time() + 3600)
    assert backend.get_result(result.id).status == TaskResultStatus.READY  # back on the queue
    assert _worker(rq_queue, "--burst").wait(timeout=120) == 0
    done = backend.get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == 2  # the second attempt ran to the end
