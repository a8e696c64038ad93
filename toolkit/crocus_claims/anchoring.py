"""Records into authored files: every span re-anchored by the text it quotes.

The inverse of `authoring`: a record (from `ls pull`, an adjudication, or any valid JSONL) becomes
`annotations/authored/<pass>/<doc_id>.yaml`, whose spans name their text with the shortest
prefix/suffix that makes the quote select exactly that place under `authoring.locate_quote`'s
rules (so no `occurrence` numbers, which break when a sentence is added above). Every file is
built back before anything is written, and must give the record's bytes exactly; relation ids
are written only when they differ from `records.derived_relation_id`, the rule the build applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import yaml

from crocus_claims import authoring
from crocus_claims.corpus import CorpusDocument
from crocus_claims.records import derived_relation_id, record_types, to_builtins
from crocus_claims.schema import Schema, load_schema
from crocus_claims.validation.findings import Finding

# Codes: crocus_claims.validation.codes.LOOP_CODES (annotations import); authoring's codes pass through.
PASS_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


# ---------------------------------------------------------------------------------------------
# The shortest selector


def _common_left(text: str, a: int, b: int) -> int:
    """How many code points before `a` equal those before `b`, walking left."""
    length, limit = 0, min(a, b)
    while length < limit and text[a - 1 - length] == text[b - 1 - length]:
        length += 1
    return length


def _common_right(text: str, a: int, b: int) -> int:
    """How many code points from `a` equal those from `b`, walking right."""
    length, limit = 0, len(text) - max(a, b)
    while length < limit and text[a + length] == text[b + length]:
        length += 1
    return length


def _inside_word(text: str, offset: int) -> bool:
    return authoring.splits_word(text, offset, offset)


def selector_for(text: str, start: int, end: int) -> dict[str, str]:
    """`{"quote": ..., "prefix": ..., "suffix": ...}` (prefix/suffix only when needed) that
    `authoring.locate_quote` resolves to exactly [start, end): the fewest context code points,
    the shorter prefix first.

    Raises authoring.QuoteError("quote-splits-character") for a span no quote can select.
    """
    if authoring.splits_character(text, start, end):
        raise authoring.QuoteError("quote-splits-character", f"the span {start}-{end} cuts a character from "
                                   "its combining mark or modifier: no quote can select it")
    quote, length = text[start:end], end - start
    others = [m for m in authoring.quote_matches(text, quote) if m != start]
    # A boundary inside a word needs context on that side (authoring.locate_quote's rule).
    min_p = 1 if _inside_word(text, start) else 0
    min_s = 1 if _inside_word(text, end) else 0
    contexts = [(_common_left(text, m, start), _common_right(text, m + length, end), m) for m in others]
    best: tuple[int, int] | None = None
    for p in sorted({min_p, *(left + 1 for left, _, _ in contexts)}):
        if p > start or (best is not None and p >= sum(best)):
            continue
        rivals = [(right, m) for left, right, m in contexts if left >= p and not (p == 0 and _inside_word(text, m))]
        if min_s == 0 and all(_inside_word(text, m + length) for _, m in rivals):
            s = 0  # every rival ends inside a word, so the bare quote drops it
        else:
            s = max([1, *(right + 1 for right, _ in rivals)])
        if s <= len(text) - end and (best is None or p + s < sum(best)):
            best = (p, s)
    p, s = best if best is not None else (start, len(text) - end)
    selector = {"quote": quote}
    if p:
        selector["prefix"] = text[start - p:start]
    if s:
        selector["suffix"] = text[end:end + s]
    return selector


# ---------------------------------------------------------------------------------------------
# The authored file


class _Flow(dict):
    """A mapping written on one line: `{actor: RUSSIA_GOVERNMENT}`."""


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key, as people write them; odd strings double-quoted."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Double quotes escape every character a plain or single-quoted scalar would lose or fold
    # (line breaks, tabs, U+0085, U+2028, BOM, edge spaces); printable text stays readable.
    plain = value.isprintable() and value == value.strip() and value != ""
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain else '"')


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def authored_data(record: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The authored document (plain data) for one record (JSON data with every attribute given)."""
    spans = []
    for span in record["spans"]:
        spans.append({"id": span["id"], "label": span["label"], **selector_for(text, span["start"], span["end"]),
                      "attributes": _Flow(span["attributes"])})
    relations = []
    for relation in record["relations"]:
        item = _Flow(type=relation["type"], head=relation["head"], tail=relation["tail"])
        if relation["id"] != derived_relation_id(relation["type"], relation["head"], relation["tail"]):
            item["id"] = relation["id"]
        relations.append(item)
    data = {"doc_id": record["doc_id"], "annotator": record["annotator"],
            "schema_version": record["schema_version"], "spans": spans}
    if relations:
        data["relations"] = relations
    return data


