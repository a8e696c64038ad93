"""The figure normaliser: qualifiers, intervals by the schema's rules, categories, and what is no figure.

The phrase table is written from the schema's qualifier list (and the guidelines' figure table),
not taken from the corpus.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crocus_claims.prelabel.figures import QUALIFIER_CUES, find_figures, interval_bounds, interval_of
from crocus_claims.prelabel.numbers import PLURAL_UNITS
from crocus_claims.prelabel.tokens import tokenize
from crocus_claims.schema import load_schema
from crocus_claims.validation import validate_records

SCHEMA = load_schema()
ROOT = Path(__file__).resolve().parent.parent
N = None

# phrase, qualifier, value, value_min, value_max (and the span, when it is not the whole phrase)
PHRASES: list[tuple[Any, ...]] = [
    ("145", "exact", 145, 145, 145),
    ("2,300", "exact", 2300, 2300, 2300),
    ("1,024", "exact", 1024, 1024, 1024),
    ("four", "exact", 4, 4, 4),
    ("twenty-five", "exact", 25, 25, 25),
    ("one hundred and twelve", "exact", 112, 112, 112),
    ("a dozen", "exact", 12, 12, 12),
    ("two dozen", "exact", 24, 24, 24),
    ("a hundred", "exact", 100, 100, 100),
    ("Seventeen", "exact", 17, 17, 17),
    ("about 100", "approximately", 100, N, N),
    ("around 60", "approximately", 60, N, N),
    ("approximately 1,500", "approximately", 1500, N, N),
    ("some 40", "approximately", 40, N, N),
    ("roughly thirty", "approximately", 30, N, N),
    ("an estimated 2,000", "approximately", 2000, N, N),
    ("at least 140", "at_least", 140, 140, N),
    ("no fewer than 2,300", "at_least", 2300, 2300, N),
    ("no less than eighty", "at_least", 80, 80, N),
    ("at least a dozen", "at_least", 12, 12, N),
    ("more than 551", "more_than", 551, 552, N),
    ("over 140", "more_than", 140, 141, N),
    ("more than a dozen", "more_than", 12, 13, N),
    ("upwards of 300", "more_than", 300, 301, N),
    ("in excess of 1,000", "more_than", 1000, 1001, N),
    ("up to 60", "at_most", 60, N, 60),
    ("as many as 200", "at_most", 200, N, 200),
    ("at most five", "at_most", 5, N, 5),
    ("no more than 10", "at_most", 10, N, 10),
    ("fewer than 20", "fewer_than", 20, N, 19),
    ("under 50", "fewer_than", 50, N, 49),
    ("less than a hundred", "fewer_than", 100, N, 99),
    ("nearly 1,000", "fewer_than", 1000, N, 999),
    ("almost forty", "fewer_than", 40, N, 39),
    ("between forty and fifty", "range", N, 40, 50),
    ("between 30 and 45", "range", N, 30, 45),
    ("20 to 30", "range", N, 20, 30),
    ("three to five", "range", N, 3, 5),
    ("from 12 to 15", "range", N, 12, 15, "12 to 15"),
    ("several", "vague", N, 3, N),
    ("dozens", "vague", N, 24, N),
    ("hundreds", "vague", N, 200, N),
    ("thousands", "vague", N, 2000, N),
    ("several dozen", "vague", N, 36, N),
    ("several hundred", "vague", N, 300, N),
    ("some", "vague", N, N, N),
    ("a few", "vague", N, N, N),
    ("many", "vague", N, N, N),
]


def sentence_for(phrase: str) -> str:
    noun = "of people" if phrase.split()[-1].lower() in PLURAL_UNITS else "people"
    return f"Officials said that {phrase} {noun} were killed in the attack."


def figures_in(text: str) -> list[tuple[str, dict[str, Any]]]:
    return [(text[f.start:f.end], f.attributes) for f in find_figures(tokenize(text), SCHEMA)]


def test_the_table_covers_every_qualifier_of_the_schema() -> None:
    assert len(PHRASES) >= 40
    qualifiers = SCHEMA.allowed_values(SCHEMA.attributes_by_name[interval_of(SCHEMA).qualifier])
    assert {row[1] for row in PHRASES} == set(qualifiers)


@pytest.mark.parametrize("row", PHRASES, ids=[row[0] for row in PHRASES])
def test_phrase_normalised(row: tuple[Any, ...]) -> None:
    phrase, qualifier, value, low, high = row[:5]
    span = row[5] if len(row) > 5 else phrase
    found = figures_in(sentence_for(phrase))
    assert len(found) == 1, found
    text, attributes = found[0]
    assert text == span
    assert (attributes["qualifier"], attributes["value"], attributes["value_min"], attributes["value_max"]) == \
        (qualifier, value, low, high)
    assert attributes["category"] == "killed"


def test_vague_least_values_are_the_guidelines_table() -> None:
    """GUIDELINES.md §4.7: several 3, dozens 24, hundreds 200; some, a few, many: no bound."""
    rows = re.findall(r"^\| ([^|]+) \| vague \| null \| (\w+) \| null \|$",
                      (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8"), re.MULTILINE)
    words = [(word, least) for cell, least in rows for word in re.findall(r'"([^"]+)"', cell)]
    assert len(words) >= 6, "the guidelines' vague rows were not found"
    for word, least in words:
        ((_, attributes),) = figures_in(sentence_for(word))
        assert attributes["value_min"] == (None if least == "null" else int(least)), word


def schema_examples() -> list[tuple[str, str]]:
    """(qualifier, example phrase) for every example quoted in the schema's qualifier descriptions."""
    qualifier = SCHEMA.attributes_by_name[interval_of(SCHEMA).qualifier]
    examples = []
    for value in qualifier.values or ():
        for example in re.findall(r"'([^']+)'", value.description):
            phrase = example.replace("N", "40").replace("A", "20").replace("B", "30")
            if not re.search(r"\d", phrase) and value.value not in ("vague", "exact"):
                phrase += " 40"
            examples.append((value.value, phrase))
    return examples


