"""What a clinician reads: per-patient summaries computed in the database, in one query per page."""

import datetime as dt

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from accounts.models import User

from .models import CareGrant, CheckIn, Episode, EpisodeTerm, counted, cramps_sum, times_woken_sum
from .red_flags import LONG_AFTER_SECONDS, RED_FLAG_SYMPTOMS, RISE_MINIMUM, RISE_WINDOW_DAYS, SEVERE_FROM

WINDOW_DAYS = 30

# Column name in the table -> what it sorts by. Patients getting worse always come first.
SORTS = {
    "name": "full_name",
    "recent": "recent",
    "change": "change",
    "mean": "mean_severity",
    "worst": "worst_severity",
    "woken": "times_woken",
    "flags": "red_flag_entries",
    "last_entry": "last_entry",
    "last_checkin": "last_checkin",
}
DEFAULT_SORT = "-recent"


def red_flag_condition(prefix: str = "") -> Q:
    """Episodes with a warning sign (see tracker.red_flags); `prefix` names the relation, e.g. "last_60__"."""
    flagged_symptom = EpisodeTerm.objects.filter(
        episode=OuterRef(f"{prefix}pk"), term__kind="symptom", term__slug__in=list(RED_FLAG_SYMPTOMS)
    )
    return Q(**{f"{prefix}severity__gte": SEVERE_FROM, f"{prefix}duration_seconds__gt": LONG_AFTER_SECONDS}) | Q(
        Exists(flagged_symptom)
    )


def with_summaries(patients: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """Annotate each patient with the figures of the last 30 days against the 30 before.

    One join to the patient's episodes of the last 60 days (the (patient, started_at) index
    finds them), counted with FILTER clauses: no per-patient subquery over the episodes.
    Counts are of cramps (tracker.models.counted); the mean severity is that of the counted entries
    (a tally's is its worst); red-flag entries are entries, described cramps of a tally included.
    """
    now = now or timezone.now()
    recent_from = now - dt.timedelta(days=WINDOW_DAYS)
    previous_from = now - dt.timedelta(days=2 * WINDOW_DAYS)
    rise_from = now - dt.timedelta(days=RISE_WINDOW_DAYS)
    recent = Q(last_60__started_at__gte=recent_from)
    return (
        patients.annotate(
            last_60=FilteredRelation(
                "episodes", condition=Q(episodes__started_at__gte=previous_from, episodes__started_at__lte=now)
            )
        )
        .annotate(
            recent=cramps_sum("last_60__", recent),
            previous=cramps_sum("last_60__", Q(last_60__started_at__lt=recent_from)),
            recent_14=cramps_sum("last_60__", Q(last_60__started_at__gte=rise_from)),
            previous_14=cramps_sum(
                "last_60__",
                Q(
                    last_60__started_at__gte=rise_from - dt.timedelta(days=RISE_WINDOW_DAYS),
                    last_60__started_at__lt=rise_from,
                ),
            ),
            mean_severity=Avg("last_60__severity", filter=recent & counted("last_60__")),
            worst_severity=Max("last_60__severity", filter=recent & counted("last_60__")),
            times_woken=times_woken_sum("last_60__", recent),
            red_flag_entries=Count("last_60", filter=recent & red_flag_condition("last_60__")),
            last_entry=Subquery(
                Episode.objects.filter(patient=OuterRef("pk")).order_by("-started_at").values("started_at")[:1]
            ),
            last_checkin=Subquery(CheckIn.objects.filter(patient=OuterRef("pk")).order_by("-day").values("day")[:1]),
        )
        .annotate(
            change=F("recent") - F("previous"),
            worsening=Case(
                When(red_flag_entries__gt=0, then=Value(True)),
                When(
                    Q(recent_14__gte=RISE_MINIMUM) & Q(GreaterThanOrEqual(F("recent_14"), F("previous_14") * 2)),
                    then=Value(True),
                ),
                # 50% more cramps than the 30 days before (and more than one more).
                When(
                    Q(GreaterThanOrEqual(F("recent") * 2, F("previous") * 3)) & Q(recent__gte=F("previous") + 2),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


class PatientSummaries:
    """The clinic list as Paginator wants it: counted from the grants alone; the summaries are
    computed in the query that fetches one page."""

    def __init__(self, patients: QuerySet, summarised: QuerySet):
        self.patients = patients
        self.summarised = summarised

    def count(self) -> int:
        return self.patients.count()

    def __getitem__(self, index):
        return self.summarised[index]


def clinic_patients(clinician: User, sort: str = DEFAULT_SORT) -> PatientSummaries:
    """The clinician's patients with an active grant, summarised, getting-worse first, then by `sort`."""
    granted = CareGrant.objects.active(timezone.now().date()).filter(clinician=clinician).values("patient_id")
    patients = User.objects.filter(pk__in=granted, is_active=True)
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"), SORTS["recent"])
    order = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return PatientSummaries(
        patients, with_summaries(patients).order_by(F("worsening").desc(), order, "full_name", "pk")
    )


def summary_for(patient: User) -> User:
    """One patient with the same figures as the clinic list."""
    return with_summaries(User.objects.filter(pk=patient.pk)).get()
