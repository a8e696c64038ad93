"""Mentions of registry entries (actors, outlets, incidents), found by the aliases the schema lists.

Matching rules:
- an alias matches as written, code point by code point, except that its first letter may change
  case ("the Kremlin" matches "The Kremlin" at a sentence start) unless its first word is all
  capitals ("IS" never matches "is"); apostrophes ' ’ ʼ are one character for matching;
- only whole words: a match never starts or ends inside a word ("Russia" is not in "Russian");
- the longest match wins, then the earliest; matches of one registry never overlap;
- as GUIDELINES.md §3 draws ACTOR boundaries ("the noun phrase with its determiner and a directly
  following parenthesised abbreviation"): a directly following parenthesised abbreviation that is
  itself an alias of the same entry joins the mention ("the Islamic State (IS)"), and so does a
  directly preceding "the" when the name heads its noun phrase, that is when the next word is not
  a lower-case word that could continue it ("the Kremlin said", "the United States and", but
  "the Iranian city"): words that cannot are function words, common verbs of saying and being,
  and past forms in -ed. A common noun ("sources", "gunmen") takes its whole noun phrase: up to
  three words before it (numbers, ordinals, adjectives, names that are no mention of the same
  registry) back to a determiner, and a partitive quantifier before that ("three sources",
  "A second journalist source", "one of the sources").
An entry's `name` is a display name ("Russian state"), not a surface form: only aliases match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from crocus_claims.schema import Registry, Schema

APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})
ABBREVIATION = re.compile(r" \(([^()\n]{1,30})\)")
DETERMINER = re.compile(r"(?<!\w)[Tt]he $")
NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")
WORD_BEFORE = re.compile(r"(?<![\w'-])([^\W_]+(?:['-][^\W_]+)*) $")
PARTITIVE = re.compile(r"(?<![\w'-])([^\W\d_]+) of $")
ARTICLES = frozenset({"a", "an", "the"})
PARTITIVE_QUANTIFIERS = frozenset("one two three four five some many several each all both none any most".split())
MAX_PREMODIFIERS = 3
# Lower-case words that end a noun phrase rather than continue it.
NOT_NOUNS = frozenset("""
of in on at to for with by from into about against between during after before over under and or
but nor as than that which who whom whose where when while if because although though not also
already still just only even has have had having is are was were be been being do does did will
would can could may might must shall should said says say told tells made makes took gave sent
saw knew found left held began became came went got believes believed claims denies warned
""".split())


@dataclass(frozen=True, slots=True)
class Mention:
    """A registry entry named at start..end (code points, end-exclusive)."""

    start: int
    end: int
    registry: str
    entry: str
    exact_case: bool  # matched as written, without changing the first letter's case


def _alias_pattern(alias: str) -> str:
    text = re.escape(alias.translate(APOSTROPHES))
    first_word = alias.split()[0]
    if alias[0].isalpha() and not first_word.isupper():
        text = f"[{re.escape(alias[0].upper())}{re.escape(alias[0].lower())}]" + re.escape(alias[1:].translate(APOSTROPHES))
    return rf"(?<!\w){text}(?!\w)"


@functools.lru_cache(maxsize=None)
def _compiled(registry: Registry) -> tuple[tuple[re.Pattern[str], str, str], ...]:
    return tuple((re.compile(_alias_pattern(alias)), alias, entry.id)
                 for entry in registry.entries for alias in entry.aliases)


def _candidates(text: str, registry: Registry) -> Iterator[tuple[int, int, str, bool]]:
    for pattern, alias, entry in _compiled(registry):
        for match in pattern.finditer(text):
            yield match.start(), match.end(), entry, match.group()[0] == alias[0]


def find_mentions(text: str, registry: Registry) -> list[Mention]:
    """Every mention of an entry of `registry` in `text`, in text order, none overlapping."""
    folded = text.translate(APOSTROPHES)
    chosen: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    for start, end, entry, exact in sorted(_candidates(folded, registry), key=lambda c: (c[0] - c[1], c[0])):
        if all(end <= s or start >= e for s, e in taken):
            chosen.append((start, end, entry, exact))
            taken.append((start, end))
    aliases = {entry.id: set(entry.aliases) for entry in registry.entries}
    mentions: list[Mention] = []
    absorbed_until = previous_end = -1
    for start, end, entry, exact in sorted(chosen):
        if start < absorbed_until:
            continue  # the abbreviation inside the parentheses of the mention before
        abbreviation = ABBREVIATION.match(folded, end)
        if abbreviation and abbreviation.group(1) in aliases[entry]:
            end = absorbed_until = abbreviation.end()
        if _heads_its_phrase(folded, end):
            if folded[start].islower():
                start = _noun_phrase_start(folded, start, max(previous_end, 0))
            elif determiner := DETERMINER.search(folded, 0, start):
                start = determiner.start()
        mentions.append(Mention(start, end, registry.name, entry, exact))
        previous_end = end
    return mentions


def _noun_phrase_start(text: str, start: int, floor: int) -> int:
    """Where the noun phrase headed by the common noun at `start` begins (see the module doc)."""
    position = tentative = start
    for _ in range(MAX_PREMODIFIERS + 1):
        before = WORD_BEFORE.search(text, floor, position)
        if before is None:
            break
        word = before.group(1).lower()
        if word in ARTICLES:
            position = before.start(1)
            partitive = PARTITIVE.search(text, floor, position)
            if partitive and partitive.group(1).lower() in PARTITIVE_QUANTIFIERS:
                position = partitive.start(1)
            return position
        if word in NOT_NOUNS or word.endswith("ed") or position - before.start(1) > 40:
            break
        position = tentative = before.start(1)
    return tentative


def _heads_its_phrase(text: str, end: int) -> bool:
    """Whether the name ending at `end` ends its noun phrase: no lower-case word continues it."""
    following = NEXT_WORD.match(text, end)
    if following is None or following.start(1) != end + 1 or not following.group(1).islower():
        return True
    word = following.group(1)
    return word in NOT_NOUNS or word.endswith("ed")


def mention_registries(schema: Schema) -> dict[str, str]:
    """Label -> registry, for every label whose only attribute is an entry of a registry (ACTOR,
    MEDIA_OUTLET): the labels whose spans are mentions."""
    result = {}
    for label in schema.labels:
        attributes = schema.label_attributes(label.name)
        if len(attributes) == 1 and attributes[0].registry is not None:
            result[label.name] = attributes[0].registry
    return result
