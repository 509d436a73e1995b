"""The warning-sign table's vocabulary, the spinal injury level, and the clinic list's trend and warning figures
in place of its 30-day difference of counts.

The new symptoms and the trigger are added to the vocabularies patients choose from; existing entries keep
their items. The clinic summaries are figures derived from the record: their new columns are filled at the
next read, because every summary is marked as not yet counted.
"""

from django.db import migrations, models

SYMPTOMS = [
    ("trouble-breathing-swallowing", "Trouble breathing or swallowing"),
    ("chest-pain-breathless", "Chest pain or breathlessness"),
    ("one-side-weakness-speech", "Sudden weakness of one side, or trouble speaking"),
    ("weakness-spreading", "Weakness spreading over hours"),
    ("came-on-suddenly", "New symptoms came on suddenly"),
    ("dark-urine", "Dark, cola-coloured urine"),
    ("locked-jaw", "Stiff or locked jaw"),
    ("tingling-lips-fingers", "Tingling around the lips or in the fingers"),
    ("bladder-bowel", "New bladder or bowel problems"),
    ("symptoms-spreading", "Twitching or numbness spreading"),
    ("calf-pain-walking", "Calf pain when walking that eases at rest"),
    ("muscle-pain", "Muscle aches or pain between cramps"),
    ("headache-flushing", "Pounding headache, flushing or sweating above a spinal injury"),
]
TRIGGERS = [("dirty-wound", "A recent dirty cut or wound")]
SWELLING = ("swelling-redness", "Swelling, redness or warmth")


def add_terms(apps, schema_editor):
    Term = apps.get_model("tracker", "Term")
    for kind, items in (("symptom", SYMPTOMS), ("trigger", TRIGGERS)):
        after = Term.objects.filter(kind=kind).aggregate(last=models.Max("sort_order"))["last"] or 0
        for order, (slug, label) in enumerate(items, start=after + 1):
            Term.objects.get_or_create(kind=kind, slug=slug, defaults={"label": label, "sort_order": order})
    Term.objects.filter(kind="symptom", slug=SWELLING[0], label="Swelling or redness").update(label=SWELLING[1])
    ClinicSummary = apps.get_model("tracker", "ClinicSummary")
    ClinicSummary.objects.update(computed_version=None)


def remove_terms(apps, schema_editor):
    Term = apps.get_model("tracker", "Term")
    EpisodeTerm = apps.get_model("tracker", "EpisodeTerm")
    for kind, items in (("symptom", SYMPTOMS), ("trigger", TRIGGERS)):
        unused = Term.objects.filter(kind=kind, slug__in=[slug for slug, _ in items]).exclude(
            pk__in=EpisodeTerm.objects.values("term_id")
        )
        unused.delete()
    Term.objects.filter(kind="symptom", slug=SWELLING[0], label=SWELLING[1]).update(label="Swelling or redness")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_woke_from_sleep_unknown")]

    operations = [
        migrations.AddField(
            model_name="patientprofile",
            name="spinal_injury_level",
            field=models.CharField(
                blank=True,
                choices=[("t6_or_above", "At T6 or above (upper back or neck)"), ("below_t6", "Below T6")],
                help_text="Only for a spinal cord injury: an injury at T6 or above can cause autonomic dysreflexia.",
                max_length=12,
                verbose_name="level of the spinal cord injury",
            ),
        ),
        migrations.RemoveField(model_name="clinicsummary", name="red_flag_entries"),
        migrations.RemoveField(model_name="clinicsummary", name="worsening"),
        # A difference of counts over 30 days read unrecorded days as none: the trend replaces it.
        migrations.RemoveField(model_name="clinicsummary", name="previous"),
        migrations.RemoveField(model_name="clinicsummary", name="change"),
        migrations.AddField(
            model_name="clinicsummary", name="warning_entries", field=models.PositiveIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="clinicsummary",
            name="warning_tier",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="clinicsummary",
            name="trend",
            field=models.CharField(
                choices=[
                    ("worse", "More frequent"),
                    ("better", "Less frequent"),
                    ("steady", "About the same"),
                    ("unknown", "Too few days recorded"),
                ],
                default="unknown",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="clinicsummary", name="recent_rate", field=models.FloatField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="clinicsummary", name="previous_rate", field=models.FloatField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="clinicsummary",
            name="recent_recorded_days",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="clinicsummary",
            name="previous_recorded_days",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(add_terms, remove_terms),
    ]
