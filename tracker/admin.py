from django.contrib import admin

from .models import AccessLog, Term


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    """Staff edit the vocabularies patients choose from. Items in use cannot be deleted, only deactivated.
    A patient's own words are theirs, health data like their entries: staff neither list nor open them."""

    list_display = ("label", "kind", "slug", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("label", "slug")
    prepopulated_fields = {"slug": ("label",)}
    ordering = ("kind", "sort_order", "label")
    exclude = ("owner",)

    def get_queryset(self, request):
        return super().get_queryset(request).shared()


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Staff read the audit trail (who looked at whose record, when, and how); nobody edits or deletes it.
    `detail` is left out: it names what was logged or looked at ("night tally ...: 6 cramps")."""

    list_display = ("at", "clinician", "patient", "action", "ip_address")
    fields = ("at", "clinician", "viewer_role", "patient", "patient_reference", "action", "ip_address")
    readonly_fields = fields
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