@pytest.mark.parametrize("qualifier, phrase", schema_examples())
def test_every_example_of_the_schema_gets_its_qualifier(qualifier: str, phrase: str) -> None:
    ((_, attributes),) = figures_in(sentence_for(phrase))
    assert attributes["qualifier"] == qualifier


def test_cues_are_lower_case_words() -> None:
    for cues in QUALIFIER_CUES.values():
        assert all(cue == cue.lower() and cue.strip() == cue for cue in cues)


CATEGORIES = [
    ("Police arrested 12 suspects on Sunday.", "12", "detained"),
    ("At least 30 people were injured by the blast.", "At least 30", "injured"),
    ("Three gunmen opened fire in the hall.", "Three", "attackers"),
    ("Three gunmen killed the guards.", "Three", "attackers"),
    ("The death toll rose to 143.", "143", "killed"),
    ("A video showed a gunman opening fire on several people.", "several", "other"),
    ("By Monday 95 people were missing.", "95", "missing"),
    ("The blast left at least 40 people dead.", "at least 40", "killed"),
    ("Troops detained dozens of men, including the five attackers.", "five", "detained"),
    ("All three fired at the crowd.", "three", "attackers"),
    ("The fire claimed the lives of nearly 60 visitors.", "nearly 60", "killed"),
    ("Four people died and 20 were wounded.", "Four", "killed"),
    ("Two attackers were later found.", "Two", "attackers"),
    ("Thirty people were hurt, with some suffering burn injuries.", "some", "injured"),
    ("Many were hurt in the blast.", "Many", "injured"),
]


@pytest.mark.parametrize("text, span, category", CATEGORIES)
def test_category_from_the_governing_word(text: str, span: str, category: str) -> None:
    found = dict(figures_in(text))
    assert span in found, found
    assert found[span]["category"] == category


@pytest.mark.parametrize("text", [
    "This was reported by three sources.",
    "It was the worst attack in twenty years.",
    "One of the sources said so.",
    "Three of the four appeared in court.",
    "The attack on March 22 shocked the country.",
    "On 28 March 2024, officials spoke.",
    "A second source confirmed it.",
    "The 3 terrorist attacks were claimed.",
    "No one was arrested.",
    "A few days later, they spoke again.",
    "He said that some members of the group had left.",
])
def test_no_figure(text: str) -> None:
    assert figures_in(text) == []


def test_incident_comes_from_the_caller() -> None:
    text = "Officials said 12 people were killed."
    (figure,) = find_figures(tokenize(text), SCHEMA, lambda index: "KERMAN_2024")
    assert figure.attributes["incident"] == "KERMAN_2024"


@given(qualifier=st.sampled_from(sorted(interval_of(SCHEMA).rules)), value=st.integers(1, 10**9),
       width=st.integers(1, 10**6))
def test_interval_bounds_satisfy_the_schema_rules(qualifier: str, value: int, width: int) -> None:
    """Whatever the qualifier, the bounds computed from the rules pass the validator's interval check."""
    bounds = interval_bounds(SCHEMA, qualifier, value, value, value + width)
    span = {"id": "f", "label": "CASUALTY_FIGURE", "start": 0, "end": 2, "text": "40",
            "attributes": {"incident": "UNCLEAR", "category": "killed", "qualifier": qualifier, **bounds}}
    text = "40 people"
    from crocus_claims.corpus import text_sha256

    record = {"doc_id": "d", "schema_version": SCHEMA.version, "text_sha256": text_sha256(text),
              "annotator": "t", "spans": [span], "relations": [], "text": text}
    assert [f for f in validate_records([record], schema=SCHEMA) if f.severity == "error"] == []


@pytest.mark.parametrize("qualifier", ["exact", "at_least", "at_most", "more_than"])
def test_a_bound_outside_the_schemas_integer_range_is_refused(qualifier: str) -> None:
    """The schema's integer attributes hold int64 (Attribute.integer_range); a figure past it is
    no proposal rather than a record that fails validation and withholds every document."""
    interval = interval_of(SCHEMA)
    _, greatest = SCHEMA.attributes_by_name[interval.value].integer_range
    with pytest.raises(ValueError, match="outside the schema's range"):
        interval_bounds(SCHEMA, qualifier, greatest + 1)
    assert interval_bounds(SCHEMA, "exact", greatest)[interval.value] == greatest
