"""Sharing a record with clinicians and caregivers: invitations, grants, notes and the access log.

Both kinds of invitation work alike (a one-time code, kept only as a hash, valid 7 days, accepted
at most ten tries in 15 minutes per account); each is accepted only by its own kind of account.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import partial
from urllib.parse import urljoin

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit
from accounts.models import User
from crampapp.mail import absolute_url, deliver, subject_line
from tracker.models import AccessLog, CareGrant, ClinicianNote, Episode, PatientProfile

INVITATION_VALID_FOR = dt.timedelta(days=7)
# No 0/O or 1/I/L: codes are read out loud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
ACCEPT_ATTEMPTS = 10
ACCEPT_WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class NewInvitation:
    grant: CareGrant
    code: str
    # The earlier invitations to the same address, for the same role, that this one replaced.
    replaced: int = 0


def hash_code(code: str) -> str:
    normalised = "".join(char for char in code.upper() if char.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def format_code(code: str) -> str:
    """ABCDEFGHJK -> ABCDE-FGHJK, easier to read out."""
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def check_invitation(*, patient: User, invited_email: str = "", access_ends_on: dt.date | None = None) -> None:
    """Every problem of an invitation's fields at once, by field: an end date in the past, the patient's own
    address."""
    problems = {}
    if access_ends_on is not None and access_ends_on < patient.today():
        problems["access_ends_on"] = "The end date is in the past."
    if invited_email and invited_email.casefold() == patient.email.casefold():
        problems["invited_email"] = "This is your own address: enter theirs, or leave it empty and give them the code."
    if problems:
        raise ValidationError(problems)


def invitation_create(
    *,
    patient: User,
    invited_email: str = "",
    access_ends_on: dt.date | None = None,
    role: str = CareGrant.Role.CLINICIAN,
) -> NewInvitation:
    """A one-time code (valid 7 days) the patient gives one clinician, or one caregiver (`role`);
    e-mailed to them if an address is given. An earlier invitation to the same address for the same role that
    is still open is cancelled: only the newest code works, so a lost e-mail is simply sent again."""
    if not patient.is_patient:
        raise ValidationError("Only patients can share their record.")
    check_invitation(patient=patient, invited_email=invited_email, access_ends_on=access_ends_on)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    grant = CareGrant(
        patient=patient,
        role=role,
        code_hash=hash_code(code),
        invited_email=invited_email,
        invitation_expires_at=timezone.now() + INVITATION_VALID_FOR,
        access_ends_on=access_ends_on,
    )
    grant.full_clean()
    earlier = []
    if invited_email:
        open_ones = CareGrant.objects.for_patient(patient).pending(timezone.now())
        earlier = list(open_ones.filter(role=role, invited_email__iexact=invited_email))
    for replaced in earlier:
        grant_end(grant=replaced)
    grant.save()
    audit("grant_invited", patient_id=patient.pk, grant=grant.uuid, role=role, emailed=bool(invited_email))
    return NewInvitation(grant=grant, code=format_code(code), replaced=len(earlier))


def invitation_email(*, grant: CareGrant, code: str, accept_url: str) -> bool:
    """Tell the invited clinician or caregiver how to accept, and how to sign up first if they are new (a
    clinician: that staff verify them); False when the e-mail could not be sent. Called once the invitation is
    stored, so a failure leaves a valid invitation whose code the patient sees."""
    context = {
        "for_caregiver": grant.is_for_caregiver,
        "patient_name": grant.patient.full_name,
        "accept_url": accept_url,
        "signup_url": urljoin(accept_url, reverse("account_signup")),
        "code": code,
        "valid_days": INVITATION_VALID_FOR.days,
    }
    email = EmailMessage(
        subject=subject_line("[CrampApp] " + render_to_string("tracker/email/invitation_subject.txt", context)),
        body=render_to_string("tracker/email/invitation_body.txt", context),
        to=[grant.invited_email],
    )
    return deliver(email, what="invitation")


def _check_attempts(user: User) -> None:
    """One budget of tries per account, whichever accept page (clinician or caregiver) it uses."""
    key = f"caregrant-accept-attempts:{user.pk}"
    # add() starts the window only if none is open; incr() counts atomically in the shared cache, so two
    # requests at once (or two workers) cannot both take the last try.
    cache.add(key, 0, ACCEPT_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window closed between the two calls: this try opens the next one
        cache.add(key, 1, ACCEPT_WINDOW_SECONDS)
        attempts = 1
    if attempts > ACCEPT_ATTEMPTS:
        raise ValidationError({"code": "Too many tries. Wait 15 minutes, then enter the code again."})


def _check_still_open(grant: CareGrant) -> None:
    if grant.status != CareGrant.Status.INVITED:
        raise ValidationError({"code": "This code has already been used or was cancelled. Ask for a new one."})
    if grant.invitation_expires_at <= timezone.now():
        raise ValidationError({"code": "This code has expired (codes last 7 days). Ask for a new one."})


@transaction.atomic
def invitation_accept(*, clinician: User, code: str) -> CareGrant:
    """Turn a patient's invitation into active access for this verified clinician."""
    if not clinician.is_clinician:
        raise ValidationError(
            {"code": f"Only clinician accounts can accept invitations. This is a {clinician.role} account."}
        )
    if not clinician.is_verified_clinician:
        raise ValidationError(
            {"code": "Your clinician account is waiting for verification. You can accept once our staff verify it."}
        )
    _check_attempts(clinician)
    grant = CareGrant.objects.select_for_update().filter(code_hash=hash_code(code)).select_related("patient").first()
    if grant is None:
        raise ValidationError({"code": "No invitation has this code. Check it with your patient."})
    if grant.is_for_caregiver:
        raise ValidationError(
            {
                "code": "This code invites a caregiver, not a clinician, so it does not work here. "
                "Ask your patient for a clinician invitation."
            }
        )
    _check_still_open(grant)
    if (
        CareGrant.objects.for_patient(grant.patient)
        .filter(clinician=clinician, status=CareGrant.Status.ACTIVE)
        .exists()
    ):
        raise ValidationError({"code": "You already have access to this patient's log."})
    return _activate(grant, "clinician", clinician, already="You already have access to this patient's log.")


