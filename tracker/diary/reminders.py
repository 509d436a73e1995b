"""Daily check-in reminders by e-mail, and the signed one-click link they carry.

A patient picks a reminder time in their own zone. `send_due_reminders` (run by cron every
15 minutes through `manage.py send_checkin_reminders`) mails each patient whose time has
come and who has not checked in today, at most once per local day. The mail's link records
"no cramps" for that day without logging in; it is signed, lasts 48 hours and works once.

The same reminder goes as a notification instead to patients whom notifications reach
(notifications.sender, which shares `checkin_reminders_due` and the day's claim with this
module): one reminder per day, by one channel.
"""

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from crampapp.dates import when
from crampapp.mail import absolute_url, subject_line
from notifications.selectors import patients_with_checkin_push
from tracker.diary.services import checkin_record
from tracker.models import CheckIn, PatientProfile

logger = logging.getLogger(__name__)

LINK_SALT = "tracker.reminder"
LINK_VALID_FOR = dt.timedelta(hours=48)
# Cron runs the command every 15 minutes, so finer times would only look precise.
REMINDER_STEP_MINUTES = 15


def reminder_time_choices() -> list[tuple[dt.time | str, str]]:
    """The profile's choices: "No reminder" first, then every quarter of an hour of the day."""
    times = [dt.time(minute // 60, minute % 60) for minute in range(0, 24 * 60, REMINDER_STEP_MINUTES)]
    return [("", "No reminder"), *((time, when(time, "time")) for time in times)]


def reminder_profiles():
    """Profiles of active patients who chose a check-in reminder time."""
    return PatientProfile.objects.filter(
        reminder_time__isnull=False, patient__is_active=True, patient__role=User.Role.PATIENT
    )


def day_recorded(day: dt.date) -> Exists:
    """Whether a profile's patient has recorded their local `day`: a check-in, which logging a cramp also makes."""
    return Exists(CheckIn.objects.filter(patient=OuterRef("patient"), day=day))


def checkin_reminders_due(now: dt.datetime, profiles) -> list[PatientProfile]:
    """Of `profiles`, those whose patient is due a check-in reminder at `now`.

    Due means: a reminder time at or before the patient's local time, no check-in for
    their local today, and no reminder sent for that day yet. One query per time zone in use.
    """
    due = []
    zone_names = profiles.values_list("patient__time_zone", flat=True).distinct()
    for zone_name in sorted(zone_names):
        local_now = now.astimezone(zoneinfo.ZoneInfo(zone_name))
        today = local_now.date()
        due.extend(
            profiles.filter(patient__time_zone=zone_name, reminder_time__lte=local_now.time())
            .exclude(reminder_sent_on=today)
            .filter(~day_recorded(today))
            .select_related("patient")
            .order_by("patient_id")
        )
    return due


def due_reminders(now: dt.datetime) -> list[PatientProfile]:
    """Profiles whose patient should get the reminder by e-mail at `now`: those due, but for the patients whom
    notifications reach, who get it that way instead."""
    return checkin_reminders_due(now, reminder_profiles().exclude(patient__in=patients_with_checkin_push()))


def claim_reminder_day(*, profile: PatientProfile, day: dt.date) -> bool:
    """Mark `day` as reminded, in one conditional UPDATE.

    False when another run claimed it first or the patient checked in meanwhile, so that
    overlapping runs (by e-mail or notification) never send the same reminder twice.
    """
    claimed = (
        PatientProfile.objects.filter(pk=profile.pk)
        .exclude(reminder_sent_on=day)
        .filter(~day_recorded(day))
        .update(reminder_sent_on=day)
    )
    return claimed == 1


def release_reminder_day(*, profile: PatientProfile, day: dt.date) -> None:
    """Give the day back after a failed send, so that the next run tries again."""
    PatientProfile.objects.filter(pk=profile.pk, reminder_sent_on=day).update(reminder_sent_on=profile.reminder_sent_on)


def reminder_token(*, patient: User, day: dt.date) -> str:
    """A signed, timestamped token naming the patient and their local day; URL-safe."""
    return signing.dumps({"p": patient.pk, "d": day.isoformat()}, salt=LINK_SALT)


def reminder_email(*, patient: User, day: dt.date, reminder_time: dt.time, connection=None) -> EmailMessage:
    """The reminder for `day`: a one-click "no cramps" link and a link to log a cramp."""
    context = {
        "patient": patient,
        "day": day,
        "reminder_time": reminder_time,
        "valid_hours": int(LINK_VALID_FOR.total_seconds() // 3600),
        "checkin_url": absolute_url(
            reverse("tracker:reminder_checkin", args=[reminder_token(patient=patient, day=day)])
        ),
        "quick_log_url": absolute_url(f"{reverse('tracker:episode_new')}?mode=quick"),
        "profile_url": absolute_url(reverse("tracker:profile")),
    }
    subject = render_to_string("tracker/email/reminder_subject.txt", context)
    return EmailMessage(
        subject=subject_line(subject),
        body=render_to_string("tracker/email/reminder_body.txt", context),
        to=[patient.email],
        connection=connection,
    )


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Mail every patient who is due now; returns how many mails were sent."""
    now = now or timezone.now()
    due = due_reminders(now)
    if not due:
        return 0
    sent = 0
    with get_connection() as connection:
        for profile in due:
            day = profile.patient.local_day(now)
            if not claim_reminder_day(profile=profile, day=day):
                continue
            message = reminder_email(
                patient=profile.patient, day=day, reminder_time=profile.reminder_time, connection=connection
            )
            try:
                message.send()
            except OSError:  # SMTP errors included: one failing address must not stop the others.
                logger.exception("check-in reminder not sent", extra={"patient_id": profile.patient_id})
                release_reminder_day(profile=profile, day=day)
                continue
            sent += 1
    logger.info("check-in reminders sent", extra={"sent": sent, "due": len(due)})
    return sent


class ReminderLinkRefused(Exception):
    """A reminder link that cannot record anything; `reason` chooses the words on the page."""

    INVALID = "invalid"
    EXPIRED = "expired"
    RECORDED = "recorded"
    NOT_POSSIBLE = "not_possible"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        # 410 Gone: the link was good once. 400: it never was.
        self.status = 400 if reason == self.INVALID else 410


@dataclass(frozen=True)
class ReminderLink:
    patient: User
    day: dt.date


def read_reminder_token(token: str) -> ReminderLink:
    """The patient and day a reminder link stands for, or ReminderLinkRefused saying why not."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=LINK_VALID_FOR)
    except signing.SignatureExpired:
        raise ReminderLinkRefused(ReminderLinkRefused.EXPIRED) from None
    except signing.BadSignature:
        raise ReminderLinkRefused(ReminderLinkRefused.INVALID) from None
    try:
        patient_id, day = int(payload["p"]), dt.date.fromisoformat(payload["d"])
    except (KeyError, TypeError, ValueError):
        raise ReminderLinkRefused(ReminderLinkRefused.INVALID) from None
    patient = User.objects.filter(pk=patient_id, is_active=True, role=User.Role.PATIENT).first()
    if patient is None:
        raise ReminderLinkRefused(ReminderLinkRefused.INVALID)
    if CheckIn.objects.filter(patient=patient, day=day).exists():
        raise ReminderLinkRefused(ReminderLinkRefused.RECORDED)
    return ReminderLink(patient=patient, day=day)


@transaction.atomic
def reminder_checkin_record(*, link: ReminderLink) -> CheckIn:
    """Record "no cramps" for the link's day, once: a day already recorded by any means is refused."""
    # Locking the patient's row makes two clicks at once record one answer, then refuse.
    patient = User.objects.select_for_update().get(pk=link.patient.pk)
    if CheckIn.objects.filter(patient=patient, day=link.day).exists():
        raise ReminderLinkRefused(ReminderLinkRefused.RECORDED)
    try:
        checkin = checkin_record(patient=patient, created_by=patient, day=link.day, status=CheckIn.Status.NO_CRAMPS)
    except ValidationError:
        # Cramps are logged that day, or the day lies ahead after the patient changed time zone.
        raise ReminderLinkRefused(ReminderLinkRefused.NOT_POSSIBLE) from None
    logger.info("check-in recorded from a reminder", extra={"patient_id": patient.pk})
    return checkin
