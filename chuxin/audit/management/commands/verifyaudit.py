from django.core.management.base import BaseCommand, CommandError

from chuxin.audit.log import check_log, current_alg


class Command(BaseCommand):
    help = (
        "Check the audit log, every chain of it: every entry's keyed MAC, the sequence numbers for gaps, and "
        "each chain's end against its stored head and the anchor file; name every entry that was changed, "
        "removed or inserted, and every chain that was removed."
    )

    def handle(self, *args, **options):
        rep = check_log()
        if not rep.ok:
            for f in rep.findings:
                self.stderr.write(f"[{f.kind}] {f.message}")
            first = rep.findings[0]
            raise CommandError(f"audit log NOT intact ({len(rep.findings)} findings): {first.message}")
        note = "" if rep.anchors else " (no anchor written yet: run `manage.py anchoraudit`)"
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {rep.checked} entries in {len(rep.ends)} chains, head {rep.last_seq} "
                f'(chain ""), {current_alg()}, '
                f"{rep.anchors} anchors agree{note}"
            )
        )
