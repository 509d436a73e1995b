"""Episodes read back from our own CSV: every row is checked before any is stored, then all are
stored together in one transaction, or none."""

import csv
import datetime as dt
import io
import re
import uuid
import zoneinfo
from itertools import islice

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User, time_zone_names
from tracker.diary.services import (
    LIST_SEPARATOR,
    EpisodeDetails,
    ImportedWords,
    LocationChoice,
    check_duration_since,
    check_episode_start,
    each_once,
)

from ..models import (
    MAX_DURATION_SECONDS,
    MAX_NOTES_LENGTH,
    MAX_TALLY_CRAMPS,
    OWN_WORD_KINDS,
    SEVERITY_MAX,
    SEVERITY_MIN,
    EntryType,
    Episode,
    EventKind,
    ReliefEffect,
    Side,
    Term,
)
from ..moments import parse_moment
from .csv_export import (
    COLUMNS,
    COLUMNS_BEFORE_IDS,
    COLUMNS_BEFORE_TALLIES,
    COLUMNS_BEFORE_ZONES,
    CRAMP_OF_A_TALLY,
    ENTRY_TYPE_TEXT,
    cell_text,
)
from .plans import RestoredEpisode
from .record_file import read_at_most
from .restore import ImportRejected, RestoreResult, episodes_restore

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
DELIMITERS = (",", ";", "\t")
LOCATION_ITEM = re.compile(r"^(?P<place>.+?)\s*\((?P<side>[^()]*)\)$")
SIDE_WORDS = {"left": Side.LEFT, "right": Side.RIGHT, "both sides": Side.BOTH, "both": Side.BOTH}
YES_WORDS, NO_WORDS = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}
EXAMPLE_START = "2026-03-01T03:10+00:00"
TERM_NOUNS = {
    Term.Kind.LOCATION: "body locations",
    Term.Kind.ACTIVITY: "activities",
    Term.Kind.TRIGGER: "triggers",
    Term.Kind.SYMPTOM: "symptoms",
    Term.Kind.RELIEF: "relief measures",
}
MEDICATION_TAKEN_LENGTH = Episode._meta.get_field("medication_taken").max_length


