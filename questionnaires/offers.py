"""Which questionnaires a patient sees among theirs by default: one rule per Instrument.Offer.

Any patient can still add any active questionnaire from the list; a questionnaire that is scheduled or
answered is always shown. A spasm scale offered to someone without spasticity, or a question about
nights to someone whose cramps never woke them, asks about something they do not have.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from tracker.models import Episode, PatientCondition, Term

from .models import Instrument

# The Penn Spasm Frequency Scale rates the spasms of spasticity; it was made for a trial in people with
# multiple sclerosis or a spinal cord injury (Penn et al., N Engl J Med 1989; PubMed 2716830).
SPASTICITY_CONDITIONS = ("multiple-sclerosis", "spinal-cord-injury")
# The Patient Global Impression of Change is asked once the treatment has had time to act.
AFTER_MEDICATION_STEP = dt.timedelta(weeks=4)


@dataclass(frozen=True)
class OfferRule:
    offer: str
    words: str
    source: str


OFFER_RULES = {
    rule.offer: rule
    for rule in [
        OfferRule(Instrument.Offer.EVERYONE, "Offered to everyone.", "CrampApp."),
        OfferRule(
            Instrument.Offer.SPASTICITY,
            "Offered to people with multiple sclerosis or a spinal cord injury, whose spasms it measures.",
            "Penn et al., N Engl J Med 1989; PubMed 2716830. NINDS Common Data Elements.",
        ),
        OfferRule(
            Instrument.Offer.AFTER_MEDICATION_STEP,
            "Asked 4 weeks after you start a medicine or change its dose.",
            "Guy W. ECDEU Assessment Manual for Psychopharmacology, 1976.",
        ),
        OfferRule(
            Instrument.Offer.WOKEN_AT_NIGHT,
            "Offered once you record cramps that woke you at night.",
            "CrampApp.",
        ),
    ]
}


def offers_for(patient: User) -> set[str]:
    """The offers whose rule the patient meets, in one query. The PGIC's rule is met by its schedule,
    which a medication step sets (services.schedule_after_medication_step), so it is never listed here."""
    spasticity = PatientCondition.objects.filter(
        profile_id=OuterRef("pk"), condition__kind=Term.Kind.CONDITION, condition__slug__in=SPASTICITY_CONDITIONS
    )
    woken = Episode.objects.filter(patient_id=OuterRef("pk")).filter(Q(woke_from_sleep=True) | Q(times_woken__gt=0))
    row = (
        User.objects.filter(pk=patient.pk)
        .annotate(spasticity=Exists(spasticity), woken=Exists(woken))
        .values("spasticity", "woken")
        .get()
    )
    met = {Instrument.Offer.EVERYONE}
    if row["spasticity"]:
        met.add(Instrument.Offer.SPASTICITY)
    if row["woken"]:
        met.add(Instrument.Offer.WOKEN_AT_NIGHT)
    return met
