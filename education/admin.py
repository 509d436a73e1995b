from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from .models import GuidanceLink, Page, Source


class SourceInline(admin.TabularInline):
    model = Source
    extra = 1
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class GuidanceLinkInline(admin.TabularInline):
    model = GuidanceLink
    extra = 1
    verbose_name = "shown with entries that note"
    verbose_name_plural = "shown with entries that note (vocabulary slug, medicine name, or woke-from-sleep)"


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "written_on", "clinical_review_on", "is_published", "updated_at")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "summary", "body", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("related",)
    readonly_fields = ("preview",)
    inlines = [SourceInline, GuidanceLinkInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "summary", "is_published", "written_on")}),
        (
            "Clinical review",
            {
                "fields": ("clinical_review_on", "clinical_reviewer"),
                "description": "Fill both only when a named clinician has reviewed this version of the page.",
            },
        ),
        ("Text", {"fields": ("body", "preview")}),
        ("Related pages", {"fields": ("related",)}),
    )

    @admin.display(description="Preview (as saved; save to refresh)")
    def preview(self, page: Page) -> str:
        if not page.pk:
            return "Save the page to see a preview."
        return format_html('<div class="education-preview">{}</div>', page.body_html)
