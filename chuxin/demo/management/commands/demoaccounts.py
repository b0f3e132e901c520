from django.core.management.base import BaseCommand

from chuxin.demo.generator import PASSWORD, make_accounts


class Command(BaseCommand):
    help = "Create the demo accounts if missing and print them."

    def handle(self, *args, **options):
        accounts = make_accounts()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Chuxin demo: http://127.0.0.1:8000/"))
        self.stdout.write(f"Demo accounts (password for all: {PASSWORD}):")
        for username, label in accounts:
            self.stdout.write(f"  {username:<12} {label}")
        self.stdout.write("")
