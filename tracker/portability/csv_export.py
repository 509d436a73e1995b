"""Episodes as CSV rows, each in the local time of the zone it was logged in, safe to open in a spreadsheet."""

import csv
import io
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from tracker.diary.services import LIST_SEPARATOR

from ..models import EntryType, EpisodeLocation, EpisodeTerm, EventKind, ReliefEffect, Side, Term


@dataclass(frozen=True)
class Column:
    """One column of the CSV, as the export page explains it."""

    name: str
    meaning: str
    example: str


COLUMN_GUIDE = (
    Column(
        "started_local",
        "When the cramp started, on the clock of the time zone it was logged in (time_zone), with its offset from UTC.",
        "2026-03-01T03:10+00:00",
    ),
    Column(
        "started_utc",
        "The same moment in UTC, to the second. An import goes by started_local.",
        "2026-03-01T03:10:00+00:00",
    ),
    Column(
        "entry_type",
        "single: one cramp. night tally or day tally: several cramps in one entry (a night runs from "
        "20:00 to 08:00, a day from 08:00 to 20:00). cramp of a tally: one cramp of the tally of its "
        "night or day, described on its own.",
        "night tally",
    ),
    Column(
        "cramps",
        "How many the row adds to the count of its kind: 1 for a single entry, the number for a tally, 0 for "
        "a cramp of a tally (the tally counts it already). Add up this column over the rows whose event_kind "
        "is Cramp or empty for the number of cramps, as every page counts them; spasms or stiffness, "
        "twitching and not sure are counted apart.",
        "4",
    ),
    Column(
        "severity_0_10",
        "How bad it was: 0 = no pain, 10 = worst imaginable. For a tally, the worst of its cramps.",
        "7",
    ),
    Column("event_kind", f"What kind of event it was: {', '.join(EventKind.labels)}; empty when not said.", "Cramp"),
    Column("duration_seconds", "How long it lasted, in seconds; empty when not given.", "150"),
    Column(
        "locations",
        "Where it struck, each with its side, separated by semicolons.",
        "Calf (left); Foot or toes (both sides)",
    ),
    Column("woke_from_sleep", "Whether it woke you: yes or no; empty when not recorded.", "yes"),
    Column("times_woken", "For a night tally: how many times its cramps woke you; empty when not given.", "3"),
    Column("activity", "What you were doing when it started.", "Asleep"),
    Column(
        "triggers",
        "What you think set it off, separated by semicolons. Your own words (here, in locations and in "
        "relief_tried) are written as you worded them; an import makes any that the account lacks its own words.",
        "Cold; Dehydration",
    ),
    Column("symptoms", "Other symptoms you noticed with it.", "Twitching"),
    Column("relief_tried", "What you tried for relief.", "Stretching; Massage"),
    Column("relief_effect", f"How well relief worked: {', '.join(ReliefEffect.labels)}.", "A lot"),
    Column("medication_taken", "Medication taken for this cramp, as you wrote it.", "Magnesium"),
    Column("notes", "Your notes.", "Started in the left calf, then both."),
    Column(
        "id",
        "The entry's own id. An import matches entries by it, so a row already in your diary is not added twice; "
        "leave it empty for a row you add yourself.",
        "3f2b8c1e-5d7a-4e0b-9c6f-1a2b3c4d5e6f",
    ),
    Column(
        "time_zone",
        "The time zone the cramp was logged in, whose clock started_local is on. An import keeps it; leave it "
        "empty for a row you add yourself, in your own time zone.",
        "Europe/London",
    ),
)
COLUMNS = [column.name for column in COLUMN_GUIDE]
# The columns of files exported before entries carried their time zones, before they carried their ids, and
# before tallies and event kinds: still read by the import.
COLUMNS_BEFORE_ZONES = [name for name in COLUMNS if name != "time_zone"]
COLUMNS_BEFORE_IDS = [name for name in COLUMNS_BEFORE_ZONES if name != "id"]
TALLY_COLUMNS = ("entry_type", "cramps", "event_kind", "times_woken")
COLUMNS_BEFORE_TALLIES = [name for name in COLUMNS_BEFORE_IDS if name not in TALLY_COLUMNS]
ENTRY_TYPE_TEXT = {EntryType.SINGLE: "single", EntryType.NIGHT: "night tally", EntryType.DAY: "day tally"}
CRAMP_OF_A_TALLY = "cramp of a tally"
EVENT_KIND_TEXT = dict(EventKind.choices)
# An entry that does not say whether it woke you has an empty cell: not recorded, not "no".
WOKE_TEXT = {True: "yes", False: "no", None: ""}
# How a cell lists several items.
JOIN = f"{LIST_SEPARATOR} "

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _looks_disarmed(text: str) -> bool:
    """Quotes, then what starts a formula ("'=1", "''+1"): how a disarmed cell reads."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def _cell(value) -> str:
    """A value as a cell a spreadsheet shows as text. A quote goes before a formula, and before a text that
    would otherwise read as a disarmed formula ("'=1" is written "''=1"), so that cell_text undoes it exactly."""
    text = "" if value is None else str(value)
    return f"'{text}" if _looks_disarmed(text) else text


def cell_text(cell: str) -> str:
    """What a cell of our CSV stands for: the quote _cell added taken off again."""
    return cell[1:] if cell.startswith("'") and _looks_disarmed(cell) else cell


def _labels(terms) -> str:
    return JOIN.join(term.label for term in terms)


SIDE_TEXT = {side: label.lower() for side, label in Side.choices}
RELIEF_EFFECT_TEXT = dict(ReliefEffect.choices)
# Rows per chunk of the streamed download: few enough writes, little memory.
CHUNK_ROWS = 500
STREAM_FETCH_ROWS = 500


def _by_episode(rows: Iterator[tuple], episode_id: int, pending: list) -> list[tuple]:
    """The rows of one episode from a stream ordered like the episodes (pending holds one read-ahead row)."""
    found = []
    while True:
        row = pending.pop() if pending else next(rows, None)
        if row is None:
            return found
        if row[0] != episode_id:
            pending.append(row)
            return found
        found.append(row)


def _rows(episodes: QuerySet, patient: User) -> Iterator[list[str]]:
    """One CSV row per episode, oldest first, from three ordered streams of plain tuples merged here
    (no model instance per row): four queries with the vocabulary, and flat memory at any size."""
    terms = {term.pk: term for term in Term.objects.available_to(patient)}
    episode_order = ("episode__started_at", "episode_id")
    wanted = episodes.values("pk")
    places = (
        EpisodeLocation.objects.filter(patient=patient, episode__in=wanted)
        .order_by(*episode_order)
        .values_list("episode_id", "location_id", "side")
        .iterator(chunk_size=STREAM_FETCH_ROWS)
    )
    tags = (
        EpisodeTerm.objects.filter(patient=patient, episode__in=wanted)
        .order_by(*episode_order)
        .values_list("episode_id", "term_id")
        .iterator(chunk_size=STREAM_FETCH_ROWS)
    )
    rows = (
        episodes.order_by("started_at", "pk")
        .values_list(
            "pk",
            "started_at",
            "severity",
            "duration_seconds",
            "woke_from_sleep",
            "activity_id",
            "relief_effect",
            "medication_taken",
            "notes",
            "entry_type",
            "cramp_count",
            "times_woken",
            "event_kind",
            "tally_id",
            "uuid",
            "time_zone",
        )
        .iterator(chunk_size=STREAM_FETCH_ROWS)
    )
    pending_places, pending_tags = [], []
    for (
        pk,
        started_at,
        severity,
        duration,
        woke,
        activity_id,
        effect,
        medication,
        notes,
        entry_type,
        cramp_count,
        times_woken,
        event_kind,
        tally_id,
        record_id,
        time_zone,
    ) in rows:
        located = sorted(
            ((terms[location_id], side) for _, location_id, side in _by_episode(places, pk, pending_places)),
            key=lambda place: place[0].sort_order,
        )
        tagged = sorted(
            (terms[term_id] for _, term_id in _by_episode(tags, pk, pending_tags)),
            key=lambda term: (term.sort_order, term.label),
        )
        yield [
            _cell(value)
            for value in [
                started_at.astimezone(zoneinfo.ZoneInfo(time_zone)).isoformat(timespec="minutes"),
                started_at.isoformat(timespec="seconds"),
                CRAMP_OF_A_TALLY if tally_id else ENTRY_TYPE_TEXT[entry_type],
                0 if tally_id else cramp_count,
                severity,
                EVENT_KIND_TEXT.get(event_kind, ""),
                duration,
                JOIN.join(f"{place.label} ({SIDE_TEXT[side]})" for place, side in located),
                WOKE_TEXT[woke],
                times_woken,
                terms[activity_id].label if activity_id else "",
                *(
                    JOIN.join(term.label for term in tagged if term.kind == kind)
                    for kind in (Term.Kind.TRIGGER, Term.Kind.SYMPTOM, Term.Kind.RELIEF)
                ),
                RELIEF_EFFECT_TEXT.get(effect, ""),
                medication,
                notes,
                record_id,
                time_zone,
            ]
        ]


# Excel (on Windows) reads a CSV file as UTF-8 only when it starts with the byte-order mark; without it, notes
# such as "café" or in another script come out garbled. The import reads files with or without it.
BYTE_ORDER_MARK = "\ufeff"


def csv_lines(episodes: QuerySet, patient: User) -> Iterator[str]:
    """The header at once (the download starts before any episode is read), then rows in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield BYTE_ORDER_MARK + _taken(buffer)
    for count, row in enumerate(_rows(episodes, patient), start=1):
        writer.writerow(row)
        if count % CHUNK_ROWS == 0:
            yield _taken(buffer)
    yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
