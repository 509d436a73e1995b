"""Synthetic patients, clinicians and cramps for demos and benchmarks, inserted in bulk."""

import datetime as dt
import random
import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from crampapp.vacuum import after_bulk_load
from tracker.clinic.review import summaries_refresh
from tracker.models import (
    CareGrant,
    CheckIn,
    ClinicSummary,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Medication,
    Side,
    Term,
)
from tracker.sharing.services import hash_code

# Known on purpose: the command prints them, and refuses to run in production unless forced.
DEMO_PASSWORD = "cramp-demo-2026"  # noqa: S105
# A fixed secret so that the demo clinician can add it to any authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
PLACES = ["calf", "calf", "calf", "foot-toes", "hamstring", "thigh-front", "shin", "hand-fingers"]
TRIGGERS = ["dehydration", "exercise-overuse", "cold", "long-standing", "none-noticed", "alcohol"]
RELIEF = ["stretching", "massage", "walking-it-off", "heat"]
# Now and then a symptom: twitching or numbness alone (no warning sign), or weakness (a warning sign).
SYMPTOMS = ["twitching", "weakness", "numbness-tingling"]


class Command(BaseCommand):
    help = (
        "Create demo data fast: patients with months of cramps (more at night, in clusters, fewer after "
        "a medicine starts, a few red flags), clinicians with grants. Deterministic with --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1)
        parser.add_argument("--episodes", type=int, default=150, help="episodes per patient")
        parser.add_argument("--clinicians", type=int, default=1)
        parser.add_argument("--grants", type=int, default=None, help="patients granted to each clinician (all)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--prefix", default="demo", help="e-mail addresses are <prefix>-patient-N@example.org")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off (benchmarks, staging)")

    def handle(self, *args, **options):
        if User.objects.filter(email__startswith=f"{options['prefix']}-").exists():
            self.stdout.write(
                f"Demo users with the prefix {options['prefix']!r} exist already (password {DEMO_PASSWORD}); "
                "nothing created. Use another --prefix for more."
            )
            return
        if options["patients"] < 0 or options["episodes"] < 0 or options["clinicians"] < 0:
            raise CommandError("Counts cannot be negative.")
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Demo accounts have a published password: run with DEBUG=1, or --force on a test server."
            )
        rng = random.Random(options["seed"])  # noqa: S311 (synthetic data, not secrets)
        with transaction.atomic():
            patients = self._patients(options, rng)
            clinicians = self._clinicians(options)
            self._grants(patients, clinicians, options["grants"])
            # The bulk inserts go around the write services: count the clinic summaries they would have left.
            summaries_refresh(User.objects.filter(pk__in=[patient.pk for patient in patients]), timezone.now())
        after_bulk_load((User, Episode, EpisodeLocation, EpisodeTerm, CheckIn, CareGrant, ClinicSummary))
        first_patient = patients[0].email if patients else "-"
        first_clinician = clinicians[0].email if clinicians else "-"
        self.stdout.write(
            f"Created {len(patients)} patients with {options['episodes']} cramps each "
            f"and {len(clinicians)} clinicians.\n"
            f"  patient:   {first_patient} / {DEMO_PASSWORD}\n"
            f"  clinician: {first_clinician} / {DEMO_PASSWORD} "
            f"(authenticator app secret {DEMO_TOTP_SECRET})"
        )

    def _users(self, emails: list[str], **fields) -> list[User]:
        password = make_password(DEMO_PASSWORD)
        users = User.objects.bulk_create(User(email=email, password=password, **fields) for email in emails)
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        return users

    def _patients(self, options, rng: random.Random) -> list[User]:
        prefix = options["prefix"]
        emails = [f"{prefix}-patient-{number}@example.org" for number in range(1, options["patients"] + 1)]
        patients = self._users(emails, full_name="Demo Patient", time_zone="Europe/London")
        terms = {(term.kind, term.slug): term for term in Term.objects.shared()}
        for number, patient in enumerate(patients, start=1):
            patient.full_name = f"Demo Patient {number}"
            self._diary(patient, options["episodes"], rng, terms)
        User.objects.bulk_update(patients, ["full_name"])
        return patients

    def _diary(self, patient: User, count: int, rng: random.Random, terms: dict) -> None:
        now = timezone.now()
        days = max(30, count // 2)
        started = (now - dt.timedelta(days=days)).date()
        medicine_day = started + dt.timedelta(days=days * 2 // 3)
        Medication.objects.create(patient=patient, name="Magnesium", dose="as on the label", started_on=medicine_day)
        episodes, places, tags = [], [], []
        for _ in range(count):
            day = started + dt.timedelta(days=rng.randrange(days))
            # Clusters: some weeks are bad weeks; the medicine halves the rate after it starts.
            if day >= medicine_day and rng.random() < 0.5:
                day = started + dt.timedelta(days=rng.randrange((medicine_day - started).days))
            hour = rng.choice([1, 2, 3, 3, 4, 5, 23, 0, 14, 18]) if rng.random() < 0.85 else rng.randrange(24)
            moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=patient.zone)
            moment = min(moment, now - dt.timedelta(minutes=1))
            severity = min(10, max(1, round(rng.gauss(6 if day < medicine_day else 4, 2))))
            episode = Episode(
                patient=patient,
                created_by=patient,
                started_at=moment,
                severity=severity,
                duration_seconds=rng.randrange(20, 900),
                woke_from_sleep=hour < 6 or hour >= 23,
                relief_effect=rng.choice(["lot", "little", "complete", "none", ""]),
                client_id=uuid.uuid4(),
                time_zone=patient.time_zone,
            )
            episode.set_utc_offset()
            episodes.append(episode)
        Episode.objects.bulk_create(episodes, batch_size=1000)
        for episode in episodes:
            places.append(
                EpisodeLocation(
                    patient=patient,
                    episode=episode,
                    location=terms[("location", rng.choice(PLACES))],
                    side=rng.choice([Side.LEFT, Side.RIGHT, Side.LEFT, Side.BOTH]),
                )
            )
            chosen = {terms[("trigger", rng.choice(TRIGGERS))], terms[("relief", rng.choice(RELIEF))]}
            if rng.random() < 0.02:
                chosen.add(terms[("symptom", rng.choice(SYMPTOMS))])
            tags += [EpisodeTerm(patient=patient, episode=episode, term=term) for term in chosen]
        EpisodeLocation.objects.bulk_create(places, batch_size=1000)
        EpisodeTerm.objects.bulk_create(tags, batch_size=1000)
        cramp_days = {episode.local_day for episode in episodes}
        all_days = {started + dt.timedelta(days=offset) for offset in range(days + 1)}
        quiet_days = [day for day in sorted(all_days - cramp_days) if rng.random() < 0.7]
        CheckIn.objects.bulk_create(
            [CheckIn(patient=patient, day=day, status=CheckIn.Status.HAD_CRAMPS) for day in cramp_days]
            + [CheckIn(patient=patient, day=day, status=CheckIn.Status.NO_CRAMPS) for day in quiet_days],
            batch_size=1000,
        )

    def _clinicians(self, options) -> list[User]:
        prefix = options["prefix"]
        emails = [f"{prefix}-clinician-{number}@example.org" for number in range(1, options["clinicians"] + 1)]
        clinicians = self._users(
            emails,
            full_name="Dr Demo",
            role=User.Role.CLINICIAN,
            professional_details="Neurologist (demo account)",
            clinician_verified_at=timezone.now(),
        )
        for clinician in clinicians:
            TOTP.activate(clinician, DEMO_TOTP_SECRET)
        return clinicians

    def _grants(self, patients: list[User], clinicians: list[User], per_clinician: int | None) -> None:
        now = timezone.now()
        CareGrant.objects.bulk_create(
            CareGrant(
                patient=patient,
                clinician=clinician,
                status=CareGrant.Status.ACTIVE,
                accepted_at=now,
                code_hash=hash_code(uuid.uuid4().hex),
                invitation_expires_at=now,
            )
            for clinician in clinicians
            for patient in patients[:per_clinician]
        )
