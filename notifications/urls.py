from django.urls import path

from . import views

app_name = "notifications"

# Every path here has two parts or none below /reminders/: the e-mail reminder's one-part links
# (/reminders/<token>/, tracker.urls) stay theirs.
urlpatterns = [
    path("", views.reminders, name="reminders"),
    path("push/subscription/", views.subscription_save, name="subscription_save"),
    path("push/unsubscribe/", views.subscription_delete, name="subscription_delete"),
    path("medicines/<uuid:medication_id>/", views.medication_reminder_new, name="medication_reminder_new"),
    path("times/<uuid:reminder_id>/", views.medication_reminder_change, name="medication_reminder_change"),
]
