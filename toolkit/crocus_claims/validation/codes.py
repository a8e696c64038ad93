"""The stable codes of validation findings: one table, the only place a code is defined.

A code never changes meaning once released; a new kind of problem gets a new code. The README's
table of codes is checked against this one by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    summary: str


_TABLE = (
    # The file and the line
    Code("unreadable-file", "error", "A path cannot be read: missing, not a file or folder, or no permission."),
    Code("invalid-json", "error", "A line is not one JSON value: a syntax error, a truncated line, NaN, invalid UTF-8, or nesting too deep to read."),
    Code("blank-line", "warning", "An empty line between records."),
    Code("duplicate-record", "error", "A second record for the same document and annotator."),
    Code("duplicate-key", "error", "An object gives the same key twice (at any depth): JSON keeps one value, and tools disagree on which."),
    # Structure and types
    Code("not-an-object", "error", "A line, span, relation or attribute set is not a JSON object."),
    Code("missing-field", "error", "A required field of a record, span or relation is absent."),
    Code("unknown-field", "error", "A field the record format does not define."),
    Code("invalid-type", "error", "A value of the wrong JSON type: 5.0 or true where an integer belongs, a number where a string belongs."),
    Code("invalid-value", "error", "A value of the right type but the wrong form: an id with a forbidden character, a malformed hash, version or date."),
    # Schema
    Code("unknown-schema-version", "error", "The record names a schema version that does not exist."),
    Code("incompatible-schema-version", "error", "The record's schema version cannot be read with the schema it is checked against."),
    Code("unknown-label", "error", "A span label the schema does not define."),
    Code("unknown-attribute", "error", "An attribute the schema does not define for the span's label."),
    Code("missing-attribute", "error", "A required attribute of the span's label is absent or null."),
    Code("invalid-attribute-value", "error", "An attribute value outside its allowed values, range or type."),
    Code("unknown-registry-entry", "error", "An id that is not in the attribute's registry (incidents, actors, outlets)."),
    Code("interval-mismatch", "error", "A figure's value, value_min and value_max disagree with each other or with its qualifier."),
    Code("unknown-relation-type", "error", "A relation type the schema does not define."),
    # Text and offsets
    Code("unknown-document", "error", "The doc_id is not in the corpus and the record carries no text."),
    Code("text-hash-mismatch", "error", "text_sha256 differs from the corpus text's hash or from the record's own text."),
    Code("invalid-span-range", "error", "A span whose start is not before its end."),
    Code("offset-out-of-bounds", "error", "A span offset outside the text: negative, or past its end."),
    Code("span-text-mismatch", "error", "A span's text differs from the slice of the document text at its offsets."),
    Code("span-boundary-whitespace", "warning", "A span that starts or ends with white space."),
    # Identity
    Code("duplicate-span-id", "error", "Two spans of one record share an id."),
    Code("duplicate-relation-id", "error", "Two relations of one record share an id."),
    Code("duplicate-span", "error", "Two spans of one record have the same label, start and end."),
    # Relations
    Code("dangling-relation", "error", "A relation whose head or tail is not a span id of the record."),
    Code("self-relation", "error", "A relation from a span to itself."),
    Code("relation-label-mismatch", "error", "A relation connects labels its type does not allow."),
    Code("relation-cardinality", "error", "A span heads more relations of one type than the type allows."),
    Code("duplicate-relation", "error", "The same relation type between the same head and tail twice."),
    # Schema versions and migrations (schema/migrations/README.md)
    Code("missing-migration", "error", "A schema version has no migration file from the version before it, or a record's version has no path to the target."),
    Code("invalid-migration", "error", "A migration file that cannot be used: each problem located to its line (schema/migrations/README.md)."),
    Code("version-bump-too-small", "error", "A schema version number smaller than its changes require by schema/VERSIONING.md."),
    Code("migration-needs-decision", "error", "A span a migration cannot change by rule waits for a person's decision."),
    Code("migration-loses-data", "error", "A migration drops data a record holds (accepted with --allow-loss)."),
    Code("migration-refuses-loss", "error", "A record holds data a migration removes without `drop: true`: change the record first."),
    Code("invalid-decision", "error", "A decisions file entry that is malformed, or answers outside the allowed answers."),
    Code("unused-decision", "warning", "A decision for a span that no migration asks about."),
)

CODES: dict[str, Code] = {code.code: code for code in _TABLE}


def severity(code: str) -> Severity:
    return CODES[code].severity


# ---------------------------------------------------------------------------------------------
# The codes of the commands that grow the dataset: `corpus add`, `annotations import` (and
# `ls pull --pass`), `adjudicate`. They are errors (exit 1) unless a command says otherwise; the
# README's second table of codes is checked against this one.


@dataclass(frozen=True)
class CommandCode:
    code: str
    command: str
    summary: str
    severity: Severity = "error"


_LOOP_TABLE = (
    # corpus add
    CommandCode("empty-article", "corpus add", "The article file is empty, or only white space once metadata is stripped."),
    CommandCode("invalid-encoding", "corpus add", "The article file is not UTF-8 text."),
    CommandCode("duplicate-text", "corpus add", "The article's text is already in the corpus (same SHA-256)."),
    CommandCode("doc-id-collision", "corpus add", "The doc_id (given or derived) or the source file name is already taken."),
    CommandCode("invalid-metadata", "corpus add", "A metadata value of the wrong form (a date that is not YYYY-MM-DD, a doc_id with forbidden characters)."),
    # annotations import, ls pull --pass
    CommandCode("several-records-per-document", "annotations import", "A pass holds one record per document; the input has two for one doc_id."),
    CommandCode("pass-exists", "annotations import", "The pass already has a different authored file for a document (`--replace` replaces it)."),
    CommandCode("invalid-pass-name", "annotations import", "A pass name that is not a folder name of letters, digits, `.`, `_` and `-`, or that names a folder of annotations/ holding no pass (`agreement`, `authored`, `migrations`, `releases`)."),
    CommandCode("round-trip-mismatch", "annotations import", "An authored file would not build back into the record's exact bytes (a bug: report it)."),
    CommandCode("pass-name-collision", "ls pull", "Two annotators whose names make the same pass name under `--pass` (lowercased, ASCII letters and digits kept, any other run a `-`, cut to 64 characters), in one pull or with the records an earlier pull put in that pass: their records would be mixed in one pass."),
    # adjudicate (the target pass is written as `annotations import` writes: pass-exists applies)
    CommandCode("unknown-pass", "adjudicate", "A pass with no folder under annotations/authored/."),
    CommandCode("invalid-pass", "adjudicate", "A pass that does not build (its authoring problems are listed)."),
    CommandCode("decisions-pending", "adjudicate", "Disagreements without a decision: the decisions file lists them; fill `decision`, `by` and `why`."),
    CommandCode("invalid-decisions-file", "adjudicate", "The decisions file is not valid YAML or not shaped as written."),
    CommandCode("invalid-decision", "adjudicate", "A decision that is not a pass name, `reject` (or `accept` for a relation), or `{value: ...}` for an attribute; or one without `by` and `why`."),
    CommandCode("stale-decision", "adjudicate", "A decision for an item the passes no longer produce (a pass changed since the file was written)."),
    CommandCode("relation-endpoint-rejected", "adjudicate", "A relation decided in whose head or tail was decided out."),
    CommandCode("invalid-adjudication", "adjudicate", "The adjudicated record does not validate (the validator's finding is quoted)."),
    CommandCode("document-not-in-all-passes", "adjudicate", "A warning: a document only some of the passes have is not adjudicated (nor written to the target pass).", "warning"),
)

LOOP_CODES: dict[str, CommandCode] = {code.code: code for code in _LOOP_TABLE}