class _BadCell(ValueError):
    """A cell that cannot be read; the message says which column and why."""


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _sentence(text: str) -> str:
    """A problem as a sentence: with its full stop, never two (some messages are the forms' own sentences)."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _is_small_number(text: str) -> bool:
    """Plain digits, few enough for int() (which refuses thousands of digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


class _RowReader:
    """Turns the cells of one row into EpisodeDetails, with the same rules as the form."""

    def __init__(self, patient: User):
        self.patient = patient
        # The shared items and the patient's own words; a trigger, relief measure or place that is neither
        # becomes a new own word of theirs.
        self.words = ImportedWords(patient)
        self.effects = {_key(label): value for value, label in ReliefEffect.choices}
        self.effects.update({value: value for value in ReliefEffect.values})
        self.event_kinds = {_key(label): value for value, label in EventKind.choices}
        self.event_kinds.update({value: value for value in EventKind.values})
        self.entry_types = {_key(text): value for value, text in ENTRY_TYPE_TEXT.items()}
        self.entry_types.update({value: value for value in EntryType.values})

    def details(self, cells: dict[str, str]) -> tuple[EpisodeDetails | None, list[str]]:
        values, problems = {}, []
        readers = {
            "started_at": lambda: self.started_at(cells["started_local"], cells["started_utc"]),
            "severity": lambda: self.severity(cells["severity_0_10"]),
            "duration_seconds": lambda: self.duration(cells["duration_seconds"]),
            "locations": lambda: self.locations(cells["locations"]),
            "woke_from_sleep": lambda: self.woke(cells["woke_from_sleep"]),
            "activity": lambda: self.term(Term.Kind.ACTIVITY, cells["activity"], "activity"),
            "triggers": lambda: self.term_list(Term.Kind.TRIGGER, cells["triggers"], "triggers"),
            "symptoms": lambda: self.term_list(Term.Kind.SYMPTOM, cells["symptoms"], "symptoms"),
            "relief_measures": lambda: self.term_list(Term.Kind.RELIEF, cells["relief_tried"], "relief_tried"),
            "relief_effect": lambda: self.relief_effect(cells["relief_effect"]),
            "medication_taken": lambda: self.text(
                cells["medication_taken"], "medication_taken", MEDICATION_TAKEN_LENGTH
            ),
            "notes": lambda: self.text(cells["notes"], "notes", MAX_NOTES_LENGTH),
            "event_kind": lambda: self.event_kind(cells.get("event_kind", "")),
            "times_woken": lambda: self.times_woken(cells.get("times_woken", "")),
            "time_zone": lambda: self.time_zone(cells.get("time_zone", ""), cells["started_local"]),
        }
        for name, read in readers.items():
            try:
                values[name] = read()
            except _BadCell as problem:
                problems.append(str(problem))
        try:
            values.update(self.entry(cells.get("entry_type", ""), cells.get("cramps", ""), cells["started_local"]))
        except _BadCell as problem:
            problems.append(str(problem))
        if problems:
            return None, problems
        details = EpisodeDetails(**values)
        try:
            check_duration_since(details.started_at, details.duration_seconds)
        except ValidationError as error:
            return None, [f"duration_seconds: {error.message_dict['duration_seconds'][0]}"]
        if signs := details.painless_signs():
            return None, [f"severity is 0 (no pain) but the row notes warning signs ({signs}): check the rating"]
        return details, []

    def entry(self, type_text: str, cramps_text: str, started_text: str) -> dict:
        """What kind of entry the row is and how many cramps it counts. A tally's date is that of its start
        as written (a file can come from an account in another time zone)."""
        name = _key(type_text)
        cramps = cramps_text.strip()
        if name == _key(CRAMP_OF_A_TALLY):
            if cramps not in ("", "0"):
                raise _BadCell("cramps must be 0 (or empty) for a cramp of a tally: the tally counts it")
            return {"part_of_tally": True}
        entry_type = self.entry_types.get(name or EntryType.SINGLE)
        if entry_type is None:
            types = ", ".join([*ENTRY_TYPE_TEXT.values(), CRAMP_OF_A_TALLY])
            raise _BadCell(f"entry_type must be one of {types}, or empty for a single cramp")
        if entry_type == EntryType.SINGLE:
            if cramps not in ("", "1"):
                raise _BadCell("cramps must be 1 (or empty) for a single cramp; several cramps are a tally")
            return {}
        if not (_is_small_number(cramps) and 1 <= int(cramps) <= MAX_TALLY_CRAMPS):
            raise _BadCell(f"cramps must be a whole number from 1 to {MAX_TALLY_CRAMPS} for a tally")
        try:
            day = parse_moment(started_text).date()
        except (ValueError, ValidationError):
            day = None  # started_local's own problem is reported for that column
        return {"entry_type": entry_type, "cramp_count": int(cramps), "tally_date": day}

    def time_zone(self, text: str, started_text: str) -> str | None:
        """The zone the cramp was logged in; None (empty) for the patient's own. Its offset at that moment must
        be the one started_local is written with: else one of the two was changed by hand."""
        name = text.strip()
        if not name:
            return None
        if name not in time_zone_names():
            raise _BadCell(f"time_zone: “{name}” is not a time zone we know (such as Europe/London), or empty")
        try:
            started = parse_moment(started_text)
        except (ValueError, ValidationError):
            return name  # started_local's own problem is reported for that column
        if (
            started.tzinfo is not None
            and started.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() != started.utcoffset()
        ):
            raise _BadCell(f"time_zone: started_local's offset from UTC is not that of {name} at that time")
        return name

    def event_kind(self, text: str) -> str:
        if not text.strip():
            return ""
        kind = self.event_kinds.get(_key(text))
        if kind is None:
            raise _BadCell(f"event_kind must be one of {', '.join(EventKind.labels)}, or empty")
        return kind

    def times_woken(self, text: str) -> int | None:
        text = text.strip()
        if not text:
            return None
        if not (_is_small_number(text) and int(text) <= MAX_TALLY_CRAMPS):
            raise _BadCell(f"times_woken must be a whole number from 0 to {MAX_TALLY_CRAMPS}, or empty")
        return int(text)

    def started_at(self, local_text: str, utc_text: str) -> dt.datetime:
        local = self.moment(local_text, "started_local")
        try:
            utc = self.moment(utc_text, "started_utc")
        except _BadCell:
            utc = None
        # started_local has whole minutes; started_utc keeps the seconds when it is the same minute.
        if utc is not None and utc.replace(second=0, microsecond=0) == local.replace(second=0, microsecond=0):
            local = utc
        try:
            check_episode_start(patient=self.patient, started_at=local)
        except ValidationError as error:
            raise _BadCell(f"started_local: {error.message_dict['started_at'][0]}") from None
        return local

    def moment(self, text: str, column: str) -> dt.datetime:
        try:
            moment = parse_moment(text)
        except ValidationError as error:
            raise _BadCell(f"{column}: {error.messages[0]}") from None
        except ValueError:
            raise _BadCell(f"{column} must be a date and time such as {EXAMPLE_START}") from None
        if moment.tzinfo is None:
            raise _BadCell(f"{column} needs its offset from UTC at the end, as in {EXAMPLE_START}")
        return moment

    def severity(self, text: str) -> int:
        text = text.strip()
        if not (_is_small_number(text) and SEVERITY_MIN <= int(text) <= SEVERITY_MAX):
            raise _BadCell(f"severity must be a whole number from {SEVERITY_MIN} to {SEVERITY_MAX}")
        return int(text)

    def duration(self, text: str) -> int | None:
        text = text.strip()
        if not text:
            return None
        if not (_is_small_number(text) and 1 <= int(text) <= MAX_DURATION_SECONDS):
            raise _BadCell(f"duration_seconds must be a whole number from 1 to {MAX_DURATION_SECONDS}, or empty")
        return int(text)

    def woke(self, text: str) -> bool | None:
        """yes or no; an empty cell is not recorded (None), as the export writes it."""
        answer = _key(text)
        if not answer:
            return None
        if answer not in YES_WORDS | NO_WORDS:
            raise _BadCell("woke_from_sleep must be yes or no, or empty when not recorded")
        return answer in YES_WORDS

    def term(self, kind: str, name: str, column: str) -> Term | None:
        if not name.strip():
            return None
        if kind in OWN_WORD_KINDS:
            try:
                return self.words.find_or_add(kind, name)
            except ValidationError as error:
                raise _BadCell(f"{column}: “{name.strip()}”: {error.messages[0]}") from None
        term = self.words.find(kind, name)
        if term is None:
            raise _BadCell(f"{column}: “{name.strip()}” is not one of our {TERM_NOUNS[kind]}")
        return term

    def term_list(self, kind: str, text: str, column: str) -> list[Term]:
        return each_once(self.term(kind, name, column) for name in _items(text))

    def locations(self, text: str) -> list[LocationChoice]:
        # By the place's identity: a new own word has no id yet (ImportedWords gives one object per word).
        sides: dict[int, tuple[Term, set[str]]] = {}
        for item in _items(text):
            match = LOCATION_ITEM.match(item)
            side = SIDE_WORDS.get(_key(match["side"])) if match else None
            if side is None:
                raise _BadCell(f"locations: “{item}” must be a place with its side in brackets, such as Calf (left)")
            place = self.term(Term.Kind.LOCATION, match["place"], "locations")
            _, chosen = sides.setdefault(id(place), (place, set()))
            chosen.update({Side.LEFT, Side.RIGHT} if side == Side.BOTH else {side})
        return [
            LocationChoice(location=place, side=Side.BOTH if len(chosen) == 2 else chosen.pop())
            for place, chosen in sides.values()
        ]

    def relief_effect(self, text: str) -> str:
        if not text.strip():
            return ""
        effect = self.effects.get(_key(text))
        if effect is None:
            raise _BadCell(f"relief_effect must be one of {', '.join(ReliefEffect.labels)}, or empty")
        return effect

    def text(self, text: str, column: str, limit: int) -> str:
        if len(text) > limit:
            raise _BadCell(f"{column} can be at most {limit} characters (this one has {len(text)})")
        return text


def _decoded(upload: UploadedFile) -> str:
    too_big = f"This file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB. Split it into smaller files."
    content = read_at_most(upload, MAX_IMPORT_BYTES, too_big)
    if b"\x00" in content:
        raise ImportRejected(["This is not a CSV file (it looks like an image, a spreadsheet or another binary file)."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            ["This file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and try again."]
        ) from None
    # Checked after decoding: a file holding only a byte-order mark is empty too.
    if not text.strip():
        raise ImportRejected(["This file is empty."])
    return text


def _reader(text: str):
    """A CSV reader positioned after the header, for whichever of our delimiters the header uses."""
    first_line = text.splitlines()[0]
    for delimiter in DELIMITERS:
        try:
            header = [_key(name) for name in next(csv.reader([first_line], delimiter=delimiter))]
        except csv.Error:
            continue
        known = (COLUMNS, COLUMNS_BEFORE_ZONES, COLUMNS_BEFORE_IDS, COLUMNS_BEFORE_TALLIES)
        if sorted(header) in [sorted(columns) for columns in known]:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            next(reader)
            return reader, header
    raise ImportRejected(
        [
            "This is not a CSV exported from CrampApp: its first row must name these columns: "
            f"{', '.join(COLUMNS)}. The table on the export page explains each."
        ]
    )


def _raw_rows(text: str):
    """(row number, cells by column or None, problems) for each non-blank row; the header is row 1."""
    reader, header = _reader(text)
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                cell_count = f"{len(cells)} cell{'s' if len(cells) != 1 else ''}"
                yield number, None, [f"Row {number} has {cell_count}; it should have {len(header)}."]
                continue
            yield number, {name: cell_text(cell) for name, cell in zip(header, cells, strict=True)}, []
    except csv.Error:
        problem = "a cell is far too long, or a quotation mark is not closed"
        yield number + 1, None, [f"Row {number + 1} cannot be read as CSV: {problem}."]


def _record_id(text: str) -> uuid.UUID | None:
    if not text.strip():
        return None
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise _BadCell("id must be the entry's id as the export wrote it, or empty for a new entry") from None


def read_episodes_csv(*, patient: User, upload: UploadedFile) -> list[RestoredEpisode]:
    """Every row of one of our CSV files as an entry, or ImportRejected listing every bad row."""
    rows = list(islice(_raw_rows(_decoded(upload)), MAX_IMPORT_ROWS + 1))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportRejected(
            [f"This file has more than {MAX_IMPORT_ROWS:,} cramps. Split it into files of at most that many rows."]
        )
    if not rows:
        raise ImportRejected(["This file has the column names but no cramps."])
    reader = _RowReader(patient)
    parsed, problems, rows_of_id = [], [], {}
    for number, cells, row_problems in rows:
        details, cell_problems = reader.details(cells) if cells is not None else (None, [])
        record_id = None
        if cells is not None:
            try:
                record_id = _record_id(cells.get("id", ""))
            except _BadCell as problem:
                cell_problems.append(str(problem))
        first = rows_of_id.setdefault(record_id, number) if record_id else number
        if first != number:
            cell_problems.append(f"id is the same as row {first}'s; each entry once, please")
        problems += row_problems + [f"Row {number}: {_sentence(problem)}" for problem in cell_problems]
        if details is not None:
            parsed.append(RestoredEpisode(f"Row {number}", record_id, details))
    if problems:
        raise ImportRejected(problems)
    return parsed


@transaction.atomic
def episodes_import_csv(*, patient: User, created_by: User, upload: UploadedFile) -> RestoreResult:
    """Check every row of an uploaded CSV, then import those the diary lacks, or raise ImportRejected and
    import none."""
    result = RestoreResult()
    entries = read_episodes_csv(patient=patient, upload=upload)
    episodes_restore(patient=patient, created_by=created_by, entries=entries, result=result)
    return result
