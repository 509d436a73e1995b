"""Questionnaires that follow events in the tracker. Questionnaires read the tracker, not the other way
round, so they listen here; every way a step is recorded (its form, a medicine's start date, demo data)
passes through the same receiver."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tracker.models import MedicationStep

from .services import schedule_after_medication_step, unschedule_after_medication_step


@receiver(post_save, sender=MedicationStep)
def ask_about_change_after_a_medication_step(sender, instance, created, raw, **kwargs):
    """A start or dose change makes the PGIC due 4 weeks later."""
    if created and not raw:
        schedule_after_medication_step(step=instance)


@receiver(post_delete, sender=MedicationStep)
def stop_asking_about_a_step_removed(sender, instance, **kwargs):
    """A step removed (or its medicine) no longer makes the PGIC due."""
    unschedule_after_medication_step(step=instance)
