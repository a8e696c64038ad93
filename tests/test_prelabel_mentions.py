"""Registry aliases: checked in the schema, matched by case, word boundaries and longest first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crocus_claims.prelabel.mentions import find_mentions, mention_registries
from crocus_claims.schema import Registry, RegistryEntry, SchemaError, available_versions, load_schema, \
    load_schema_file, schema_path

SOURCE = schema_path(available_versions()[-1]).read_text(encoding="utf-8")
ENTRY_LINE = re.compile(r"^(\s*- \{id: (\w+),.*?)(, aliases: \[[^\]]*\])?\}$", re.MULTILINE)


def with_aliases(tmp_path: Path, aliases: dict[str, str]) -> Path:
    """The latest schema with the given entries' aliases replaced (YAML flow lists)."""
    def replace(match: re.Match[str]) -> str:
        entry = match.group(2)
        if entry not in aliases:
            return match.group(0)
        return f"{match.group(1)}, aliases: {aliases[entry]}}}"

    path = tmp_path / f"v{load_schema().version}.yaml"
    path.write_text(ENTRY_LINE.sub(replace, SOURCE), encoding="utf-8")
    return path


def registry(**entries: tuple[str, ...]) -> Registry:
    return Registry(name="actor", description="test",
                    entries=tuple(RegistryEntry(id=key, name=key.title(), aliases=value) for key, value in entries.items()))


def found(text: str, reg: Registry) -> list[tuple[str, str]]:
    return [(text[m.start:m.end], m.entry) for m in find_mentions(text, reg)]


def test_aliases_load_and_an_alias_shared_by_two_entries_is_located(tmp_path: Path) -> None:
    good = with_aliases(tmp_path, {"VLADIMIR_PUTIN": '["Vladimir Putin", "Putin"]'})
    entry = load_schema_file(good).registries_by_name["actor"].entries[1]
    assert entry.aliases == ("Vladimir Putin", "Putin")
    bad = with_aliases(tmp_path, {"VLADIMIR_PUTIN": '["Putin"]', "ALEXANDER_BORTNIKOV": '["putin"]'})
    with pytest.raises(SchemaError) as caught:
        load_schema_file(bad)
    ((line, where, message),) = caught.value.problems
    assert "entries[3] (Alexander Bortnikov).aliases[0]" in where
    assert "'putin' is also an alias of 'VLADIMIR_PUTIN'" in message
    assert "ALEXANDER_BORTNIKOV" in bad.read_text().splitlines()[line - 1]


@pytest.mark.parametrize("aliases, problem", [
    ('["Putin", "Putin"]', "listed twice"),
    ('[" Putin"]', "trimmed"),
    ('[""]', "non-empty"),
    ('[3]', "valid string"),
])
def test_malformed_aliases_are_refused(tmp_path: Path, aliases: str, problem: str) -> None:
    with pytest.raises(SchemaError) as caught:
        load_schema_file(with_aliases(tmp_path, {"VLADIMIR_PUTIN": aliases}))
    assert problem in str(caught.value)


def test_shipped_aliases_name_one_entry_each() -> None:
    for reg in load_schema().registries:
        seen = [alias.casefold() for entry in reg.entries for alias in entry.aliases]
        assert len(seen) == len(set(seen))


def test_case_rules() -> None:
    reg = registry(RUSSIA=("Kremlin", "Russia"), IS=("IS", "ISIS"), POLICE=("police",))
    assert found("The Kremlin said; the Kremlin said; THE KREMLIN said; kremlin", reg) == \
        [("The Kremlin", "RUSSIA"), ("the Kremlin", "RUSSIA"), ("kremlin", "RUSSIA")]
    assert found("IS is not Is nor iS; ISIS is", reg) == [("IS", "IS"), ("ISIS", "IS")]
    assert found("Police and police", reg) == [("Police", "POLICE"), ("police", "POLICE")]


def test_whole_words_only() -> None:
    reg = registry(RUSSIA=("Russia",), IS=("IS",))
    assert found("Russian Russias Russia's (Russia) ISIS IS-led", reg) == \
        [("Russia", "RUSSIA"), ("Russia", "RUSSIA"), ("IS", "IS")]


def test_longest_match_first_and_no_overlap() -> None:
    reg = registry(IS=("Islamic State", "IS"),
                   ISK=("Islamic State Khorasan", "IS-K", "Khorasan Province"),
                   US=("US",), USI=("US intelligence",))
    text = "the Islamic State and Islamic State Khorasan; IS-K's claim; US intelligence and the US"
    assert found(text, reg) == [("the Islamic State", "IS"), ("Islamic State Khorasan", "ISK"), ("IS-K", "ISK"),
                                ("US intelligence", "USI"), ("the US", "US")]


def test_parenthesised_abbreviation_joins_the_mention() -> None:
    reg = registry(IS=("Islamic State", "IS"), ISK=("Khorasan Province", "IS-K"), FSB=("FSB",))
    text = "implicated the Islamic State (IS) and the Khorasan Province (IS-K), not the Islamic State (FSB)"
    assert found(text, reg) == [("the Islamic State (IS)", "IS"), ("the Khorasan Province (IS-K)", "ISK"),
                                ("the Islamic State", "IS"), ("FSB", "FSB")]


@pytest.mark.parametrize("text, mention", [
    ("the Kremlin said so", "the Kremlin"),
    ("The Kremlin's view", "The Kremlin"),
    ("from the Kremlin.", "the Kremlin"),
    ("the Kremlin and the West", "the Kremlin"),
    ("the Kremlin claimed it", "the Kremlin"),
    ("the Kremlin walls", "Kremlin"),
    ("the Russian border", "Russian"),
    ("at the latest Russian data", "Russian"),
    ("theKremlin", None),
])
def test_the_determiner_joins_a_name_that_heads_its_phrase(text: str, mention: str | None) -> None:
    reg = registry(RUSSIA=("Kremlin", "Russian"))
    assert [m for m, _ in found(text, reg)][:1] == ([mention] if mention else [])


@pytest.mark.parametrize("text, mention", [
    ("This was reported by three sources.", "three sources"),
    ("A second journalist source said", "A second journalist source"),
    ("one of the sources said", "one of the sources"),
    ("as a Reuters source said", "a Reuters source"),
    ("officials said that sources had", "sources"),
    ("Iranian sources said", "sources"),
])
def test_a_common_noun_takes_its_noun_phrase(text: str, mention: str) -> None:
    reg = registry(SOURCE=("source", "sources"), IRAN=("Iranian",))
    assert [m for m, entry in found(text, reg) if entry == "SOURCE"] == [mention]


def test_apostrophes_are_one_character_and_offsets_stay() -> None:
    reg = registry(IRAN_MINISTRY=("Iran's Intelligence Ministry",), IRAN=("Iran",))
    text = "Iranʼs Intelligence Ministry and Iran’s Intelligence Ministry and Iran"
    assert found(text, reg) == [("Iranʼs Intelligence Ministry", "IRAN_MINISTRY"),
                                ("Iran’s Intelligence Ministry", "IRAN_MINISTRY"), ("Iran", "IRAN")]


def test_mention_labels_derive_from_the_schema() -> None:
    assert mention_registries(load_schema()) == {"ACTOR": "actor", "MEDIA_OUTLET": "outlet"}
