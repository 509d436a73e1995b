"""Validation status in three values instead of a yes/no, and who each instrument is offered to.

The Penn Spasm Frequency Scale was marked validated, but CrampApp rewords its answers and adds a 7-day
recall, and it measures the spasms of spasticity, not cramps: it becomes "adapted", offered by default to
people with multiple sclerosis or a spinal cord injury.
"""

from django.db import migrations, models

PSFS = {
    "title": "Spasm frequency (adapted from the Penn Spasm Frequency Scale)",
    "short_title": "PSFS (adapted)",
    "description": (
        "Two short questions about muscle spasms: how often they come, and how strong they are. "
        "A spasm is a muscle that tightens or jerks on its own, without you meaning it to. "
        "These questions are about the spasms that come with stiff muscles, as in MS or a spinal cord injury. "
        "They do not measure cramps."
    ),
    "source": (
        "Adapted from the Penn Spasm Frequency Scale (Penn et al., N Engl J Med 1989; PubMed 2716830), "
        "a measure of spasticity. Answers reworded in plain language and a 7-day recall added: "
        "not validated in this form."
    ),
    "score_help": (
        "PSFS part 1, spasm frequency: 0 none; 1 mild, only when set off (touch, movement); "
        "2 full spasms less than once an hour; 3 more than once an hour; 4 more than 10 times an hour. "
        "Part 2, severity (1 mild, 2 moderate, 3 severe), is shown with the answers. "
        "Measures spasms of spasticity, not cramps."
    ),
    "status": "adapted",
    "offered_to": "spasticity",
}
PSFS_BEFORE = {
    "title": "Penn Spasm Frequency Scale",
    "short_title": "PSFS",
    "description": (
        "Two short questions about muscle spasms: how often they come, and how strong they are. "
        "A spasm is a muscle that tightens or jerks on its own, without you meaning it to."
    ),
    "source": (
        "Penn RD et al., N Engl J Med 1989. A public NINDS Common Data Element (form F1765). "
        "Answer options reworded in plain language; the original sets no time frame, CrampApp asks about "
        "the past 7 days."
    ),
    "score_help": (
        "PSFS part 1, spasm frequency: 0 none; 1 mild, only when set off (touch, movement); "
        "2 full spasms less than once an hour; 3 more than once an hour; 4 more than 10 times an hour. "
        "Part 2, severity (1 mild, 2 moderate, 3 severe), is shown with the answers."
    ),
}


def to_status(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    Instrument.objects.filter(validated=True).update(status="validated")
    Instrument.objects.filter(validated=False).update(status="not_validated")
    Instrument.objects.filter(slug="psfs").update(**PSFS)


def to_validated(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    # An adapted instrument was marked validated before: the yes/no had no other place for it.
    Instrument.objects.exclude(status="not_validated").update(validated=True)
    Instrument.objects.filter(status="not_validated").update(validated=False)
    Instrument.objects.filter(slug="psfs").update(**PSFS_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0002_seed_instruments")]

    operations = [
        migrations.AddField(
            model_name="instrument",
            name="status",
            field=models.CharField(
                choices=[
                    ("validated", "Validated questionnaire, used as published"),
                    ("adapted", "Adapted from a published questionnaire: not validated in this form"),
                    ("not_validated", "CrampApp's own questions: not a validated questionnaire"),
                ],
                default="not_validated",
                help_text="Adapted: from a published instrument, with its wording or recall period changed.",
                max_length=16,
                verbose_name="validation status",
            ),
        ),
        migrations.AddField(
            model_name="instrument",
            name="offered_to",
            field=models.CharField(
                choices=[
                    ("everyone", "Everyone"),
                    ("spasticity", "Patients with multiple sclerosis or a spinal cord injury"),
                    ("after_medication_step", "Patients who started a medicine or changed its dose"),
                    ("woken_at_night", "Patients who recorded cramps that woke them"),
                ],
                default="everyone",
                help_text="Who sees it among their questionnaires by default (questionnaires/offers.py); "
                "anyone can add it from the list.",
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="instrument",
            name="source",
            field=models.CharField(
                blank=True,
                help_text="Where the instrument comes from: authors, year and a DOI or PubMed id for a published one.",
                max_length=300,
            ),
        ),
        migrations.RunPython(to_status, to_validated),
        migrations.RemoveField(model_name="instrument", name="validated"),
        migrations.AddConstraint(
            model_name="instrument",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=["validated", "adapted", "not_validated"]),
                name="questionnaires_instrument_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="instrument",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    offered_to__in=["everyone", "spasticity", "after_medication_step", "woken_at_night"]
                ),
                name="questionnaires_instrument_offered_to_valid",
            ),
        ),
    ]
