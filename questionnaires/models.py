"""Questionnaires as data: an instrument's items, answer options, scoring and recall period are rows,
not code; one engine (engine.py) shows, checks and scores any of them.

Schedules and responses are health data: they carry the patient's id, and every unique
constraint on them includes it.
"""

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

EVERY_WEEKS_MIN, EVERY_WEEKS_MAX = 1, 52
OPTION_VALUE_MIN, OPTION_VALUE_MAX = 0, 100
EVERY_WEEKS_VALIDATORS = [MinValueValidator(EVERY_WEEKS_MIN), MaxValueValidator(EVERY_WEEKS_MAX)]


class InstrumentQuerySet(models.QuerySet):
    def active(self) -> "InstrumentQuerySet":
        return self.filter(active=True)


class Instrument(models.Model):
    """A questionnaire: a published instrument (licensed for this use), used as published or adapted,
    or one of CrampApp's own checks."""

    class Status(models.TextChoices):
        VALIDATED = "validated", "Validated questionnaire, used as published"
        ADAPTED = "adapted", "Adapted from a published questionnaire: not validated in this form"
        NOT_VALIDATED = "not_validated", "CrampApp's own questions: not a validated questionnaire"

    class Offer(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        SPASTICITY = "spasticity", "Patients with multiple sclerosis or a spinal cord injury"
        AFTER_MEDICATION_STEP = "after_medication_step", "Patients who started a medicine or changed its dose"
        WOKEN_AT_NIGHT = "woken_at_night", "Patients who recorded cramps that woke them"

    class Scoring(models.TextChoices):
        SUM = "sum", "Sum of the answers"
        MEAN = "mean", "Mean of the answers (one decimal)"
        ITEM = "item", "The answer to one item"

    slug = models.SlugField(max_length=60, unique=True, help_text="Part of the web address and of the FHIR URL.")
    title = models.CharField(max_length=120)
    short_title = models.CharField(max_length=40, help_text="For tables and charts, e.g. “PSFS”.")
    description = models.TextField(blank=True, help_text="Shown above the questions, in plain language.")
    recall_period = models.CharField(
        max_length=80, help_text="What the answers are about, completing “Think about …”, e.g. “the past 7 days”."
    )
    status = models.CharField(
        "validation status",
        max_length=16,
        choices=Status,
        default=Status.NOT_VALIDATED,
        help_text="Adapted: from a published instrument, with its wording or recall period changed.",
    )
    source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the instrument comes from: authors, year and a DOI or PubMed id for a published one.",
    )
    offered_to = models.CharField(
        max_length=24,
        choices=Offer,
        default=Offer.EVERYONE,
        help_text="Who sees it among their questionnaires by default (questionnaires/offers.py); "
        "anyone can add it from the list.",
    )
    version = models.CharField(max_length=20, default="1", help_text="Change it when items or options change.")
    scoring = models.CharField(max_length=8, choices=Scoring, default=Scoring.SUM)
    score_item = models.CharField(
        max_length=40, blank=True, help_text="With “the answer to one item”: that item's link id."
    )
    score_label = models.CharField(max_length=80, help_text="What the score measures, e.g. “Spasm frequency”.")
    score_min = models.PositiveSmallIntegerField(default=0)
    score_max = models.PositiveSmallIntegerField()
    score_help = models.CharField(max_length=300, blank=True, help_text="How to read the score, for clinicians.")
    suggested_every_weeks = models.PositiveSmallIntegerField(default=4, validators=EVERY_WEEKS_VALIDATORS)
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive instruments keep their answers but are not offered.")

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scoring__in=["sum", "mean", "item"]), name="questionnaires_instrument_scoring_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(scoring="item", score_item__gt="")
                | (~models.Q(scoring="item") & models.Q(score_item="")),
                name="questionnaires_instrument_score_item_iff_item_scoring",
                violation_error_message="Name the scored item exactly when the score is the answer to one item.",
            ),
            models.CheckConstraint(
                condition=models.Q(score_max__gt=models.F("score_min")),
                name="questionnaires_instrument_score_range",
                violation_error_message="The highest score must be above the lowest.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    suggested_every_weeks__gte=EVERY_WEEKS_MIN, suggested_every_weeks__lte=EVERY_WEEKS_MAX
                ),
                name="questionnaires_instrument_every_weeks_1_to_52",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["validated", "adapted", "not_validated"]),
                name="questionnaires_instrument_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    offered_to__in=["everyone", "spasticity", "after_medication_step", "woken_at_night"]
                ),
                name="questionnaires_instrument_offered_to_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def status_statement(self) -> str:
        """The validation status in words, with the source: what every page and the FHIR description say."""
        status = f"{self.get_status_display()}."
        return f"{status} Source: {self.source}" if self.source else status


