"""A patient's own words: triggers, relief measures and body places that the shared vocabularies lack, kept
private to them and to those they share their diary with. Retiring one keeps it on the entries that have it.

Own words never feed the warning signs (tracker.warnings reads the shared items only), and have no place on the
body map (tracker.insights.charts.body draws the shared body locations).
"""

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from accounts.models import User
from tracker.models import OWN_WORD_KINDS, OWN_WORDS_SORT_ORDER, Term

MAX_OWN_WORDS = 50
MAX_OWN_WORD_LENGTH = 40
# How the CSV export lists an entry's triggers, relief measures and places in one cell.
LIST_SEPARATOR = ";"
SLUG_LENGTH = Term._meta.get_field("slug").max_length
# How each vocabulary is named in the patient's words: (one item, the list).
OWN_WORD_NAMES = {
    Term.Kind.TRIGGER: ("trigger", "triggers"),
    Term.Kind.RELIEF: ("relief measure", "relief measures"),
    Term.Kind.LOCATION: ("body place", "body places"),
}


def own_word_slug(label: str) -> str:
    """The word's key: its label in lower case, with dashes for spaces and punctuation, in any script. A slug
    keeps no combining marks (the vowel signs of Devanagari or Thai, Arabic's short vowels): where the label has
    some, a short digest of its letters and marks (_word_key) follows, so that "काम" (work) and "कम" (less) keep
    two keys."""
    slug = slugify(label, allow_unicode=True)
    key = _word_key(label)
    if _word_key(slug) == key:
        return slug[:SLUG_LENGTH]
    digest = hashlib.blake2s(key.encode(), digest_size=4).hexdigest()
    return f"{slug[: SLUG_LENGTH - len(digest) - 1]}-{digest}"


