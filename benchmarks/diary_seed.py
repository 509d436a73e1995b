"""Two years of a patient's diary for the export and import benchmark (benchmarks/portability.py), stored through
the import's own bulk write (services.episodes_bulk_create): single cramps with places, sides, triggers and relief,
night tallies with some of their cramps described, spasms and twitches, check-ins, a diagnosis, medicines with
their steps, questionnaire answers. Django's models are imported in the functions: only once django.setup() ran."""

import datetime as dt
import random
import uuid

DIARY_DAYS = 730

# When night cramps start, by weight.
NIGHT_HOURS = [23, 0, 1, 2, 2, 3, 3, 4, 5]
# The diary's vocabulary, by slug (tracker/migrations/0002_seed_vocabularies.py).
PLACES = ["calf", "calf", "calf", "foot-toes", "foot-toes", "hamstring", "thigh-front", "shin", "hand-fingers"]
DAY_ACTIVITIES = ["sitting", "standing", "walking", "exercising", "after-exercise", "lying-down"]
TRIGGERS = ["dehydration", "exercise-overuse", "cold", "long-standing", "none-noticed", "alcohol", "heat"]
SYMPTOMS = ["twitching", "numbness-tingling", "soreness-afterwards", "weakness"]
RELIEF = ["stretching", "massage", "walking-it-off", "heat", "medication", "nothing-helped"]
SIDES = ["left", "right", "left", "both"]
# What kind of event, by weight: mostly cramps (said or not), now and then a spasm, a twitch or "not sure".
EVENT_KINDS = {"": 60, "cramp": 25, "spasm": 8, "twitch": 5, "unsure": 2}
MEDICATION_TAKEN = ["Paracetamol 1 g", "Quinine 200 mg", "Magnesium 300 mg"]
NOTES = [
    "Woke me at 3, calf locked solid.",
    "After a long walk in the heat; drank too little.",
    "Toes curled under, foot like a knot for minutes.",
    "Sore all morning afterwards.",
    "Started while stretching in bed — pointed my toes.",
    "Cold bedroom, window open.",
    "Crampe au mollet après la marche.",
]
# (name, starting dose, days after the diary starts that it started and stopped, its dose changes as
# (days after the start, new dose, side effects)).
MEDICINES = [
    ("Quinine sulfate", "200 mg at night", 60, 200, [(60, "300 mg at night", ["tinnitus"])]),
    ("Magnesium citrate", "300 mg at night", 480, None, [(90, "600 mg at night", ["nausea"])]),
    ("Gabapentin", "300 mg at night", 670, None, [(30, "600 mg at night", ["drowsiness", "dizziness"])]),
]


def new_patient(email: str):
    from accounts.models import User

    return User.objects.create_user(email, None, full_name="Benchmark Patient", time_zone="Europe/London")


def seed_patient(email: str, entries: int):
    """A patient with `entries` diary entries over DIARY_DAYS days (stored by the import's bulk write), a
    diagnosis, three medicines with their steps, and questionnaire answers every three months."""
    from tracker.diary.services import episodes_bulk_create, profile_update
    from tracker.models import CheckIn, Term

    patient = new_patient(email)
    rng = random.Random(entries)  # noqa: S311 (synthetic data, not secrets)
    first_day = patient.today() - dt.timedelta(days=DIARY_DAYS)
    days = [first_day + dt.timedelta(days=offset) for offset in range(DIARY_DAYS)]
    # Seven days in ten answered "no cramps"; the bulk write turns those with a cramp into "had cramps".
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, created_by=patient, day=day, status=CheckIn.Status.NO_CRAMPS)
        for day in days
        if rng.random() < 0.7
    )
    terms = {(term.kind, term.slug): term for term in Term.objects.shared()}
    episodes_bulk_create(patient=patient, created_by=patient, entries=Diary(patient, rng, terms).entries(days, entries))
    profile_update(
        patient=patient,
        time_zone=patient.time_zone,
        conditions=[terms[("condition", "peripheral-neuropathy")]],
        other_conditions="",
        reminder_time=None,
    )
    medicines_add(patient, first_day)
    questionnaires_answer(patient, rng)
    return patient


