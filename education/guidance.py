"""Which pages to show with an entry, most relevant first, each with the reasons it was chosen.

The caller says what the patient noted (vocabulary items, patterns, conditions,
medicines); pages are found through their GuidanceLinks, merged so that a page
appears once, ranked and capped. The ranking, in order:

1. the page on a condition the patient has been diagnosed with, whatever else the entry notes;
2. the score: the sum of WEIGHTS over the kinds of thing that linked the page;
3. the page's STANDING, for pages chosen for equally weighty reasons: the warning signs
   first, then the overview of options, then other pages, then experimental options;
4. the number of reasons, then the title.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

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


class Standing(IntEnum):
    """Which of two pages chosen for equally weighty reasons comes first: the higher standing."""

    EXPERIMENTAL = 0
    USUAL = 1
    OVERVIEW = 2
    SAFETY = 3


# Pages not listed stand as USUAL. Knowing when to see a clinician comes before any
# self-care, and the overview of options before any one option: for the same reasons,
# an option with early evidence only (NMES) comes after both.
STANDING = {
    "when-to-see-a-clinician": Standing.SAFETY,
    "treatments-overview": Standing.OVERVIEW,
    "nmes": Standing.EXPERIMENTAL,
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
    # A condition page reached through one of the patient's own diagnoses: shown first.
    on_your_condition: bool = False

    @property
    def standing(self) -> Standing:
        return STANDING.get(self.page.slug, Standing.USUAL)

    def rank(self) -> tuple:
        """Sort key, best first: see the module docstring."""
        return (not self.on_your_condition, -self.score, -self.standing, -len(self.reasons), self.page.title)


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
            if link.kind == GuidanceLink.Kind.CONDITION and link.page.kind == Page.Kind.CONDITION:
                guidance.on_your_condition = True
    return sorted(chosen.values(), key=Guidance.rank)[:limit]
