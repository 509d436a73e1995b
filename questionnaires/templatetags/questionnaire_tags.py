from django import template

from ..charts import format_score
from ..models import Instrument
from ..offers import OFFER_RULES
from ..selectors import due_for

register = template.Library()


@register.filter
def score(value) -> str:
    """A score without a needless ".0"; a dash when there is none."""
    return "\N{EN DASH}" if value is None else format_score(value)


@register.filter
def signed(value) -> str:
    """A change in score with its sign: "+1.5", "-2" (with a minus sign), "no change"."""
    if value is None:
        return "\N{EN DASH}"
    if value == 0:
        return "no change"
    return f"+{format_score(value)}" if value > 0 else f"\N{MINUS SIGN}{format_score(-value)}"


@register.inclusion_tag("questionnaires/partials/due.html")
def due_questionnaires(patient):
    """The dashboard's prompt: questionnaires due today or earlier (one query)."""
    return {"due": due_for(patient)}


@register.filter
def item_name(link_id: str) -> str:
    """An item's link id read as words: "daily-activities" -> "Daily activities"."""
    return link_id.replace("-", " ").replace("_", " ").capitalize()


@register.filter
def offer_words(instrument: Instrument) -> str:
    """Who the questionnaire is offered to by default, in the patient's words."""
    return OFFER_RULES[instrument.offered_to].words
