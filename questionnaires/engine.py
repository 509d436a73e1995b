"""The one engine behind every instrument: which items are asked, whether answers are complete and in range,
and the score. Instruments are data (models.py); nothing here names a particular one."""

import operator
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from .models import OPTION_VALUE_MAX, OPTION_VALUE_MIN, Instrument, Item

OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
OPTION_KEYS = {"value", "code", "label"}
MISSING = "Choose an answer to this question."
OUT_OF_RANGE = "Choose one of the answers shown."
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Option:
    value: int
    code: str
    label: str


@dataclass(frozen=True)
class Answer:
    """One answer as stored on a response: the value scored, and the words the patient chose."""

    link_id: str
    value: int
    code: str
    label: str

    def as_json(self) -> dict:
        return asdict(self)


def _is_whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_answer_options(options) -> None:
    """Answer options as staff type them in the admin: a non-empty list of {value, code, label}."""
    if not isinstance(options, list) or not options:
        raise ValidationError({"answer_options": "List at least one answer option."})
    values, codes = set(), set()
    for option in options:
        if not isinstance(option, dict) or set(option) != OPTION_KEYS:
            raise ValidationError({"answer_options": "Each option needs exactly a value, a code and a label."})
        value, code, label = option["value"], option["code"], option["label"]
        if not _is_whole_number(value) or not OPTION_VALUE_MIN <= value <= OPTION_VALUE_MAX:
            raise ValidationError(
                {"answer_options": f"Values are whole numbers from {OPTION_VALUE_MIN} to {OPTION_VALUE_MAX}."}
            )
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            raise ValidationError({"answer_options": "Each option needs a code of at most 40 characters."})
        if not isinstance(label, str) or not label.strip() or len(label) > 200:
            raise ValidationError({"answer_options": "Each option needs a label of at most 200 characters."})
        if value in values or code in codes:
            raise ValidationError({"answer_options": "Two options share a value or a code."})
        values.add(value)
        codes.add(code)


def options_of(item: Item) -> list[Option]:
    return [Option(value=option["value"], code=option["code"], label=option["label"]) for option in item.answer_options]


def is_enabled(item: Item, answered: Mapping[str, int]) -> bool:
    """Whether `item` is asked, given the answers to the items before it."""
    if not item.enable_when_link_id:
        return True
    answer = answered.get(item.enable_when_link_id)
    return answer is not None and OPERATORS[item.enable_when_operator](answer, item.enable_when_value)


def check_answers(items: Sequence[Item], values: Mapping[str, int | None]) -> list[Answer]:
    """The answers to store, in the order asked. Answers to items that are not asked are dropped.

    Raises ValidationError keyed by link id for every required item left empty and every value
    that is not one of the item's options.
    """
    answered: dict[str, int] = {}
    answers, errors = [], {}
    for item in items:
        if not is_enabled(item, answered):
            continue
        value = values.get(item.link_id)
        if value is None:
            if item.required:
                errors[item.link_id] = MISSING
            continue
        option = {option.value: option for option in options_of(item)}.get(value) if _is_whole_number(value) else None
        if option is None:
            errors[item.link_id] = OUT_OF_RANGE
            continue
        answered[item.link_id] = value
        answers.append(Answer(link_id=item.link_id, value=value, code=option.code, label=option.label))
    if errors:
        raise ValidationError(errors)
    return answers


def score(instrument: Instrument, answers: Sequence[Answer]) -> Decimal:
    """The instrument's score for checked answers (see check_answers)."""
    values = [answer.value for answer in answers]
    if instrument.scoring == Instrument.Scoring.ITEM:
        chosen = [answer.value for answer in answers if answer.link_id == instrument.score_item]
        if not chosen:
            raise ValidationError({instrument.score_item: MISSING})
        return Decimal(chosen[0])
    if instrument.scoring == Instrument.Scoring.MEAN:
        if not values:
            raise ValidationError("Answer at least one question.")
        return (Decimal(sum(values)) / len(values)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return Decimal(sum(values))


def score_range(instrument: Instrument, items: Sequence[Item]) -> tuple[int, int]:
    """The lowest and highest score the items allow (items that may be skipped count 0 at the lowest)."""
    lows = {item.link_id: min(option.value for option in options_of(item)) for item in items}
    highs = {item.link_id: max(option.value for option in options_of(item)) for item in items}
    if instrument.scoring == Instrument.Scoring.ITEM:
        return lows[instrument.score_item], highs[instrument.score_item]
    if instrument.scoring == Instrument.Scoring.MEAN:
        return min(lows.values()), max(highs.values())
    always_asked = [item for item in items if item.required and not item.enable_when_link_id]
    return sum(lows[item.link_id] for item in always_asked), sum(highs.values())


def check_definition(instrument: Instrument, items: Sequence[Item]) -> None:
    """An instrument and its items make sense together: the admin checks this before saving them."""
    if not items:
        raise ValidationError("An instrument needs at least one item.")
    seen: set[str] = set()
    for item in items:
        if item.link_id in seen:
            raise ValidationError(f"Two items have the link id “{item.link_id}”.")
        check_answer_options(item.answer_options)
        if item.enable_when_link_id and item.enable_when_link_id not in seen:
            raise ValidationError(
                f"Item “{item.link_id}” depends on “{item.enable_when_link_id}”, which must be an earlier item."
            )
        seen.add(item.link_id)
    if instrument.scoring == Instrument.Scoring.ITEM:
        scored = next((item for item in items if item.link_id == instrument.score_item), None)
        if scored is None or not scored.required or scored.enable_when_link_id:
            raise ValidationError("The scored item must be one of the items, always asked and required.")
    low, high = score_range(instrument, items)
    if (instrument.score_min, instrument.score_max) != (low, high):
        raise ValidationError(f"The items give scores from {low} to {high}: set the score range to match.")
