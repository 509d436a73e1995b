"""Form widgets drawn in Python where Django's template-drawn ones cost more than the rest of the form."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .markup import joined, text


class PlainSelect(forms.Select):
    """A list of single choices without option groups, drawn here: Django draws each option through a
    template, which for the fifty-odd places and sides costs more than the rest of the quick log."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = joined(
            f'<option value="{text(option)}"{" selected" if str(option) in chosen else ""}>{text(label)}</option>'
            for option, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class PlainInput:
    """An input drawn here as Django's template draws it (its type, name, value and attributes): a filter bar
    or a trial's windows draw several, each through the template engine otherwise."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{text(widget["value"])}"'
        markup = f'<input type="{text(widget["type"])}" name="{text(name)}"{shown}{flatatt(widget["attrs"])}>'
        return mark_safe(markup)  # noqa: S308 (every value is escaped above or by flatatt)


class PlainDateInput(PlainInput, forms.DateInput):
    pass


class PlainNumberInput(PlainInput, forms.NumberInput):
    pass
