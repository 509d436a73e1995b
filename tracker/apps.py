from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Cramp tracker"

    def ready(self):
        from . import lookups, signals  # noqa: F401 (registers the lookup, connects the receivers)
