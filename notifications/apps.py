from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminder notifications"

    def ready(self):
        from . import checks  # noqa: F401 (registers the VAPID key check)
