from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Cramp tracker"

    def ready(self):
        from . import signals  # noqa: F401 (connects the receivers)
