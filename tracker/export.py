"""Episodes as CSV rows, in the patient's local time, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User

from .models import Episode, EpisodeLocation, EpisodeTerm, ReliefEffect


@dataclass(frozen=True)
class Column:
    """One column of the CSV, as the export page explains it."""

    name: str
    meaning: str
    example: str


COLUMN_GUIDE = (
    Column(
        "started_local",
        "When the cramp started, in your time zone, with its offset from UTC.",
        "2026-03-01T03:10+00:00",
    ),
    Column(
        "started_utc",
        "The same moment in UTC, to the second. An import goes by started_local.",
        "2026-03-01T03:10:00+00:00",
    ),
    Column("severity_0_10", "How bad it was: 0 = no pain, 10 = worst imaginable.", "7"),
    Column("duration_seconds", "How long it lasted, in seconds; empty when not given.", "150"),
    Column(
        "locations",
        "Where it struck, each with its side, separated by semicolons.",
        "Calf (left); Foot or toes (both sides)",
    ),
    Column("woke_from_sleep", "Whether it woke you: yes or no.", "yes"),
    Column("activity", "What you were doing when it started.", "Asleep"),
    Column("triggers", "What you think set it off, separated by semicolons.", "Cold; Dehydration"),
    Column("symptoms", "Other symptoms you noticed with it.", "Twitching"),
    Column("relief_tried", "What you tried for relief.", "Stretching; Massage"),
    Column("relief_effect", f"How well relief worked: {', '.join(ReliefEffect.labels)}.", "A lot"),
    Column("medication_taken", "Medication taken for this cramp, as you wrote it.", "Magnesium"),
    Column("notes", "Your notes.", "Started in the left calf, then both."),
)
COLUMNS = [column.name for column in COLUMN_GUIDE]

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def cell_text(cell: str) -> str:
    """What a cell of our CSV stands for: the quote that disarmed a formula taken off again."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _labels(terms) -> str:
    return "; ".join(term.label for term in terms)


def episode_row(episode: Episode, patient: User) -> list[str]:
    return [
        _cell(value)
        for value in [
            episode.started_at.astimezone(patient.zone).isoformat(timespec="minutes"),
            episode.started_at.isoformat(timespec="seconds"),
            episode.severity,
            episode.duration_seconds,
            "; ".join(str(place) for place in episode.locations.all()),
            "yes" if episode.woke_from_sleep else "no",
            episode.activity.label if episode.activity else "",
            _labels(episode.triggers),
            _labels(episode.symptoms),
            _labels(episode.relief_measures),
            episode.get_relief_effect_display() if episode.relief_effect else "",
            episode.medication_taken,
            episode.notes,
        ]
    ]


def csv_lines(episodes: Iterable[Episode], patient: User) -> Iterator[str]:
    """The header, then one line per episode, produced as they are read (for streaming)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for episode in episodes:
        yield writer.writerow(episode_row(episode, patient))


def _group_by_episode(rows: Iterator, episode_id: int, pending: list) -> list:
    """The rows of one episode from a stream ordered like the episodes (pending holds one read-ahead row)."""
    found = []
    while True:
        row = pending.pop() if pending else next(rows, None)
        if row is None:
            return found
        if row.episode_id != episode_id:
            pending.append(row)
            return found
        found.append(row)


def streamed_with_details(episodes: QuerySet) -> Iterator[Episode]:
    """Episodes oldest first with their locations and tags, read as three ordered streams and merged:
    three queries and flat memory however many episodes there are."""
    order = ("started_at", "pk")
    episode_order = ("episode__started_at", "episode_id")
    wanted = episodes.values("pk")
    places = (
        EpisodeLocation.objects.filter(episode__in=wanted).select_related("location").order_by(*episode_order)
    ).iterator(chunk_size=2000)
    tags = (
        EpisodeTerm.objects.filter(episode__in=wanted)
        .select_related("term")
        .order_by(*episode_order)
        .iterator(chunk_size=2000)
    )
    pending_places, pending_tags = [], []
    for episode in episodes.select_related("activity").order_by(*order).iterator(chunk_size=2000):
        locations = _group_by_episode(places, episode.pk, pending_places)
        terms = [link.term for link in _group_by_episode(tags, episode.pk, pending_tags)]
        episode._prefetched_objects_cache = {"locations": locations, "terms": terms}
        yield episode
