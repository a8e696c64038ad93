"""The statement frames (loader.frames): figures, their conflicts and agreed interval, claims,
denials and warnings, with attribution resolved through relations, on hand-made records whose
right answers are written out here by hand."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from crocus_claims.loader import load
from crocus_claims.loader.frames import ATTRIBUTION_COLUMNS, actor_parents, actor_roots
from crocus_claims.release import build_release
from crocus_claims.schema import load_schema
from test_release_build import build

SCHEMA = load_schema()

TEXT_A = (
    "Bortnikov said 145 people were killed. Reuters reported more than 140 dead, citing officials. "
    "The Kremlin blamed Ukraine. Kyiv denied any involvement. Iran warned Russia about an attack. "
    "In Kerman, about 100 died. The article counts 150 dead."
)
TEXT_B = "RIA Novosti said at least 139 were killed; Zakharova said 133 died."


def span(text: str, span_id: str, label: str, quote: str, **attributes: Any) -> dict[str, Any]:
    start = text.index(quote)
    return {"id": span_id, "label": label, "start": start, "end": start + len(quote), "text": quote,
            "attributes": attributes}


def figure(text: str, span_id: str, quote: str, qualifier: str, value: int | None, low: int | None,
           high: int | None, incident: str = "CROCUS_2024", category: str = "killed") -> dict[str, Any]:
    return span(text, span_id, "CASUALTY_FIGURE", quote, incident=incident, category=category,
                qualifier=qualifier, value=value, value_min=low, value_max=high)


def relation(kind: str, head: str, tail: str) -> dict[str, Any]:
    return {"id": f"{kind}-{head}-{tail}", "type": kind, "head": head, "tail": tail}


def record(doc_id: str, text: str, spans: list[dict[str, Any]], relations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"doc_id": doc_id, "schema_version": SCHEMA.version, "annotator": "gold", "text": text,
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "spans": spans, "relations": relations}


def doc_a() -> dict[str, Any]:
    t = TEXT_A
    claim = dict(incident="CROCUS_2024", claim_type="accusation", role="unspecified", factuality="certain",
                 author_stance="neutral")
    spans = [
        span(t, "a-bortnikov", "ACTOR", "Bortnikov", actor="ALEXANDER_BORTNIKOV"),
        figure(t, "f-145", "145", "exact", 145, 145, 145),
        span(t, "o-reuters", "MEDIA_OUTLET", "Reuters", outlet="REUTERS"),
        figure(t, "f-more-140", "more than 140", "more_than", 140, 141, None),
        span(t, "a-officials", "ACTOR", "officials", actor="RUSSIA_GOVERNMENT"),
        span(t, "a-kremlin", "ACTOR", "The Kremlin", actor="RUSSIA_GOVERNMENT"),
        span(t, "c-blamed", "PERPETRATOR_CLAIM", "blamed Ukraine", **claim),
        span(t, "a-ukraine", "ACTOR", "Ukraine", actor="UKRAINE_GOVERNMENT"),
        span(t, "a-kyiv", "ACTOR", "Kyiv", actor="UKRAINE_GOVERNMENT"),
        span(t, "d-denied", "DENIAL", "denied any involvement", incident="CROCUS_2024",
             denial_type="deny_involvement", factuality="certain", author_stance="neutral"),
        span(t, "a-iran", "ACTOR", "Iran", actor="IRAN_GOVERNMENT"),
        span(t, "w-warned", "WARNING", "warned Russia about an attack", incident="CROCUS_2024",
             warning_type="intel_sharing", channel="private", names_target=None, names_time=False,
             factuality="certain"),
        span(t, "a-russia", "ACTOR", "Russia", actor="RUSSIA_GOVERNMENT"),
        figure(t, "f-kerman", "about 100", "approximately", 100, None, None, incident="KERMAN_2024"),
        figure(t, "f-150", "150", "exact", 150, 150, 150),
    ]
    relations = [
        relation("source", "f-145", "a-bortnikov"),
        relation("source", "f-more-140", "a-officials"),
        relation("reported_by", "f-more-140", "o-reuters"),
        relation("source", "c-blamed", "a-kremlin"),
        relation("responsible_party", "c-blamed", "a-ukraine"),
        relation("source", "d-denied", "a-kyiv"),
        relation("responsible_party", "d-denied", "a-kyiv"),
        relation("denies", "d-denied", "c-blamed"),
        relation("agent", "w-warned", "a-iran"),
        relation("recipient", "w-warned", "a-russia"),
    ]
    return record("doc-a", t, spans, relations)


def doc_b() -> dict[str, Any]:
    t = TEXT_B
    spans = [
        span(t, "o-ria", "MEDIA_OUTLET", "RIA Novosti", outlet="RIA_NOVOSTI"),
        figure(t, "f-139", "at least 139", "at_least", 139, 139, None),
        span(t, "a-zakharova", "ACTOR", "Zakharova", actor="MARIA_ZAKHAROVA"),
        figure(t, "f-133", "133", "exact", 133, 133, 133),
    ]
    relations = [relation("source", "f-139", "o-ria"), relation("source", "f-133", "a-zakharova")]
    return record("doc-b", t, spans, relations)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("frames"), [doc_a(), doc_b()])


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in frame.select(columns).iter_rows()]


def test_the_actor_registry_chains_parents_up_to_the_state() -> None:
    assert actor_parents(SCHEMA)["ALEXANDER_BORTNIKOV"] == "RUSSIA_SECURITY_SERVICES"
    assert actor_roots(SCHEMA)["ALEXANDER_BORTNIKOV"] == "RUSSIA_GOVERNMENT"
    assert actor_roots(SCHEMA)["RUSSIA_GOVERNMENT"] == "RUSSIA_GOVERNMENT"
    assert "RUSSIA_GOVERNMENT" not in actor_parents(SCHEMA)


def test_figures_resolve_source_parent_root_and_reported_by(release: Path) -> None:
    figures = load(release).figures()
    assert figures.columns[-len(ATTRIBUTION_COLUMNS):] == list(ATTRIBUTION_COLUMNS)
    assert rows(figures, "doc_id", "span_id", "source_kind", "source_actor", "source_actor_parent",
                "source_actor_root", "source_outlet", "reported_by_outlets") == [
        ("doc-a", "f-145", "actor", "ALEXANDER_BORTNIKOV", "RUSSIA_SECURITY_SERVICES", "RUSSIA_GOVERNMENT", None, []),
        ("doc-a", "f-more-140", "actor", "RUSSIA_GOVERNMENT", None, "RUSSIA_GOVERNMENT", None, ["REUTERS"]),
        ("doc-a", "f-kerman", "author", None, None, None, None, []),
        ("doc-a", "f-150", "author", None, None, None, None, []),
        ("doc-b", "f-139", "outlet", None, None, None, "RIA_NOVOSTI", []),
        ("doc-b", "f-133", "actor", "MARIA_ZAKHAROVA", "RUSSIA_FOREIGN_MINISTRY", "RUSSIA_GOVERNMENT", None, []),
    ]
    assert rows(figures.filter(pl.col("span_id") == "f-more-140"), "incident", "category", "qualifier",
                "value", "value_min", "value_max", "source_text") == \
        [("CROCUS_2024", "killed", "more_than", 140, 141, None, "officials")]


def test_conflicts_are_the_pairs_whose_intervals_do_not_meet(release: Path) -> None:
    conflicts = load(release).figure_conflicts()
    # Crocus, killed: 145, >140 (141..), 150, >=139 (139..), 133. Kerman's "about 100" is apart.
    assert sorted(rows(conflicts, "span_id_a", "span_id_b")) == sorted([
        ("f-145", "f-150"), ("f-145", "f-133"), ("f-more-140", "f-133"), ("f-150", "f-133"), ("f-139", "f-133"),
    ])
    assert set(conflicts["incident"]) == {"CROCUS_2024"}
    # Each figure's `conflicts` counts the pairs it is in.
    counts = load(release).figures().select("span_id", "conflicts").rows()
    assert counts == [("f-145", 2), ("f-more-140", 1), ("f-kerman", 0), ("f-150", 2), ("f-139", 1), ("f-133", 4)]
    pair = conflicts.filter((pl.col("span_id_a") == "f-145") & (pl.col("span_id_b") == "f-133"))
    assert rows(pair, "source_actor_a", "source_actor_b", "doc_id_a", "doc_id_b") == \
        [("ALEXANDER_BORTNIKOV", "MARIA_ZAKHAROVA", "doc-a", "doc-b")]


def test_the_agreed_interval_exists_only_without_conflicts(release: Path) -> None:
    agreement = load(release).figure_agreement()
    assert rows(agreement, "incident", "category", "figures", "conflicting_pairs", "agreed", "agreed_min",
                "agreed_max") == [
        ("CROCUS_2024", "killed", 5, 5, False, None, None),
        ("KERMAN_2024", "killed", 1, 0, True, None, None),  # "about 100" bounds nothing
    ]


def test_agreement_of_figures_that_meet(tmp_path: Path) -> None:
    t = "at least 139 and at most 150 and more than 140"
    gold = record("doc-c", t, [figure(t, "f1", "at least 139", "at_least", 139, 139, None),
                               figure(t, "f2", "at most 150", "at_most", 150, None, 150),
                               figure(t, "f3", "more than 140", "more_than", 140, 141, None)], [])
    dataset = load(build(tmp_path, [gold]))
    assert dataset.figure_conflicts().height == 0
    assert rows(dataset.figure_agreement(), "agreed", "agreed_min", "agreed_max") == [(True, 141, 150)]


def test_claims_denials_and_warnings(release: Path) -> None:
    dataset = load(release)
    assert rows(dataset.claims(), "span_id", "claim_type", "responsible_parties", "source_actor") == [
        ("c-blamed", "accusation", ["UKRAINE_GOVERNMENT"], "RUSSIA_GOVERNMENT")]
    assert rows(dataset.denials(), "span_id", "denial_type", "responsible_parties", "denied_span_ids",
                "denied_labels", "denied_texts", "source_actor") == [
        ("d-denied", "deny_involvement", ["UKRAINE_GOVERNMENT"], ["c-blamed"], ["PERPETRATOR_CLAIM"],
         ["blamed Ukraine"], "UKRAINE_GOVERNMENT")]
    assert rows(dataset.warnings(), "span_id", "agent", "agent_root", "recipients", "channel", "names_target",
                "names_time", "source_kind") == [
        ("w-warned", "IRAN_GOVERNMENT", "IRAN_GOVERNMENT", ["RUSSIA_GOVERNMENT"], "private", None, False, "author")]


def test_a_label_filter_keeps_the_attribution(release: Path) -> None:
    """Filtering to figures drops the ACTOR spans from spans(), not from the figures' attribution."""
    dataset = load(release).filter(label="CASUALTY_FIGURE", attributes={"qualifier": "exact"})
    figures = dataset.figures()
    assert rows(figures, "span_id", "source_actor") == [
        ("f-145", "ALEXANDER_BORTNIKOV"), ("f-150", None), ("f-133", "MARIA_ZAKHAROVA")]
    assert dataset.claims().height == 0


