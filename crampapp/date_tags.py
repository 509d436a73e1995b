"""The `when` filter, built into every Django template (settings.TEMPLATES): `{{ episode.created_at|when:"day" }}`
writes a date in one of the app's styles (crampapp.dates.STYLES)."""

from django import template

from . import dates

register = template.Library()


@register.filter(expects_localtime=True)
def when(value, style: str) -> str:
    return dates.when(value, style)
