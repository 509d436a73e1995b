"""The body map: front and back outlines (tracker.body_places), each place and side shaded by its count."""

from dataclasses import dataclass

from tracker.body_places import sides
from tracker.insights.figures import PlaceCount


@dataclass(frozen=True)
class BodyRegion:
    """One place and side, shaded by its count (`opacity`)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    side: str
    count: int
    opacity: float

    @property
    def count_x(self) -> float:
        return self.x + 3

    @property
    def count_y(self) -> float:
        return self.y + 14


@dataclass(frozen=True)
class BodyView:
    name: str
    regions: list[BodyRegion]


@dataclass(frozen=True)
class BodyMap:
    views: list[BodyView]
    rows: list[PlaceCount]


def body_map(places: list[PlaceCount]) -> BodyMap:
    """Front and back outlines; each location and side shaded by its count (and labelled with it)."""
    counts = {place.slug: place for place in places}
    largest = max((max(place.left, place.right) for place in places), default=0) or 1
    views = {"front": [], "back": []}
    for slug, view, side, x, y, width, height in sides():
        place = counts.get(slug)
        label = place.label if place else slug.replace("-", " ").capitalize()
        count = getattr(place, side) if place else 0
        opacity = round(0.15 + 0.85 * count / largest, 2) if count else 0
        views[view].append(BodyRegion(x, y, width, height, label, side, count, opacity))
    return BodyMap(
        views=[BodyView(name, regions) for name, regions in views.items()],
        rows=sorted(places, key=lambda place: -(place.left + place.right)),
    )
