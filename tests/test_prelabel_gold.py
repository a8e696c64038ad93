"""Pre-annotation measured against the gold, with the agreement module: the floors of issue 8.

The gold is the reference (A) and the pre-annotation is compared with it (B), as
`crocus-claims agreement annotations/gold <prelabel output>` does; the README's table is this
measurement and is checked against it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crocus_claims.agreement import AgreementReport, compare, sum_scores
from crocus_claims.cli.common import read_annotation_set
from crocus_claims.corpus import load_corpus
from crocus_claims.prelabel import prelabel_text
from crocus_claims.schema import load_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema()
FIGURE_ATTRIBUTES = ("qualifier", "value", "value_min", "value_max")
MENTION_LABELS = ("ACTOR", "MEDIA_OUTLET")


@pytest.fixture(scope="module")
def report() -> AgreementReport:
    gold = read_annotation_set([ROOT / "annotations" / "gold"], SCHEMA)
    proposals = [prelabel_text(d.text, d.doc_id, SCHEMA).record for d in load_corpus().values()]
    return compare(gold, proposals, SCHEMA)


def attribute(report: AgreementReport, label: str, name: str) -> float:
    (found,) = [a for a in report.attributes if (a.label, a.attribute) == (label, name)]
    assert found.pairs > 0 and found.observed is not None
    return found.observed


def mention_recall(report: AgreementReport) -> float:
    scores = sum_scores(report.spans["exact"].per_label[label] for label in MENTION_LABELS)
    assert scores.recall is not None
    return scores.recall


def test_every_gold_document_is_compared(report: AgreementReport) -> None:
    assert report.documents.shared == sorted(load_corpus())


def test_figure_span_f1_exact(report: AgreementReport) -> None:
    f1 = report.spans["exact"].per_label["CASUALTY_FIGURE"].f1
    assert f1 is not None and f1 >= 0.90


@pytest.mark.parametrize("name", FIGURE_ATTRIBUTES)
def test_figure_normalisation_on_matched_spans(report: AgreementReport, name: str) -> None:
    assert attribute(report, "CASUALTY_FIGURE", name) >= 0.95


def test_actor_and_outlet_recall_on_the_gold_mentions(report: AgreementReport) -> None:
    assert mention_recall(report) >= 0.80


def test_the_readme_reports_this_measurement(report: AgreementReport) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Pre-annotation"):]
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([0-9.]+) \|", section, re.MULTILINE))
    figures = report.spans["exact"].per_label["CASUALTY_FIGURE"]
    expected = {
        "CASUALTY_FIGURE span F1, exact": figures.f1,
        "CASUALTY_FIGURE span precision, exact": figures.precision,
        "CASUALTY_FIGURE span recall, exact": figures.recall,
        **{f"{name} on matched figures": attribute(report, "CASUALTY_FIGURE", name)
           for name in ("category", "incident", *FIGURE_ATTRIBUTES)},
        "ACTOR and MEDIA_OUTLET recall, exact": mention_recall(report),
        "ACTOR recall, exact": report.spans["exact"].per_label["ACTOR"].recall,
        "MEDIA_OUTLET recall, exact": report.spans["exact"].per_label["MEDIA_OUTLET"].recall,
        "actor and outlet id on matched mentions": sum(
            a.agreed for a in report.attributes if (a.label, a.attribute) in (("ACTOR", "actor"), ("MEDIA_OUTLET", "outlet"))
        ) / sum(a.pairs for a in report.attributes if (a.label, a.attribute) in (("ACTOR", "actor"), ("MEDIA_OUTLET", "outlet"))),
    }
    assert {name: rows.get(name) for name in expected} == {name: f"{value:.3f}" for name, value in expected.items()}
