from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Cramp tracker"

    def ready(self):
        from tracker import lookups  # noqa: F401 (registers the lookup)
        from tracker.diary import signals  # noqa: F401 (connects the receivers)
