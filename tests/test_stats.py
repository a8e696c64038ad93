"""`compute_stats` and `crocus-claims stats` on hand-made records, counted by hand.

The figure label, its qualifiers and its interval attributes are found in the schema by what
they are (the label with an interval; the qualifier whose rule pins min and max to the value;
the one that allows no value), never named.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus, text_sha256
from crocus_claims.schema import load_schema
from crocus_claims.stats import compute_stats

SCHEMA = load_schema()
CORPUS = load_corpus()
FIGURE = next(label for label in SCHEMA.labels if label.interval)
INTERVAL = FIGURE.interval
EXACT = next(q for q, r in INTERVAL.rules.items()
             if (r.value, r.minimum, r.maximum) == ("required", "value", "value"))
VAGUE = next(q for q, r in INTERVAL.rules.items() if r.value == "null")
CLAIM = next(label.name for label in SCHEMA.labels if label.kind == "core" and not label.interval)
# A corpus document with a number in it, and that number's place.
DOCUMENT = next(d for d in CORPUS.values() if re.search(r"\d+", d.text))
NUMBER = re.search(r"\d+", DOCUMENT.text)
OWN_TEXT = "Officials said dozens were hurt and blamed a group."


def required_attributes(label: str) -> dict:
    return {a.name: SCHEMA.allowed_values(a)[0] for a in SCHEMA.label_attributes(label) if a.required}


def figure(span_id: str, text: str, start: int, end: int, **interval) -> dict:
    return {"id": span_id, "label": FIGURE.name, "start": start, "end": end, "text": text[start:end],
            "attributes": required_attributes(FIGURE.name) | interval}


def claim(span_id: str, text: str, start: int, end: int) -> dict:
    return {"id": span_id, "label": CLAIM, "start": start, "end": end, "text": text[start:end],
            "attributes": required_attributes(CLAIM)}


def corpus_record() -> dict:
    """One exact figure in a real corpus document (no text carried: the corpus has it)."""
    value = int(NUMBER.group())
    span = figure("f1", DOCUMENT.text, NUMBER.start(), NUMBER.end(), **{
        INTERVAL.qualifier: EXACT, INTERVAL.value: value, INTERVAL.minimum: value, INTERVAL.maximum: value})
    return {"doc_id": DOCUMENT.doc_id, "schema_version": SCHEMA.version, "text_sha256": DOCUMENT.text_sha256,
            "annotator": "gold", "spans": [span], "relations": []}


def own_record() -> dict:
    """A vague figure and two claims in a text of its own, with an outlet in its metadata."""
    dozens = OWN_TEXT.index("dozens")
    blamed = OWN_TEXT.index("blamed a group")
    spans = [
        figure("v1", OWN_TEXT, dozens, dozens + len("dozens"), **{
            INTERVAL.qualifier: VAGUE, INTERVAL.value: None, INTERVAL.minimum: None, INTERVAL.maximum: None}),
        claim("c1", OWN_TEXT, blamed, blamed + len("blamed a group")),
        claim("c2", OWN_TEXT, blamed, blamed + len("blamed")),
    ]
    return {"doc_id": "own-text", "schema_version": SCHEMA.version, "text_sha256": text_sha256(OWN_TEXT),
            "annotator": "gold", "text": OWN_TEXT, "metadata": {"outlet": "Test Outlet"}, "spans": spans,
            "relations": []}


def test_counts_distributions_and_figures_by_hand():
    stats = compute_stats([corpus_record(), own_record()], SCHEMA, CORPUS)
    documents = {row["document"]: row for row in stats.documents.to_dicts()}
    # corpus record: 1 figure; own record: 1 figure + 2 claims = 3 spans
    assert documents[DOCUMENT.doc_id][FIGURE.name] == 1 and documents[DOCUMENT.doc_id]["spans"] == 1
    own = documents["own-text"]
    assert (own[FIGURE.name], own[CLAIM], own["spans"]) == (1, 2, 3)
    # outlet: the corpus's metadata (whatever it states, null included), else the record's own
    assert documents[DOCUMENT.doc_id]["outlet"] == DOCUMENT.outlet
    assert documents["own-text"]["outlet"] == "Test Outlet"
    labels = {row["label"]: row for row in stats.labels.to_dicts()}
    # figures: 1 + 1 = 2 spans in 2 documents; claims: 2 spans in 1 document; every label listed
    assert (labels[FIGURE.name]["spans"], labels[FIGURE.name]["documents"]) == (2, 2)
    assert (labels[CLAIM]["spans"], labels[CLAIM]["documents"]) == (2, 1)
    assert list(labels) == [label.name for label in SCHEMA.labels]
    # qualifier: EXACT once, VAGUE once, of 2 figures: share 1/2 each
    qualifiers = stats.attributes.filter(label=FIGURE.name, attribute=INTERVAL.qualifier).to_dicts()
    assert sorted((row["value"], row["count"], row["share"]) for row in qualifiers) == sorted(
        [(EXACT, 1, 0.5), (VAGUE, 1, 0.5)])
    # the value: the number once, null (vague) once
    values = {row["value"]: row["count"] for row in
              stats.attributes.filter(label=FIGURE.name, attribute=INTERVAL.value).to_dicts()}
    assert values == {NUMBER.group(): 1, "null": 1}
    # figures side by side, with the interval bounds shown as min and max
    figures = stats.figures[FIGURE.name].to_dicts()
    by_document = {row["document"]: row for row in figures}
    exact = by_document[DOCUMENT.doc_id]
    assert (exact[INTERVAL.qualifier], exact["min"], exact["max"], exact["text"]) == (
        EXACT, int(NUMBER.group()), int(NUMBER.group()), NUMBER.group())
    assert (by_document["own-text"]["min"], by_document["own-text"]["text"]) == (None, "dozens")
    assert list(stats.figures[FIGURE.name].columns[:3]) == ["document", "annotator", "outlet"]


def test_absent_optional_attributes_count_as_their_default():
    # own_record's two claims carry only their required attributes
    optional = next(a for a in SCHEMA.label_attributes(CLAIM) if not a.required and a.default is not None)
    assert all(optional.name not in span["attributes"] for span in own_record()["spans"])
    stats = compute_stats([own_record()], SCHEMA, CORPUS)
    counts = {row["value"]: row["count"] for row in
              stats.attributes.filter(label=CLAIM, attribute=optional.name).to_dicts()}
    assert counts == {optional.default: 2}


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_command_prints_tables_with_a_dash_for_a_null_outlet(tmp_path):
    record = corpus_record()
    path = write_jsonl(tmp_path / "gold.jsonl", [record])
    result = CliRunner().invoke(cli, ["stats", path])
    assert result.exit_code == 0, result.output
    assert f"Figures ({FIGURE.name})" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith(f"| {DOCUMENT.doc_id} ")
               and NUMBER.group() in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == (DOCUMENT.outlet or "-")


def test_command_json_output_matches_the_library(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [corpus_record()])
    write_jsonl(folder / "b.jsonl", [own_record()])
    result = CliRunner().invoke(cli, ["stats", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    expected = compute_stats([corpus_record(), own_record()], SCHEMA, CORPUS).to_json()
    assert data == json.loads(json.dumps(expected))
    assert len(data["figures"][FIGURE.name]) == 2


@pytest.mark.parametrize("breakage", ["hash", "missing"])
def test_command_refuses_bad_input_with_a_coded_line_and_exit_2(tmp_path, breakage):
    if breakage == "hash":
        record = corpus_record() | {"text_sha256": "0" * 64}
        target = write_jsonl(tmp_path / "bad.jsonl", [record])
        code = "text-hash-mismatch"
    else:
        target, code = str(tmp_path / "nothing-here"), "unreadable-file"
    result = CliRunner().invoke(cli, ["stats", target])
    assert result.exit_code == 2
    assert code in result.stderr and target in result.stderr and "Traceback" not in result.output
