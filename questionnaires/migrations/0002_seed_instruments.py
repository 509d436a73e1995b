"""Seed the two instruments CrampApp ships. Staff add others (once licensed) in the admin.

The Penn Spasm Frequency Scale (Penn et al., N Engl J Med 1989) is a public NINDS Common
Data Element (spinal cord injury, form F1765): part 1 rates spasm frequency 0-4, part 2
severity 1-3 and is skipped when part 1 is 0. The answer options are reworded in plain
language. The original sets no time frame; CrampApp asks about the past 7 days so that
answers compare over time.

The weekly cramp impact check is CrampApp's own, not a validated instrument.
"""

from django.db import migrations

ANCHORS = "0 = not at all, 10 = extremely."
ZERO_TO_TEN = [{"value": value, "code": str(value), "label": str(value)} for value in range(11)]

INSTRUMENTS = [
    {
        "slug": "psfs",
        "title": "Penn Spasm Frequency Scale",
        "short_title": "PSFS",
        "description": (
            "Two short questions about muscle spasms: how often they come, and how strong they are. "
            "A spasm is a muscle that tightens or jerks on its own, without you meaning it to."
        ),
        "recall_period": "the past 7 days",
        "validated": True,
        "source": (
            "Penn RD et al., N Engl J Med 1989. A public NINDS Common Data Element (form F1765). "
            "Answer options reworded in plain language; the original sets no time frame, CrampApp asks about "
            "the past 7 days."
        ),
        "version": "1",
        "scoring": "item",
        "score_item": "frequency",
        "score_label": "Spasm frequency",
        "score_min": 0,
        "score_max": 4,
        "score_help": (
            "PSFS part 1, spasm frequency: 0 none; 1 mild, only when set off (touch, movement); "
            "2 full spasms less than once an hour; 3 more than once an hour; 4 more than 10 times an hour. "
            "Part 2, severity (1 mild, 2 moderate, 3 severe), is shown with the answers."
        ),
        "suggested_every_weeks": 4,
        "sort_order": 10,
        "items": [
            {
                "link_id": "frequency",
                "text": "In the past 7 days, how often did you have muscle spasms?",
                "help_text": "",
                "display": "list",
                "answer_options": [
                    {"value": 0, "code": "none", "label": "No spasms"},
                    {
                        "value": 1,
                        "code": "set-off-only",
                        "label": "Only mild spasms, and only when something set them off, like a touch or a movement",
                    },
                    {"value": 2, "code": "under-1-an-hour", "label": "Full spasms now and then, less than once an hour"},
                    {"value": 3, "code": "over-1-an-hour", "label": "Spasms more than once an hour"},
                    {"value": 4, "code": "over-10-an-hour", "label": "Spasms more than 10 times an hour"},
                ],
            },
            {
                "link_id": "severity",
                "text": "How strong were your spasms, most of the time?",
                "help_text": "Skip this if you had no spasms.",
                "display": "list",
                "answer_options": [
                    {"value": 1, "code": "mild", "label": "Mild"},
                    {"value": 2, "code": "moderate", "label": "Moderate"},
                    {"value": 3, "code": "severe", "label": "Severe"},
                ],
                "enable_when_link_id": "frequency",
                "enable_when_operator": ">",
                "enable_when_value": 0,
            },
        ],
    },
    {
        "slug": "cramp-impact",
        "title": "Weekly cramp impact check",
        "short_title": "Impact check",
        "description": (
            "Four quick questions on how much cramps got in your way this week. "
            "This is CrampApp's own check, not a validated questionnaire. It helps you and your clinician "
            "see change over time. Its score cannot be compared with published scales."
        ),
        "recall_period": "the past 7 days",
        "validated": False,
        "source": "CrampApp's own check of sleep, daily activities, work and mood. Not a validated instrument.",
        "version": "1",
        "scoring": "mean",
        "score_item": "",
        "score_label": "Cramp impact",
        "score_min": 0,
        "score_max": 10,
        "score_help": (
            "Mean of four 0-10 ratings (sleep, daily activities, work or usual role, mood); "
            "0 = no effect, 10 = extreme. Not validated."
        ),
        "suggested_every_weeks": 1,
        "sort_order": 20,
        "items": [
            {
                "link_id": "sleep",
                "text": "In the past 7 days, how much did cramps spoil your sleep?",
                "help_text": ANCHORS,
            },
            {
                "link_id": "daily-activities",
                "text": "In the past 7 days, how much did cramps get in the way of everyday tasks, like walking, dressing or cooking?",
                "help_text": ANCHORS,
            },
            {
                "link_id": "work",
                "text": "In the past 7 days, how much did cramps get in the way of your work or your usual role?",
                "help_text": f"Your usual role can be a job, study, caring for others or housework. {ANCHORS}",
            },
            {
                "link_id": "mood",
                "text": "In the past 7 days, how much did cramps affect your mood?",
                "help_text": ANCHORS,
            },
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
            values = {"display": "scale", "answer_options": ZERO_TO_TEN, **item, "sort_order": order}
            Item.objects.update_or_create(instrument=instrument, link_id=item["link_id"], defaults=values)


def unseed(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    Instrument.objects.filter(slug__in=[definition["slug"] for definition in INSTRUMENTS], responses=None).delete()


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
