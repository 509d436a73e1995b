"""How forms are drawn: one field template, Bootstrap 5's classes on every widget, in Jinja2."""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms import BoundField, CheckboxInput, RadioSelect, Select
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class BootstrapBoundField(BoundField):
    """A field as Bootstrap 5 draws it: the widget's own class for its kind, and `is-invalid` on a field with
    errors (Django adds `aria-invalid` and ties the error and the help text with `aria-describedby`)."""

    @cached_property
    def kind(self) -> str:
        """How the field template lays the field out: "choices" (a list of radios or checkboxes, drawn one by
        one), "checkbox", "select" or "input"."""
        widget = self.field.widget
        if isinstance(widget, RadioSelect):  # CheckboxSelectMultiple is one too
            return "choices"
        if isinstance(widget, CheckboxInput):
            return "checkbox"
        if isinstance(widget, Select):
            return "select"
        return "input"

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        classes = widget.attrs.get("class", "").split()
        # A list of choices drawn as buttons (the chips) keeps its own class.
        if not (classes and self.kind == "choices") and BOOTSTRAP_CLASSES[self.kind] not in classes:
            classes.append(BOOTSTRAP_CLASSES[self.kind])
        if self.errors:
            classes.append("is-invalid")
        attrs["class"] = " ".join(classes)
        return attrs


BOOTSTRAP_CLASSES = {
    "choices": "form-check-input",
    "checkbox": "form-check-input",
    "select": "form-select",
    "input": "form-control",
}


class FormRenderer(Jinja2):
    """Fields through one template, `forms/field.html` (templates_jinja2/), and forms through `forms/form.html`.
    Django's widget templates are drawn in Jinja2 too, which draws a select of fifty places in a fraction of the
    time the Django template language takes; widgets whose templates exist only for the Django template language
    (the admin's) are drawn by it."""

    field_template_name = "forms/field.html"
    form_template_name = "forms/form.html"
    bound_field_class = BootstrapBoundField
    fallback = DjangoTemplates()

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [settings.BASE_DIR / "templates_jinja2", Path(django.forms.__file__).parent / "jinja2"],
                "NAME": "djangoforms",
                "OPTIONS": {"environment": "crampapp.jinja2.environment"},
            }
        )

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
