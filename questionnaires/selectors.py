"""Reads of questionnaires. Everything about a patient is scoped by that patient."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from uuid import UUID

from django.db.models import F, FilteredRelation, Prefetch, Q
from django.shortcuts import get_object_or_404

from accounts.models import User

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
    patient's schedule and scores, in one query whatever the number of answers: each instrument with its
    schedule joined, once per answer of the period (or once without one)."""
    start_at, end_at = _period_bounds(patient, start, end)
    rows = (
        Instrument.objects.annotate(
            own_schedule=FilteredRelation("schedules", condition=Q(schedules__patient=patient)),
            answer=FilteredRelation(
                "responses",
                condition=Q(
                    responses__patient=patient,
                    responses__answered_at__gte=start_at,
                    responses__answered_at__lt=end_at,
                ),
            ),
        )
        .filter(Q(active=True) | Q(own_schedule__active=True) | Q(answer__isnull=False))
        .annotate(
            every_weeks=F("own_schedule__every_weeks"),
            next_due=F("own_schedule__next_due"),
            scheduled=F("own_schedule__active"),
            set_by_id=F("own_schedule__set_by_id"),
            set_by_name=F("own_schedule__set_by__full_name"),
            answer_uuid=F("answer__uuid"),
            answered_at=F("answer__answered_at"),
            score=F("answer__score"),
            answers=F("answer__answers"),
        )
        .order_by("sort_order", "title", "pk", "answered_at")
    )
    today = patient.today()
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
                every_weeks=row.every_weeks,
                next_due=row.next_due,
                scheduled=bool(row.scheduled),
                set_by_patient=row.set_by_id == patient.pk,
                set_by_name=row.set_by_name or "",
            )
        if row.answer_uuid is not None:
            summary.points.append(
                ScorePoint(uuid=row.answer_uuid, answered_at=row.answered_at, score=row.score, answers=row.answers)
            )
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
        .due(patient.today())
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
