"""Reads of a patient's record that cross relations or aggregate. Each is scoped by patient."""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import CharField, DateTimeField, F, IntegerField, TextField, Value
from django.utils import timezone

from accounts.models import User
from tracker.counting import DayStats
from tracker.diary.services import OWN_WORD_NAMES
from tracker.models import (
    ClinicianNote,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Term,
)
from tracker.trends import local_days_for

STRIP_DAYS = 14


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


def _table_links(patient: User, ids: list[int], *, notes: bool):
    """One union of querysets, each row one link of an entry: a trigger, symptom or relief term, a place, or
    (with `notes`) a clinician's note. The notes come first: PostgreSQL types a column of NULLs in the first arm
    of a UNION by the arms after it, one at a time."""
    term_columns = [f"term__{name}" for name in TERM_FIELDS]
    place_columns = [f"location__{name}" for name in TERM_FIELDS]
    no_term = _nothing(*((f"no_{name}", Term._meta.get_field(name)) for name in TERM_FIELDS))
    no_note = _nothing(
        ("note_text", TextField()),
        ("noted_at", DateTimeField()),
        ("author_id", IntegerField()),
        ("author_name", CharField()),
    )
    note_rows = (
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
    if notes:
        return note_rows.order_by().union(tags.order_by(), places.order_by(), all=True)
    return tags.order_by().union(places.order_by(), all=True)


def table_entries(patient: User, episodes, *, notes: bool = True) -> list[Episode]:
    """The entries of a table or list (read for_table), each with its places, its triggers, symptoms and relief,
    and (with `notes`, a clinician's table) the clinicians' notes on it with their authors' names (`place_list`,
    `term_list` and `note_list`: Episode.places, Episode.triggers ...), read for the whole table in one
    statement: Django's prefetch of the relations would take one query each, each costing more than the
    table's own read."""
    entries = list(episodes)
    for entry in entries:
        entry.place_list, entry.term_list, entry.note_list = [], [], []
    if not entries:
        return entries
    by_id = {entry.pk: entry for entry in entries}
    width = len(TERM_FIELDS)
    for arm, side, *values in _table_links(patient, list(by_id), notes=notes):
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
