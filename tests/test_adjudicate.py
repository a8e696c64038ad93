"""`crocus-claims adjudicate`: agreed parts accepted, every difference decided in a file, passes untouched."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from crocus_claims import anchoring, authoring, resources
from crocus_claims.agreement import compare
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.records import derived_relation_id
from crocus_claims.schema import load_schema
from crocus_claims.validation.codes import LOOP_CODES

SCHEMA = load_schema()
DOC = "crocus-004-zakharova-disputes-isk-claim"
GOLD = json.loads((resources.annotations_dir() / "gold" / f"{DOC}.jsonl").read_text(encoding="utf-8"))
TEXT = load_corpus()[DOC].text
OTHER_DOC = {**json.loads((resources.annotations_dir() / "gold" / "crocus-000-pakistan-extradition.jsonl")
                          .read_text(encoding="utf-8")), "annotator": "alice"}


def other_pass(record: dict[str, Any]) -> dict[str, Any]:
    """A second annotator's version: one boundary, one attribute, one missing span (and its relations)."""
    record = copy.deepcopy(record)
    record["annotator"] = "bob"
    spans = {span["id"]: span for span in record["spans"]}
    actor = spans["a-maria-zakharova"]  # "Maria Zakharova" -> "Zakharova"
    actor["start"] += len("Maria ")
    actor["text"] = TEXT[actor["start"]:actor["end"]]
    stance = SCHEMA.attributes_by_name["author_stance"]
    spans["d-dismissal"]["attributes"]["author_stance"] = next(
        v for v in SCHEMA.allowed_values(stance) if v != spans["d-dismissal"]["attributes"]["author_stance"])
    record["spans"] = [span for span in record["spans"] if span["id"] != "a-vladimir-putin"]
    record["relations"] = [r for r in record["relations"] if "a-vladimir-putin" not in (r["head"], r["tail"])]
    return record


def make_passes(root: Path, **passes: dict[str, Any]) -> None:
    for name, record in passes.items():
        result = anchoring.anchor_records([record], name, root=root, corpus=load_corpus())
        assert result.problems == []
        anchoring.write_anchored(result)


def run(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["adjudicate", *args, "--root", str(root), "--format", "json"])


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def decisions_file(root: Path, *passes: str) -> Path:
    return root / "agreement" / "adjudication" / "+".join(passes) / "decisions.yaml"


