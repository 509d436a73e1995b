"""Seed two instruments: the Patient Global Impression of Change, asked 4 weeks after a medicine is
started or its dose changed, and CrampApp's own question on cramps waking the patient at night.

The PGIC is the patients' form of the Clinical Global Impression of improvement (Guy W. ECDEU Assessment
Manual for Psychopharmacology, 1976: a book, with no DOI or PubMed id): one item on a 7-point scale from
1 very much improved to 7 very much worse, with its standard labels. It is a generic instrument, used as
published with "your cramps" as what changed.
"""

from django.db import migrations

INSTRUMENTS = [
    {
        "slug": "pgic",
        "title": "Patient Global Impression of Change",
        "short_title": "PGIC",
        "description": (
            "One question about how your cramps have changed since you started a medicine or changed its dose."
        ),
        "recall_period": "the time since you started this treatment or last changed its dose",
        "status": "validated",
        "source": (
            "Guy W. ECDEU Assessment Manual for Psychopharmacology. Rockville, MD: US Department of Health, "
            "Education, and Welfare, 1976 (a book: no DOI or PubMed id). A generic rating of change."
        ),
        "offered_to": "after_medication_step",
        "scoring": "item",
        "score_item": "change",
        "score_label": "Impression of change",
        "score_min": 1,
        "score_max": 7,
        "score_help": (
            "1 very much improved, 2 much improved, 3 minimally improved, 4 no change, 5 minimally worse, "
            "6 much worse, 7 very much worse. Asked 4 weeks after a medicine is started or its dose changed."
        ),
        "suggested_every_weeks": 4,
        "sort_order": 30,
        "items": [
            {
                "link_id": "change",
                "text": "Since starting this treatment, how would you describe the change in your cramps?",
                "answer_options": [
                    {"value": 1, "code": "very-much-improved", "label": "Very much improved"},
                    {"value": 2, "code": "much-improved", "label": "Much improved"},
                    {"value": 3, "code": "minimally-improved", "label": "Minimally improved"},
                    {"value": 4, "code": "no-change", "label": "No change"},
                    {"value": 5, "code": "minimally-worse", "label": "Minimally worse"},
                    {"value": 6, "code": "much-worse", "label": "Much worse"},
                    {"value": 7, "code": "very-much-worse", "label": "Very much worse"},
                ],
            }
        ],
    },
    {
        "slug": "night-waking",
        "title": "Cramps at night",
        "short_title": "Night waking",
        "description": (
            "One question on how often cramps woke you up this week. This is CrampApp's own question, "
            "not a validated questionnaire."
        ),
        "recall_period": "the past 7 days",
        "status": "not_validated",
        "source": "CrampApp's own question on sleep broken by night cramps. Not a validated instrument.",
        "offered_to": "woken_at_night",
        "scoring": "item",
        "score_item": "nights-woken",
        "score_label": "Nights woken by cramps",
        "score_min": 0,
        "score_max": 3,
        "score_help": "0 never; 1 on 1 or 2 nights; 2 on 3 or 4 nights; 3 on 5 or more nights. Not validated.",
        "suggested_every_weeks": 1,
        "sort_order": 25,
        "items": [
            {
                "link_id": "nights-woken",
                "text": "In the past week, how often did cramps wake you at night?",
                "answer_options": [
                    {"value": 0, "code": "never", "label": "Never"},
                    {"value": 1, "code": "1-2-nights", "label": "On 1 or 2 nights"},
                    {"value": 2, "code": "3-4-nights", "label": "On 3 or 4 nights"},
                    {"value": 3, "code": "5-or-more-nights", "label": "On 5 or more nights"},
                ],
            }
        ],
    },
]


def seed(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    Item = apps.get_model("questionnaires", "Item")
    for definition in INSTRUMENTS:
        fields = {key: value for key, value in definition.items() if key not in ("slug", "items")}
        instrument, _ = Instrument.objects.update_or_create(slug=definition["slug"], defaults=fields)
        for order, item in enumerate(definition["items"], start=1):
            values = {"display": "list", "help_text": "", **item, "sort_order": order}
            Item.objects.update_or_create(instrument=instrument, link_id=item["link_id"], defaults=values)


def unseed(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    Instrument.objects.filter(slug__in=[definition["slug"] for definition in INSTRUMENTS], responses=None).delete()


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0003_validation_status_and_offers")]

    operations = [migrations.RunPython(seed, unseed)]
