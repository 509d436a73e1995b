"""Where each body place is on the front and back outlines, for each side: read by the insights' body map
(tracker.insights.charts.body) and by the full cramp form, whose places can be picked on the outlines."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracker.models import Term

# Where each body location is drawn: (view, x, y, width, height) for the patient's RIGHT side;
# the left side is mirrored around the body's middle line (x = 100) on the front view and
# drawn on the viewer's left on the back view.
REGIONS = {
    "neck": [("back", 88, 52, 12, 16)],
    "chest-wall": [("front", 68, 70, 31, 40)],
    "abdomen": [("front", 70, 112, 29, 48)],
    "hip": [("front", 66, 162, 33, 22)],
    "upper-arm": [("front", 44, 72, 20, 60)],
    "forearm": [("front", 38, 134, 20, 56)],
    "hand-fingers": [("front", 34, 192, 22, 28)],
    "thigh-front": [("front", 70, 186, 28, 82)],
    "shin": [("front", 72, 272, 24, 80)],
    "foot-toes": [("front", 68, 356, 28, 20)],
    "back": [("back", 68, 70, 31, 90)],
    "hamstring": [("back", 70, 186, 28, 82)],
    "calf": [("back", 72, 272, 24, 80)],
}


def _mirror(x: float, width: float) -> float:
    return 200 - x - width


def sides() -> Iterator[tuple[str, str, str, float, float, float, float]]:
    """Each place's rectangle on its view for each side: (slug, view, side, x, y, width, height). Front view:
    the patient's right is on the viewer's left. Back view: the other way round."""
    for slug, shapes in REGIONS.items():
        for view, x, y, width, height in shapes:
            right_x = x if view == "front" else _mirror(x, width)
            left_x = _mirror(x, width) if view == "front" else x
            for side, side_x in (("right", right_x), ("left", left_x)):
                yield slug, view, side, side_x, y, width, height


@dataclass(frozen=True)
class PickRegion:
    """One place and side to pick on the full cramp form; `value` is its checkbox's ("<term id>:<side>")."""

    x: float
    y: float
    width: float
    height: float
    label: str
    side: str
    value: str


@dataclass(frozen=True)
class PickView:
    name: str
    regions: list[PickRegion]


def body_pick(places: Iterable[Term]) -> list[PickView]:
    """Front and back outlines with a region for each side of each shared body location offered. A patient's own
    places have none (they are not on the map), whatever they are called."""
    offered = {place.slug: place for place in places if not place.is_own}
    views = {"front": [], "back": []}
    for slug, view, side, x, y, width, height in sides():
        if (place := offered.get(slug)) is not None:
            views[view].append(PickRegion(x, y, width, height, place.label, side, f"{place.pk}:{side}"))
    return [PickView(name, regions) for name, regions in views.items() if regions]
