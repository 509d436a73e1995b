"""Reads of a patient's record that cross relations or aggregate. Each is scoped by patient."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import CharField, DateTimeField, F, IntegerField, Q, TextField, Value
from django.utils import timezone

from accounts.models import User

from .counting import DayStats, daily_stats, weeks_of, window_of
from .insights import course_steps, medication_courses, medications_with_steps
from .models import ClinicianNote, EntryType, Episode, EpisodeLocation, EpisodeTerm, Medication, MedicationStep, Term
from .services import OWN_WORD_NAMES
from .trends import local_days_for
from .warnings import contexts_for, with_warnings

STRIP_DAYS = 14


def _start_of_day(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def recent_days(patient: User, days: int = STRIP_DAYS) -> list[DayStats]:
    """The last `days` local days, ending today, oldest first, with their cramps, worst rating and check-ins
    (not their nights): two light queries, as the clinic list reads them (tracker.trends.local_days_for)."""
    return sorted(local_days_for([patient], timezone.now(), days)[patient.pk].values(), key=lambda day: day.day)


def episodes_filtered(
    patient: User,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    severity_min: int | None = None,
    severity_max: int | None = None,
    location: Term | None = None,
    kind: str = "",
):
    """The patient's entries, newest first, narrowed by the list page's filters (dates are local, each entry's
    in its own zone; `kind` an event kind, or KIND_NOT_SAID). The caller reads their relations: with_summary or
    with_details."""
    episodes = Episode.objects.for_patient(patient).of_kind(kind).on_local_days(date_from, date_to)
    if severity_min is not None:
        episodes = episodes.filter(severity__gte=severity_min)
    if severity_max is not None:
        episodes = episodes.filter(severity__lte=severity_max)
    if location is not None:
        episodes = episodes.filter(locations__location=location)
    return episodes.order_by("-started_at")


# The columns of the table's one read of places, terms and notes: which arm a row is, a place's side, the
# term's fields, then the episode, the row's id and a note's text, time and author.
TERM_FIELDS = [field.attname for field in Term._meta.concrete_fields]
NOTE_COLUMNS = ("note_text", "noted_at", "author_id", "author_name")


def _nothing(*fields) -> dict:
    """Typed NULLs, for the columns an arm of the union has no value for."""
    return {name: Value(None, output_field=field) for name, field in fields}


def _table_links(patient: User, ids: list[int]):
    """One union of three querysets, each row one link of an entry: a clinician's note, a trigger, symptom or
    relief term, or a place. The notes come first: PostgreSQL types a column of NULLs in the first arm of a
    UNION by the arms after it, one at a time."""
    term_columns = [f"term__{name}" for name in TERM_FIELDS]
    place_columns = [f"location__{name}" for name in TERM_FIELDS]
    no_term = _nothing(*((f"no_{name}", Term._meta.get_field(name)) for name in TERM_FIELDS))
    no_note = _nothing(
        ("note_text", TextField()),
        ("noted_at", DateTimeField()),
        ("author_id", IntegerField()),
        ("author_name", CharField()),
    )
    notes = (
        ClinicianNote.objects.filter(patient=patient, episode__any_of=ids)
        .annotate(arm=Value("note"), link_side=Value(None, output_field=CharField()), **no_term)
        .annotate(note_text=F("text"), noted_at=F("created_at"), author_name=F("author__full_name"))
        .values_list("arm", "link_side", *no_term, "episode_id", "id", *NOTE_COLUMNS)
    )
    tags = (
        EpisodeTerm.objects.filter(patient=patient, episode__any_of=ids)
        .annotate(arm=Value("term"), link_side=Value(None, output_field=CharField()), **no_note)
        .values_list("arm", "link_side", *term_columns, "episode_id", "id", *NOTE_COLUMNS)
    )
    places = (
        EpisodeLocation.objects.filter(patient=patient, episode__any_of=ids)
        .annotate(arm=Value("place"), link_side=F("side"), **no_note)
        .values_list("arm", "link_side", *place_columns, "episode_id", "id", *NOTE_COLUMNS)
    )
    return notes.order_by().union(tags.order_by(), places.order_by(), all=True)


def table_entries(patient: User, episodes) -> list[Episode]:
    """The entries of a clinician's table (read for_table), each with its places, its triggers, symptoms and
    relief, and the clinicians' notes on it with their authors' names (`place_list`, `term_list` and
    `note_list`: Episode.places, Episode.triggers ...), read for the whole table in one statement: Django's
    prefetch of the three relations would take three, each costing more than the table's own read."""
    entries = list(episodes)
    for entry in entries:
        entry.place_list, entry.term_list, entry.note_list = [], [], []
    if not entries:
        return entries
    by_id = {entry.pk: entry for entry in entries}
    width = len(TERM_FIELDS)
    for arm, side, *values in _table_links(patient, list(by_id)):
        episode_id, link_id, text, created_at, author_id, author_name = values[width:]
        entry = by_id[episode_id]
        if arm == "note":
            author = User(id=author_id, full_name=author_name)
            note = ClinicianNote(id=link_id, patient_id=patient.pk, episode_id=episode_id, author=author, text=text)
            note.created_at = created_at
            entry.note_list.append(note)
            continue
        term = Term.from_db(connection.alias, TERM_FIELDS, values[:width])
        if arm == "term":
            entry.term_list.append(term)
        else:
            place = EpisodeLocation(id=link_id, patient_id=patient.pk, episode_id=episode_id, location=term, side=side)
            entry.place_list.append(place)
    for entry in entries:
        entry.term_list.sort(key=lambda term: (term.kind, term.sort_order, term.label))
        entry.place_list.sort(key=lambda place: place.location.sort_order)
        entry.note_list.sort(key=lambda note: note.created_at, reverse=True)
    return entries


