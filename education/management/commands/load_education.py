from django.core.management.base import BaseCommand, CommandError

from education.content import ContentError, load_pages


class Command(BaseCommand):
    help = "Load the education pages shipped in education/content/. Safe to re-run; keeps pages staff edited."

    def handle(self, *args, **options):
        try:
            report = load_pages()
        except ContentError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Education pages: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.kept_edits)} kept as edited by staff."
        )
        for slug in report.kept_edits:
            self.stdout.write(self.style.WARNING(f"  kept staff edits to {slug}: the shipped version was not loaded"))
