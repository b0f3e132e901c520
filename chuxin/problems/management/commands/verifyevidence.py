from django.core.management.base import BaseCommand, CommandError

from chuxin.problems import evidence
from chuxin.problems.evidence import blob_path, verify_blobs
from chuxin.problems.models import Evidence, EvidenceBlob


class Command(BaseCommand):
    help = (
        "Re-hash every stored evidence file against its SHA-256 and name any that changed or vanished; "
        "--collect-orphans removes files of failed uploads (schedule it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--collect-orphans",
            action="store_true",
            help="also remove files no evidence row names (failed uploads) older than --grace-hours",
        )
        parser.add_argument("--grace-hours", type=int, default=24)

    def handle(self, *args, collect_orphans=False, grace_hours=24, **options):
        if collect_orphans:
            removed = evidence.collect_orphans(grace_hours * 3600)
            self.stdout.write(f"{len(removed)} orphan files removed")
        bad = list(verify_blobs())
        total = EvidenceBlob.objects.count()
        for blob, problem in bad:
            names = ", ".join(
                f"{e.name} (item {e.item_id})" for e in Evidence.objects.filter(blob=blob).order_by("pk")[:5]
            )
            self.stderr.write(f"[{problem}] {blob.sha256} {blob_path(blob.sha256)}: {names}")
        if bad:
            raise CommandError(f"{len(bad)} of {total} evidence files changed or vanished")
        self.stdout.write(self.style.SUCCESS(f"evidence intact: {total} files re-hashed"))
