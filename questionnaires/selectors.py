"""Reads of questionnaires. Everything about a patient is scoped by that patient."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from uuid import UUID

from django.db import connection
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.models import User
from tracker.services import patient_today
from tracker.written_sql import columns, converted

from .charts import score_chart
from .models import Instrument, Item, QuestionnaireResponse, Schedule
from .offers import offers_for


@dataclass(frozen=True)
class ScorePoint:
    uuid: UUID
    answered_at: dt.datetime
    score: Decimal
    answers: list[dict]


@dataclass
class InstrumentSummary:
    """One instrument for one patient: the schedule, and the scores of a period, oldest first."""

    instrument: Instrument
    start: dt.date
    end: dt.date
    today: dt.date
    zone: dt.tzinfo
    every_weeks: int | None = None
    next_due: dt.date | None = None
    scheduled: bool = False
    set_by_patient: bool = False
    set_by_name: str = ""
    points: list[ScorePoint] = field(default_factory=list)

    @property
    def is_due(self) -> bool:
        return self.scheduled and self.next_due is not None and self.next_due <= self.today

    @property
    def latest(self) -> ScorePoint | None:
        return self.points[-1] if self.points else None

    @property
    def first(self) -> ScorePoint | None:
        return self.points[0] if self.points else None

    @property
    def change(self) -> Decimal | None:
        """Latest score minus the first of the period; None with fewer than two answers."""
        return self.points[-1].score - self.points[0].score if len(self.points) > 1 else None

    @cached_property
    def chart(self) -> dict:
        return score_chart(
            self.points,
            start=self.start,
            end=self.end,
            zone=self.zone,
            score_min=self.instrument.score_min,
            score_max=self.instrument.score_max,
        )


def _period_bounds(patient: User, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = patient.zone
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def summary_for(patient: User, start: dt.date, end: dt.date) -> list[InstrumentSummary]:
    """Every instrument offered, scheduled or answered in the patient's local dates start..end, with the
    patient's schedule and scores, in one query whatever the number of answers.

    The statement is written out (tracker.written_sql): the clinician's review reads it on every visit, and
    building it with querysets cost twice what running it does."""
    start_at, end_at = _period_bounds(patient, start, end)
    instrument_sql, instrument_columns = columns(Instrument, "instrument")
    schedule_sql, schedule_columns = columns(Schedule, "schedule", ["every_weeks", "next_due", "active", "set_by"])
    setter_sql, setter_columns = columns(User, "setter", ["full_name"])
    answer_sql, answer_columns = columns(QuestionnaireResponse, "answer", ["uuid", "answered_at", "score", "answers"])
    instruments, schedules = Instrument._meta.db_table, Schedule._meta.db_table
    users, responses = User._meta.db_table, QuestionnaireResponse._meta.db_table
    sql = (
        f"SELECT {instrument_sql}, {schedule_sql}, {setter_sql}, {answer_sql}"  # noqa: S608 (names only)
        f" FROM {instruments} instrument"
        f" LEFT JOIN {schedules} schedule ON schedule.instrument_id = instrument.id AND schedule.patient_id = %s"
        f" LEFT JOIN {users} setter ON setter.id = schedule.set_by_id"
        f" LEFT JOIN {responses} answer ON answer.instrument_id = instrument.id AND answer.patient_id = %s"
        " AND answer.answered_at >= %s AND answer.answered_at < %s"
        " WHERE instrument.active OR schedule.active OR answer.id IS NOT NULL"
        " ORDER BY instrument.sort_order, instrument.title, instrument.id, answer.answered_at"
    )
    operations = connection.ops
    params = [patient.pk, patient.pk, operations.adapt_datetimefield_value(start_at)]
    params.append(operations.adapt_datetimefield_value(end_at))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    selected = [*instrument_columns, *schedule_columns, *setter_columns, *answer_columns]
    instrument_fields = [column.target.attname for column in instrument_columns]
    width = len(instrument_fields)
    today = patient_today(patient)
    summaries: dict[int, InstrumentSummary] = {}
    for row in converted(fetched, selected):
        instrument_id = row[instrument_fields.index("id")]
        every_weeks, next_due, active, set_by_id, set_by_name, uuid, answered_at, score, answers = row[width:]
        summary = summaries.get(instrument_id)
        if summary is None:
            summary = summaries[instrument_id] = InstrumentSummary(
                instrument=Instrument.from_db(connection.alias, instrument_fields, row[:width]),
                start=start,
                end=end,
                today=today,
                zone=patient.zone,
                every_weeks=every_weeks,
                next_due=next_due,
                scheduled=bool(active),
                set_by_patient=set_by_id == patient.pk,
                set_by_name=set_by_name or "",
            )
        if uuid is not None:
            summary.points.append(ScorePoint(uuid=uuid, answered_at=answered_at, score=score, answers=answers))
    return list(summaries.values())


def offered_and_more(
    patient: User, start: dt.date, end: dt.date
) -> tuple[list[InstrumentSummary], list[InstrumentSummary]]:
    """The list page's two groups: the questionnaires offered to the patient (their rule applies, or they
    are scheduled or answered in the period), and the others the patient can add (two queries)."""
    met = offers_for(patient)
    offered, more = [], []
    for summary in summary_for(patient, start, end):
        shown = summary.scheduled or summary.points or summary.instrument.offered_to in met
        (offered if shown else more).append(summary)
    return offered, more


def due_for(patient: User) -> list[Schedule]:
    """The patient's questionnaires due today or earlier, in their own zone."""
    return list(
        Schedule.objects.for_patient(patient)
        .due(patient_today(patient))
        .select_related("instrument")
        .order_by("instrument__sort_order", "instrument__title")
    )


def access_instrument(slug: str) -> Instrument:
    """An instrument patients can answer, with its items; 404 for unknown or retired ones."""
    items = Prefetch("items", queryset=Item.objects.order_by("sort_order"))
    return get_object_or_404(Instrument.objects.active().prefetch_related(items), slug=slug)


def schedule_of(patient: User, instrument: Instrument) -> Schedule | None:
    return Schedule.objects.for_patient(patient).filter(instrument=instrument).select_related("set_by").first()


def responses_for_export(patient: User):
    """All the patient's answers, oldest first, with each instrument and its items (two queries)."""
    items = Prefetch("instrument__items", queryset=Item.objects.order_by("sort_order"))
    return (
        QuestionnaireResponse.objects.for_patient(patient)
        .select_related("instrument")
        .prefetch_related(items)
        .order_by("answered_at")
    )
