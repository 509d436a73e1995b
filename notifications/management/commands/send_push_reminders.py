from django.core.management.base import BaseCommand

from notifications.sender import send_due_pushes
from notifications.vapid import push_available


class Command(BaseCommand):
    help = (
        "Send the reminders that are due as notifications: the daily check-in to patients whom notifications "
        "reach (the others get it by e-mail from send_checkin_reminders) and each medicine reminder whose time "
        "has come in the patient's own time zone. Run it from cron every 15 minutes, next to "
        "send_checkin_reminders, for example "
        "'*/15 * * * * cd /srv/crampapp && .venv/bin/python manage.py send_push_reminders'. "
        "Safe to re-run and to overlap: at most one check-in reminder per patient per local day (by either "
        "channel) and one notification per medicine reminder per local day."
    )

    def handle(self, *args, **options):
        if not push_available():
            self.stdout.write(
                "Notifications are not set up (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT): none sent."
            )
            return
        run = send_due_pushes()
        self.stdout.write(f"Notifications sent: {run.checkins} check-in, {run.medications} medicine.")
