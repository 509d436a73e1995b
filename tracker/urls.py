from django.urls import path

from .views import checkins, clinic, dashboard, episodes, profile

app_name = "tracker"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("episodes/", episodes.episode_list, name="episode_list"),
    path("episodes/new/", episodes.episode_new, name="episode_new"),
    path("episodes/<uuid:episode_id>/", episodes.episode_detail, name="episode_detail"),
    path("episodes/<uuid:episode_id>/edit/", episodes.episode_edit, name="episode_edit"),
    path("episodes/<uuid:episode_id>/delete/", episodes.episode_remove, name="episode_delete"),
    path("checkin/", checkins.checkin, name="checkin"),
    path("profile/", profile.profile, name="profile"),
    path("profile/medications/new/", profile.medication_new, name="medication_new"),
    path("profile/medications/<uuid:medication_id>/", profile.medication_edit, name="medication_edit"),
    path("clinic/", clinic.clinic, name="clinic"),
]