def _activate(grant: CareGrant, role: str, grantee: User, *, already: str) -> CareGrant:
    """Give the invitation's access to `grantee` (as its "clinician" or "caregiver"). The database's
    one-active-grant-per-pair constraint settles a race with `already`, the message for a second one."""
    setattr(grant, role, grantee)
    grant.status = CareGrant.Status.ACTIVE
    grant.accepted_at = timezone.now()
    try:
        with transaction.atomic():
            grant.save(update_fields=[role, "status", "accepted_at"])
    except IntegrityError:
        raise ValidationError({"code": already}) from None
    audit("grant_accepted", patient_id=grant.patient_id, grant=grant.uuid, **{f"{role}_id": grantee.pk})
    return grant


def _check_caregiver_account(user: User, code: str) -> None:
    """A clear word for the accounts that cannot accept a caregiver invitation, before any code is tried."""
    if user.is_caregiver:
        return
    if user.is_patient and CareGrant.objects.for_patient(user).filter(code_hash=hash_code(code)).exists():
        raise ValidationError(
            {
                "code": "This is your own invitation. Give the code to the person who helps you: "
                "they accept it with their own caregiver account."
            }
        )
    raise ValidationError(
        {
            "code": f"Caregiver invitations are accepted with a caregiver account, and this is a {user.role} "
            "account. Log out, then sign up as a caregiver with another e-mail address."
        }
    )


@transaction.atomic
def caregiver_invitation_accept(*, caregiver: User, code: str) -> CareGrant:
    """Turn a patient's caregiver invitation into active access for this caregiver account."""
    _check_caregiver_account(caregiver, code)
    _check_attempts(caregiver)
    grant = CareGrant.objects.select_for_update().filter(code_hash=hash_code(code)).select_related("patient").first()
    if grant is None:
        raise ValidationError({"code": "No invitation has this code. Check it with the person you help."})
    if not grant.is_for_caregiver:
        raise ValidationError(
            {
                "code": "This code invites a clinician, not a caregiver, so it does not work here. "
                "Ask for a caregiver invitation."
            }
        )
    _check_still_open(grant)
    already = f"You already help {grant.patient.full_name} with their log."
    helping = CareGrant.objects.for_patient(grant.patient).filter(caregiver=caregiver, status=CareGrant.Status.ACTIVE)
    if helping.exists():
        raise ValidationError({"code": already})
    return _activate(grant, "caregiver", caregiver, already=already)


