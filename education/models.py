"""Guidance pages (topics, conditions, treatments), their sources, and what each is linked from."""

from django.db import models
from django.urls import reverse

from .markdown import render_markdown


class PageQuerySet(models.QuerySet):
    def published(self) -> "PageQuerySet":
        return self.filter(is_published=True)

    def search(self, query: str) -> "PageQuerySet":
        words = query.split()[:8]
        pages = self
        for word in words:
            pages = pages.filter(
                models.Q(title__icontains=word) | models.Q(summary__icontains=word) | models.Q(body__icontains=word)
            )
        return pages


class Page(models.Model):
    """One education page, written in plain language, informing and pointing to a clinician."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "Understanding cramps"
        CONDITION = "condition", "Conditions"
        TREATMENT = "treatment", "Treatments and self-care"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind)
    summary = models.CharField(max_length=200, help_text="One sentence, shown in lists and search results.")
    body = models.TextField(help_text="Markdown. HTML is removed when the page is shown; use ## for headings.")
    related = models.ManyToManyField("self", blank=True, symmetrical=False, related_name="+")
    written_on = models.DateField("written or last revised on")
    # A named clinician's review is a separate claim from the writing date: a page
    # says it was reviewed only when both the date and the reviewer are recorded.
    clinical_review_on = models.DateField("clinically reviewed on", null=True, blank=True)
    clinical_reviewer = models.CharField(
        max_length=120, blank=True, help_text="Name and role, e.g. 'Dr A Example, consultant neurologist'."
    )
    is_published = models.BooleanField(default=True)
    # Fingerprint of the shipped content last loaded into this row: when the row no
    # longer matches it, staff have edited the page and the loader leaves it alone.
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["topic", "condition", "treatment"]), name="education_page_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(clinical_review_on__isnull=True, clinical_reviewer="")
                | models.Q(clinical_review_on__isnull=False) & ~models.Q(clinical_reviewer=""),
                name="education_page_clinical_review_names_date_and_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("education:page", args=[self.slug])

    @property
    def is_clinically_reviewed(self) -> bool:
        return self.clinical_review_on is not None

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)


class Source(models.Model):
    """Where a page's facts come from."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="sources")
    # A citation: authors, title, journal and year.
    title = models.CharField(max_length=400)
    url = models.URLField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class GuidanceLink(models.Model):
    """Show a page with entries that note this item.

    `kind` names what the patient recorded: a vocabulary item of the tracker (its
    slug as `key`), a pattern of the entry, or a medicine in their list (its name).
    """

    class Kind(models.TextChoices):
        LOCATION = "location", "Body location"
        ACTIVITY = "activity", "Activity at onset"
        TRIGGER = "trigger", "Trigger"
        SYMPTOM = "symptom", "Symptom"
        RELIEF = "relief", "Relief measure"
        CONDITION = "condition", "Diagnosed condition"
        MEDICINE = "medicine", "Medicine (name contains)"
        PATTERN = "pattern", "Pattern (woke-from-sleep)"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=16, choices=Kind)
    key = models.SlugField(
        max_length=60, help_text="The vocabulary item's slug (e.g. dehydration), or a medicine name (e.g. baclofen)."
    )

    class Meta:
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["page", "kind", "key"], name="education_guidancelink_unique"),
        ]
        indexes = [
            # Guidance for an entry looks links up by what was noted.
            models.Index(fields=["kind", "key"], name="education_link_kind_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key} → {self.page}"
