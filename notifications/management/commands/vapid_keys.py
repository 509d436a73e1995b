from django.core.management.base import BaseCommand, CommandError

from notifications.vapid import generate_vapid_keys


class Command(BaseCommand):
    help = (
        "Make a VAPID key pair for notifications and print the environment lines to set. Keep the private key "
        "secret. New keys stop every device's notifications until it turns them on again, so make them once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--subject",
            default="mailto:admin@example.org",
            help="Where push services can write about our notifications: a mailto: or https:// address.",
        )

    def handle(self, *args, subject: str, **options):
        if not subject.startswith(("mailto:", "https://")):
            raise CommandError(f"--subject must be a mailto: or https:// address; got {subject!r}.")
        keys = generate_vapid_keys()
        self.stdout.write(f"VAPID_PUBLIC_KEY={keys.public_key}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={keys.private_key}")
        self.stdout.write(f"VAPID_SUBJECT={subject}")
