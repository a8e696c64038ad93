"""Authored annotations: spans written by the text they quote, resolved to code-point offsets.

Hand-written offsets are error-prone, so the editable source of a pass is one YAML file per
document, `annotations/authored/<pass>/<doc_id>.yaml`, whose spans name their text like a W3C Web
Annotation TextQuoteSelector (`quote`, with optional `prefix`/`suffix`) plus an `occurrence`
number. `build` turns every authored file into the record `annotations/<pass>/<doc_id>.jsonl`,
checks the records with the validator, and reports every problem at the authored file and line
where it can be fixed. Format and codes: annotations/GUIDELINES.md, section 7.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pydantic
import yaml

from crocus_claims import resources
from crocus_claims.atomic import UnwritableOutput, write_files
from crocus_claims.corpus import CorpusDocument, load_corpus
from crocus_claims.input_files import files_in
from crocus_claims.records import derived_relation_id, record_types
from crocus_claims.schema import SchemaError, load_schema
from crocus_claims.validation.findings import Finding
from crocus_claims.unicode_text import cuts_grapheme
from crocus_claims.yaml_source import compose_and_load, line_of

AUTHORED_FOLDER = "authored"
# The folders of annotations/ that hold no pass, so that no pass may take their names: the
# agreement reports and adjudication files, the migration decisions, and the releases kept (the
# release build reads them from here).
AGREEMENT_FOLDER = "agreement"
ADJUDICATION_FOLDER = Path(AGREEMENT_FOLDER) / "adjudication"
DECISIONS_FOLDER = "migrations"
RELEASES_FOLDER = "releases"
NOT_PASSES = frozenset({AUTHORED_FOLDER, AGREEMENT_FOLDER, DECISIONS_FOLDER, RELEASES_FOLDER})

# code -> what it means; the validator's codes (crocus_claims.validation.codes) pass through as they are.
AUTHORING_CODES: dict[str, str] = {
    "unreadable-file": "An authored file cannot be read.",
    "yaml-syntax-error": "An authored file is not valid YAML, or repeats a key.",
    "invalid-authored-file": "A field of an authored file is missing, unknown or of the wrong type.",
    "doc-id-mismatch": "An authored file is not named <doc_id>.yaml.",
    "unknown-document": "The doc_id is not in the corpus.",
    "unknown-schema-version": "The authored file names a schema version that does not exist.",
    "quote-not-found": "A span's quote, with its prefix and suffix, does not occur in the text.",
    "quote-ambiguous": "A span's quote matches more than once: give a prefix, suffix or occurrence.",
    "occurrence-out-of-range": "A span's occurrence is larger than the number of matches.",
    "quote-splits-character": "A span boundary cuts a user-perceived character (a grapheme cluster: a letter and its accents, a flag, an emoji sequence).",
    "record-missing": "An authored file has no built record (run `crocus-claims annotations build`).",
    "record-out-of-date": "A built record differs from what its authored file builds.",
    "record-orphaned": "A built record in a pass folder has no authored file.",
    "unknown-pass": "`--pass` names a pass with no folder under annotations/authored/.",
    "unwritable-file": "A built record cannot be written.",
}


# A problem in an authored file is reported like a validation finding, placed in the authored file.
Problem = Finding


class WriteError(Exception):
    """A file that could not be written; no file of the same write has changed (write_outputs)."""

    code = "unwritable-file"

    def __init__(self, path: Path, error: OSError):
        cause = getattr(error, "cause", None)  # what is in the way, when UnwritableOutput knows it
        super().__init__(f"cannot write: {error.strerror or error}" + (f" ({cause})" if cause else ""))
        self.path = path

    def problem(self) -> Problem:
        """The `unwritable-file` problem a command reports, at the file."""
        return Problem(self.code, str(self), display_path(self.path))


class QuoteError(Exception):
    """A quote that does not select exactly one stretch of the text."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------------
# The authored file format

_STRICT = pydantic.ConfigDict(extra="forbid", strict=True)
NonEmpty = Annotated[str, pydantic.StringConstraints(min_length=1)]


class AuthoredSpan(pydantic.BaseModel):
    model_config = _STRICT
    id: NonEmpty
    label: NonEmpty
    quote: NonEmpty
    prefix: NonEmpty | None = None
    suffix: NonEmpty | None = None
    occurrence: Annotated[int, pydantic.Field(ge=1)] | None = None
    attributes: dict[str, Any] = {}


class AuthoredRelation(pydantic.BaseModel):
    model_config = _STRICT
    type: NonEmpty
    head: NonEmpty
    tail: NonEmpty
    id: NonEmpty | None = None


class AuthoredDocument(pydantic.BaseModel):
    model_config = _STRICT
    doc_id: NonEmpty
    annotator: NonEmpty
    schema_version: NonEmpty
    spans: list[AuthoredSpan]
    relations: list[AuthoredRelation] = []


