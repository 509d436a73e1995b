"""Which pages to show with an entry, most relevant first, each with the reasons it was chosen.

The caller says what the patient noted (vocabulary items, patterns, conditions,
medicines); pages are found through their GuidanceLinks, scored by what kind of
thing linked them, merged so that a page appears once, and capped.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from .models import GuidanceLink, Page

MAX_PAGES = 5

# What the patient felt weighs more than where or how: symptoms and triggers say
# most about a cramp, then the person's conditions and medicines, then the rest.
WEIGHTS = {
    GuidanceLink.Kind.SYMPTOM: 5,
    GuidanceLink.Kind.TRIGGER: 4,
    GuidanceLink.Kind.CONDITION: 3,
    GuidanceLink.Kind.MEDICINE: 3,
    GuidanceLink.Kind.PATTERN: 3,
    GuidanceLink.Kind.RELIEF: 2,
    GuidanceLink.Kind.ACTIVITY: 2,
    GuidanceLink.Kind.LOCATION: 1,
}


@dataclass(frozen=True)
class Noted:
    """One thing the patient recorded and the reason to show, e.g. trigger / dehydration / "You noted: dehydration"."""

    kind: str
    key: str
    reason: str


@dataclass
class Guidance:
    page: Page
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def _medicine_matches(link_key: str, medicine_name: str) -> bool:
    """A medicine link matches a whole word of the patient's medicine name, in any case."""
    return re.search(rf"\b{re.escape(link_key)}\b", medicine_name, flags=re.IGNORECASE) is not None


def guidance_for(noted: Iterable[Noted], *, limit: int = MAX_PAGES) -> list[Guidance]:
    """Up to `limit` published pages for what was noted, best first, in one query."""
    noted = list(noted)
    exact = [item for item in noted if item.kind != GuidanceLink.Kind.MEDICINE]
    medicines = [item for item in noted if item.kind == GuidanceLink.Kind.MEDICINE]
    if not noted:
        return []
    wanted = Q(pk__in=[])
    for item in exact:
        wanted |= Q(kind=item.kind, key=item.key)
    if medicines:
        wanted |= Q(kind=GuidanceLink.Kind.MEDICINE)
    links = GuidanceLink.objects.filter(wanted, page__is_published=True).select_related("page")

    chosen: dict[int, Guidance] = {}
    for link in links:
        if link.kind == GuidanceLink.Kind.MEDICINE:
            reasons = [item.reason for item in medicines if _medicine_matches(link.key, item.key)]
        else:
            reasons = [item.reason for item in exact if (item.kind, item.key) == (link.kind, link.key)]
        for reason in reasons:
            guidance = chosen.setdefault(link.page_id, Guidance(page=link.page))
            if reason not in guidance.reasons:
                guidance.reasons.append(reason)
                guidance.score += WEIGHTS[link.kind]
    ranked = sorted(chosen.values(), key=lambda item: (-item.score, -len(item.reasons), item.page.title))
    return ranked[:limit]
