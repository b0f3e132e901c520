from django.core.management.base import BaseCommand

from chuxin.problems.ledger.jobs import purge, purge_imports, retention_days


class Command(BaseCommand):
    help = (
        "Delete import uploads (applied, refused or abandoned) older than IMPORT_RETENTION_DAYS: queue it for "
        "the worker, or run it now. Run daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run here instead of queueing for the worker")

    def handle(self, *args, now=False, **options):
        if now:
            n = purge()
            self.stdout.write(self.style.SUCCESS(f"{n} files older than {retention_days()} days deleted"))
        else:
            result = purge_imports.enqueue()
            self.stdout.write(f"queued purge task {result.id}; the worker (manage.py db_worker) runs it")
