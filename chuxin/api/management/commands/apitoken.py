from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chuxin.api.actions import do_create_api_token
from chuxin.api.models import TokenScope
from chuxin.core.errors import ActionError


class Command(BaseCommand):
    help = "Make a personal access token for USERNAME and print it once (it is stored only as a hash)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--expires", type=int, metavar="DAYS", help="valid for this many days (default: no end)"
        )
        parser.add_argument("--write", action="store_true", help="read-write (default: read-only)")
        parser.add_argument("--name", default="script", help="what the token is for")

    def handle(self, username, expires=None, write=False, name="script", **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}")
        try:
            _row, token = do_create_api_token(
                user,
                name=name,
                scope=TokenScope.WRITE if write else TokenScope.READ,
                expires_days=expires,
                acting_user=user,
            )
        except ActionError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(token)
