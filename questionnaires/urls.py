from django.urls import path

from . import views

app_name = "questionnaires"

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="list"),
    path("questionnaires/<slug:slug>/", views.answer, name="answer"),
    path("questionnaires/<slug:slug>/schedule/", views.schedule, name="schedule"),
    # Under /clinic/ so that the clinicians' two-factor check covers it.
    path(
        "clinic/patients/<int:patient_id>/questionnaires/<slug:slug>/schedule/",
        views.clinician_schedule,
        name="clinician_schedule",
    ),
]
