from django.core.management.base import BaseCommand, CommandError

from chuxin.audit.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and the evidence store, checking the manifest, the row "
        "counts, the audit chain and every file hash; refuses on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--database-url", default="", help="restore into this database instead of the configured one"
        )
        parser.add_argument(
            "--media-root", default="", help="put the evidence files here instead of MEDIA_ROOT"
        )

    def handle(self, *args, archive, database_url="", media_root="", **options):
        try:
            manifest = restore(archive, database_url or None, media_root or None)
        except BackupError as exc:
            raise CommandError(f"restore refused: {exc}") from exc
        head = manifest["audit_head"]
        self.stdout.write(
            self.style.SUCCESS(
                f"restored and verified: {sum(manifest['counts'].values())} rows in {len(manifest['counts'])} tables, "
                f"{len(manifest['files'])} evidence files, audit head {head['seq']}"
            )
        )
