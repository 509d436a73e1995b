"""People's names, and the names they give things, placed among our own words."""

import unicodedata

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


# Characters that Unicode counts as letters or symbols but that draw nothing: fillers of the Korean script and
# the blank Braille pattern.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(char: str) -> bool:
    """Whether a character draws something on its own: not a space, a control or format character, a mark that
    only sits on another character, or a blank letter."""
    return unicodedata.category(char)[0] not in "ZCM" and char not in BLANK_CHARACTERS


def refuse_invisible_names(value: str) -> None:
    """A validator of people's names: a name shows at least one visible character, and holds no line break or
    other control character (a name shown as "entered by  (caregiver)", or one that breaks an e-mail header,
    names no one)."""
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValidationError(
            "A name is one line, without tabs or line breaks. Type it again on one line.", code="name_controls"
        )
    if not any(_visible(char) for char in value):
        raise ValidationError("Type a name that can be seen: letters, not only spaces.", code="name_invisible")
