"""CASUALTY_FIGURE proposals: the number, its qualifier, its interval and what it counts.

A figure is a quantity (prelabel/numbers.py) that counts people: followed, after at most two
modifiers, by a person noun ("35 people", "several unarmed civilians", "dozens of people"), or
standing for one before a predicate ("All four fired"). Its span is the number with its
contiguous qualifier words, never the noun (GUIDELINES.md §2, CASUALTY_FIGURE).

- qualifier: from the words before the number (QUALIFIER_CUES, which hold every example of the
  schema's qualifier descriptions; a test keeps them in step), "between A and B" and "A to B" are
  ranges, a vague word is `vague`, else `exact`. "nearly N" and "almost N" are `fewer_than`: the
  wording excludes N itself.
- value, value_min, value_max: computed from the schema's own `interval.rules` for the qualifier
  (`interval_bounds`), never restated here; a vague word's least value is the guidelines' table's.
- category: the governing word (GUIDELINES.md §4.6). First the predicate after the counted noun,
  up to the end of its clause ("145 people were killed", "100 people died", "140 people dead");
  else the nearest governing word before the number in its clause ("arrested 35 people", "killed
  approximately 100 people", "apprehended more than a dozen suspects, including the four
  assailants"). An attack verb makes attackers of its subject ("Four men ... started shooting")
  and `other` of its object ("opening fire on several people"); an attacker noun with no
  predicate ("three gunmen") is `attackers`. A figure with no governing word is not proposed:
  category is required, and the figures the guidelines exclude (counts of sources, of years,
  partitives like "one of the sources") are exactly those with none.
- incident: the incident named nearest in the figure's sentence, else the last one named before
  it (the registry's aliases, prelabel/mentions.py), else UNCLEAR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crocus_claims.prelabel.numbers import Quantity, find_quantities
from crocus_claims.prelabel.tokens import Token
from crocus_claims.schema import Interval, Schema

LABEL = "CASUALTY_FIGURE"

# Words before a number, longest first wins. Every example quoted in the schema's qualifier
# descriptions is here (tests/test_prelabel_figures.py checks it).
QUALIFIER_CUES: dict[str, tuple[str, ...]] = {
    "approximately": ("about", "around", "approximately", "roughly", "some", "an estimated", "estimated",
                      "approx.", "circa"),
    "at_least": ("at least", "no fewer than", "no less than", "not less than", "a minimum of"),
    "more_than": ("more than", "over", "upwards of", "in excess of", "above"),
    "at_most": ("up to", "as many as", "at most", "no more than", "not more than", "a maximum of"),
    "fewer_than": ("fewer than", "less than", "under", "below", "nearly", "almost", "just under"),
}
RANGE_OPENERS = ("between", "from")
RANGE_JOINERS = {"between": ("and",), "from": ("to",), "": ("to", "-", "–")}

PERSON_NOUNS = frozenset("""
people persons individuals civilians men women children kids adults minors teenagers suspects
assailants attackers gunmen terrorists militants fighters concertgoers spectators visitors victims
hostages policemen officers soldiers troops guards employees staff residents worshippers fans
bystanders passengers students members others survivors citizens nationals foreigners sources officials
""".split())
# Counted by one only ("one person", "a gunman"); after any other number such a word is a modifier
# ("3 terrorist attacks").
SINGULAR_PERSON_NOUNS = frozenset("""
person individual civilian man woman child suspect assailant attacker gunman terrorist militant
victim hostage policeman officer soldier member source official
""".split())
MONTHS = frozenset("january february march april may june july august september october november december "
                   "jan feb mar apr jun jul aug sep sept oct nov dec".split())
ATTACKER_NOUNS = frozenset("assailants assailant attackers attacker gunmen gunman terrorists terrorist "
                           "militants militant".split())
# Governing words per category (GUIDELINES.md §4.6 and the schema's category descriptions).
CATEGORY_WORDS: dict[str, frozenset[str]] = {
    "killed": frozenset("killed kill kills killing died die dies dying dead death deaths lives fatalities "
                        "perished murdered slain toll".split()),
    "injured": frozenset("injured injuring injuries wounded wounding hurt hospitalised hospitalized".split()),
    "missing": frozenset("missing unaccounted".split()),
    "detained": frozenset("arrested arrest arrests arresting detained detain detaining detention apprehended "
                          "apprehend held captured custody jailed".split()),
}
# Verbs that say the subject harmed someone, not that it was harmed.
TRANSITIVE = frozenset("killed kill kills killing injured injuring wounded wounding arrested arrest "
                       "arresting detained detain detaining apprehended apprehend held captured".split())
ATTACK_WORDS = frozenset("fired fire firing shooting shot stormed attacked stabbed opened".split())
BE = frozenset("were was are is been being be".split())
AUXILIARIES = BE | frozenset("have has had reportedly also all both later".split())
CLAUSE_END = frozenset(".;:!?()\"“”—–")
AFTER_STOP = frozenset("that which who whom whose while but because although and".split()) - {"and"}
BEFORE_STOP = frozenset("that which who whom said says say told".split())
PARTITIVE_DETERMINERS = frozenset("the them those these whom which us its their".split())
CONTINUATIONS = frozenset("including among".split())
MAX_MODIFIERS = 2
WINDOW = 15
FALLBACK_INCIDENT = "UNCLEAR"


@dataclass(frozen=True, slots=True)
class Figure:
    """A proposed CASUALTY_FIGURE: span offsets in code points, end-exclusive, and attributes."""

    start: int
    end: int
    attributes: dict[str, Any]
    evidence_distance: int  # tokens between the number and its governing word


# ---------------------------------------------------------------------------------------------
# Intervals, by the schema's rules


def interval_of(schema: Schema) -> Interval:
    interval = schema.labels_by_name[LABEL].interval
    if interval is None:
        raise ValueError(f"schema {schema.version}: {LABEL} has no interval rules")
    return interval


def _bound(rule: str, value: int | None, given: int | None) -> int | None:
    """One bound by a schema rule: `value`, `value+1`, `value-1`, `null`, or the `given` bound."""
    if rule == "null":
        return None
    if rule in ("required", "any"):
        return given
    if value is None:
        raise ValueError(f"rule {rule!r} needs a value")
    return {"value": value, "value+1": value + 1, "value-1": value - 1}[rule]


def interval_bounds(schema: Schema, qualifier: str, value: int | None, low: int | None = None,
                    high: int | None = None) -> dict[str, int | None]:
    """value, value_min and value_max (by their attribute names) for a qualifier and the stated
    number(s): the rule of `interval.rules[qualifier]` decides each. `low`/`high` are the bounds the
    wording states itself (a range's A and B, a vague word's least value); a rule that takes them
    (`required`, `any`) uses them, any other derives its bound from `value`.

    Raises ValueError when a rule needs a value or bound the wording does not give, or a bound
    would be negative or outside its attribute's integer range (`Attribute.integer_range`: the
    schema's bounds, within int64 when unstated).
    """
    interval = interval_of(schema)
    rule = interval.rules[qualifier]
    stated = None if rule.value == "null" else value
    if rule.value == "required" and stated is None:
        raise ValueError(f"qualifier {qualifier} needs a value")
    bounds = {interval.value: stated,
              interval.minimum: _bound(rule.minimum, stated, low),
              interval.maximum: _bound(rule.maximum, stated, high)}
    for role, given in (("minimum", bounds[interval.minimum]), ("maximum", bounds[interval.maximum])):
        if getattr(rule, role) == "required" and given is None:
            raise ValueError(f"qualifier {qualifier} needs a {role}")
    if any(bound is not None and bound < 0 for bound in bounds.values()):
        raise ValueError(f"a negative bound for {qualifier} {value}")
    for name, bound in bounds.items():
        least, greatest = schema.attributes_by_name[name].integer_range
        if bound is not None and not least <= bound <= greatest:
            raise ValueError(f"{name} {bound} for {qualifier} is outside the schema's range ({least} to {greatest})")
    return bounds


# ---------------------------------------------------------------------------------------------
# Qualifiers and ranges


def _cue_before(tokens: Sequence[Token], first: int) -> tuple[str, int] | None:
    """(qualifier, index of the cue's first token) for the longest cue ending right before `first`."""
    best: tuple[str, int] | None = None
    for qualifier, cues in QUALIFIER_CUES.items():
        for cue in cues:
            words = cue.split()
            start = first - len(words)
            if start >= 0 and [t.lower for t in tokens[start:first]] == words:
                if best is None or start < best[1]:
                    best = (qualifier, start)
    return best


@dataclass(frozen=True, slots=True)
class _Stated:
    """What the wording states: its tokens first..last, qualifier, value and own bounds."""

    first: int
    last: int
    qualifier: str
    value: int | None
    low: int | None
    high: int | None


def _ranges(tokens: Sequence[Token], quantities: list[Quantity]) -> dict[int, _Stated]:
    """'between A and B', 'from A to B' (span from A), 'A to B', 'A-B', keyed by A's position."""
    ranges: dict[int, _Stated] = {}
    for a, b in zip(quantities, quantities[1:]):
        if a.vague or b.vague or b.first != a.last + 2 or a.value >= b.value:  # type: ignore[operator]
            continue
        joiner = tokens[a.last + 1].lower
        opener = tokens[a.first - 1].lower if a.first > 0 else ""
        opener = opener if opener in RANGE_OPENERS else ""
        if joiner in RANGE_JOINERS[opener] or (opener == "from" and joiner in RANGE_JOINERS[""]):
            first = a.first - 1 if opener == "between" else a.first
            ranges[a.first] = _Stated(first, b.last, "range", None, a.value, b.value)
            ranges[b.first] = ranges[a.first]
    return ranges


def _stated(tokens: Sequence[Token], quantity: Quantity) -> _Stated:
    if quantity.vague:
        return _Stated(quantity.first, quantity.last, "vague", None, quantity.at_least, None)
    cue = _cue_before(tokens, quantity.first)
    if cue is None:
        return _Stated(quantity.first, quantity.last, "exact", quantity.value, None, None)
    qualifier, start = cue
    return _Stated(start, quantity.last, qualifier, quantity.value, None, None)


# ---------------------------------------------------------------------------------------------
# What the figure counts


def _counted_noun(tokens: Sequence[Token], last: int, value: int | None) -> int | None:
    """Index of the person noun the quantity ending at `last` counts, or None."""
    index = last + 1
    if _lower(tokens, index) == "of":
        if _lower(tokens, index + 1) in PARTITIVE_DETERMINERS:
            return None  # "one of the sources", "three of them"
        index += 1  # "dozens of people"
    for offset in range(MAX_MODIFIERS + 1):
        token = tokens[index + offset] if index + offset < len(tokens) else None
        if token is None or not token.is_word:
            return None
        if token.lower in PERSON_NOUNS or (value == 1 and token.lower in SINGULAR_PERSON_NOUNS):
            return index + offset
    return None


def _is_date(tokens: Sequence[Token], stated: _Stated) -> bool:
    """"January 3", "22 March": a day of the month, not a count."""
    return stated.value is not None and 1 <= stated.value <= 31 and (
        _lower(tokens, stated.first - 1) in MONTHS or _lower(tokens, stated.last + 1) in MONTHS)


def _lower(tokens: Sequence[Token], index: int) -> str:
    return tokens[index].lower if 0 <= index < len(tokens) else ""


def _category_of(word: str) -> str | None:
    return next((category for category, words in CATEGORY_WORDS.items() if word in words), None)


def _category_after(tokens: Sequence[Token], noun: int, counted_attackers: bool) -> tuple[str, int] | None:
    """(category, distance) from the predicate after the counted noun, up to the end of its clause."""
    passive = False
    sentence = tokens[noun].sentence
    for index in range(noun + 1, min(noun + 1 + WINDOW, len(tokens))):
        token = tokens[index]
        if token.sentence != sentence or token.text in CLAUSE_END or token.text == "," or token.lower in AFTER_STOP:
            return None
        if token.lower in BE:
            passive = True
        category = _category_of(token.lower)
        distance = index - noun
        if category is not None:
            if token.lower in TRANSITIVE and not passive and counted_attackers:
                return "attackers", distance  # "three gunmen killed ..."
            return category, distance
        if token.lower in ATTACK_WORDS:
            return ("other" if passive else "attackers"), distance
    return None


def _category_before(tokens: Sequence[Token], first: int) -> tuple[str, int] | None:
    """(category, distance) from the nearest governing word before the figure in its clause; a
    comma is crossed only before "including" or "among"."""
    sentence = tokens[first].sentence
    for index in range(first - 1, max(first - 1 - WINDOW, -1), -1):
        token = tokens[index]
        if token.sentence != sentence or token.text in CLAUSE_END or token.lower in BEFORE_STOP:
            return None
        if token.text == "," and _lower(tokens, index + 1) not in CONTINUATIONS:
            return None
        category = _category_of(token.lower)
        if category is not None:
            return category, first - index
        if token.lower in ATTACK_WORDS:
            return "other", first - index  # "opening fire on several people"
    return None


def _elliptic(tokens: Sequence[Token], last: int) -> bool:
    """"All four fired", "with some suffering burns": the quantity stands for its noun, right
    before a predicate (an auxiliary, a governing or attack word, or a participle in -ing)."""
    following = _lower(tokens, last + 1)
    return (following in AUXILIARIES or following in ATTACK_WORDS or _category_of(following) is not None
            or (following.endswith("ing") and len(following) > 4))


def _toll_before(tokens: Sequence[Token], first: int) -> tuple[str, int] | None:
    """"the death toll rose to 143": a number with no noun counts the dead after "toll"."""
    found = _category_before(tokens, first)
    if found is not None and tokens[first - found[1]].lower == "toll":
        return found
    return None


def _what_it_counts(tokens: Sequence[Token], stated: _Stated) -> tuple[str, int] | None:
    """(category, distance to its governing word), or None when nothing in the clause says."""
    if _is_date(tokens, stated):
        return None
    noun = _counted_noun(tokens, stated.last, stated.value)
    if noun is None:
        if not _elliptic(tokens, stated.last):
            return _toll_before(tokens, stated.first)
        return _category_after(tokens, stated.last, False) or _category_before(tokens, stated.first)
    attackers = tokens[noun].lower in ATTACKER_NOUNS
    found = _category_after(tokens, noun, attackers) or _category_before(tokens, stated.first)
    if found is None and attackers:
        return "attackers", noun - stated.last  # "three gunmen"
    return found


# ---------------------------------------------------------------------------------------------
# Figures


def find_figures(tokens: Sequence[Token], schema: Schema,
                 incident_at: Any = lambda token: FALLBACK_INCIDENT) -> list[Figure]:
    """Every CASUALTY_FIGURE the rules find in `tokens`, in text order.

    `incident_at(first_token_index)` gives the incident id of a figure starting at that token
    (prelabel/__init__.py passes the registry matcher's). Figures whose wording the schema's
    interval rules cannot express are skipped.
    """
    interval = interval_of(schema)
    quantities = find_quantities(tokens)
    ranges = _ranges(tokens, quantities)
    figures, done = [], set()
    for quantity in quantities:
        stated = ranges.get(quantity.first) or _stated(tokens, quantity)
        if (stated.first, stated.last) in done:
            continue
        done.add((stated.first, stated.last))
        found = _what_it_counts(tokens, stated)
        if found is None:
            continue  # nothing says what it counts ("three sources", "twenty years", "in 2024")
        category, distance = found
        try:
            bounds = interval_bounds(schema, stated.qualifier, stated.value, stated.low, stated.high)
        except ValueError:
            continue
        attributes = {"incident": incident_at(stated.first), "category": category,
                      interval.qualifier: stated.qualifier, **bounds}
        figures.append(Figure(tokens[stated.first].start, tokens[stated.last].end, attributes, distance))
    return figures
