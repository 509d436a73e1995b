"""The vocabularies patients choose from (body locations, activities, triggers, symptoms, relief measures and
diagnosed conditions), edited by staff."""

from django.db import models


class TermQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> "TermQuerySet":
        return self.filter(kind=kind)

    def active(self) -> "TermQuerySet":
        return self.filter(is_active=True)


class Term(models.Model):
    """One item of a vocabulary (a body location, a trigger, a symptom ...), edited by staff."""

    class Kind(models.TextChoices):
        LOCATION = "location", "Body location"
        ACTIVITY = "activity", "Activity at onset"
        TRIGGER = "trigger", "Suspected trigger"
        SYMPTOM = "symptom", "Accompanying symptom"
        RELIEF = "relief", "Relief measure"
        CONDITION = "condition", "Diagnosed condition"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=60)
    label = models.CharField(max_length=80)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Inactive items stay on old entries but are not offered.")

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "sort_order", "label"]
        constraints = [
            # Also serves the forms' query: one kind's items, in order.
            models.UniqueConstraint(fields=["kind", "slug"], name="tracker_term_unique_slug_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["location", "activity", "trigger", "symptom", "relief", "condition"]),
                name="tracker_term_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"
