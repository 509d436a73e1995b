from django.core.management.base import BaseCommand

from tracker.diary.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "E-mail today's check-in reminder to each patient whose reminder time has come in their own time zone "
        "and who has not checked in today; patients whom notifications reach get it from send_push_reminders "
        "instead. Run it from cron every 15 minutes, for example "
        "'*/15 * * * * cd /srv/crampapp && .venv/bin/python manage.py send_checkin_reminders'. "
        "Safe to re-run and to overlap: a patient gets at most one reminder per local day."
    )

    def handle(self, *args, **options):
        sent = send_due_reminders()
        self.stdout.write(f"Check-in reminders sent: {sent}.")
