"""Quantities in a token stream: numbers in digits or words, and the vague quantity words.

Number words are read by text2num (the `prelabel` extra), never by a grammar of our own. On top of
it this module knows only what text2num does not: that "a dozen" is 12 (GUIDELINES.md §4.7), and
the vague quantity words of the guidelines' figure table with their least values: "several" is at
least 3, a plural unit ("dozens", "hundreds", "thousands") at least two of that unit (24, 200,
2,000), "scores" at least two score (40), "several dozen" or "several hundred" at least 3 of the
unit (36, 300); "some", "a few", "a handful" and "many" set no bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crocus_claims.prelabel.tokens import Token
from crocus_claims.schema import INT64_MAX

DOZEN = 12
INT64_DIGITS = len(str(INT64_MAX))  # 19
SEVERAL_AT_LEAST = 3
PLURAL_AT_LEAST = 2
SCORE = 20
# Vague words with no number, as token sequences, and their least value (None: no bound).
VAGUE_WORDS: dict[tuple[str, ...], int | None] = {
    ("several",): SEVERAL_AT_LEAST,
    ("scores",): PLURAL_AT_LEAST * SCORE,
    ("some",): None,
    ("a", "few"): None,
    ("a", "handful"): None,
    ("many",): None,
}
PLURAL_UNITS = {"dozens": "dozen", "hundreds": "hundred", "thousands": "thousand", "millions": "million"}
ARTICLES = {"a", "an"}
NEGATIONS = {"no", "not"}


class MissingExtra(RuntimeError):
    """text2num is not installed."""

    code = "missing-extra"


@dataclass(frozen=True, slots=True)
class Quantity:
    """Tokens first..last (inclusive) that state a number or a vague quantity.

    `value` is the number for a stated number and None for a vague word; `at_least` is the least
    number a vague word allows (None when it sets no bound).
    """

    first: int
    last: int
    value: int | None
    at_least: int | None = None

    @property
    def vague(self) -> bool:
        return self.value is None


class _Word:
    """A token as text2num's Token protocol wants it; digits and punctuation are never number parts."""

    __slots__ = ("token",)

    def __init__(self, token: Token):
        self.token = token

    def text(self) -> str:
        return self.token.text

    def nt_separated(self, previous: _Word) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return not self.token.is_word


def _find_numbers(words: list[_Word]) -> list:
    try:
        from text_to_num import find_numbers
    except ModuleNotFoundError:
        raise MissingExtra("text2num is not installed: pip install 'crocus-claims[prelabel]'") from None
    return find_numbers(words, "en", 0)


def unit_value(word: str) -> int | None:
    """The value of a unit word ("dozen" 12; "hundred", "thousand", ... by text2num), else None."""
    if word == "dozen":
        return DOZEN
    try:
        from text_to_num import text2num
    except ModuleNotFoundError:
        raise MissingExtra("text2num is not installed: pip install 'crocus-claims[prelabel]'") from None
    try:
        value = text2num(word, "en")
    except ValueError:
        return None
    return int(value) if value >= 100 else None


def _lower(tokens: Sequence[Token], index: int) -> str:
    return tokens[index].lower if 0 <= index < len(tokens) else ""


def _word_numbers(tokens: Sequence[Token]) -> list[Quantity]:
    """Cardinal numbers in words, by text2num; "a dozen" and "two dozen" by DOZEN."""
    quantities = []
    for occurrence in _find_numbers([_Word(t) for t in tokens]):
        first, last = occurrence.start, occurrence.end - 1
        value = occurrence.value
        if occurrence.is_ordinal or value != int(value) or _lower(tokens, first - 1) in NEGATIONS:
            continue
        if tokens[last].lower in PLURAL_UNITS:  # "hundreds" is vague, not 100
            continue
        if _lower(tokens, last + 1) == "dozen":
            last, value = last + 1, value * DOZEN
        if _lower(tokens, first - 1) in ARTICLES and first == last and unit_value(tokens[first].lower):
            first -= 1  # "a hundred"
        quantities.append(Quantity(first, last, int(value)))
    return quantities


def _digit_numbers(tokens: Sequence[Token]) -> list[Quantity]:
    """Numbers in digits; a digit run longer than any int64 (19 digits) is no figure and is skipped
    (converting it could also hit Python's int() digit limit, 4,300 digits)."""
    quantities = []
    for index, token in enumerate(tokens):
        digits = token.text.replace(",", "")
        if token.is_digits and len(digits) <= INT64_DIGITS:
            quantities.append(Quantity(index, index, int(digits)))
    return quantities


def _dozens_and_vague(tokens: Sequence[Token]) -> list[Quantity]:
    """"a dozen", "dozens", "hundreds", "several (dozen|hundred)", "several", "scores", "some", "a few",
    "a handful", "many"."""
    quantities = []
    index = 0
    while index < len(tokens):
        lower = tokens[index].lower
        if lower == "dozen" and _lower(tokens, index - 1) in ARTICLES:
            quantities.append(Quantity(index - 1, index, DOZEN))
        elif lower in PLURAL_UNITS:
            unit = unit_value(PLURAL_UNITS[lower])
            if unit:
                quantities.append(Quantity(index, index, None, PLURAL_AT_LEAST * unit))
        else:
            for words, at_least in VAGUE_WORDS.items():
                span = tuple(_lower(tokens, index + k) for k in range(len(words)))
                if span != words:
                    continue
                last = index + len(words) - 1
                unit = unit_value(_lower(tokens, last + 1)) if words == ("several",) else None
                if unit:  # "several dozen", "several hundred"
                    quantities.append(Quantity(index, last + 1, None, SEVERAL_AT_LEAST * unit))
                    index = last + 1
                else:
                    quantities.append(Quantity(index, last, None, at_least))
                break
        index += 1
    return quantities


def find_quantities(tokens: Sequence[Token]) -> list[Quantity]:
    """Every quantity in the tokens, in text order, none overlapping another.

    A vague reading wins over a number it contains ("several hundred" over text2num's "hundred").
    """
    vague = _dozens_and_vague(tokens)
    covered = {i for q in vague for i in range(q.first, q.last + 1)}
    numbers = [q for q in _word_numbers(tokens) + _digit_numbers(tokens)
               if not covered.intersection(range(q.first, q.last + 1))]
    return sorted(vague + numbers, key=lambda q: q.first)
