"""Reactions to account events that concern a patient's record."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from tracker.diary.services import profile_for


@receiver(user_signed_up)
def create_patient_profile(sender, request, user, **kwargs):
    """A new patient starts with an empty profile, ready for conditions and medications."""
    if user.is_patient:
        profile_for(user)
