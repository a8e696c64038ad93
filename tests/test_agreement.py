"""`compare` and `crocus-claims agreement` on small cases whose figures are worked out by hand.

Labels, attributes and relations are taken from the schema by what they are (a core label with
no interval, a supporting label, a relation between them), never by a hard-coded list.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from crocus_claims.agreement import ONE_CATEGORY, AgreementError, cohen_kappa, compare
from crocus_claims.cli import cli
from crocus_claims.corpus import text_sha256
from crocus_claims.schema import load_schema
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import records

SCHEMA = load_schema()
CLAIM, OTHER_CORE = [l.name for l in SCHEMA.labels if l.kind == "core" and l.interval is None][:2]
SUPPORTING = next(l.name for l in SCHEMA.labels if l.kind == "supporting")
# A relation from CLAIM to SUPPORTING that a head may carry more than once.
LINK = next(r.name for r in SCHEMA.relations
            if CLAIM in r.head and SUPPORTING in r.tail and r.max_per_head is None)
# An enum attribute of CLAIM with its own values (not a registry), and two of them.
CHOICE = next(a for a in SCHEMA.label_attributes(CLAIM) if a.values and a.required)
V0, V1 = SCHEMA.allowed_values(CHOICE)[:2]
TEXT = "".join(chr(ord("a") + i % 26) for i in range(100))


def required_attributes(label: str) -> dict:
    attributes = {}
    for attribute in SCHEMA.label_attributes(label):
        if attribute.required:
            allowed = SCHEMA.allowed_values(attribute)
            assert allowed, f"test helper expects enum required attributes, {attribute.name} is not"
            attributes[attribute.name] = allowed[0]
    return attributes


def span(span_id: str, label: str, start: int, end: int, **attributes) -> dict:
    return {"id": span_id, "label": label, "start": start, "end": end, "text": TEXT[start:end],
            "attributes": required_attributes(label) | attributes}


def relation(relation_id: str, head: str, tail: str, kind: str = LINK) -> dict:
    return {"id": relation_id, "type": kind, "head": head, "tail": tail}


def record(doc_id: str, spans: list, relations: list = (), annotator: str = "first",
           text: str = TEXT) -> dict:
    return {"doc_id": doc_id, "schema_version": SCHEMA.version, "text_sha256": text_sha256(text),
            "annotator": annotator, "text": text, "spans": list(spans), "relations": list(relations)}


# A reference set A and a second pass B of one document:
#   a1 CLAIM [0,10)       b1 CLAIM [0,10)       exact match
#   a2 CLAIM [20,30)      b2 CLAIM [22,30)      overlap only (8 code points)
#   a3 CLAIM [40,50)                            missed by B
#                         b3 CLAIM [80,90)      spurious in B
#   a4 SUPP [60,65)       b4 SUPP [60,65)       exact match
A_SPANS = [span("a1", CLAIM, 0, 10), span("a2", CLAIM, 20, 30), span("a3", CLAIM, 40, 50),
           span("a4", SUPPORTING, 60, 65)]
B_SPANS = [span("b1", CLAIM, 0, 10), span("b2", CLAIM, 22, 30), span("b3", CLAIM, 80, 90),
           span("b4", SUPPORTING, 60, 65)]


def test_exact_and_overlap_span_scores_with_a_missed_and_a_spurious_span():
    report = compare([record("d", A_SPANS)], [record("d", B_SPANS, annotator="second")], SCHEMA)
    exact, overlap = report.spans["exact"], report.spans["overlap"]
    # exact CLAIM: |A| = 3, |B| = 3, matched 1 (a1-b1): P = 1/3, R = 1/3, F1 = 2*1/(3+3) = 1/3
    claim = exact.per_label[CLAIM]
    assert (claim.count_a, claim.count_b, claim.matched) == (3, 3, 1)
    assert claim.precision == pytest.approx(1 / 3) and claim.recall == pytest.approx(1 / 3)
    assert claim.f1 == pytest.approx(1 / 3)
    # overlap CLAIM: a2-b2 overlap too, matched 2: P = R = F1 = 2/3
    assert overlap.per_label[CLAIM].matched == 2
    assert overlap.per_label[CLAIM].f1 == pytest.approx(2 / 3)
    # SUPPORTING: 1 of 1 under both
    assert exact.per_label[SUPPORTING].f1 == overlap.per_label[SUPPORTING].f1 == 1.0
    # core micro = CLAIM alone (no other core span on either side): 1/3 exact, 2/3 overlap
    assert exact.core.f1 == pytest.approx(1 / 3) and overlap.core.f1 == pytest.approx(2 / 3)
    # all labels micro: |A| = 4, |B| = 4; exact matched 2: 2*2/8 = 0.5; overlap matched 3: 6/8 = 0.75
    assert exact.all.f1 == pytest.approx(0.5) and overlap.all.f1 == pytest.approx(0.75)
    # a label nobody used has no ratios at all
    empty = exact.per_label[OTHER_CORE]
    assert (empty.count_a, empty.count_b, empty.precision, empty.recall, empty.f1) == (0, 0, None, None, None)


def test_recall_and_precision_are_null_when_their_side_is_empty():
    report = compare([record("d", A_SPANS[:1])], [record("d", [])], SCHEMA)
    # |A| = 1, |B| = 0: precision has no denominator; recall 0/1 = 0; F1 = 2*0/(1+0) = 0
    score = report.spans["overlap"].per_label[CLAIM]
    assert (score.precision, score.recall, score.f1) == (None, 0.0, 0.0)


def test_overlap_pairing_is_one_to_one_and_prefers_the_largest_overlap():
    # A: p [0,10), q [8,20); B: r [0,12). Overlaps: p-r 10, q-r 4. Greedy takes p-r; q stays
    # unmatched although it overlaps r, because r is taken: matched 1, not 2.
    a = [span("p", CLAIM, 0, 10), span("q", CLAIM, 8, 20)]
    b = [span("r", CLAIM, 0, 12)]
    score = compare([record("d", a)], [record("d", b)], SCHEMA).spans["overlap"].per_label[CLAIM]
    assert score.matched == 1
    # P = 1/1, R = 1/2, F1 = 2*1/(2+1) = 2/3
    assert (score.precision, score.recall) == (1.0, 0.5) and score.f1 == pytest.approx(2 / 3)


def test_equal_overlaps_go_to_the_tighter_pair_whatever_the_order_in_the_file():
    # x [0,10) overlaps y [0,10) and z [0,20) by 10 each; the union with y is smaller (10 < 20),
    # so x-y pairs. y's attribute agrees with x, z's does not: agreement 1/1 shows which won.
    a = [span("x", CLAIM, 0, 10, **{CHOICE.name: V0})]
    for b in ([span("z", CLAIM, 0, 20, **{CHOICE.name: V1}), span("y", CLAIM, 0, 10, **{CHOICE.name: V0})],
              [span("y", CLAIM, 0, 10, **{CHOICE.name: V0}), span("z", CLAIM, 0, 20, **{CHOICE.name: V1})]):
        report = compare([record("d", a)], [record("d", b)], SCHEMA)
        choice = next(x for x in report.attributes if (x.label, x.attribute) == (CLAIM, CHOICE.name))
        assert (choice.pairs, choice.agreed) == (1, 1)


def test_attribute_disagreement_and_kappa_by_hand():
    # Ten matched CLAIM spans; (A's value, B's value):
    #   (V0,V0) x5, (V0,V1) x1, (V1,V0) x1, (V1,V1) x3
    # observed p_o = (5+3)/10 = 0.8
    # A: V0 6, V1 4; B: V0 6, V1 4 -> chance p_e = 0.6*0.6 + 0.4*0.4 = 0.52
    # kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 0.58333...
    values = [(V0, V0)] * 5 + [(V0, V1), (V1, V0)] + [(V1, V1)] * 3
    a = [span(f"a{i}", CLAIM, i * 10, i * 10 + 5, **{CHOICE.name: va}) for i, (va, _) in enumerate(values)]
    b = [span(f"b{i}", CLAIM, i * 10, i * 10 + 5, **{CHOICE.name: vb}) for i, (_, vb) in enumerate(values)]
    report = compare([record("d", a)], [record("d", b)], SCHEMA)
    choice = next(x for x in report.attributes if (x.label, x.attribute) == (CLAIM, CHOICE.name))
    assert (choice.pairs, choice.agreed) == (10, 8)
    assert choice.observed == pytest.approx(0.8)
    assert choice.kappa == pytest.approx(0.28 / 0.48)
    assert choice.note is None


def test_degenerate_kappa_cases():
    # Both sides give every pair the same single value: p_o = 1, p_e = 1*1 = 1, kappa = 0/0:
    # reported as null with a note, observed agreement still 1.
    assert cohen_kappa([("x", "x")] * 3) == (1.0, None, ONE_CATEGORY)
    # One value each, but different ones: p_o = 0, p_e = 1*0 + 0*1 = 0, kappa = (0-0)/(1-0) = 0.
    assert cohen_kappa([("x", "y")] * 3) == (0.0, 0.0, None)
    # No pairs: nothing to measure.
    assert cohen_kappa([]) == (None, None, None)
    # An attribute on spans that never matched has zero pairs and null figures in the report.
    report = compare([record("d", A_SPANS)], [record("d", B_SPANS)], SCHEMA)
    assert all(x.observed is None and x.kappa is None for x in report.attributes if x.pairs == 0)


def test_relation_f1_on_matched_spans():
    # A: r1 c1->s1, r2 c2->s2.  B: q1 d1->t1, q2 d2->t2, q3 d1->t2 (spurious).
    # Spans: c1=d1 exact, c2~d2 overlap only, s1=t1 and s2=t2 exact.
    a = [span("c1", CLAIM, 0, 10), span("c2", CLAIM, 20, 30), span("s1", SUPPORTING, 60, 65),
         span("s2", SUPPORTING, 70, 75)]
    b = [span("d1", CLAIM, 0, 10), span("d2", CLAIM, 22, 30), span("t1", SUPPORTING, 60, 65),
         span("t2", SUPPORTING, 70, 75)]
    report = compare(
        [record("d", a, [relation("r1", "c1", "s1"), relation("r2", "c2", "s2")])],
        [record("d", b, [relation("q1", "d1", "t1"), relation("q2", "d2", "t2"),
                         relation("q3", "d1", "t2")])],
        SCHEMA,
    )
    # exact pairing leaves c2 unpaired, so only r1=q1 matches: P = 1/3, R = 1/2, F1 = 2*1/(2+3) = 0.4
    exact = report.relations["exact"].per_type[LINK]
    assert (exact.count_a, exact.count_b, exact.matched) == (2, 3, 1)
    assert exact.f1 == pytest.approx(0.4)
    # overlap pairing adds c2-d2, so r2=q2 matches too: P = 2/3, R = 1, F1 = 2*2/5 = 0.8
    overlap = report.relations["overlap"]
    assert overlap.per_type[LINK].matched == 2
    assert overlap.per_type[LINK].f1 == pytest.approx(0.8) and overlap.all.f1 == pytest.approx(0.8)


def test_documents_only_one_side_has_are_reported_and_not_scored():
    report = compare([record("shared", A_SPANS), record("only-a", A_SPANS)],
                     [record("shared", A_SPANS), record("only-b", B_SPANS)], SCHEMA)
    assert report.documents.shared == ["shared"]
    assert (report.documents.only_a, report.documents.only_b) == (["only-a"], ["only-b"])
    assert report.spans["exact"].all.count_a == len(A_SPANS)


def test_input_that_cannot_be_compared_is_refused_with_a_code():
    with pytest.raises(AgreementError) as twice:
        compare([record("d", []), record("d", [], annotator="other")], [record("d", [])], SCHEMA)
    assert twice.value.code == "ambiguous-document" and twice.value.doc_id == "d"
    with pytest.raises(AgreementError) as texts:
        compare([record("d", [])], [record("d", [], text=TEXT.upper())], SCHEMA)
    assert texts.value.code == "different-text"
    with pytest.raises(AgreementError) as invalid:
        compare([record("d", [{"id": "s"}])], [], SCHEMA)
    assert invalid.value.code == "invalid-record"


# ---------------------------------------------------------------------------------------------
# Property: a set compared with itself agrees perfectly


def annotation_sets() -> st.SearchStrategy[list[dict]]:
    return st.lists(records(schema=SCHEMA), min_size=1, max_size=3, unique_by=lambda r: r["doc_id"])


@settings(max_examples=60, deadline=None)
@given(annotation_sets())
def test_a_set_compared_with_itself_agrees_perfectly(records):
    report = compare(records, records, SCHEMA)
    for matching in ("exact", "overlap"):
        scores = [*report.spans[matching].per_label.values(), *report.relations[matching].per_type.values()]
        for score in scores:
            assert score.matched == score.count_a == score.count_b
            assert score.f1 == (1.0 if score.count_a else None)
    for attribute in report.attributes:
        if attribute.pairs:
            assert attribute.observed == 1.0
            assert attribute.kappa == 1.0 or attribute.note == ONE_CATEGORY


def without_some_spans(record: dict, keep: list[bool]) -> dict:
    """The record with the spans whose flag is False removed, and the relations that touched them."""
    flags = keep + [True] * len(record["spans"])
    spans = [s for s, kept in zip(record["spans"], flags, strict=False) if kept]
    ids = {s["id"] for s in spans}
    relations = [r for r in record["relations"] if r["head"] in ids and r["tail"] in ids]
    return record | {"spans": spans, "relations": relations, "annotator": "subset"}


@settings(max_examples=40, deadline=None)
@given(annotation_sets(), st.lists(st.booleans(), max_size=8))
def test_a_subset_has_full_precision_and_swapping_sides_swaps_precision_and_recall(records_a, keep):
    records_b = [without_some_spans(r, keep) for r in records_a]
    forward, backward = compare(records_a, records_b, SCHEMA), compare(records_b, records_a, SCHEMA)
    for matching in ("exact", "overlap"):
        there, back = forward.spans[matching].all, backward.spans[matching].all
        assert there.precision in (1.0, None)
        assert (there.precision, there.recall, there.f1) == (back.recall, back.precision, back.f1)


# ---------------------------------------------------------------------------------------------
# The command


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_command_prints_tables_and_writes_the_json_report(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [record("d", A_SPANS)])
    folder = tmp_path / "second"
    folder.mkdir()
    write_jsonl(folder / "b.jsonl", [record("d", B_SPANS, annotator="second")])
    output = tmp_path / "out" / "agreement.json"
    result = CliRunner().invoke(cli, ["agreement", a, str(folder), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert f"| {CLAIM} " in result.output and "micro (core)" in result.output
    saved = json.loads(output.read_text(encoding="utf-8"))
    assert saved["spans"]["overlap"]["per_label"][CLAIM]["f1"] == pytest.approx(2 / 3)
    as_json = CliRunner().invoke(cli, ["agreement", a, str(folder), "--format", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output) == saved


def test_command_refuses_bad_input_with_one_coded_line_and_exit_2(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [record("d", A_SPANS)])
    bad_record = record("d", A_SPANS)
    bad_record["spans"][1]["start"] = "twenty"
    bad = write_jsonl(tmp_path / "bad.jsonl", [record("e", []), bad_record])
    runner = CliRunner()
    result = runner.invoke(cli, ["agreement", good, bad])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{bad}:2" in lines[0] and "Traceback" not in result.output
    assert "invalid-type" in lines[0] and "span a2" in lines[0]
    missing = runner.invoke(cli, ["agreement", good, str(tmp_path / "nowhere.jsonl")])
    assert missing.exit_code == 2 and "unreadable-file" in missing.stderr
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    blocked = str(tmp_path / "taken" / "out.json")
    unwritable = runner.invoke(cli, ["agreement", good, good, "--output", blocked])
    assert unwritable.exit_code == 2 and f"unwritable-file: {blocked}: cannot write:" in unwritable.stderr
    assert "Traceback" not in unwritable.output
