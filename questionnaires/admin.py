from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .engine import check_definition
from .models import Instrument, Item


class ItemFormSet(BaseInlineFormSet):
    """Check the instrument and all its items together (link ids, conditions, scoring, score range)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # Read-only items (of an answered instrument) post nothing: their stored values count.
        items = [
            form.instance
            for form in self.forms
            if not self._should_delete_form(form) and (form.instance.pk is not None or form.has_changed())
        ]
        items.sort(key=lambda item: item.sort_order)
        try:
            check_definition(self.instance, items)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ItemInline(admin.StackedInline):
    model = Item
    formset = ItemFormSet
    extra = 0
    fields = (
        ("sort_order", "link_id", "display", "required"),
        "text",
        "help_text",
        "answer_options",
        ("enable_when_link_id", "enable_when_operator", "enable_when_value"),
    )

    def _answered(self, obj) -> bool:
        return obj is not None and obj.responses.exists()

    # Stored answers keep the words the patient chose, but their meaning must not shift under them:
    # once an instrument has answers, its items are read-only (add a new version as a new instrument).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._answered(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._answered(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._answered(obj)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Staff add instruments as data, once licensed for this use; the engine shows and scores them."""

    list_display = ("title", "short_title", "version", "status", "offered_to", "scoring", "active", "sort_order")
    list_editable = ("active", "sort_order")
    list_filter = ("status", "offered_to", "active")
    search_fields = ("title", "short_title", "slug")
    prepopulated_fields = {"slug": ("short_title",)}
    inlines = [ItemInline]
    fieldsets = (
        (None, {"fields": ("title", "short_title", "slug", "version", "active", "sort_order")}),
        ("What patients read", {"fields": ("description", "recall_period", "status", "source")}),
        (
            "Scoring",
            {"fields": ("scoring", "score_item", "score_label", ("score_min", "score_max"), "score_help")},
        ),
        ("Offering and scheduling", {"fields": ("offered_to", "suggested_every_weeks")}),
    )

    def _answered(self, obj) -> bool:
        return obj is not None and obj.responses.exists()

    def get_readonly_fields(self, request, obj=None):
        # What stored answers and scores mean stays fixed once there are any.
        return ("slug", "version", "scoring", "score_item", "score_min", "score_max") if self._answered(obj) else ()

    def get_prepopulated_fields(self, request, obj=None):
        return {} if self._answered(obj) else super().get_prepopulated_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Answered instruments are kept (answers point at them); retire them with "active" instead.
        return super().has_delete_permission(request, obj) and not self._answered(obj)
