"""The guidelines and the latest schema quote nothing from the corpus (issue 12, point 2).

A blind annotator gets annotations/GUIDELINES.md and the latest schema file unchanged, so neither
may carry a phrase of any article: a shared phrase is a cue that inflates agreement. The check is
on runs of RUN_LENGTH consecutive words (case-folded; apostrophe variants unified; punctuation
ignored).

Why five words, measured on this corpus (2026-11-29): at three words, neutral prose collides with
the articles on function-word runs ("according to the", "of the attack"); at four, on proper names
that the schema's registries must spell ("Iran's Ministry of Intelligence", "the Islamic State
group"). At five, the neutral 2.0.0 schema and guidelines share nothing, while schema 1.0.0 shares
13 runs (all of them quotes: "did not completely discard the", "warned Russia about the
possibility of") and the 1.0.0 guidelines 385. Quotes shorter than five words are not caught;
the guidelines state that every example is invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from crocus_claims import resources
from crocus_claims.corpus import load_corpus
from crocus_claims.schema import Schema, load_schema, load_schema_file

RUN_LENGTH = 5
WORD = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*")
GUIDELINES = resources.annotations_dir() / "GUIDELINES.md"


def words(text: str) -> list[str]:
    return [w.casefold().replace("’", "'").replace("ʼ", "'") for w in WORD.findall(text)]


def runs(text: str, n: int = RUN_LENGTH) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


@pytest.fixture(scope="module")
def corpus_runs() -> set[tuple[str, ...]]:
    return set().union(*(runs(document.text) for document in load_corpus().values()))


def schema_texts(schema: Schema) -> Iterator[tuple[str, str]]:
    """(where, text) for every description and definition of a schema."""
    yield "description", schema.description
    for registry in schema.registries:
        yield f"registry {registry.name}", registry.description
        for entry in registry.entries:
            yield f"registry {registry.name} {entry.id}", entry.description or ""
            # Aliases are names as articles spell them, shorter than a run but for a few: a name of
            # five words or more that an article also writes is flagged, and must be looked at.
            for alias in entry.aliases:
                yield f"registry {registry.name} {entry.id} alias", alias
    for attribute in schema.attributes:
        yield f"attribute {attribute.name}", attribute.description
        for value in attribute.values or ():
            yield f"attribute {attribute.name} value {value.value}", value.description
    for label in schema.labels:
        yield f"label {label.name}", label.definition
    for relation in schema.relations:
        yield f"relation {relation.name}", relation.definition


def quoted(texts: Iterator[tuple[str, str]], corpus: set[tuple[str, ...]]) -> list[str]:
    return [f"{where}: {' '.join(run)!r}" for where, text in texts for run in sorted(runs(text) & corpus)]


def test_latest_schema_descriptions_quote_no_article(corpus_runs: set[tuple[str, ...]]) -> None:
    assert quoted(schema_texts(load_schema()), corpus_runs) == []


def test_guidelines_quote_no_article(corpus_runs: set[tuple[str, ...]]) -> None:
    lines = GUIDELINES.read_text(encoding="utf-8").splitlines()
    # Runs may cross line breaks: check the whole text, then locate each hit by its first line.
    hits = runs("\n".join(lines)) & corpus_runs
    located = [
        f"GUIDELINES.md:{next((i for i, line in enumerate(lines, 1) if run[0] in words(line)), '?')}: {' '.join(run)!r}"
        for run in sorted(hits)
    ]
    assert located == []


def test_the_check_catches_the_quotes_of_schema_1_0_0(corpus_runs: set[tuple[str, ...]]) -> None:
    old = load_schema_file(Path(resources.schema_dir()) / "v1.0.0.yaml")
    hits = quoted(schema_texts(old), corpus_runs)
    assert any("did not completely discard the" in hit for hit in hits)
    assert any("warned russia about the possibility" in hit for hit in hits)


def test_function_word_runs_shorter_than_the_threshold_pass(corpus_runs: set[tuple[str, ...]]) -> None:
    assert runs("according to the latest") == set()  # four words: never a run
    assert not runs("the report of the inquiry said") & corpus_runs