@dataclass
class AuthoredFile:
    """A parsed authored file with the line of each span and relation, for error messages."""

    path: Path
    display: str
    document: AuthoredDocument
    root: yaml.Node

    def line_of(self, *loc: str | int) -> int | None:
        return line_of(self.root, loc)

    def span_line(self, span_id: str | None) -> int | None:
        for index, span in enumerate(self.document.spans):
            if span.id == span_id:
                return self.line_of("spans", index)
        return None

    def problem(self, code: str, message: str, line: int | None = None, **where: str | None) -> Problem:
        return Problem(code, message, self.display, line, self.document.doc_id, **where)


def display_path(path: Path) -> str:
    """The path as the user will look for it: relative to the working folder when it is inside it."""
    try:
        # os.path.realpath, not resolve(): it raises no error for a loop of links
        return str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        return str(path)


def read_authored(path: Path) -> tuple[AuthoredFile | None, list[Problem]]:
    """Parse and type-check one authored file; the problems say what stops it."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem("unreadable-file", f"cannot read: {error}", display_path(path))]
    return parse_authored(source, path)


def parse_authored(source: str, path: Path) -> tuple[AuthoredFile | None, list[Problem]]:
    """Parse and type-check the text of an authored file that lives (or will live) at `path`."""
    display = display_path(path)
    try:
        root, data = compose_and_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is not None and mark.index >= len(source.rstrip()):  # "end of file": where the open thing began
            mark = getattr(error, "context_mark", None) or mark
        problem = getattr(error, "problem", None) or str(error)
        return None, [Problem("yaml-syntax-error", problem, display, mark.line + 1 if mark else None)]
    if not isinstance(data, dict) or root is None:
        return None, [Problem("invalid-authored-file", "an authored file is a mapping (doc_id, annotator, ...)",
                              display, 1)]
    try:
        document = AuthoredDocument.model_validate(data)
    except pydantic.ValidationError as error:
        doc_id = data.get("doc_id") if isinstance(data.get("doc_id"), str) else None
        return None, [_field_problem(e, data, root, display, doc_id) for e in error.errors()]
    authored = AuthoredFile(path, display, document, root)
    if path.stem != document.doc_id:
        return None, [authored.problem("doc-id-mismatch", f"file is named {path.name} but holds doc_id "
                                       f"{document.doc_id!r}", authored.line_of("doc_id"))]
    return authored, []


def _field_problem(error: Any, data: dict[str, Any], root: yaml.Node, display: str,
                   doc_id: str | None) -> Problem:
    loc = tuple(error["loc"])
    span_id = None
    if len(loc) >= 2 and loc[0] == "spans" and isinstance(loc[1], int):
        span = data["spans"][loc[1]]
        span_id = span.get("id") if isinstance(span, dict) and isinstance(span.get("id"), str) else None
    where = ".".join(str(part) for part in loc)
    return Problem("invalid-authored-file", f"{where}: {error['msg']}", display, line_of(root, loc),
                   doc_id, span_id)


# ---------------------------------------------------------------------------------------------
# Quote resolution


def quote_matches(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> list[int]:
    """Start offsets (code points) where `quote` occurs with `prefix` right before and `suffix` right after."""
    starts, position = [], text.find(quote)
    while position != -1:
        end = position + len(quote)
        before_ok = prefix is None or text[:position].endswith(prefix)
        if before_ok and (suffix is None or text.startswith(suffix, end)):
            starts.append(position)
        position = text.find(quote, position + 1)
    return starts


def splits_character(text: str, start: int, end: int) -> bool:
    """Whether [start, end) cuts a user-perceived character (a grapheme cluster, by Unicode's rules):
    a span must keep a letter with its accents, a flag, a Hangul syllable, an emoji sequence whole."""
    return cuts_grapheme(text, start) or cuts_grapheme(text, end)


def splits_word(text: str, start: int, end: int) -> bool:
    """Whether [start, end) begins or ends inside a word ("Russia" in "Russian")."""
    def inside(offset: int) -> bool:
        return 0 < offset < len(text) and text[offset - 1].isalnum() and text[offset].isalnum()
    return inside(start) or inside(end)


def _cuts_word_without_context(text: str, start: int, end: int, prefix: str | None, suffix: str | None) -> bool:
    """A boundary inside a word counts only where the selector gives the context on that side:
    `Russia` alone never selects the start of `Russian`, but `Russia` with suffix `n` does."""
    return (prefix is None and splits_word(text, start, start)) or (suffix is None and splits_word(text, end, end))


def locate_quote(text: str, quote: str, prefix: str | None = None, suffix: str | None = None,
                 occurrence: int | None = None) -> tuple[int, int]:
    """The (start, end) of the one stretch the selector picks; QuoteError if it picks none or several.

    Like a TextQuoteSelector, with one difference that spares annotators a class of mistakes: a
    match that starts or ends inside a word does not count ("Russia" never selects "Russian")
    unless a prefix (for the start) or suffix (for the end) says what the quote is glued to.
    """
    matches = quote_matches(text, quote, prefix, suffix)
    starts = [start for start in matches
              if not _cuts_word_without_context(text, start, start + len(quote), prefix, suffix)]
    context = " with the given prefix/suffix" if prefix is not None or suffix is not None else ""
    if not starts:
        hint = ""
        if len(matches) > len(starts):
            hint = f" as whole words (it occurs {len(matches)} time(s) inside longer words)"
        elif context and quote_matches(text, quote):
            hint = f" (the quote alone occurs {len(quote_matches(text, quote))} time(s))"
        raise QuoteError("quote-not-found", f"quote {_short(quote)} not found in the text{context}{hint}")
    if occurrence is not None:
        if occurrence > len(starts):
            raise QuoteError("occurrence-out-of-range",
                             f"occurrence {occurrence} asked, but quote {_short(quote)} "
                             f"occurs {len(starts)} time(s){context}")
        start = starts[occurrence - 1]
    elif len(starts) > 1:
        places = "; ".join(_in_context(text, start, start + len(quote)) for start in starts[:5])
        raise QuoteError("quote-ambiguous",
                         f"quote {_short(quote)} occurs {len(starts)} times{context}, at offsets "
                         f"{', '.join(map(str, starts[:10]))} ({places}): add a prefix, a suffix or an occurrence")
    else:
        start = starts[0]
    end = start + len(quote)
    if splits_character(text, start, end):
        raise QuoteError("quote-splits-character", f"quote {_short(quote)} at {start}-{end} cuts a user-perceived character "
                         "(a grapheme cluster by Unicode's rules): extend the quote")
    return start, end


def _in_context(text: str, start: int, end: int, width: int = 15) -> str:
    """`…the text [quote] after…` on one line: enough to pick a prefix or suffix."""
    before, after = text[max(0, start - width):start], text[end:end + width]
    return f"…{before}[{text[start:end]}]{after}…".replace("\n", " ")


def _short(quote: str, limit: int = 60) -> str:
    return repr(quote if len(quote) <= limit else quote[: limit - 1] + "…")


# ---------------------------------------------------------------------------------------------
# From authored file to record


def relation_id(relation: AuthoredRelation) -> str:
    """The relation's id: its own, or one made from type, head and tail, so rebuilding never renames it."""
    return relation.id or derived_relation_id(relation.type, relation.head, relation.tail)


def resolve(authored: AuthoredFile,
            corpus: Mapping[str, CorpusDocument]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The record (plain JSON data) an authored file stands for, or the problems that stop it."""
    document = authored.document
    corpus_document = corpus.get(document.doc_id)
    if corpus_document is None:
        return None, [authored.problem("unknown-document", f"doc_id {document.doc_id!r} is not in the corpus",
                                       authored.line_of("doc_id"))]
    problems, spans = [], []
    for index, span in enumerate(document.spans):
        try:
            start, end = locate_quote(corpus_document.text, span.quote, span.prefix, span.suffix, span.occurrence)
        except QuoteError as error:
            problems.append(authored.problem(error.code, str(error), authored.line_of("spans", index, "quote"),
                                             span_id=span.id))
            continue
        spans.append({"id": span.id, "label": span.label, "start": start, "end": end, "text": span.quote,
                      "attributes": span.attributes})
    relations = [{"id": relation_id(r), "type": r.type, "head": r.head, "tail": r.tail}
                 for r in document.relations]
    record = {"doc_id": document.doc_id, "schema_version": document.schema_version,
              "text_sha256": corpus_document.text_sha256, "annotator": document.annotator,
              "spans": spans, "relations": relations}
    return (None if problems else record), problems


def _located(finding: Any, authored: AuthoredFile) -> Problem:
    """A validator finding, moved from the record to the authored line that caused it."""
    line = None
    if finding.span_id:
        line = authored.span_line(finding.span_id)
    elif finding.relation_id:
        for index, relation in enumerate(authored.document.relations):
            if relation_id(relation) == finding.relation_id:
                line = authored.line_of("relations", index)
    return authored.problem(finding.code, finding.message, line or 1, span_id=finding.span_id,
                            relation_id=finding.relation_id)


# ---------------------------------------------------------------------------------------------
# Building a whole annotations folder


@dataclass
class Build:
    """What `build` would write (path -> bytes), and every problem found on the way."""

    outputs: dict[Path, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.orphans


def authored_passes(root: Path) -> tuple[list[str], list[Problem]]:
    """The pass folders under `root/authored/` (none when it is missing), and an `unreadable-file`
    problem for it, or for an entry of it, that cannot be read: a pass never goes unseen."""
    entries, problems = listed(root / AUTHORED_FOLDER, "*")
    passes = []
    for entry in entries:
        try:
            if entry.is_dir() and not entry.name.startswith("."):
                passes.append(entry.name)
        except OSError as error:  # in a folder that can be listed but not entered
            problems.append(Problem("unreadable-file", f"cannot read: {error.strerror}", display_path(entry)))
    return passes, problems


def listed(folder: Path, pattern: str) -> tuple[list[Path], list[Problem]]:
    """`input_files.files_in`, with a folder that cannot be listed as an `unreadable-file` problem."""
    found, unreadable = files_in(folder, pattern)
    return found, [Problem("unreadable-file", each.message, display_path(each.path)) for each in unreadable]


def build_file(path: Path, corpus: Mapping[str, CorpusDocument]) -> tuple[bytes | None, list[Problem]]:
    """The JSONL line one authored file builds, or the problems that stop it.

    Every validator finding blocks, warnings included: a pass must validate with zero findings.
    """
    authored, problems = read_authored(path)
    if authored is None:
        return None, problems
    return build_authored(authored, corpus)


def build_authored(authored: AuthoredFile,
                   corpus: Mapping[str, CorpusDocument]) -> tuple[bytes | None, list[Problem]]:
    """The JSONL line of a parsed authored file, or the problems that stop it (see build_file)."""
    from crocus_claims.validation import validate_records  # the validator is only needed when building

    try:
        schema = load_schema(authored.document.schema_version)
    except (SchemaError, FileNotFoundError, ValueError):
        version = authored.document.schema_version
        return None, [authored.problem("unknown-schema-version", f"no schema {version!r}",
                                       authored.line_of("schema_version"))]
    record, problems = resolve(authored, corpus)
    if record is None:
        return None, problems
    findings = validate_records([record], schema=schema, corpus=corpus)
    if findings:
        return None, [_located(finding, authored) for finding in findings]
    types = record_types(schema)
    return types.encode(types.convert(record)) + b"\n", []


def build(root: Path | None = None, passes: Iterable[str] | None = None,
          corpus: Mapping[str, CorpusDocument] | None = None, *, with_built: bool = True) -> Build:
    """Build the authored files of `passes` (all by default) under the annotations folder `root`.
    With `with_built` false the built records are not looked at (no orphans, and a built folder
    that cannot be listed is no problem): for a reader of the authored files only."""
    root = Path(root) if root is not None else resources.annotations_dir()
    corpus = corpus if corpus is not None else load_corpus()
    result = Build()
    if passes is None:
        passes, result.problems = authored_passes(root)
    for pass_name in passes:
        sources, unlisted = listed(root / AUTHORED_FOLDER / pass_name, "*.yaml")
        built, unlisted_built = listed(root / pass_name, "*.jsonl") if with_built else ([], [])
        result.problems += unlisted + unlisted_built
        built = [] if unlisted else built  # with no sources seen, every record would look orphaned
        outputs = {}
        for path in sources:
            line, problems = build_file(path, corpus)
            result.problems += problems
            outputs[root / pass_name / f"{path.stem}.jsonl"] = line
        result.outputs |= {path: line for path, line in outputs.items() if line is not None}
        result.orphans += [path for path in built if path not in outputs]
    return result


def write_outputs(outputs: Mapping[Path, bytes]) -> None:
    """Write every file, all or none (atomic.write_files); WriteError names the file that could
    not be written, and no file has changed."""
    try:
        write_files(outputs)
    except UnwritableOutput as error:
        raise WriteError(Path(str(error.filename)), error) from None


def write(result: Build) -> int:
    """Write every record of a clean build, each file atomically; returns how many were written."""
    if not result.ok:
        raise ValueError("refusing to write a build with problems")
    write_outputs(result.outputs)
    return len(result.outputs)


def staleness(result: Build) -> list[Problem]:
    """How the committed records differ from what the authored files build: missing or out of date."""
    problems = []
    run_build = "run `crocus-claims annotations build`"
    for path, line in result.outputs.items():
        shown, doc_id = display_path(path), path.stem
        try:
            if not path.is_file():
                problems.append(Problem("record-missing", f"not built yet: {run_build}", shown,
                                        doc_id=doc_id))
            elif path.read_bytes() != line:
                problems.append(Problem("record-out-of-date", f"differs from its authored file: {run_build}",
                                        shown, 1, doc_id=doc_id))
        except OSError as error:  # in a pass folder that cannot be entered
            problems.append(Problem("unreadable-file", f"cannot read: {error.strerror}", shown,
                                    doc_id=doc_id))
    return problems


def orphan_problems(result: Build) -> list[Problem]:
    return [Problem("record-orphaned", "no authored file builds this record: delete it or author it",
                    display_path(path), doc_id=path.stem) for path in result.orphans]
