"""What a clinician reads: per-patient summaries counted in the database and stored until a write or the
passing time changes them, so that the clinic list sorts hundreds of patients without reading their episodes."""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from tracker.counting import mean_daily_worst
from tracker.diary.selectors import episodes_filtered, table_entries
from tracker.models import (
    CareGrant,
    CheckIn,
    ClinicSummary,
    Episode,
    TrendDirection,
)
from tracker.trends import local_days_for, trend_from_days
from tracker.warnings import PatientContext, contexts_for, warnings_by_patient, with_warnings

WINDOW_DAYS = 30

# Column name in the table -> what it sorts by. By default (the cramps, most first) patients getting worse come first.
SORTS = {
    "name": "full_name",
    "recent": "recent",
    "mean": "mean_severity",
    "worst": "worst_severity",
    "woken": "times_woken",
    "warnings": "warning_tier",
    "last_entry": "last_entry",
    "last_checkin": "last_checkin",
}
DEFAULT_SORT = "-recent"


def with_summaries(patients: QuerySet) -> QuerySet:
    """Annotate each patient with their last entry and check-in (the figures of the last 30 local days are the
    rules', in _judged). A check-in is a day someone answered: the mark a logged cramp leaves on its day is not
    the patient keeping the daily check-in."""
    answered = CheckIn.objects.filter(patient=OuterRef("pk")).exclude(
        status=CheckIn.Status.HAD_CRAMPS, created_by__isnull=True
    )
    return patients.annotate(
        last_entry=Subquery(
            Episode.objects.filter(patient=OuterRef("pk")).order_by("-started_at").values("started_at")[:1]
        ),
        last_checkin=Subquery(answered.order_by("-day").values("day")[:1]),
    )


COUNTED = [
    "last_entry",
    "last_checkin",
]
JUDGED = [
    "recent",
    "recorded_days",
    "times_woken",
    "woke_not_said",
    "mean_severity",
    "worst_severity",
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
    """The figures the clinical rules give for each patient over their last 30 local days (each entry on the day
    of the zone it happened in, as tracker.counting counts them): their cramps, the days recorded, the mean of
    each day's worst severity and the worst, how often cramps woke them (and the entries that do not say), the
    entries with a warning sign and the most urgent tier (education.warning_signs); and the trend over recorded
    days (tracker.trends). Six queries whatever the number of patients (a seventh when one has a diagnosis that
    explains a sign)."""
    contexts = contexts_for(patients)
    days_by_patient = local_days_for(patients, now, WINDOW_DAYS)
    # Two days more than the window: the first local day of any zone an entry is in, as local_days_for reads.
    episodes = Episode.objects.filter(
        patient__in=patients, started_at__gte=now - dt.timedelta(days=WINDOW_DAYS + 2), started_at__lte=now
    ).with_facts()
    in_window = [episode for episode in episodes if episode.local_day in days_by_patient[episode.patient_id]]
    warnings = warnings_by_patient(in_window, contexts)
    entries_by_patient = defaultdict(list)
    for episode in in_window:
        entries_by_patient[episode.patient_id].append(episode)
    judged = {}
    for patient in patients:
        found = warnings.get(patient.pk, [])
        days = list(days_by_patient[patient.pk].values())
        entries = entries_by_patient[patient.pk]
        trend = trend_from_days(days, now.astimezone(patient.zone).date())
        judged[patient.pk] = {
            "recent": sum(day.cramps for day in days),
            "recorded_days": sum(day.recorded for day in days),
            "times_woken": sum(episode.wakings for episode in entries),
            "woke_not_said": sum(episode.wakings_not_said for episode in entries),
            "mean_severity": mean_daily_worst(days),
            "worst_severity": max((day.worst for day in days if day.worst is not None), default=None),
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
    counted_now = with_summaries(User.objects.filter(pk__in=patient_ids)).annotate(
        version=F("clinic_summary__log_version"),
        next_entry=Subquery(
            Episode.objects.filter(patient=OuterRef("pk"), started_at__gt=now)
            .order_by("started_at")
            .values("started_at")[:1]
        ),
    )
    rows = list(counted_now.values("pk", "time_zone", "version", "next_entry", *COUNTED))
    patients = [User(pk=row["pk"], time_zone=row["time_zone"]) for row in rows]
    judged = _judged(patients, now)
    figures = {}
    for row, patient in zip(rows, patients, strict=True):
        # The window of local days moves on at the patient's midnight; an entry logged ahead of now enters it.
        moments = [row["next_entry"], _next_midnight(patient, now)]
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
    """The clinician's patients with an active grant: by default getting-worse first, then by their cramps;
    sorted by a column (`sort`), by that column alone (warning signs by tier, then by the entries with them).
    Their summaries are brought up to date first (summaries_refresh), so sorting them reads no episode."""
    now = timezone.now()
    granted = CareGrant.objects.active(now).filter(clinician=clinician).values("patient_id")
    patients = User.objects.filter(pk__in=granted, is_active=True)
    count = summaries_refresh(patients, now)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    descending = sort.startswith("-")
    columns = [SORTS[sort.lstrip("-")], *(["warning_entries"] if sort.lstrip("-") == "warnings" else [])]
    order = [F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True) for column in columns]
    shared_until = CareGrant.objects.active(now).filter(clinician=clinician, patient=OuterRef("pk"))
    summarised = patients.only("pk", "full_name", "time_zone").annotate(
        **{name: F(f"clinic_summary__{name}") for name in FIGURES},
        shared_until=Subquery(shared_until.values("access_ends_on")[:1]),
    )
    if sort == DEFAULT_SORT:
        order.insert(0, Case(When(trend=TrendDirection.WORSE, then=Value(0)), default=Value(1)))
    return PatientSummaries(count, summarised.order_by(*order, "full_name", "pk"))


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


@dataclass(frozen=True)
class FlaggedEntry:
    """An entry with warning signs (its `warning` read), and the page of the period's entries that lists it."""

    entry: Episode
    page: int


@dataclass(frozen=True)
class Flagged:
    """The entries with warning signs among the period's newest `scanned` entries; `partial` when the period has
    more entries than were read."""

    entries: list[FlaggedEntry]
    scanned: int
    partial: bool


def flagged_entries(
    patient: User, start: dt.date, end: dt.date, context: PatientContext, *, per_page: int, scan: int
) -> Flagged:
    """The entries of the patient's local days start..end, of every kind, that carry warning signs, newest first,
    among the period's newest `scan` entries (so that the review's time does not grow with the period), each with
    the page that lists it among the period's entries, `per_page` a page: the entries, then their places and
    terms in one statement (table_entries); the rules (tracker.warnings) read them in Python."""
    newest = list(episodes_filtered(patient, date_from=start, date_to=end)[: scan + 1])
    entries = with_warnings(patient, table_entries(patient, newest[:scan]), context)
    return Flagged(
        entries=[FlaggedEntry(entry, index // per_page + 1) for index, entry in enumerate(entries) if entry.warning],
        scanned=len(entries),
        partial=len(newest) > scan,
    )