# Characters that change how the text around them is drawn or read, invisibly: the controls, and the bidirectional
# embeddings, overrides and isolates (an override in a word would reorder the words beside it on every page).
INVISIBLE = {chr(code) for code in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def _tidy(label: str) -> str:
    """The label with its invisible characters left out and its spaces made single."""
    return " ".join("".join(" " if char in INVISIBLE else char for char in label).split())


def _word_key(label: str) -> str:
    """What two labels must differ in to be two words: their letters, digits and the marks written on them
    (vowel signs), in any script, ignoring case, spaces, punctuation and characters that draw nothing
    ("Long drive", "long_drive", "Long\u200bdrive")."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKC", label).casefold()
        if char.isalnum() or unicodedata.category(char).startswith("M")
    )


def _check_label(label: str) -> None:
    if not label:
        raise ValidationError({"label": "Type the word you want to add."})
    if len(label) > MAX_OWN_WORD_LENGTH:
        raise ValidationError(
            {"label": f"Keep it to {MAX_OWN_WORD_LENGTH} characters or fewer (this has {len(label)})."}
        )
    if not slugify(label, allow_unicode=True):
        raise ValidationError({"label": "Use at least one letter or digit."})


def check_own_word(*, patient: User, kind: str, label: str, word: Term | None = None) -> str:
    """The label as it will be stored (its spaces tidied), or a ValidationError naming the field: a kind that
    takes no own words, an empty or too long label, or one that is (ignoring case, spaces and punctuation) an
    item of the shared list or another of the patient's words. `word`: the word being renamed."""
    if kind not in OWN_WORD_KINDS:
        raise ValidationError({"kind": "Choose a trigger, a relief measure or a body place."})
    label = _tidy(label)
    _check_label(label)
    if LIST_SEPARATOR in label:
        raise ValidationError({"label": f"Leave out “{LIST_SEPARATOR}”: it separates the words in the CSV export."})
    key = _word_key(label)
    # The list's items first, then the patient's words: at most a few dozen, compared here by _word_key.
    words = Term.objects.available_to(patient).of_kind(kind).order_by(F("owner_id").asc(nulls_first=True))
    for other in (word for word in words if _word_key(word.label) == key):
        if word is not None and other.pk == word.pk:
            continue
        if not other.is_own:
            raise ValidationError(
                {"label": f"“{other.label}” is in the list of {OWN_WORD_NAMES[kind][1]} already: choose it there."}
            )
        retired = "" if other.is_active else ", retired: bring it back below"
        raise ValidationError({"label": f"You have “{other.label}” already{retired}."})
    return label


def check_room_for_own_words(patient: User, adding: int = 1) -> None:
    """A patient keeps at most MAX_OWN_WORDS words of their own, retired ones included."""
    have = Term.objects.owned_by(patient).count()
    if have + adding > MAX_OWN_WORDS:
        raise ValidationError(
            f"You have {have} words of your own, and can keep at most {MAX_OWN_WORDS}. "
            "Rename one you no longer use instead."
        )


def _new_own_word(patient: User, kind: str, label: str) -> Term:
    return Term(owner=patient, kind=kind, label=label, slug=own_word_slug(label), sort_order=OWN_WORDS_SORT_ORDER)


@transaction.atomic
def own_word_add(*, patient: User, kind: str, label: str) -> Term:
    label = check_own_word(patient=patient, kind=kind, label=label)
    check_room_for_own_words(patient)
    word = _new_own_word(patient, kind, label)
    word.full_clean()
    word.save()
    return word


@transaction.atomic
def own_word_rename(*, patient: User, word: Term, label: str) -> Term:
    """A new label for the word, on every entry that has it."""
    word.label = check_own_word(patient=patient, kind=word.kind, label=label, word=word)
    word.slug = own_word_slug(word.label)
    word.full_clean()
    word.save(update_fields=["label", "slug"])
    return word


def own_word_set_active(*, word: Term, active: bool) -> Term:
    """Retire the word (it stays on the entries that have it, and is no longer offered), or bring it back."""
    word.is_active = active
    word.save(update_fields=["is_active"])
    return word


def own_words_store(*, patient: User, words: Iterable[Term]) -> int:
    """Store the new own words an import brings (ImportedWords made them), before the entries that use them."""
    new = [word for word in words if word.pk is None]
    have = Term.objects.owned_by(patient).count() if new else 0
    if have + len(new) > MAX_OWN_WORDS:
        raise ValidationError(
            f"This file has {len(new)} words of your own that your account lacks. With the {have} you have, that "
            f"is more than the {MAX_OWN_WORDS} you can keep: rename or merge some in the file, then import it again."
        )
    for word in new:
        word.full_clean()
        word.save()
    return len(new)


def each_once(terms: Iterable[Term]) -> list[Term]:
    """Each item once, in order; told apart by identity, as a new own word has no id yet (ImportedWords gives
    one object per word)."""
    return list({id(term): term for term in terms}.values())


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


class ImportedWords:
    """The words of an import, in the importing patient's terms: an item of the shared vocabularies or one of
    the patient's own words, found by label (ignoring case and spacing), or else as check_own_word would refuse
    it as the same word (_word_key: ignoring punctuation and invisible characters too); where two share a key,
    the shared item wins. A trigger, relief measure or body place that is none of these becomes a new own word,
    made once per word and stored with own_words_store; it is never taken for a shared item whose slug it
    happens to spell (a patient's "Hamstring" is not our "Back of thigh (hamstring)"). The other vocabularies
    take no own words, and are found by slug too. Inactive items are found too: old entries keep them. One
    query."""

    def __init__(self, patient: User):
        self.patient = patient
        self.labels: dict[str, dict[str, Term]] = defaultdict(dict)
        self.words: dict[str, dict[str, Term]] = defaultdict(dict)
        self.slugs: dict[str, dict[str, Term]] = defaultdict(dict)
        self.new: dict[tuple[str, str], Term] = {}
        # Own words first, then the list's items: where two share a key, the item wins.
        for term in sorted(Term.objects.available_to(patient), key=lambda term: not term.is_own):
            self.labels[term.kind][_key(term.label)] = term
            self.words[term.kind][_word_key(term.label)] = term
            if term.kind not in OWN_WORD_KINDS:
                self.slugs[term.kind][term.slug] = term

    def find(self, kind: str, name: str) -> Term | None:
        """The item or own word of `kind` so named, or None."""
        return (
            self.labels[kind].get(_key(name))
            or self.words[kind].get(_word_key(name))
            or self.slugs[kind].get(slugify(name, allow_unicode=True))
        )

    def find_or_add(self, kind: str, name: str) -> Term:
        """The item or own word so named, or a new own word (not stored yet); ValidationError for a name that
        cannot be an own word."""
        found = self.find(kind, name)
        if found is not None:
            return found
        label = _tidy(name)
        _check_label(label)
        return self.new.setdefault((kind, _word_key(label)), _new_own_word(self.patient, kind, label))
