from django.core.management.base import BaseCommand

from chuxin.rollups.snapshots import take_snapshot
from chuxin.rollups.tasks import snapshot_rollups


class Command(BaseCommand):
    help = "Keep today's roll-up figures for the trend charts: queue it for the worker, or run it now."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run here instead of queueing for the worker")

    def handle(self, *args, now=False, **options):
        from django.utils import timezone

        if now:
            n = take_snapshot(timezone.localdate())
            self.stdout.write(self.style.SUCCESS(f"snapshot of {n} units stored"))
        else:
            result = snapshot_rollups.enqueue()
            self.stdout.write(f"queued snapshot task {result.id}; the worker (manage.py db_worker) runs it")