def test_missing_links_stay_null(tmp_path: Path) -> None:
    """A source that is a supporting span without a canonical id in the frame, and no source at all."""
    t = "Officials said 145 died; 150 died."
    gold = record("doc-d", t, [
        span(t, "a-x", "ACTOR", "Officials", actor="OTHER_ACTOR"),
        figure(t, "f1", "145", "exact", 145, 145, 145),
        figure(t, "f2", "150", "exact", 150, 150, 150),
    ], [relation("source", "f1", "a-x")])
    figures = load(build(tmp_path, [gold])).figures()
    assert rows(figures, "span_id", "source_kind", "source_actor", "source_actor_parent", "source_actor_root",
                "reported_by_actors") == [
        ("f1", "actor", "OTHER_ACTOR", None, "OTHER_ACTOR", []),
        ("f2", "author", None, None, None, []),
    ]


@pytest.fixture(scope="module")
def gold_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release of the project's own gold annotations."""
    return build_release(tmp_path_factory.mktemp("gold") / "dist")


def test_frames_of_the_real_gold_resolve_every_source(gold_release: Path) -> None:
    """On the project's gold: one row per figure, every source relation resolved to an actor or outlet."""
    dataset = load(gold_release)
    figures = dataset.figures()
    assert figures.height == dataset.manifest["counts"]["spans_per_label"]["CASUALTY_FIGURE"]
    assert figures.filter(pl.col("source_kind") == "unresolved").height == 0
    assert figures.filter(pl.col("source_kind") != "author").height > 0
    assert dataset.claims().height == dataset.manifest["counts"]["spans_per_label"]["PERPETRATOR_CLAIM"]
    # 145 (the article's own) against 143 (one of them the Russian state's): the killed tolls disagree.
    killed = dataset.figure_agreement().filter(incident="CROCUS_2024", category="killed")
    assert rows(killed, "agreed", "agreed_min") == [(False, None)]
    assert dataset.figure_conflicts().filter(category="killed").height > 0