def dump_authored(data: Mapping[str, Any], comment: str | None = None) -> str:
    """YAML text of an authored document, optionally under a `# comment` header."""
    body = yaml.dump(dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**9)
    header = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    return header + body


# ---------------------------------------------------------------------------------------------
# A whole pass


@dataclass
class Anchored:
    """What an import would write (path -> bytes: authored files and built records) and its problems."""

    outputs: dict[Path, bytes] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def anchor_records(records: Iterable[Any], pass_name: str, *, root: Path,
                   corpus: Mapping[str, CorpusDocument], schema: Schema | None = None,
                   replace: bool = False, source: str | None = None,
                   comment: str | None = None) -> Anchored:
    """Authored files (and their built records) for `records` as pass `pass_name` under `root`.

    Records must already validate (their text is the corpus text of their doc_id). Nothing is
    written here; `write_anchored` writes a clean result. Problems are Findings placed at the
    input (`source`) and the span.
    """
    result = Anchored()
    if not re.match(PASS_NAME, pass_name):
        result.problems.append(Finding("invalid-pass-name", f"pass name {pass_name!r} is not [A-Za-z0-9._-] "
                                       "(starting with a letter or digit, at most 64)", source))
        return result
    if pass_name in authoring.NOT_PASSES:
        folders = ", ".join(sorted(authoring.NOT_PASSES))
        result.problems.append(Finding("invalid-pass-name", f"pass name {pass_name!r} is a folder of "
                                       f"annotations/ that holds no pass ({folders})", source))
        return result
    authored_dir = root / authoring.AUTHORED_FOLDER / pass_name
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        types = record_types(schema or load_schema(_version_of(record)))
        data = to_builtins(types.convert({k: v for k, v in _plain(record).items() if k != "text"}))
        doc_id = data["doc_id"]
        if doc_id in seen:
            result.problems.append(Finding("several-records-per-document", f"records {seen[doc_id]} and {number} "
                                           f"are both of {doc_id} (annotators differ?): import each annotator "
                                           "as its own pass", source, number, doc_id))
            continue
        seen[doc_id] = number
        document = corpus.get(doc_id)
        if document is None:
            result.problems.append(Finding("unknown-document", f"doc_id {doc_id!r} is not in the corpus "
                                           "(add it with `crocus-claims corpus add`)", source, number, doc_id))
            continue
        _anchor_one(result, data, document, authored_dir, root / pass_name, number, source, replace, comment,
                    types.encode(types.convert(data)) + b"\n")
    return result


def pass_of_annotator(prefix: str, annotator: str) -> str:
    """`round1` + `Alice.B@example.org` -> `round1-alice-b-example-org`: one pass per annotator,
    named by the whole annotator string, so that a new annotator never renames another's pass."""
    slug = re.sub(r"[^a-z0-9]+", "-", annotator.lower()).strip("-") or "annotator"
    return f"{prefix}-{slug}"[:64].rstrip("-.")


class _AnnotatorOnly(msgspec.Struct):
    annotator: str


