"""Reminders sent as notifications, by cron every 15 minutes (`manage.py send_push_reminders`).

- The daily check-in: due as the e-mail reminder is (tracker.diary.reminders.checkin_reminders_due: the patient's
  reminder time has come on their own clock, their local day is not recorded, and no reminder went that day),
  for the patients whom notifications reach; the e-mail sender leaves those to this one. Both claim the day on
  the patient's profile, so a day gets one reminder, by one channel. It opens the check-in page.
- A medicine: due from its time for MEDICATION_WINDOW, while the patient takes the medicine, once a day. A
  recorded day does not hold it back: the diary being filled in says nothing about the dose. It names the
  medicine and the dose as the patient wrote it, and opens the medicine's page.
- Quiet hours: nothing goes inside them. A reminder due then goes when they end if it is still due (the same
  day for a check-in, within its window for a medicine); otherwise it is skipped, never carried to the next day.

Each notification is JSON {title, body, url, tag}, encrypted to the browser's keys and signed with the server's
VAPID key (pywebpush). A device whose push service says it is gone (404, 410) is forgotten; other refusals are
counted (models.MAX_FAILURES in a row sets it aside) and the next run tries again.
"""

import datetime as dt
import json
import logging
import zoneinfo
from dataclasses import asdict, dataclass

import requests
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from pywebpush import WebPushException, webpush

from accounts.models import User
from tracker.diary.reminders import checkin_reminders_due, claim_reminder_day, release_reminder_day, reminder_profiles
from tracker.models import Medication

from .models import MedicationReminder, PushSettings, PushSubscription
from .selectors import patients_with_checkin_push
from .vapid import push_available, vapid_signer

logger = logging.getLogger(__name__)

MEDICATION_WINDOW = dt.timedelta(hours=1)
# The push service keeps an undelivered notification (a phone switched off) at least this long; beyond it a
# reminder would arrive too late to mean anything.
MIN_TTL_SECONDS = 60
PUSH_TIMEOUT_SECONDS = 10
GONE = {404, 410}


@dataclass(frozen=True)
class PushMessage:
    """What the service worker shows (pwa/sw.js): a title, a line of text, the page it opens, and a tag that
    replaces an earlier notification of the same kind."""

    title: str
    body: str
    url: str
    tag: str

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def checkin_message(day: dt.date) -> PushMessage:
    return PushMessage(
        title="Time for your daily check-in",
        body="How were your cramps today? Days without cramps count too.",
        url=reverse("tracker:checkin"),
        tag=f"checkin-{day.isoformat()}",
    )


def medication_message(reminder: MedicationReminder) -> PushMessage:
    """The medicine and its dose exactly as the patient wrote them; with no dose written, the name alone."""
    medication = reminder.medication
    return PushMessage(
        title=f"Time for your {medication.name}",
        body=f"{medication.name} — {medication.dose}" if medication.dose else medication.name,
        url=reverse("tracker:medication_edit", args=[medication.uuid]),
        tag=f"medication-{reminder.uuid}",
    )


def deliver(
    subscription: PushSubscription, message: PushMessage, *, ttl: int, urgency: str, session: requests.Session
) -> bool:
    """Send one notification to one device; True when its push service took it."""
    try:
        webpush(
            subscription_info=subscription.as_subscription_info(),
            data=message.as_json(),
            vapid_private_key=vapid_signer(),
            # pywebpush adds the audience (the push service's origin) and a 12-hour expiry to these claims.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=ttl,
            headers={"Urgency": urgency},
            timeout=PUSH_TIMEOUT_SECONDS,
            requests_session=session,
        )
    except WebPushException as error:
        if error.status_code in GONE:
            subscription.delete()
            logger.info("push subscription gone", extra={"user_id": subscription.user_id, "status": error.status_code})
            return False
        _count_failure(subscription, status=error.status_code)
        return False
    except requests.RequestException:
        _count_failure(subscription, status=None)
        return False
    PushSubscription.objects.filter(pk=subscription.pk).update(failures=0, last_success_at=timezone.now())
    return True


def _count_failure(subscription: PushSubscription, *, status: int | None) -> None:
    PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
    logger.warning("push not delivered", extra={"user_id": subscription.user_id, "status": status})


def _push_to(patient: User, message: PushMessage, *, ttl: int, urgency: str, session: requests.Session) -> bool:
    """Send to each device of the patient's that receives notifications (`working_subscriptions`, prefetched);
    True when at least one push service took it."""
    delivered = False
    for subscription in patient.working_subscriptions:
        delivered = deliver(subscription, message, ttl=ttl, urgency=urgency, session=session) or delivered
    return delivered


def _with_devices(patients: list[User]) -> None:
    devices = Prefetch(
        "push_subscriptions", queryset=PushSubscription.objects.working(), to_attr="working_subscriptions"
    )
    prefetch_related_objects(patients, devices)


def _is_quiet(patient: User, moment: dt.time) -> bool:
    try:
        choices = patient.push_settings
    except PushSettings.DoesNotExist:
        return False
    return choices.is_quiet_at(moment)


