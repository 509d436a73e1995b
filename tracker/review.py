"""What a clinician reads: per-patient summaries counted in the database and stored until a write or the
passing time changes them, so that the clinic list sorts hundreds of patients without reading their episodes."""

import datetime as dt
import uuid

from django.db.models import (
    Avg,
    Case,
    Count,
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
from django.utils import timezone

from accounts.models import User

from .models import CareGrant, CheckIn, ClinicSummary, Episode, TrendDirection, counted, cramps_sum, times_woken_sum
from .trends import trends_for
from .warnings import contexts_for, warnings_by_patient

WINDOW_DAYS = 30

# Column name in the table -> what it sorts by. Patients getting worse always come first.
SORTS = {
    "name": "full_name",
    "recent": "recent",
    "change": "change",
    "mean": "mean_severity",
    "worst": "worst_severity",
    "woken": "times_woken",
    "warnings": "warning_tier",
    "last_entry": "last_entry",
    "last_checkin": "last_checkin",
}
DEFAULT_SORT = "-recent"


class Windows:
    """The sliding windows of the summaries at one moment: the last 30 days against the 30 before."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.recent_from = now - dt.timedelta(days=WINDOW_DAYS)
        self.previous_from = now - dt.timedelta(days=2 * WINDOW_DAYS)

    def edges(self) -> dict[str, tuple[Q, dt.timedelta]]:
        """Each window of the last 60 days, with how long an entry stays in it: the oldest entry of a
        window leaves it (and the figures change) that long after it started."""
        return {
            "recent_edge": (Q(last_60__started_at__gte=self.recent_from), dt.timedelta(days=WINDOW_DAYS)),
            "previous_edge": (Q(last_60__started_at__lt=self.recent_from), dt.timedelta(days=2 * WINDOW_DAYS)),
        }


def with_summaries(patients: QuerySet, windows: Windows) -> QuerySet:
    """Annotate each patient with the counts of the last 30 days against the 30 before, counted now.

    One join to the patient's episodes of the last 60 days (the (patient, started_at) index
    finds them), counted with FILTER clauses: no per-patient subquery over the episodes.
    Counts are of cramps (tracker.models.counted); the mean severity is that of the counted entries
    (a tally's is its worst). Warnings and the trend are not counted here but by their own rules
    (tracker.warnings, tracker.trends), in _recount.
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
            mean_severity=Avg("last_60__severity", filter=recent & counted("last_60__")),
            worst_severity=Max("last_60__severity", filter=recent & counted("last_60__")),
            times_woken=times_woken_sum("last_60__", recent),
            last_entry=Subquery(
                Episode.objects.filter(patient=OuterRef("pk")).order_by("-started_at").values("started_at")[:1]
            ),
            last_checkin=Subquery(CheckIn.objects.filter(patient=OuterRef("pk")).order_by("-day").values("day")[:1]),
        )
        .annotate(change=F("recent") - F("previous"))
    )


COUNTED = [
    "recent",
    "previous",
    "change",
    "mean_severity",
    "worst_severity",
    "times_woken",
    "last_entry",
    "last_checkin",
]
JUDGED = [
    "warning_entries",
    "warning_tier",
    "trend",
    "recent_rate",
    "previous_rate",
    "recent_recorded_days",
    "previous_recorded_days",
]
FIGURES = COUNTED + JUDGED


def _stale(now: dt.datetime) -> Q:
    """Patients without a summary, or whose summary a write or the passing time has made out of date
    (ClinicSummary.is_current, in SQL)."""
    return (
        Q(clinic_summary__isnull=True)
        | Q(clinic_summary__computed_version__isnull=True)
        | ~Q(clinic_summary__computed_version=F("clinic_summary__log_version"))
        | Q(clinic_summary__stale_from__lte=now)
    )


def _judged(patients: list[User], now: dt.datetime) -> dict[int, dict]:
    """The figures the clinical rules give for each patient: the entries of the last 30 days with a warning
    sign and the most urgent tier (education.warning_signs), and the trend over recorded days (tracker.trends).
    Six queries whatever the number of patients."""
    contexts = contexts_for(patients)
    episodes = Episode.objects.filter(
        patient__in=patients, started_at__gte=now - dt.timedelta(days=WINDOW_DAYS), started_at__lte=now
    ).with_details()
    warnings = warnings_by_patient(episodes, contexts)
    judged = {}
    for pk, trend in trends_for(patients, now).items():
        found = warnings.get(pk, [])
        judged[pk] = {
            "warning_entries": len(found),
            "warning_tier": max((warning.tier for warning in found), default=None),
            "trend": trend.direction,
            "recent_rate": trend.recent.rate,
            "previous_rate": trend.previous.rate,
            "recent_recorded_days": trend.recent.recorded_days,
            "previous_recorded_days": trend.previous.recorded_days,
        }
    return judged


def _next_midnight(patient: User, now: dt.datetime) -> dt.datetime:
    """When the patient's local day ends: the trend's windows of local days move on then."""
    local = now.astimezone(patient.zone)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min, tzinfo=patient.zone)


def figures_now(patient_ids: list[int], now: dt.datetime) -> dict[int, dict]:
    """Each patient's figures counted at `now` (FIGURES), with the log version they were counted at and the
    first moment they may change without a write (`stale_from`): the counts in one query, the rules' figures
    in a few more (_judged). The version is read in the same statement as the entries (a new one for a
    patient whose log no write has versioned yet)."""
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
    rows = list(counted_now.values("pk", "time_zone", "version", "next_entry", *COUNTED, *edges))
    patients = [User(pk=row["pk"], time_zone=row["time_zone"]) for row in rows]
    judged = _judged(patients, now)
    figures = {}
    for row, patient in zip(rows, patients, strict=True):
        moments = [row["next_entry"], _next_midnight(patient, now)]
        moments += [row[name] + stay for name, (_, stay) in edges.items() if row[name]]
        figures[patient.pk] = {
            "version": row["version"] or uuid.uuid4(),
            "stale_from": min(moment for moment in moments if moment),
            **{name: row[name] for name in COUNTED},
            **judged[patient.pk],
        }
    return figures


def _recount(patient_ids: list[int], now: dt.datetime) -> None:
    """Count the patients' figures (figures_now) and store them in one INSERT ... ON CONFLICT UPDATE, each with
    the log version it was counted at."""
    summaries = []
    for pk, figures in figures_now(patient_ids, now).items():
        version = figures.pop("version")
        summaries.append(ClinicSummary(patient_id=pk, log_version=version, computed_version=version, **figures))
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
    worse_first = Case(When(trend=TrendDirection.WORSE, then=Value(0)), default=Value(1))
    return PatientSummaries(count, summarised.order_by(worse_first, order, "full_name", "pk"))


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
