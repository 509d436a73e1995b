from django.contrib import admin

from .models import AccessLog, Term


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    """Staff edit the vocabularies patients choose from. Items in use cannot be deleted, only deactivated."""

    list_display = ("label", "kind", "slug", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("label", "slug")
    prepopulated_fields = {"slug": ("label",)}
    ordering = ("kind", "sort_order", "label")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Staff read the audit trail; nobody edits or deletes it."""

    list_display = ("at", "clinician", "patient", "action", "detail", "ip_address")
    list_filter = ("action",)
    search_fields = ("clinician__email", "patient__email")
    date_hierarchy = "at"
    list_select_related = ("clinician", "patient")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