def fill(path: Path, choose: Any) -> None:
    """Set every item's decision to choose(item), with `by` and `why`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data["items"]:
        item.update(decision=choose(item), by="tester", why="the guidelines say so")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_passes(tmp_path, alice={**GOLD, "annotator": "alice"}, bob=other_pass(GOLD))
    return tmp_path


def test_every_difference_becomes_an_item_and_nothing_is_written_until_decided(root: Path) -> None:
    passes_before = fingerprint(root / "authored")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 1
    path = decisions_file(root, "alice", "bob")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kinds = sorted(item["kind"] for item in data["items"])
    putin_relations = [r for r in GOLD["relations"] if "a-vladimir-putin" in (r["head"], r["tail"])]
    assert kinds == sorted(["span-boundary", "span-missing", "attribute"] + ["relation"] * len(putin_relations))
    for item in data["items"]:
        assert set(item["versions"]) == {"alice", "bob"} and item["decision"] is None
        assert item["by"] is None and item["why"] is None and item["context"]
    assert "decision:\n" in path.read_text(encoding="utf-8")  # an empty slot to fill
    findings = json.loads(result.stdout)["findings"]
    assert {f["code"] for f in findings} == {"decisions-pending"} and len(findings) == len(kinds)
    assert all(f["file"] and f["line"] and f["doc_id"] == DOC for f in findings)
    report = json.loads((path.parent / "report.json").read_text(encoding="utf-8"))
    assert report["annotators_a"] == ["alice"] and report["annotators_b"] == ["bob"]
    assert not (root / "authored" / "gold").exists()
    assert fingerprint(root / "authored") == passes_before


def test_decisions_write_the_adjudicated_pass(root: Path) -> None:
    run(root, "alice", "bob", "--into", "gold")
    fill(decisions_file(root, "alice", "bob"), lambda item: "alice")
    passes_before = fingerprint(root / "authored")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 0, result.output
    built = json.loads((root / "gold" / f"{DOC}.jsonl").read_text(encoding="utf-8"))
    assert built["annotator"] == "gold"
    report = compare([GOLD], [built], SCHEMA)  # every decision took alice's version, which is the gold
    assert report.spans["exact"].all.f1 == 1.0 and report.relations["exact"].all.f1 == 1.0
    assert report.attributes and all(a.observed in (None, 1.0) for a in report.attributes)
    assert fingerprint(root / "authored" / "alice") == {k[len("alice/"):]: v for k, v in passes_before.items()
                                                        if k.startswith("alice/")}
    check = CliRunner().invoke(cli, ["annotations", "build", "--check", "--root", str(root)])
    assert check.exit_code == 0, check.output


def test_the_other_version_and_explicit_values_are_taken_as_decided(root: Path) -> None:
    run(root, "alice", "bob", "--into", "gold")
    fill(decisions_file(root, "alice", "bob"),
         lambda item: {"value": "neutral"} if item["kind"] == "attribute" else "bob")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 0, result.output
    built = json.loads((root / "gold" / f"{DOC}.jsonl").read_text(encoding="utf-8"))
    spans = {s["id"]: s for s in built["spans"]}
    assert "a-vladimir-putin" not in spans
    assert spans["a-maria-zakharova"]["text"] == "Zakharova"
    assert spans["d-dismissal"]["attributes"]["author_stance"] == "neutral"
    assert all("a-vladimir-putin" not in (r["head"], r["tail"]) for r in built["relations"])
    assert all(r["id"] == derived_relation_id(r["type"], r["head"], r["tail"]) for r in built["relations"])


def test_agreed_spans_are_exactly_what_agreement_counts_as_exact_matches() -> None:
    from crocus_claims.adjudication import plan_document

    corpus = load_corpus()
    root = resources.annotations_dir()
    a = {json.loads(p.read_text())["doc_id"]: json.loads(p.read_text()) for p in (root / "heldout").glob("*.jsonl")}
    b = {json.loads(p.read_text())["doc_id"]: json.loads(p.read_text()) for p in (root / "pass2").glob("*.jsonl")}
    agreed = sum(1 for doc_id in a for group in plan_document(doc_id, corpus[doc_id].text,
                                                              {"a": a[doc_id], "b": b[doc_id]}, 2).groups
                 if group.item is None)
    assert agreed == compare(a.values(), b.values(), SCHEMA).spans["exact"].all.matched


def test_k_of_n_accepts_what_enough_passes_agree_on(tmp_path: Path) -> None:
    make_passes(tmp_path, alice={**GOLD, "annotator": "alice"}, carol={**GOLD, "annotator": "carol"},
                bob=other_pass(GOLD))
    result = run(tmp_path, "alice", "bob", "carol", "--into", "gold", "--min-agree", "2")
    assert result.exit_code == 0, result.output  # alice and carol agree on everything: nothing to decide
    built = json.loads((tmp_path / "gold" / f"{DOC}.jsonl").read_text(encoding="utf-8"))
    assert compare([GOLD], [built], SCHEMA).spans["exact"].all.f1 == 1.0
    assert (decisions_file(tmp_path, "alice", "bob", "carol").parent / "report-alice-carol.json").is_file()
    all_three = run(tmp_path, "alice", "bob", "carol", "--into", "gold3")
    assert all_three.exit_code == 1  # unanimity: bob's differences are items


# --- every mistake: its code, its place, exit 1, the pass not written -------------------------------


def _unknown_pass(root: Path) -> list[str]:
    return ["alice", "nobody", "--into", "gold"]


def _invalid_pass(root: Path) -> list[str]:
    (root / "authored" / "bob" / f"{DOC}.yaml").write_text("doc_id: [\n", encoding="utf-8")
    return ["alice", "bob", "--into", "gold"]


def _pending(root: Path) -> list[str]:
    return ["alice", "bob", "--into", "gold"]


def _decided(root: Path, choose: Any) -> list[str]:
    run(root, "alice", "bob", "--into", "gold")
    fill(decisions_file(root, "alice", "bob"), choose)
    return ["alice", "bob", "--into", "gold"]


def _invalid_file(root: Path) -> list[str]:
    run(root, "alice", "bob", "--into", "gold")
    decisions_file(root, "alice", "bob").write_text("items: [unclosed\n", encoding="utf-8")
    return ["alice", "bob", "--into", "gold"]


def _invalid_decision(root: Path) -> list[str]:
    return _decided(root, lambda item: "nobody")


def _stale(root: Path) -> list[str]:
    args = _decided(root, lambda item: "alice")
    path = decisions_file(root, "alice", "bob")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"].append({**data["items"][0], "id": "span-missing-0000000000"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return args


def _endpoint_rejected(root: Path) -> list[str]:
    return _decided(root, lambda item: {"span-missing": "reject", "relation": "accept"}.get(item["kind"], "alice"))


def _not_in_all_passes(root: Path) -> list[str]:
    make_passes(root, alice=OTHER_DOC)
    return ["alice", "bob", "--into", "gold"]


def _invalid_adjudication(root: Path) -> list[str]:
    return _decided(root, lambda item: {"value": "no-such-stance"} if item["kind"] == "attribute" else "alice")


CASES = {
    "unknown-pass": _unknown_pass,
    "invalid-pass": _invalid_pass,
    "decisions-pending": _pending,
    "invalid-decisions-file": _invalid_file,
    "invalid-decision": _invalid_decision,
    "stale-decision": _stale,
    "relation-endpoint-rejected": _endpoint_rejected,
    "invalid-adjudication": _invalid_adjudication,
    "document-not-in-all-passes": _not_in_all_passes,
}


def test_every_adjudicate_code_has_a_case() -> None:
    assert {c.code for c in LOOP_CODES.values() if c.command == "adjudicate"} == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_mistake_is_refused_with_its_code(root: Path, code: str) -> None:
    args = CASES[code](root)
    result = run(root, *args)
    assert result.exit_code == (2 if code == "invalid-decisions-file" else 1), result.output  # 2: unreadable input
    findings = json.loads(result.stdout)["findings"]
    assert code in {f["code"] for f in findings}
    assert "Traceback" not in result.output
    assert not (root / "authored" / "gold").exists()
    if code not in ("unknown-pass", "invalid-pass"):
        assert all(f["file"] for f in findings if f["code"] == code)


def test_the_target_pass_is_not_overwritten_without_replace(root: Path) -> None:
    args = _decided(root, lambda item: "alice")
    target = root / "authored" / "gold" / f"{DOC}.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("# hand-written\n", encoding="utf-8")
    result = run(root, *args)
    assert result.exit_code == 1 and "pass-exists" in result.stdout
    assert target.read_text(encoding="utf-8") == "# hand-written\n"
    assert run(root, *args, "--replace").exit_code == 0


def test_usage_errors_exit_2(root: Path) -> None:
    assert run(root, "alice", "--into", "gold").exit_code == 2
    assert run(root, "alice", "bob", "--into", "alice").exit_code == 2
    assert run(root, "alice", "bob", "--into", "gold", "--min-agree", "3").exit_code == 2
    assert authoring.authored_passes(root) == (["alice", "bob"], [])


# ---------------------------------------------------------------------------------------------
# Re-running never loses what a person typed; malformed files are located; nothing is left out silently


def _drop_last_item(text: str) -> str:
    cut = max(text.rfind("\n- id:"), text.rfind("\n  - id:"))
    return text[:cut + 1]


@pytest.mark.parametrize("dump", ["as written", "re-dumped"])  # items indented as rendered, or at column 0
def test_a_rerun_keeps_every_typed_line_and_adds_only_the_missing_items(root: Path, dump: str) -> None:
    run(root, "alice", "bob", "--into", "gold")
    path = decisions_file(root, "alice", "bob")
    (path.parent / "report.json").unlink()
    if dump == "re-dumped":
        path.write_text(yaml.safe_dump(yaml.safe_load(path.read_text(encoding="utf-8")), sort_keys=False,
                                       allow_unicode=True), encoding="utf-8")
    original = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    text = path.read_text(encoding="utf-8")
    slot = re.search(r"^( *)decision:(?: null)?\n +by:(?: null)?\n +why:(?: null)?\n", text, re.MULTILINE)
    indent = slot[1]
    typed = (f"{indent}decision: alicee\n{indent}by: rev\n{indent}why: careful reasoning I typed\n")
    text = _drop_last_item(text[:slot.start()] + typed + text[slot.end():])
    path.write_text(text, encoding="utf-8")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 1, result.output
    after = path.read_text(encoding="utf-8")
    assert after.startswith(text)  # every line as the person left it, byte for byte
    assert [item["id"] for item in yaml.safe_load(after)["items"]] == [item["id"] for item in original]
    assert yaml.safe_load(after)["items"][-1]["decision"] is None
    findings = json.loads(result.stdout)["findings"]
    wrong = [f for f in findings if f["code"] == "invalid-decision"]
    typed_line = after.splitlines().index(f"{indent}decision: alicee") + 1
    assert [f["line"] for f in wrong] == [typed_line]
    assert not (path.parent / "report.json").exists()  # reports are written on the first run only


@pytest.mark.parametrize("text", ["items:\n  - id: [a]\n", "items: null\n", "- 1\n", "",
                                  "passes: [alice, bob]\ninto: gold\nmin_agree: two\nitems: []\n"])
def test_a_malformed_decisions_file_is_located_and_exits_2(tmp_path: Path, root: Path, text: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    result = run(root, "alice", "bob", "--into", "gold", "--decisions", str(path))
    assert result.exit_code == 2, result.output
    findings = json.loads(result.stdout)["findings"]
    assert findings and {f["code"] for f in findings} == {"invalid-decisions-file"}
    assert all(f["line"] and f["file"] == str(path) or f["file"].endswith("mine.yaml") for f in findings)
    assert not any("Input should" in f["message"] or "'" in f["message"] for f in findings)  # JSON terms
    assert path.read_text(encoding="utf-8") == text


def test_a_wrong_item_type_names_its_line(root: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("passes: [alice, bob]\ninto: gold\nmin_agree: 2\nitems:\n  - id: x\n  - id: [a]\n",
                    encoding="utf-8")
    result = run(root, "alice", "bob", "--into", "gold", "--decisions", str(path))
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["line"], finding["message"]) == (6, 'items.1.id: must be a string, not ["a"]')


def test_an_item_id_listed_twice_is_reported(root: Path) -> None:
    run(root, "alice", "bob", "--into", "gold")
    path = decisions_file(root, "alice", "bob")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"].append(dict(data["items"][0]))
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 2, result.output
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["code"] == "invalid-decisions-file" and data["items"][0]["id"] in finding["message"]
    assert finding["line"] == path.read_text(encoding="utf-8").splitlines().index(
        f"- id: {data['items'][0]['id']}", 1 + path.read_text(encoding="utf-8").splitlines().index(
            f"- id: {data['items'][0]['id']}")) + 1


def test_a_non_scalar_key_is_a_located_error_not_a_crash(root: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("? [a]\n: 1\n", encoding="utf-8")
    schema = str(resources.REPO_ROOT / "schema" / "v1.0.0.yaml")
    diff = CliRunner().invoke(cli, ["schema", "diff", schema, str(path)])
    assert diff.exit_code not in (0, None) and "a key must be a plain scalar" in diff.output, diff.output
    assert "internal-error" not in diff.output and isinstance(diff.exception, SystemExit)
    result = run(root, "alice", "bob", "--into", "gold", "--decisions", str(path))
    assert result.exit_code == 2, result.output
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["line"] == 1 and "a key must be a plain scalar" in finding["message"]


def test_documents_not_every_pass_has_are_named_not_dropped_silently(root: Path) -> None:
    make_passes(root, alice=OTHER_DOC)
    result = run(root, "alice", "bob", "--into", "gold")
    notices = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "document-not-in-all-passes"]
    assert [(f["doc_id"], f["severity"]) for f in notices] == [(OTHER_DOC["doc_id"], "warning")]
    fill(decisions_file(root, "alice", "bob"), lambda item: "alice")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 0, result.output  # a warning does not stop the adjudication
    assert f"doc {OTHER_DOC['doc_id']}: warning document-not-in-all-passes" in result.stdout
    assert not (root / "authored" / "gold" / f"{OTHER_DOC['doc_id']}.yaml").exists()


def test_passes_are_found_by_name_when_their_folder_cannot_be_listed(root: Path, locked_folders: set[str],
                                                                     unenterable_folders: set[str]) -> None:
    """The authored folder cannot be listed: the passes named are looked for one by one; one that is
    not there is unknown-pass, reported with why the others could not be seen."""
    locked_folders.add("authored")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 1, result.output  # adjudicated: items to decide
    assert {f["code"] for f in json.loads(result.stdout)["findings"]} == {"decisions-pending"}
    result = run(root, "alice", "carol", "--into", "gold")
    assert result.exit_code == 2
    findings = json.loads(result.stdout)["findings"]
    assert [f["code"] for f in findings] == ["unreadable-file", "unknown-pass"]
    assert findings[0]["file"] == str(root / "authored") and "carol" in findings[1]["message"]
    unenterable_folders.add("authored")  # cannot be entered either: no pass can be seen
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 2
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["unreadable-file", "unknown-pass",
                                                                           "unknown-pass"]


def test_a_pass_whose_built_records_cannot_be_listed_is_still_adjudicated(root: Path,
                                                                           locked_folders: set[str]) -> None:
    """Adjudication reads the authored files only: a built folder it cannot list is not its concern
    (it refused with invalid-pass, "does not build", which was not true)."""
    (root / "alice").mkdir(exist_ok=True)
    locked_folders.add(str(root / "alice"))  # the built folder; authored/alice stays readable
    first = run(root, "alice", "bob", "--into", "gold")
    assert first.exit_code == 1, first.output  # items to decide, as with a readable built folder
    assert {f["code"] for f in json.loads(first.stdout)["findings"]} == {"decisions-pending"}


def test_a_target_pass_that_cannot_be_written_is_one_coded_finding(root: Path) -> None:
    """A file where the target pass's folder belongs: unwritable-file, exit 2 (was internal-error),
    and no empty pass folder left behind to be taken for a pass."""
    run(root, "alice", "bob", "--into", "gold")
    fill(decisions_file(root, "alice", "bob"), lambda item: "alice")
    (root / "gold").write_text("in the way", encoding="utf-8")
    result = run(root, "alice", "bob", "--into", "gold")
    assert result.exit_code == 2, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "unwritable-file" and "cannot write" in finding["message"]
    assert not (root / "authored" / "gold").exists()
