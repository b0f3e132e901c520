from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chuxin.orgs.actions import do_reset_second_factor


class Command(BaseCommand):
    help = (
        "Remove an account's authenticator and recovery codes (a lost phone without recovery codes); the account "
        "sets up a new one at its next log-in. Audited as auth.second_factor_reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reason", default="", help="why (kept in the audit entry), e.g. a ticket number"
        )

    def handle(self, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        removed = do_reset_second_factor(
            user, acting_user=None, reason=reason or "manage.py resetsecondfactor"
        )
        self.stdout.write(
            f"{username}: {removed} device(s) removed; a new authenticator is set up at the next log-in."
        )
