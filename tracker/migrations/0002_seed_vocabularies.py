"""Seed the vocabularies patients choose from. Staff edit them in the admin afterwards."""

from django.db import migrations

VOCABULARIES = {
    "location": [
        ("calf", "Calf"),
        ("foot-toes", "Foot or toes"),
        ("shin", "Shin"),
        ("thigh-front", "Front of thigh"),
        ("hamstring", "Back of thigh (hamstring)"),
        ("hip", "Hip"),
        ("abdomen", "Abdomen"),
        ("back", "Back"),
        ("chest-wall", "Chest wall"),
        ("neck", "Neck"),
        ("hand-fingers", "Hand or fingers"),
        ("forearm", "Forearm"),
        ("upper-arm", "Upper arm"),
    ],
    "activity": [
        ("asleep", "Asleep"),
        ("lying-down", "Lying down"),
        ("sitting", "Sitting"),
        ("standing", "Standing"),
        ("walking", "Walking"),
        ("exercising", "Exercising"),
        ("after-exercise", "After exercise"),
        ("other", "Something else"),
    ],
    "trigger": [
        ("dehydration", "Dehydration"),
        ("heat", "Heat"),
        ("exercise-overuse", "Exercise or overuse"),
        ("cold", "Cold"),
        ("long-sitting", "Sitting for a long time"),
        ("long-standing", "Standing for a long time"),
        ("missed-medication", "Missed medication"),
        ("new-medication", "New medication"),
        ("alcohol", "Alcohol"),
        ("caffeine", "Caffeine"),
        ("none-noticed", "None noticed"),
    ],
    "symptom": [
        ("twitching", "Twitching"),
        ("numbness-tingling", "Numbness or tingling"),
        ("burning-pain", "Burning pain"),
        ("weakness", "Weakness"),
        ("muscle-wasting", "Muscle wasting noticed"),
        ("soreness-afterwards", "Soreness afterwards"),
        ("swelling-redness", "Swelling or redness"),
    ],
    "relief": [
        ("stretching", "Stretching"),
        ("massage", "Massage"),
        ("walking-it-off", "Walking it off"),
        ("heat", "Heat"),
        ("cold", "Cold"),
        ("medication", "Medication"),
        ("nothing-helped", "Nothing helped"),
    ],
    "condition": [
        ("peripheral-neuropathy", "Peripheral neuropathy"),
        ("diabetic-neuropathy", "Diabetic neuropathy"),
        ("als-mnd", "ALS or another motor neuron disease"),
        ("multiple-sclerosis", "Multiple sclerosis"),
        ("spinal-cord-injury", "Spinal cord injury"),
        ("spinal-stenosis", "Spinal stenosis"),
    ],
}


def seed(apps, schema_editor):
    Term = apps.get_model("tracker", "Term")
    for kind, items in VOCABULARIES.items():
        for order, (slug, label) in enumerate(items):
            Term.objects.get_or_create(kind=kind, slug=slug, defaults={"label": label, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
