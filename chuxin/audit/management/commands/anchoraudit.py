from django.core.management.base import BaseCommand

from chuxin.audit.log import write_anchor
from chuxin.audit.tasks import anchor_audit_log


class Command(BaseCommand):
    help = (
        "Queue the daily audit anchor: every chain's last sequence number and MAC appended to AUDIT_ANCHOR_FILE "
        "(and mailed to AUDIT_ANCHOR_EMAIL); --now writes it inline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="write the anchor now instead of queueing it")

    def handle(self, *args, now=False, **options):
        if now:
            line = write_anchor()
            self.stdout.write(
                f'anchor written: entry {line["seq"]} {line["hash"][:16]}… of chain "" and '
                f"{len(line['chains']) - 1} other chains at {line['at']}"
            )
        else:
            result = anchor_audit_log.enqueue()
            self.stdout.write(f"queued anchor task {result.id}")