class Item(models.Model):
    """One question of an instrument, with its answer options (FHIR Questionnaire.item)."""

    class Display(models.TextChoices):
        LIST = "list", "One answer per line (FHIR choice)"
        SCALE = "scale", "A row of numbers, e.g. 0 to 10 (FHIR integer)"

    class Operator(models.TextChoices):
        EQUAL = "=", "equals"
        NOT_EQUAL = "!=", "does not equal"
        GREATER = ">", "is more than"
        GREATER_OR_EQUAL = ">=", "is at least"
        LESS = "<", "is less than"
        LESS_OR_EQUAL = "<=", "is at most"

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    sort_order = models.PositiveSmallIntegerField()
    link_id = models.SlugField("link id", max_length=40, help_text="Names the answer in stored data and in FHIR.")
    text = models.CharField(max_length=300, help_text="The question, in plain language.")
    help_text = models.CharField(max_length=200, blank=True, help_text="E.g. what the ends of a scale mean.")
    display = models.CharField(max_length=8, choices=Display, default=Display.LIST)
    answer_options = models.JSONField(
        help_text='A list like [{"value": 0, "code": "none", "label": "No spasms"}, …]; values are whole numbers '
        f"from {OPTION_VALUE_MIN} to {OPTION_VALUE_MAX}."
    )
    required = models.BooleanField(default=True, help_text="When shown, it must be answered.")
    # Asked only when an earlier item's answer meets this condition (FHIR enableWhen).
    enable_when_link_id = models.SlugField("ask only when item", max_length=40, blank=True)
    enable_when_operator = models.CharField("operator", max_length=2, choices=Operator, blank=True)
    enable_when_value = models.SmallIntegerField("value", null=True, blank=True)

    class Meta:
        ordering = ["instrument", "sort_order"]
        constraints = [
            # Also serves the engine's query: an instrument's items in order.
            models.UniqueConstraint(fields=["instrument", "sort_order"], name="questionnaires_item_unique_order"),
            models.UniqueConstraint(fields=["instrument", "link_id"], name="questionnaires_item_unique_link_id"),
            models.CheckConstraint(
                condition=models.Q(display__in=["list", "scale"]), name="questionnaires_item_display_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(enable_when_link_id="", enable_when_operator="", enable_when_value__isnull=True)
                | models.Q(
                    enable_when_link_id__gt="",
                    enable_when_operator__in=["=", "!=", ">", ">=", "<", "<="],
                    enable_when_value__isnull=False,
                ),
                name="questionnaires_item_enable_when_complete",
                violation_error_message="A condition needs an item, an operator and a value (or none of them).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.short_title} {self.link_id}: {self.text}"

    def clean(self):
        from .engine import check_answer_options  # the engine imports these models

        check_answer_options(self.answer_options)


class ScheduleQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "ScheduleQuerySet":
        return self.filter(patient=patient)

    def due(self, today) -> "ScheduleQuerySet":
        """Active schedules of offered instruments whose next answer is due on or before `today` (a local date)."""
        return self.filter(active=True, instrument__active=True, next_due__lte=today)


class Schedule(models.Model):
    """How often a patient is asked to answer one instrument; set by the patient or a clinician they granted access."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questionnaire_schedules"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="schedules")
    every_weeks = models.PositiveSmallIntegerField("every", validators=EVERY_WEEKS_VALIDATORS)
    next_due = models.DateField(help_text="The patient's local date.")
    active = models.BooleanField(default=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        constraints = [
            # One per patient and instrument; also serves the patient's list and the dashboard's "due" query.
            models.UniqueConstraint(fields=["patient", "instrument"], name="questionnaires_schedule_unique"),
            models.CheckConstraint(
                condition=models.Q(every_weeks__gte=EVERY_WEEKS_MIN, every_weeks__lte=EVERY_WEEKS_MAX),
                name="questionnaires_schedule_every_1_to_52_weeks",
                violation_error_message=f"Choose from {EVERY_WEEKS_MIN} to {EVERY_WEEKS_MAX} weeks.",
            ),
        ]

    def __str__(self) -> str:
        return f"Questionnaire schedule #{self.pk}"


class QuestionnaireResponseQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "QuestionnaireResponseQuerySet":
        return self.filter(patient=patient)


class QuestionnaireResponse(models.Model):
    """One completed questionnaire, scored when it was stored (FHIR QuestionnaireResponse).

    `answers` keeps, in the order asked, each answer with the words the patient chose:
    [{"link_id": "frequency", "value": 2, "code": "…", "label": "…"}]. Items not asked are absent.
    """

    uuid = models.UUIDField(default=uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField()
    score = models.DecimalField(max_digits=5, decimal_places=1)
    answered_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Generated when the form is shown: submitting the same form twice stores one response.
    client_id = models.UUIDField(default=uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionnaireResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-answered_at"]
        indexes = [
            # The history chart, the clinician's review and report: one patient's answers to an instrument by date.
            models.Index(fields=["patient", "instrument", "answered_at"], name="questionnaire_resp_history"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "uuid"], name="questionnaires_response_unique_uuid"),
            models.UniqueConstraint(fields=["patient", "client_id"], name="questionnaires_response_unique_client_id"),
            models.CheckConstraint(condition=models.Q(score__gte=0), name="questionnaires_response_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Questionnaire response #{self.pk}"