class Diary:
    """One patient's entries as an import brings them in: single cramps in bad and better weeks, mostly at
    night; a night tally every few nights, up to two of its cramps described; a spasm or a twitch now and
    then. No two entries start in the same minute, so that an import takes every one of them."""

    def __init__(self, patient, rng: random.Random, terms: dict):
        self.patient, self.rng, self.terms = patient, rng, terms
        self.minutes_taken: set[dt.datetime] = set()

    def entries(self, days: list[dt.date], count: int) -> list:
        from tracker.diary.services import EpisodeDetails, NewEpisode
        from tracker.diary.tallies import slot_bounds
        from tracker.models import EntryType

        rng, details = self.rng, []
        # Nights that ended before today, so that every described cramp is in the past.
        for day in sorted(rng.sample(days[:-1], min(count // 50, len(days) // 2))):
            cramps = rng.randint(2, 8)
            tally = EpisodeDetails(
                started_at=None,
                severity=rng.randint(4, 9),
                entry_type=EntryType.NIGHT,
                cramp_count=cramps,
                times_woken=rng.randint(0, cramps) if rng.random() < 0.8 else None,
                tally_date=day,
                locations=self.places(),
                notes=self.note(),
            )
            self.minutes_taken.add(slot_bounds(self.patient.zone, EntryType.NIGHT, day)[0])
            details.append(tally)
            details += [self.described(day, tally.severity) for _ in range(rng.randint(0, min(2, cramps)))]
        weeks = [rng.choice([0.3, 1, 1, 1, 2.5]) for _ in range(len(days) // 7 + 1)]
        # Fewer cramps once magnesium starts (the second medicine).
        helped_from = days[0] + dt.timedelta(days=MEDICINES[1][2])
        weights = [weeks[index // 7] * (0.6 if day >= helped_from else 1) for index, day in enumerate(days)]
        details += [self.single(day) for day in rng.choices(days, weights, k=count - len(details))]
        return [NewEpisode(client_id=uuid.uuid4(), details=entry) for entry in details]

    def single(self, day: dt.date):
        from tracker.diary.services import EpisodeDetails
        from tracker.models import ReliefEffect

        rng, terms = self.rng, self.terms
        hour = rng.choice(NIGHT_HOURS) if rng.random() < 0.8 else rng.randrange(8, 22)
        at_night = hour < 6 or hour >= 22
        kind = rng.choices(list(EVENT_KINDS), list(EVENT_KINDS.values()))[0]
        activity = "asleep" if at_night else rng.choice(DAY_ACTIVITIES)
        return EpisodeDetails(
            started_at=self.moment(day, hour),
            severity=rng.randint(1, 3) if kind == "twitch" else rng.randint(3, 10),
            duration_seconds=rng.randrange(15, 900) if rng.random() < 0.8 else None,
            woke_from_sleep=at_night if rng.random() < 0.9 else None,
            activity=terms[("activity", activity)] if rng.random() < 0.6 else None,
            locations=self.places(),
            triggers=[terms[("trigger", slug)] for slug in rng.sample(TRIGGERS, rng.randint(0, 2))],
            symptoms=[terms[("symptom", rng.choice(SYMPTOMS))]] if rng.random() < 0.05 else [],
            relief_measures=[terms[("relief", slug)] for slug in rng.sample(RELIEF, rng.randint(0, 2))],
            relief_effect=rng.choice(["", *ReliefEffect.values]),
            medication_taken=rng.choice(MEDICATION_TAKEN) if rng.random() < 0.05 else "",
            notes=self.note(),
            event_kind=kind,
        )

    def described(self, night: dt.date, worst: int):
        """One cramp of the tally of the night of `night`, described on its own: no worse than the worst."""
        from tracker.diary.services import EpisodeDetails

        hour = self.rng.choice(NIGHT_HOURS)
        return EpisodeDetails(
            started_at=self.moment(night if hour >= 12 else night + dt.timedelta(days=1), hour),
            severity=self.rng.randint(2, worst),
            duration_seconds=self.rng.randrange(30, 600),
            woke_from_sleep=True,
            locations=self.places(),
            relief_measures=[self.terms[("relief", "stretching")]],
            part_of_tally=True,
        )

    def moment(self, day: dt.date, hour: int) -> dt.datetime:
        while True:
            minute = dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60)), tzinfo=self.patient.zone)
            if minute not in self.minutes_taken:
                self.minutes_taken.add(minute)
                return minute + dt.timedelta(seconds=self.rng.randrange(60))

    def places(self) -> list:
        from tracker.diary.services import LocationChoice

        slugs = dict.fromkeys(self.rng.choice(PLACES) for _ in range(self.rng.choice([1, 1, 1, 2])))
        return [LocationChoice(location=self.terms[("location", slug)], side=self.rng.choice(SIDES)) for slug in slugs]

    def note(self) -> str:
        return self.rng.choice(NOTES) if self.rng.random() < 0.1 else ""


def medicines_add(patient, first_day: dt.date) -> None:
    from tracker.diary.services import medication_add, medication_step_add

    for name, dose, started, stopped, changes in MEDICINES:
        medication = medication_add(
            patient=patient,
            name=name,
            dose=dose,
            started_on=first_day + dt.timedelta(days=started),
            stopped_on=first_day + dt.timedelta(days=stopped) if stopped else None,
        )
        for after, new_dose, side_effects in changes:
            medication_step_add(
                medication=medication,
                created_by=patient,
                kind="dose_changed",
                day=first_day + dt.timedelta(days=started + after),
                dose=new_dose,
                side_effects=side_effects,
            )


def questionnaires_answer(patient, rng: random.Random) -> None:
    """Every offered questionnaire answered every three months over the two years (stored now through the
    service, then dated back)."""
    from django.utils import timezone

    from questionnaires.engine import options_of
    from questionnaires.models import Instrument, QuestionnaireResponse
    from questionnaires.services import response_record

    for instrument in Instrument.objects.active().prefetch_related("items"):
        for months_ago in range(24, 0, -3):
            values = {item.link_id: rng.choice(options_of(item)).value for item in instrument.items.all()}
            response, _ = response_record(
                patient=patient, instrument=instrument, answered_by=patient, client_id=uuid.uuid4(), values=values
            )
            answered_at = timezone.now() - dt.timedelta(days=30 * months_ago)
            QuestionnaireResponse.objects.filter(pk=response.pk).update(answered_at=answered_at)
