"""A validation finding: what is wrong, and exactly where, for a person and for a machine."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from crocus_claims.validation.codes import CODES, LOOP_CODES, Severity


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    doc_id: str | None = None
    span_id: str | None = None
    relation_id: str | None = None
    path: str | None = None  # where in the record: "spans[3].attributes.value"
    severity: Severity = field(init=False)

    def __post_init__(self) -> None:
        # Other tools (the authoring aid) report with their own codes, errors unless LOOP_CODES says otherwise.
        known = CODES.get(self.code) or LOOP_CODES.get(self.code)
        object.__setattr__(self, "severity", known.severity if known else "error")

    def __str__(self) -> str:
        """`annotations/gold/a.jsonl:3 doc crocus-000 span s2: error span-text-mismatch: ...`"""
        return f"{self.where()}: {self.severity} {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def located(self, file: str | None, line: int | None, doc_id: str | None = None) -> Finding:
        """The same finding, placed in a file and line (and document, when it did not know it)."""
        return Finding(self.code, self.message, file, line, self.doc_id or doc_id, self.span_id,
                       self.relation_id, self.path)

    def where(self) -> str:
        """`annotations/gold.jsonl:12 doc crocus-000 span s3`: the place, as a person reads it."""
        parts = [f"{self.file or '<input>'}:{self.line}" if self.line else (self.file or "<input>")]
        if self.doc_id:
            parts.append(f"doc {self.doc_id}")
        if self.span_id:
            parts.append(f"span {self.span_id}")
        if self.relation_id:
            parts.append(f"relation {self.relation_id}")
        if self.path and not (self.span_id or self.relation_id):
            parts.append(f"at {self.path}")
        return " ".join(parts)


def json_text(value: Any, limit: int = 200) -> str:
    """`value` as JSON writes it (null, true, "text"), for messages: a finding speaks JSON, not Python.

    A lone surrogate shows as its escape (\\udc00) so that the message itself can be printed;
    text past `limit` characters is cut with an ellipsis.
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"
