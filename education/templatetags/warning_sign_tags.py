from django import template

from education.warning_signs import Tier, signs_in_tier, tiers

register = template.Library()


@register.simple_tag
def warning_tiers() -> list:
    """Every tier with its signs, the most urgent first: what the guide page lists."""
    return tiers()


@register.simple_tag
def emergency_signs() -> list:
    """The signs that need emergency help now: what the footer names on every page."""
    return signs_in_tier(Tier.EMERGENCY)


@register.filter
def tier(value: int | None) -> Tier | None:
    """A stored tier (ClinicSummary.warning_tier) as the Tier it is, with its words."""
    return None if value is None else Tier(value)
