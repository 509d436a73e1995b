"""People's names, and the names they give things, placed among our own words."""

from django.core.exceptions import ValidationError

# Unicode's invisible controls that set the direction of the text after them (embeddings, overrides, isolates):
# inside a name shown among our words, an override reverses the words that follow ("Trojan Source").
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def isolated(name: str) -> str:
    """A name between Unicode's isolate marks, for plain text (a message, a page's title) where <bdi> cannot go:
    a right-to-left name, or an override inside it, cannot reorder the words around it."""
    return f"\N{FIRST STRONG ISOLATE}{name}\N{POP DIRECTIONAL ISOLATE}"


def refuse_direction_controls(value: str) -> None:
    """A validator of names and short texts shown among our words. Right-to-left script is welcome; only the
    invisible controls are refused."""
    if not DIRECTION_CONTROLS.isdisjoint(value):
        raise ValidationError(
            "This text holds invisible characters that change the direction of the words around it. "
            "Type it again without them.",
            code="direction_controls",
        )