class CountedPaginator(Paginator):
    """A paginator told its count, read with the page's other totals in one query (Episode totals)."""

    def __init__(self, object_list, per_page: int, count: int):
        super().__init__(object_list, per_page)
        self.count = count


def vocabulary(kind: str):
    """The active items of one shared vocabulary, in display order: no patient's own words."""
    return Term.objects.shared().of_kind(kind).active().order_by("sort_order", "label")


def vocabulary_for(patient: User | None, kind: str, keep: Iterable[int] = ()):
    """What `patient` chooses from for one vocabulary: its active shared items, then their own active words
    (OWN_WORDS_SORT_ORDER puts them last); and the items in `keep` (those on the entry being changed) even when
    retired, so that saving the entry keeps them. One query, as vocabulary() is."""
    offered = Q(is_active=True)
    if keep:
        offered |= Q(pk__in=list(keep))
    return Term.objects.available_to(patient).of_kind(kind).filter(offered).order_by("sort_order", "label")


@dataclass(frozen=True)
class OwnWordList:
    """One list a patient adds their own words to, with those words (retired ones too), by label."""

    kind: str
    name: str
    words: list[Term]


def own_word_lists(patient: User) -> list[OwnWordList]:
    """The patient's own triggers, relief measures and body places, each list in the order the forms offer
    them (one query)."""
    lists = {kind: OwnWordList(kind, names[1], []) for kind, names in OWN_WORD_NAMES.items()}
    for word in Term.objects.owned_by(patient).order_by("label"):
        lists[word.kind].words.append(word)
    return list(lists.values())


@dataclass(frozen=True)
class MedicineHistory:
    """A medicine in the visit report with its steps up to today, each numbered as its mark on the treatment
    timeline (every medicine's steps in date order: tracker.charts.timeline_chart)."""

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
            "times_woken": sum(
                episode.times_woken if episode.times_woken is not None else episode.woke_from_sleep is True
                for episode in counted
            ),
            # Single cramps and night tallies that do not say whether they woke the patient: not counted as no.
            "woke_not_said": sum(
                episode.times_woken is None and episode.woke_from_sleep is None
                for episode in counted
                if episode.entry_type != EntryType.DAY
            ),
            "nights_disturbed": period.nights_disturbed,
            "nights_answered": period.nights_answered,
        },
    }