def _seconds_until(moment: dt.datetime, local_now: dt.datetime) -> int:
    return max(MIN_TTL_SECONDS, int((moment - local_now).total_seconds()))


def _send_due(due, now: dt.datetime, *, claim, release, ends, message, urgency: str, session) -> int:
    """Send each due reminder (a profile's check-in or a medicine's; each has its `patient`) once on the patient's
    local day: none in their quiet hours, none for a day another run claimed first, and the day given back when no
    device took it. The notification lives until `ends(item, day)`. Returns how many went."""
    _with_devices([item.patient for item in due])
    sent = 0
    for item in due:
        patient = item.patient
        local_now = now.astimezone(patient.zone)
        day = local_now.date()
        if _is_quiet(patient, local_now.time()) or not claim(item, day):
            continue
        ttl = _seconds_until(ends(item, day), local_now)
        if _push_to(patient, message(item, day), ttl=ttl, urgency=urgency, session=session):
            sent += 1
        else:
            release(item, day)
    return sent


def send_checkin_pushes(now: dt.datetime, *, session: requests.Session) -> int:
    """Send the check-in reminders due at `now`, each until the patient's midnight; returns how many patients got
    one."""
    profiles = (
        reminder_profiles().filter(patient__in=patients_with_checkin_push()).select_related("patient__push_settings")
    )
    return _send_due(
        checkin_reminders_due(now, profiles),
        now,
        claim=lambda profile, day: claim_reminder_day(profile=profile, day=day),
        release=lambda profile, day: release_reminder_day(profile=profile, day=day),
        ends=lambda profile, day: dt.datetime.combine(
            day + dt.timedelta(days=1), dt.time.min, tzinfo=profile.patient.zone
        ),
        message=lambda profile, day: checkin_message(day),
        urgency="normal",
        session=session,
    )


def medication_reminders_due(now: dt.datetime) -> list[MedicationReminder]:
    """Reminders switched on whose time came in the last MEDICATION_WINDOW on the patient's clock (that day),
    for a medicine the patient takes that day, not sent yet that day, to a patient with a device that receives
    notifications. One query per time zone in use."""
    reminders = MedicationReminder.objects.filter(
        enabled=True,
        patient__is_active=True,
        patient__role=User.Role.PATIENT,
        patient__in=PushSubscription.objects.working().values("user_id"),
    )
    due = []
    zone_names = reminders.order_by().values_list("patient__time_zone", flat=True).distinct()
    for zone_name in sorted(zone_names):
        local_now = now.astimezone(zoneinfo.ZoneInfo(zone_name))
        today = local_now.date()
        since = local_now - MEDICATION_WINDOW
        times = Q(time_of_day__lte=local_now.time())
        if since.date() == today:
            times &= Q(time_of_day__gt=since.time())
        taken_today = Medication.objects.taken_on(today).filter(pk=OuterRef("medication_id"))
        due.extend(
            reminders.filter(times, patient__time_zone=zone_name)
            .exclude(sent_on=today)
            .filter(Exists(taken_today))
            .select_related("medication", "patient__push_settings")
            .order_by("patient_id", "time_of_day")
        )
    return due


def claim_medication_day(*, reminder: MedicationReminder, day: dt.date) -> bool:
    """Mark `day` as reminded in one conditional UPDATE; False when another run claimed it first."""
    return MedicationReminder.objects.filter(pk=reminder.pk).exclude(sent_on=day).update(sent_on=day) == 1


def release_medication_day(*, reminder: MedicationReminder, day: dt.date) -> None:
    """Give the day back after no device took the notification, so that the next run tries again."""
    MedicationReminder.objects.filter(pk=reminder.pk, sent_on=day).update(sent_on=reminder.sent_on)


def send_medication_pushes(now: dt.datetime, *, session: requests.Session) -> int:
    """Send the medicine reminders due at `now`, each until MEDICATION_WINDOW after its time; returns how many
    went."""
    return _send_due(
        medication_reminders_due(now),
        now,
        claim=lambda reminder, day: claim_medication_day(reminder=reminder, day=day),
        release=lambda reminder, day: release_medication_day(reminder=reminder, day=day),
        ends=lambda reminder, day: (
            dt.datetime.combine(day, reminder.time_of_day, tzinfo=reminder.patient.zone) + MEDICATION_WINDOW
        ),
        message=lambda reminder, day: medication_message(reminder),
        urgency="high",
        session=session,
    )


@dataclass(frozen=True)
class PushRun:
    checkins: int
    medications: int


def send_due_pushes(*, now: dt.datetime | None = None) -> PushRun:
    """Send every reminder due now as a notification; nothing when notifications are not set up."""
    if not push_available():
        return PushRun(checkins=0, medications=0)
    now = now or timezone.now()
    with requests.Session() as session:
        run = PushRun(
            checkins=send_checkin_pushes(now, session=session),
            medications=send_medication_pushes(now, session=session),
        )
    logger.info("push reminders sent", extra=asdict(run))
    return run
