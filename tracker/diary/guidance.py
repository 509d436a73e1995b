"""The guidance shown with an entry: what the patient noted, turned into reasons, ranked by education.guidance."""

from dataclasses import dataclass

from accounts.models import User
from education.guidance import Guidance, Noted, guidance_for
from education.models import GuidanceLink
from tracker.models import Episode, Term
from tracker.warnings import PatientContext, contexts_for


@dataclass(frozen=True)
class SymptomPattern:
    """Symptoms that, noted together on one entry, link pages that none of them links alone."""

    key: str
    symptoms: frozenset[str]
    reason: str


# Weakness, twitching or wasting alone has many possible causes and links its own pages
# (weakness and wasting: the warning signs). The motor neuron disease page is offered for
# all three together, not for one alone, where it would alarm far more people than it
# helps (issue 16).
SYMPTOM_PATTERNS = (
    SymptomPattern(
        key="weakness-twitching-wasting",
        symptoms=frozenset({"weakness", "twitching", "muscle-wasting"}),
        reason="You noted weakness, twitching and muscle wasting together",
    ),
)


def noted_in(episode: Episode, context: PatientContext) -> list[Noted]:
    """Everything about this entry and its patient (their diagnoses and medicines in `context`) that guidance
    can be linked from."""
    # Pages are linked from the shared vocabularies' items: a patient's own word links none, whatever it is called.
    noted = [
        Noted(kind=term.kind, key=term.slug, reason=f"You noted: {term.label.lower()}")
        for term in [*episode.symptoms, *episode.triggers, *episode.relief_measures]
        if not term.is_own
    ]
    noted += [
        Noted(kind=GuidanceLink.Kind.LOCATION, key=place.location.slug, reason=f"Where: {place.location.label.lower()}")
        for place in episode.places
        if not place.location.is_own
    ]
    if episode.activity is not None:
        noted.append(
            Noted(kind=Term.Kind.ACTIVITY, key=episode.activity.slug, reason=f"Doing: {episode.activity.label.lower()}")
        )
    symptoms = {term.slug for term in episode.symptoms}
    noted += [
        Noted(kind=GuidanceLink.Kind.PATTERN, key=pattern.key, reason=pattern.reason)
        for pattern in SYMPTOM_PATTERNS
        if pattern.symptoms <= symptoms
    ]
    # Whether it woke the patient may be unknown (None): only a recorded yes is a reason.
    if episode.woke_from_sleep is True:
        noted.append(Noted(kind=GuidanceLink.Kind.PATTERN, key="woke-from-sleep", reason="It woke you from sleep"))
    noted += [
        Noted(kind=Term.Kind.CONDITION, key=slug, reason=f"Your condition: {label}")
        for slug, label in context.conditions.items()
    ]
    noted += [
        Noted(kind=GuidanceLink.Kind.MEDICINE, key=name, reason=f"You take: {name}")
        for name in context.medicines_on(episode.local_day)
    ]
    if episode.medication_taken:
        noted.append(
            Noted(
                kind=GuidanceLink.Kind.MEDICINE,
                key=episode.medication_taken,
                reason=f"You took: {episode.medication_taken}",
            )
        )
    return noted


def guidance_for_episode(episode: Episode, patient: User, context: PatientContext | None = None) -> list[Guidance]:
    """Up to five pages for the patient's entry, most relevant first, with the reasons; `context` is the
    patient's (tracker.warnings.contexts_for) when the caller has read it already."""
    if context is None:
        context = contexts_for([patient])[patient.pk]
    return guidance_for(noted_in(episode, context))
