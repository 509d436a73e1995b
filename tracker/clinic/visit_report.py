"""What the visit report shows besides its charts: the period's figures, weeks and entries, the diagnoses, the
medicines with their steps, and the clinicians' notes."""

import datetime as dt
from dataclasses import dataclass

from accounts.models import User
from tracker.counting import DayStats, daily_stats, weeks_of, window_of
from tracker.diary.selectors import episodes_filtered, table_entries
from tracker.insights.figures import course_steps, medication_courses, medications_with_steps
from tracker.models import ClinicianNote, Medication, MedicationStep
from tracker.warnings import contexts_for, with_warnings


def _start_of_day(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


@dataclass(frozen=True)
class MedicineHistory:
    """A medicine in the visit report with its steps up to today, each numbered as its mark on the treatment
    timeline (every medicine's steps in date order: tracker.insights.charts.timeline_chart)."""

    medication: Medication
    steps: list[tuple[int, MedicationStep]]
    taken_now: bool


def medicine_histories(
    medications: list[Medication], courses: list[tuple[Medication, list[MedicationStep]]], today: dt.date
) -> list[MedicineHistory]:
    """The medicines taken now first, then those stopped, each group in the order of its first step (those
    without a date last); no query when `medications` come from medications_with_steps and `courses` from
    medication_courses (for the same medicines)."""
    numbers = {id(step): number for number, step in enumerate(course_steps(courses), start=1)}
    dated = {medication.pk for medication, _ in courses}
    undated = [(medication, []) for medication in medications if medication.pk not in dated]
    histories = [
        MedicineHistory(
            medication=medication,
            steps=[(numbers[id(step)], step) for step in steps],
            taken_now=medication.stopped_on is None or medication.stopped_on > today,
        )
        for medication, steps in [*courses, *undated]
    ]
    return sorted(histories, key=lambda history: not history.taken_now)


def visit_report(
    patient: User,
    start: dt.date,
    end: dt.date,
    stats: dict[dt.date, DayStats] | None = None,
    *,
    medications: list[Medication] | None = None,
    courses: list[tuple[Medication, list[MedicationStep]]] | None = None,
    with_notes: bool = True,
) -> dict:
    """Everything the visit report shows for the patient's local dates start..end besides its charts: the
    figures, weeks and entries, the diagnoses, the medicines with their steps, and the clinicians' notes
    unless `with_notes` is off (the patient's own copy). `stats` are those days' DayStats, `medications`
    (medications_with_steps) and `courses` (medication_courses) what the caller has read already."""
    if stats is None:
        stats = daily_stats(patient, start, end)
    today = patient.today()
    if medications is None:
        medications = medications_with_steps(patient)
    if courses is None:
        courses = medication_courses(patient, today, medications)
    context = contexts_for([patient], medications)[patient.pk]
    days = list(stats.values())
    episodes = with_warnings(
        patient,
        table_entries(
            patient, episodes_filtered(patient, date_from=start, date_to=end).for_table().order_by("started_at")
        ),
        context,
    )
    # The entries that carry the count of cramps (tracker.counting): a tally counts its cramps, its described
    # cramps not again; spasms and twitches are counted apart.
    counted = [episode for episode in episodes if episode.counted_cramps]
    period = window_of("Period", stats, start, end)
    flagged = [episode for episode in episodes if episode.warning]
    notes = []
    if with_notes:
        period_start = _start_of_day(start, patient.zone)
        period_end = _start_of_day(end + dt.timedelta(days=1), patient.zone)
        notes = ClinicianNote.objects.filter(
            patient=patient, created_at__gte=period_start, created_at__lt=period_end
        ).select_related("author", "episode")
    return {
        "start": start,
        "end": end,
        "episodes": episodes,
        "weeks": weeks_of(stats),
        "flagged": flagged,
        "notes": notes,
        "conditions": context.condition_labels,
        "medicines": medicine_histories(medications, courses, today),
        "period": period,
        "figures": {
            "cramps": period.cramps,
            "entries": sum(day.entries for day in days),
            "days": period.days,
            "recorded_days": period.recorded_days,
            "cramp_free_days": period.cramp_free_days,
            "mean_severity": period.mean_severity,
            "worst_severity": period.worst_severity,
            "spasms": period.spasms,
            "twitches": period.twitches,
            "unsure": period.unsure,
            "times_woken": sum(episode.wakings for episode in counted),
            # Single cramps and night tallies that do not say whether they woke the patient: not counted as no.
            "woke_not_said": sum(episode.wakings_not_said for episode in counted),
            "nights_disturbed": period.nights_disturbed,
            "nights_answered": period.nights_answered,
        },
    }
