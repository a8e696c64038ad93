"""The licences are stated once and said the same everywhere: pyproject.toml, NOTICE.md, the
release's datasheet and croissant.json (the wheel's metadata: tests/test_wheel.py)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from crocus_claims import resources
from crocus_claims.release.facts import (
    ANNOTATIONS_LICENCE_URL,
    ANNOTATIONS_TERMS,
    LICENCE_EXPRESSION,
    TEXTS_TERMS,
)
from crocus_claims.schema import load_schema
from test_release_build import build, corpus_gold

ROOT = resources.REPO_ROOT


def test_pyproject_states_the_licence_expression_and_ships_every_licence_text() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == LICENCE_EXPRESSION
    assert sorted(project["license-files"]) == ["LICENSE", "LICENSES/*", "NOTICE.md"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "Creative Commons Attribution 4.0 International Public License" in \
        (ROOT / "LICENSES" / "CC-BY-4.0.txt").read_text(encoding="utf-8")


def test_notice_names_each_part_and_its_terms() -> None:
    notice = (ROOT / "NOTICE.md").read_text(encoding="utf-8")
    assert f"`{LICENCE_EXPRESSION}`" in notice
    assert "remain the property of their\npublishers" in notice and "grants no licence over them" in notice
    assert ANNOTATIONS_LICENCE_URL in notice


def test_datasheet_and_croissant_say_the_same(tmp_path: Path) -> None:
    folder = build(tmp_path, corpus_gold(load_schema(), words_per_doc=6))
    datasheet = " ".join((folder / "README.md").read_text(encoding="utf-8").split())
    assert ANNOTATIONS_TERMS in datasheet and TEXTS_TERMS in datasheet and f"`{LICENCE_EXPRESSION}`" in datasheet
    croissant = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["license"] == [ANNOTATIONS_LICENCE_URL, TEXTS_TERMS]
    assert "MIT" not in " ".join(croissant["license"])  # the data is not under the code's licence
