"""What a clinician reads: per-patient summaries counted in the database and stored until a write or the
passing time changes them, so that the clinic list sorts hundreds of patients without reading their episodes."""

import datetime as dt
import uuid

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    Max,
    Min,
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

from .models import CareGrant, CheckIn, ClinicSummary, Episode, EpisodeTerm, counted, cramps_sum, times_woken_sum
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


class Windows:
    """The sliding windows of the summaries at one moment: the last 30 days against the 30 before, and the
    last 14 against the 14 before (tracker.red_flags' rise)."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.recent_from = now - dt.timedelta(days=WINDOW_DAYS)
        self.previous_from = now - dt.timedelta(days=2 * WINDOW_DAYS)
        self.rise_from = now - dt.timedelta(days=RISE_WINDOW_DAYS)
        self.rise_previous_from = now - dt.timedelta(days=2 * RISE_WINDOW_DAYS)

    def edges(self) -> dict[str, tuple[Q, dt.timedelta]]:
        """Each window of the last 60 days, with how long an entry stays in it: the oldest entry of a
        window leaves it (and the figures change) that long after it started."""
        return {
            "recent_edge": (Q(last_60__started_at__gte=self.recent_from), dt.timedelta(days=WINDOW_DAYS)),
            "previous_edge": (Q(last_60__started_at__lt=self.recent_from), dt.timedelta(days=2 * WINDOW_DAYS)),
            "rise_edge": (Q(last_60__started_at__gte=self.rise_from), dt.timedelta(days=RISE_WINDOW_DAYS)),
            "rise_previous_edge": (
                Q(last_60__started_at__gte=self.rise_previous_from, last_60__started_at__lt=self.rise_from),
                dt.timedelta(days=2 * RISE_WINDOW_DAYS),
            ),
        }


def with_summaries(patients: QuerySet, windows: Windows) -> QuerySet:
    """Annotate each patient with the figures of the last 30 days against the 30 before, counted now.

    One join to the patient's episodes of the last 60 days (the (patient, started_at) index
    finds them), counted with FILTER clauses: no per-patient subquery over the episodes.
    Counts are of cramps (tracker.models.counted); the mean severity is that of the counted entries
    (a tally's is its worst); red-flag entries are entries, described cramps of a tally included.
    """
    now = windows.now
    recent = Q(last_60__started_at__gte=windows.recent_from)
    return (
        patients.annotate(
            last_60=FilteredRelation(
                "episodes", condition=Q(episodes__started_at__gte=windows.previous_from, episodes__started_at__lte=now)
            )
        )
        .annotate(
            recent=cramps_sum("last_60__", recent),
            previous=cramps_sum("last_60__", Q(last_60__started_at__lt=windows.recent_from)),
            recent_14=cramps_sum("last_60__", Q(last_60__started_at__gte=windows.rise_from)),
            previous_14=cramps_sum(
                "last_60__",
                Q(last_60__started_at__gte=windows.rise_previous_from, last_60__started_at__lt=windows.rise_from),
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


FIGURES = [
    "recent",
    "previous",
    "change",
    "mean_severity",
    "worst_severity",
    "times_woken",
    "red_flag_entries",
    "last_entry",
    "last_checkin",
    "worsening",
]


def _stale(now: dt.datetime) -> Q:
    """Patients without a summary, or whose summary a write or the passing time has made out of date
    (ClinicSummary.is_current, in SQL)."""
    return (
        Q(clinic_summary__isnull=True)
        | Q(clinic_summary__computed_version__isnull=True)
        | ~Q(clinic_summary__computed_version=F("clinic_summary__log_version"))
        | Q(clinic_summary__stale_from__lte=now)
    )


def _recount(patient_ids: list[int], now: dt.datetime) -> None:
    """Count the patients' figures and store them, in two queries: the count, then one INSERT ... ON CONFLICT
    UPDATE. Each keeps the log version it was counted at, read in the same statement as the entries (a new
    one for a patient whose log no write has versioned yet)."""
    windows = Windows(now)
    edges = windows.edges()
    counted_now = with_summaries(User.objects.filter(pk__in=patient_ids), windows).annotate(
        version=F("clinic_summary__log_version"),
        next_entry=Subquery(
            Episode.objects.filter(patient=OuterRef("pk"), started_at__gt=now)
            .order_by("started_at")
            .values("started_at")[:1]
        ),
        **{name: Min("last_60__started_at", filter=window) for name, (window, _) in edges.items()},
    )
    summaries = []
    for row in counted_now.values("pk", "version", "next_entry", *FIGURES, *edges):
        version = row["version"] or uuid.uuid4()
        moments = [row["next_entry"]] + [row[name] + stay for name, (_, stay) in edges.items() if row[name]]
        summaries.append(
            ClinicSummary(
                patient_id=row["pk"],
                log_version=version,
                computed_version=version,
                stale_from=min((moment for moment in moments if moment), default=None),
                **{name: row[name] for name in FIGURES},
            )
        )
    ClinicSummary.objects.bulk_create(
        summaries,
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=["computed_version", "stale_from", *FIGURES],
    )


def summaries_refresh(patients: QuerySet, now: dt.datetime) -> int:
    """Bring the patients' stored summaries up to date and say how many patients there are: one query when
    the summaries are current, four when some are not."""
    counts = patients.aggregate(patients=Count("pk"), stale=Count("pk", filter=_stale(now)))
    if counts["stale"]:
        _recount(list(patients.filter(_stale(now)).values_list("pk", flat=True)), now)
    return counts["patients"]


class PatientSummaries:
    """The clinic list as Paginator wants it: the number of patients, counted as their summaries were
    brought up to date; one page of patients is read with their stored summaries."""

    def __init__(self, count: int, summarised: QuerySet):
        self._count = count
        self.summarised = summarised

    def count(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.summarised[index]


def clinic_patients(clinician: User, sort: str = DEFAULT_SORT) -> PatientSummaries:
    """The clinician's patients with an active grant, getting-worse first, then by `sort`; their summaries are
    brought up to date first (summaries_refresh), so sorting them reads no episode."""
    now = timezone.now()
    granted = CareGrant.objects.active(now.date()).filter(clinician=clinician).values("patient_id")
    patients = User.objects.filter(pk__in=granted, is_active=True)
    count = summaries_refresh(patients, now)
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"), SORTS["recent"])
    order = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    summarised = patients.only("pk", "full_name").annotate(**{name: F(f"clinic_summary__{name}") for name in FIGURES})
    return PatientSummaries(count, summarised.order_by(F("worsening").desc(nulls_last=True), order, "full_name", "pk"))


def summary_for(patient: User) -> ClinicSummary:
    """One patient's figures, as in the clinic list: none or one query when the stored summary is current
    (access_patient reads it with the patient)."""
    now = timezone.now()
    try:
        summary = patient.clinic_summary
    except ClinicSummary.DoesNotExist:
        summary = None
    if summary is None or not summary.is_current(now):
        _recount([patient.pk], now)
        summary = ClinicSummary.objects.get(patient=patient)
    return summary
