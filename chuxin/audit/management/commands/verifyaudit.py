from django.core.management.base import BaseCommand, CommandError

from chuxin.audit.log import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain and name the first entry that was changed, removed or inserted."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"audit chain broken at entry {broken.pk} ({broken.at:%Y-%m-%d %H:%M:%S} {broken.action} "
                f"{broken.model} #{broken.object_id}) after {checked} intact entries"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} entries"))
