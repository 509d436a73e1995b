"""Reads of questionnaires. Everything about a patient is scoped by that patient."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from uuid import UUID

from django.db.models import F, FilteredRelation, Prefetch, Q
from django.shortcuts import get_object_or_404

from accounts.models import User
from tracker.services import patient_today

from .charts import score_chart
from .models import Instrument, Item, QuestionnaireResponse, Schedule


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
    patient's schedule and scores, in one query whatever the number of answers."""
    start_at, end_at = _period_bounds(patient, start, end)
    rows = (
        Instrument.objects.annotate(
            schedule=FilteredRelation("schedules", condition=Q(schedules__patient=patient)),
            answered=FilteredRelation(
                "responses",
                condition=Q(
                    responses__patient=patient,
                    responses__answered_at__gte=start_at,
                    responses__answered_at__lt=end_at,
                ),
            ),
        )
        .filter(Q(active=True) | Q(schedule__active=True) | Q(answered__isnull=False))
        .annotate(
            schedule_every_weeks=F("schedule__every_weeks"),
            schedule_next_due=F("schedule__next_due"),
            schedule_active=F("schedule__active"),
            schedule_set_by_id=F("schedule__set_by_id"),
            schedule_set_by_name=F("schedule__set_by__full_name"),
            response_uuid=F("answered__uuid"),
            response_answered_at=F("answered__answered_at"),
            response_score=F("answered__score"),
            response_answers=F("answered__answers"),
        )
        .order_by("sort_order", "title", "pk", "answered__answered_at")
    )
    today = patient_today(patient)
    summaries: dict[int, InstrumentSummary] = {}
    for row in rows:
        summary = summaries.get(row.pk)
        if summary is None:
            summary = summaries[row.pk] = InstrumentSummary(
                instrument=row,
                start=start,
                end=end,
                today=today,
                zone=patient.zone,
                every_weeks=row.schedule_every_weeks,
                next_due=row.schedule_next_due,
                scheduled=bool(row.schedule_active),
                set_by_patient=row.schedule_set_by_id == patient.pk,
                set_by_name=row.schedule_set_by_name or "",
            )
        if row.response_uuid is not None:
            summary.points.append(
                ScorePoint(
                    uuid=row.response_uuid,
                    answered_at=row.response_answered_at,
                    score=row.response_score,
                    answers=row.response_answers,
                )
            )
    return list(summaries.values())


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
