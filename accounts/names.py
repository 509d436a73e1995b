"""People's names placed among our own words."""


def isolated(name: str) -> str:
    """A name between Unicode's isolate marks, for plain text (a message, a page's title) where <bdi> cannot go:
    a right-to-left name, or an override inside it, cannot reorder the words around it."""
    return f"\N{FIRST STRONG ISOLATE}{name}\N{POP DIRECTIONAL ISOLATE}"
