"""How form widgets are drawn."""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class WidgetRenderer(Jinja2):
    """Django's widget templates in Jinja2, which draws a select of fifty places in a fraction of the time
    the Django template language takes. Widgets whose templates exist only for the Django template
    language (the admin's) are drawn by it."""

    fallback = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
