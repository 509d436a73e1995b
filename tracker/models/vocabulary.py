"""The vocabularies patients choose from (body locations, activities, triggers, symptoms, relief measures and
diagnosed conditions), edited by staff; and each patient's own words, added to three of them."""

from django.conf import settings
from django.db import models

from accounts.names import refuse_direction_controls

# The vocabularies a patient may add their own words to. The others stay shared: the warning signs read
# symptoms, and conditions and activities are what clinicians compare across patients.
OWN_WORD_KINDS = ("trigger", "relief", "location")
# Where a patient's own words stand in every list that sorts by sort_order: after the shared items.
OWN_WORDS_SORT_ORDER = 1000


class TermQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> "TermQuerySet":
        return self.filter(kind=kind)

    def active(self) -> "TermQuerySet":
        return self.filter(is_active=True)

    def shared(self) -> "TermQuerySet":
        """The vocabularies everyone chooses from, without any patient's own words."""
        return self.filter(owner__isnull=True)

    def available_to(self, patient) -> "TermQuerySet":
        """The shared vocabularies and this patient's own words (only the shared ones for None)."""
        if patient is None:
            return self.shared()
        return self.filter(models.Q(owner__isnull=True) | models.Q(owner=patient))

    def owned_by(self, patient) -> "TermQuerySet":
        return self.filter(owner=patient)


class Term(models.Model):
    """One item of a vocabulary (a body location, a trigger, a symptom ...), edited by staff; or, with an
    `owner`, a patient's own word, which only they (and those they share their diary with) see."""

    class Kind(models.TextChoices):
        LOCATION = "location", "Body location"
        ACTIVITY = "activity", "Activity at onset"
        TRIGGER = "trigger", "Suspected trigger"
        SYMPTOM = "symptom", "Accompanying symptom"
        RELIEF = "relief", "Relief measure"
        CONDITION = "condition", "Diagnosed condition"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # A patient's own word is slugged from its label, in any script.
    slug = models.SlugField(max_length=60, allow_unicode=True)
    label = models.CharField(max_length=80, validators=[refuse_direction_controls])
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Inactive items stay on old entries but are not offered.")
    # Empty for the shared vocabularies. Indexed by the unique constraint on own words, which leads with it and
    # serves the patient's page of their words.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_words",
        db_index=False,
        help_text="The patient whose own word this is; empty for the shared vocabularies.",
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "sort_order", "label"]
        constraints = [
            # Also serves the forms' query: one kind's items, in order.
            models.UniqueConstraint(
                fields=["kind", "slug"],
                condition=models.Q(owner__isnull=True),
                name="tracker_term_unique_slug_per_kind",
            ),
            models.UniqueConstraint(
                fields=["owner", "kind", "slug"],
                condition=models.Q(owner__isnull=False),
                name="tracker_term_unique_own_slug",
                violation_error_message="You have this word already.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["location", "activity", "trigger", "symptom", "relief", "condition"]),
                name="tracker_term_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(owner__isnull=True) | models.Q(kind__in=OWN_WORD_KINDS),
                name="tracker_term_own_word_kinds",
                violation_error_message="Your own words can be triggers, relief measures or body places.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    @property
    def is_own(self) -> bool:
        """A patient's own word, not an item of the shared vocabularies."""
        return self.owner_id is not None
