from django.contrib import admin

from .models import Term


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    """Staff edit the vocabularies patients choose from. Items in use cannot be deleted, only deactivated."""

    list_display = ("label", "kind", "slug", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("label", "slug")
    prepopulated_fields = {"slug": ("label",)}
    ordering = ("kind", "sort_order", "label")
