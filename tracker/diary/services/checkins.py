"""The daily check-in: a patient's answer for one local day, and the cramps that day already has."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.names import isolated
from tracker.diary.services.episode_details import HISTORY_BEFORE_JOINING
from tracker.models import CRAMP_KINDS, CheckIn, ClinicSummary, Episode, counted


@transaction.atomic
def checkin_record(*, patient: User, created_by: User, day: dt.date, status: str) -> CheckIn:
    """Answer the check-in for one local day, as `created_by`: the patient, or a caregiver the caller let in.

    Any day's answer can be changed, as an entry can be edited (a mis-tap on a missed day is corrected as one
    on today), except that a caregiver does not change the patient's own answer (as they change only the
    entries they made); "No cramps" is refused for a day that has cramps logged. A new or changed answer
    records who gave it; the answer the day already has, sent again, changes nothing (so it stays whoever's it
    was).
    """
    if status not in CheckIn.Status.values:
        raise ValidationError({"status": "Choose “No cramps” or “I had cramps”."})
    check_checkin_day(patient, day, patient.today())
    existing = CheckIn.objects.filter(patient=patient, day=day).first()
    if status == CheckIn.Status.NO_CRAMPS and cramps_on_day(patient, day) > 0:
        raise ValidationError({"status": "You logged cramps on this day. Delete them first if they were a mistake."})
    if existing is not None and existing.status == status:
        return existing
    if existing is not None and existing.created_by_id == patient.pk and created_by.pk != patient.pk:
        raise ValidationError(
            {"status": f"{isolated(patient.full_name)} answered this day themselves: only they can change it."}
        )
    checkin, _ = CheckIn.objects.update_or_create(
        patient=patient, day=day, defaults={"status": status, "created_by": created_by}
    )
    ClinicSummary.objects.log_changed(patient.pk)
    return checkin


def check_checkin_day(patient: User, day: dt.date, latest: dt.date) -> None:
    """A check-in is for a day up to `latest` (the patient's today; an import from a zone ahead, a day more), and
    no more than five years before the patient joined, as a cramp."""
    if day > latest:
        raise ValidationError({"day": "You can only check in for today or earlier days."})
    if day < patient.local_day(patient.date_joined - HISTORY_BEFORE_JOINING):
        raise ValidationError({"day": "That day is too long before you joined CrampApp."})


def cramps_on_day(patient: User, day: dt.date) -> int:
    """The entries of cramps (tracker.models.CRAMP_KINDS) counted on a local day (each in its own zone): a spasm
    or a twitch leaves it cramp-free, and so does a cramp described as one of a tally's, which counts it on its
    own day. With none, a cramp logged in another zone whose moment falls in this day of the patient's own clock
    (they had moved, or had not yet set their zone) says the day had cramps too."""
    cramps = Episode.objects.for_patient(patient).filter(counted(), event_kind__in=CRAMP_KINDS)
    if on_their_day := cramps.on_local_days(day, day).count():
        return on_their_day
    start = dt.datetime.combine(day, dt.time.min, tzinfo=patient.zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=patient.zone)
    return cramps.filter(started_at__gte=start, started_at__lt=end).count()