@transaction.atomic
def grant_end(*, grant: CareGrant) -> CareGrant:
    """Revoke active access, or cancel a pending invitation, with immediate effect."""
    if grant.status == CareGrant.Status.ACTIVE:
        grant.status = CareGrant.Status.REVOKED
    elif grant.status == CareGrant.Status.INVITED:
        grant.status = CareGrant.Status.CANCELLED
    else:
        return grant
    grant.ended_at = timezone.now()
    grant.save(update_fields=["status", "ended_at"])
    audit(
        "grant_ended",
        patient_id=grant.patient_id,
        clinician_id=grant.clinician_id,
        caregiver_id=grant.caregiver_id,
        status=grant.status,
    )
    return grant


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (the proxy's, unless it is trusted to set X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR") or None


def access_log_record(*, request: HttpRequest, patient: User, action: str, detail: str = "") -> AccessLog | None:
    """Record that the signed-in clinician or caregiver looked at, exported, annotated or added to this
    patient's data (exports also go to the audit log). Once per request: a page that a failing read replica
    makes read again from the primary (crampapp.replica) runs its view twice, and was opened once. Not for a
    HEAD request, which gets the page's headers and none of its data."""
    if request.method == "HEAD":
        return None
    key = (patient.pk, action, detail[:200])
    if not hasattr(request, "access_logged"):
        request.access_logged = {}
    if key in request.access_logged:
        return request.access_logged[key]
    if action.startswith("export"):
        audit(action, request=request, patient_id=patient.pk, clinician_id=request.user.pk)
    viewer_role = AccessLog.ViewerRole.CAREGIVER if request.user.is_caregiver else AccessLog.ViewerRole.CLINICIAN
    request.access_logged[key] = AccessLog.objects.create(
        patient=patient,
        clinician=request.user,
        viewer_role=viewer_role,
        action=action,
        detail=detail[:200],
        ip_address=client_ip(request),
    )
    return request.access_logged[key]


# A clinician's list of patients is read many times a day: each patient's trail says it once in this time.
LISTED_ONCE_IN = dt.timedelta(hours=24)


def access_log_listed(*, request: HttpRequest, patients: list[User]) -> None:
    """Record that the signed-in clinician saw these patients' figures in their list of patients (the clinic
    list): once in LISTED_ONCE_IN for each, so that the trail tells it without a row at every look. Two
    queries, however many patients."""
    if request.method == "HEAD" or not patients:
        return
    now = timezone.now()
    seen = set(
        AccessLog.objects.filter(
            clinician=request.user,
            action=AccessLog.Action.VIEW_LIST,
            at__gt=now - LISTED_ONCE_IN,
            patient__in=patients,
        ).values_list("patient_id", flat=True)
    )
    AccessLog.objects.bulk_create(
        AccessLog(
            patient=patient,
            clinician=request.user,
            viewer_role=AccessLog.ViewerRole.CLINICIAN,
            action=AccessLog.Action.VIEW_LIST,
            ip_address=client_ip(request),
        )
        for patient in patients
        if patient.pk not in seen
    )


@transaction.atomic
def note_add(*, author: User, patient: User, text: str, episode: Episode | None = None) -> ClinicianNote:
    if episode is not None and episode.patient_id != patient.pk:
        raise ValidationError("That episode belongs to another patient.")
    note = ClinicianNote(author=author, patient=patient, episode=episode, text=text)
    note.full_clean()
    note.save()
    if PatientProfile.objects.filter(patient=patient, note_emails=True).exists():
        transaction.on_commit(partial(note_email, note))
    return note


def note_email(note: ClinicianNote) -> bool:
    """Tell the patient, who asked for it on their profile, that a clinician wrote a note: who, and a link. The
    note's words stay in CrampApp. False when the e-mail could not be sent (the note is saved all the same)."""
    read_url = (
        reverse("tracker:episode_detail", args=[note.episode.uuid])
        if note.episode is not None
        else reverse("tracker:sharing")
    )
    context = {
        "patient_name": note.patient.full_name,
        "author_name": note.author.full_name,
        "about_entry": note.episode is not None,
        "read_url": absolute_url(read_url),
        "profile_url": absolute_url(reverse("tracker:profile")),
    }
    email = EmailMessage(
        subject=subject_line("[CrampApp] " + render_to_string("tracker/email/note_subject.txt", context)),
        body=render_to_string("tracker/email/note_body.txt", context),
        to=[note.patient.email],
    )
    return deliver(email, what="note notice")


NOTES_PER_PAGE = 20


def notes_page(request: HttpRequest, patient: User) -> Page:
    """One page (?notes_page=) of the notes on the patient's record as a whole, newest first, with their authors;
    `page.query` keeps the request's other parameters for the page's links."""
    notes = ClinicianNote.objects.filter(patient=patient, episode=None).select_related("author")
    page = Paginator(notes, NOTES_PER_PAGE).get_page(request.GET.get("notes_page"))
    others = request.GET.copy()
    others.pop("notes_page", None)
    page.query = others.urlencode()
    return page


def new_notes(patient: User):
    """The notes written since the patient last marked their notes read (all of them before they ever did, or
    before they have a profile), newest first, with their authors (one query)."""
    seen_at = "patient__patient_profile__notes_seen_at"
    return (
        ClinicianNote.objects.filter(Q(**{f"{seen_at}__isnull": True}) | Q(created_at__gt=F(seen_at)), patient=patient)
        .select_related("author", "episode")
        .order_by("-created_at")
    )


def notes_mark_read(patient: User) -> None:
    PatientProfile.objects.update_or_create(patient=patient, defaults={"notes_seen_at": timezone.now()})
