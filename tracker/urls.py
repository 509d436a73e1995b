from django.urls import path

from tracker.clinic import views as clinic
from tracker.diary.views import account, caregiver, checkins, dashboard, episodes, offline, own_words, profile, tallies
from tracker.insights import views as insights
from tracker.portability import views as portability
from tracker.sharing import views as sharing

app_name = "tracker"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/notes-read/", dashboard.notes_read, name="notes_read"),
    path("episodes/", episodes.episode_list, name="episode_list"),
    path("episodes/new/", episodes.episode_new, name="episode_new"),
    path("episodes/tally/", tallies.tally_new, name="tally_new"),
    path("episodes/sync/", offline.episode_sync, name="episode_sync"),
    path("episodes/<uuid:episode_id>/", episodes.episode_detail, name="episode_detail"),
    path("episodes/<uuid:episode_id>/edit/", episodes.episode_edit, name="episode_edit"),
    path("episodes/<uuid:episode_id>/delete/", episodes.episode_remove, name="episode_delete"),
    path("checkin/", checkins.checkin, name="checkin"),
    path("profile/", profile.profile, name="profile"),
    path("profile/time-zone/", profile.time_zone_switch, name="time_zone_switch"),
    path("profile/words/", own_words.own_words, name="own_words"),
    path("profile/words/<int:word_id>/", own_words.own_word_edit, name="own_word_edit"),
    path("profile/words/<int:word_id>/retire/", own_words.own_word_retire, name="own_word_retire"),
    path("profile/medications/new/", profile.medication_new, name="medication_new"),
    path("profile/medications/<uuid:medication_id>/", profile.medication_edit, name="medication_edit"),
    path("profile/medications/<uuid:medication_id>/steps/", profile.medication_step_new, name="medication_step_new"),
    path(
        "profile/medications/<uuid:medication_id>/steps/<uuid:step_id>/",
        profile.medication_step_edit,
        name="medication_step_edit",
    ),
    path("insights/", insights.insights, name="insights"),
    path("export/", portability.export_page, name="export"),
    path("export/<str:export_format>/", portability.export_download, name="export_download"),
    path("import/", portability.import_episodes, name="import"),
    path("account/delete/", account.account_delete, name="account_delete"),
    path("reminders/<str:token>/", account.reminder_checkin, name="reminder_checkin"),
    path("sharing/", sharing.sharing, name="sharing"),
    path("sharing/<uuid:grant_id>/end/", sharing.grant_end_view, name="grant_end"),
    path("sharing/<uuid:grant_id>/resend/", sharing.invitation_resend, name="invitation_resend"),
    # Caregivers: the patients they help, each one's log, and logging cramps, tallies and check-ins for them
    # (views/caregiver.py).
    path("care/", caregiver.care_home, name="care_home"),
    path("care/accept/", caregiver.care_accept, name="care_accept"),
    path("care/patients/<int:patient_id>/", caregiver.care_log, name="care_log"),
    path("care/patients/<int:patient_id>/log/", caregiver.care_episode_new, name="care_episode_new"),
    path("care/patients/<int:patient_id>/tally/", caregiver.care_tally_new, name="care_tally_new"),
    path("care/patients/<int:patient_id>/checkin/", caregiver.care_checkin, name="care_checkin"),
    path(
        "care/patients/<int:patient_id>/entries/<uuid:episode_id>/edit/",
        caregiver.care_episode_edit,
        name="care_episode_edit",
    ),
    path(
        "care/patients/<int:patient_id>/entries/<uuid:episode_id>/delete/",
        caregiver.care_episode_delete,
        name="care_episode_delete",
    ),
    path("clinic/", clinic.clinic, name="clinic"),
    path("clinic/accept/", clinic.accept, name="accept"),
    path("clinic/patients/<int:patient_id>/", clinic.patient_review, name="patient_review"),
    path("clinic/patients/<int:patient_id>/entries/", clinic.patient_entries, name="patient_entries"),
    path("clinic/patients/<int:patient_id>/notes/", clinic.note_new, name="note_new"),
    path("clinic/patients/<int:patient_id>/report/", clinic.report, name="report"),
    path("clinic/patients/<int:patient_id>/export.csv", clinic.export_csv, name="export_csv"),
    path(
        "clinic/patients/<int:patient_id>/export/<str:export_format>/",
        portability.clinician_export_download,
        name="clinician_export_download",
    ),
]
