from django.core.management.base import BaseCommand, CommandError

from chuxin.audit.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) with a consistent database dump, the evidence files and a manifest of row "
        "counts, file hashes and the audit head. DEST is a file name or a folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest")

    def handle(self, *args, dest, **options):
        try:
            path = backup(dest)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"backup written: {path}"))
