"""Episodes as CSV rows, in the patient's local time, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from accounts.models import User

from .models import Episode

COLUMNS = [
    "started_local",
    "started_utc",
    "severity_0_10",
    "duration_seconds",
    "locations",
    "woke_from_sleep",
    "activity",
    "triggers",
    "symptoms",
    "relief_tried",
    "relief_effect",
    "medication_taken",
    "notes",
]
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


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