def annotators_in_pass(root: Path, pass_name: str) -> tuple[set[str], list[Finding]]:
    """The annotators of what pass `pass_name` under `root` already holds: its authored files
    (`root/authored/pass_name/*.yaml`, the source, even where not built yet or edited since) and its
    built records (one JSONL file per document in `root/pass_name/`, as `write_anchored` writes
    them). A line or file that does not say its annotator is skipped: the validator and
    `annotations build --check` report it. A folder of the pass that cannot be listed is an
    `unreadable-file` finding: its annotators are not known."""
    built, unlisted = authoring.listed(root / pass_name, "*.jsonl")
    sources, unlisted_sources = authoring.listed(root / authoring.AUTHORED_FOLDER / pass_name, "*.yaml")
    found = set(_built_annotators(built))
    for path in sources:
        found.update(_authored_annotator(path))
    return found, unlisted + unlisted_sources


def _built_annotators(files: Iterable[Path]) -> Iterable[str]:
    for path in files:
        try:
            with open(path, "rb") as handle:
                lines = handle.readlines()
        except OSError:
            continue
        for line in lines:
            try:
                yield msgspec.json.decode(line, type=_AnnotatorOnly).annotator
            except (msgspec.DecodeError, msgspec.ValidationError):
                continue


# libyaml's loader where PyYAML has it: about ten times as fast on an authored file (11 ms with the
# pure-Python one), which matters here, where every file of a pass is read on every pull.
_QUICK_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _authored_annotator(path: Path) -> list[str]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_QUICK_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return []
    annotator = data.get("annotator") if isinstance(data, dict) else None
    return [annotator] if isinstance(annotator, str) else []


def _plain(record: Any) -> dict[str, Any]:
    return record if isinstance(record, dict) else to_builtins(record)


def _version_of(record: Any) -> str | None:
    return _plain(record).get("schema_version")


def _anchor_one(result: Anchored, data: dict[str, Any], document: CorpusDocument, authored_dir: Path,
                built_dir: Path, number: int, source: str | None, replace: bool, comment: str | None,
                expected: bytes) -> None:
    doc_id = data["doc_id"]
    problems = []
    for span in data["spans"]:
        try:
            selector_for(document.text, span["start"], span["end"])
        except authoring.QuoteError as error:
            problems.append(Finding(error.code, str(error), source, number, doc_id, span["id"]))
    if problems:
        result.problems += problems
        return
    text = dump_authored(authored_data(data, document.text), comment)
    path = authored_dir / f"{doc_id}.yaml"
    built = _build_back(text, path, document)
    if built != expected:
        result.problems.append(Finding("round-trip-mismatch", f"the authored file builds {built!r:.200} instead "
                                       "of the record", source, number, doc_id))
        return
    try:
        existing = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        existing = None
    except (OSError, UnicodeDecodeError) as error:  # it exists, but what it holds cannot be told
        message = f"{authoring.display_path(path)}: cannot read: {getattr(error, 'strerror', None) or error}"
        result.problems.append(Finding("unreadable-file", message, source, number, doc_id))
        return
    if existing is not None and existing != text and not replace:
        result.problems.append(Finding("pass-exists", f"{authoring.display_path(path)} exists and differs: "
                                       "pass --replace to replace it", source, number, doc_id))
        return
    if existing == text:
        result.unchanged += 1
    result.outputs[path] = text.encode("utf-8")
    result.outputs[built_dir / f"{doc_id}.jsonl"] = built


def _build_back(text: str, path: Path, document: CorpusDocument) -> bytes | None:
    """What `annotations build` makes of the authored text (None if it refuses it)."""
    authored, problems = authoring.parse_authored(text, path)
    if authored is None:
        return None
    line, problems = authoring.build_authored(authored, {document.doc_id: document})
    return line


def write_anchored(result: Anchored) -> int:
    """Write every file of a clean result, all or none; returns how many documents were written."""
    return write_anchored_passes({"": result})[""]


def write_anchored_passes(results: Mapping[str, Anchored]) -> dict[str, int]:
    """Write every file of clean results (pass -> result), all or none (authoring.write_outputs,
    which raises WriteError); returns pass -> how many documents were written."""
    if not all(result.ok for result in results.values()):
        raise ValueError("refusing to write an import with problems")
    authoring.write_outputs({path: content for result in results.values()
                             for path, content in result.outputs.items()})
    return {name: sum(1 for path in result.outputs if path.suffix == ".yaml")
            for name, result in results.items()}
