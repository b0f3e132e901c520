from pathlib import Path

from django.core.management.base import BaseCommand

from chuxin.documents.generate import BASE_DOCX
from chuxin.documents.layout import build_base


class Command(BaseCommand):
    help = "(Re)build the default base.docx (GB/T 9704-2012 page and styles) the documents are written on."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(BASE_DOCX), help="where to write the .docx")

    def handle(self, *args, output, **options):
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        build_base().save(str(path))
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}"))
