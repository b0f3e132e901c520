from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chuxin.reminders.digest import build_digests
from chuxin.reminders.tasks import send_daily_reminders


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Queue the daily reminder digests (due in 7 days, due tomorrow, overdue, claims rejected, "
        "escalations) for the worker (`manage.py db_worker`); run it once a day from cron. Idempotent: "
        "a second run the same day sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to build, YYYY-MM-DD (default: today)")
        parser.add_argument("--now", action="store_true", help="run inline instead of queueing the task")

    def handle(self, *args, **options):
        day = _date(options["date"]) if options["date"] else timezone.localdate()
        if options["now"]:
            result = build_digests(day)
            self.stdout.write(
                f"{result['date']}: {result['digests']} digests, {result['notifications']} notifications, "
                f"{result['emails']} e-mails"
            )
            return
        queued = send_daily_reminders.enqueue(day.isoformat())
        self.stdout.write(f"Queued the reminders of {day.isoformat()} (task {queued.id}).")
