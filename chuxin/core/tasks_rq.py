"""django-tasks' RQ backend (django-tasks-rq), with retries for jobs whose worker died.

The stock backend enqueues each job without RQ's `Retry`, so a job whose worker is killed mid-task
(a deploy, the OOM killer, a lost machine) ends in the failed registry when RQ notices the dead
worker. Every Chuxin task is safe to run again (reminders and snapshots are idempotent; imports run in
one transaction), so this backend gives each job `OPTIONS["RETRIES"]` retries (default 3): RQ's
registry clean-up, which every worker runs, puts an abandoned job back on its queue.

Selected by TASKS_BACKEND=rq (chuxin/settings.py); workers run
`manage.py rqworker --job-class django_tasks_rq.backend.Job default`."""

from __future__ import annotations

from typing import Any

import django_rq
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from rq.job import Callback, JobStatus, Retry


class RetryingRQBackend(RQBackend):
    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.retries = int(self.options.get("RETRIES", 3))

    def enqueue(self, task, args, kwargs) -> TaskResult[Any]:
        # As RQBackend.enqueue (django-tasks-rq 0.12), plus retry=Retry(...) on the job.
        self.validate_task(task)
        task_result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
            retry=Retry(max=self.retries) if self.retries else None,
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result
