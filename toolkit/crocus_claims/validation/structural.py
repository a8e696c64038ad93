"""The slow path, for a line that did not decode: report every structural problem, not just one.

msgspec stops at the first problem of a line. A person fixing a file wants all of them, each
with its code and place, so a line that fails decoding is parsed again without types and checked
with the record JSON Schema (which is generated from the same schema, and which a property test
keeps in agreement with the fast path). The spans and relations that are well-formed on their own
then get the semantic checks too, so one bad span does not hide a problem in the next.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import msgspec

from crocus_claims.schema import Schema
from crocus_claims.validation import semantic
from crocus_claims.validation.duplicate_keys import duplicate_keys
from crocus_claims.validation.findings import Finding, json_text



@functools.lru_cache(maxsize=8)
def _validator(schema: Schema) -> Any:
    """The JSON Schema validator, imported on first use: a valid file never needs it."""
    from crocus_claims.record_schema import record_json_schema, strict_integer_validator

    return strict_integer_validator(record_json_schema(schema))


def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(record)"


def _id_at(data: dict[str, Any], section: str, index: Any) -> str | None:
    items = data.get(section)
    if isinstance(items, list) and isinstance(index, int) and index < len(items) and isinstance(items[index], dict):
        value = items[index].get("id")
        return value if isinstance(value, str) else None
    return None


def _code_for(error: Any, schema: Schema) -> str:
    """Map one JSON Schema error to our stable code, by its keyword and where it is."""
    path = tuple(error.absolute_path)
    keyword = error.validator
    in_attributes = len(path) >= 3 and path[0] == "spans" and path[2] == "attributes"
    leaf = path[-1] if path else None
    if keyword == "required":
        return "missing-attribute" if in_attributes and len(path) == 3 else "missing-field"
    if keyword == "additionalProperties":
        return "unknown-attribute" if in_attributes and len(path) == 3 else "unknown-field"
    if keyword == "type" and error.validator_value == "object":
        return "not-an-object"
    if in_attributes and len(path) == 4:
        attribute = schema.attributes_by_name.get(str(leaf))
        if error.instance is None and attribute is not None and attribute.required:
            return "missing-attribute"  # unknown (null) is for optional attributes only
        if keyword == "enum" and attribute is not None and attribute.registry is not None:
            return "unknown-registry-entry"
        return "invalid-attribute-value"
    if keyword == "enum" and len(path) == 3 and path[0] == "spans" and leaf == "label":
        return "unknown-label"
    if keyword == "enum" and len(path) == 3 and path[0] == "relations" and leaf == "type":
        return "unknown-relation-type"
    if keyword in ("minimum", "maximum") and leaf in ("start", "end"):
        return "offset-out-of-bounds"
    if keyword == "type":
        return "invalid-type"
    return "invalid-value"


_JSON_TYPES = ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
               (list, "an array"), (dict, "an object"), (type(None), "null"))


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type: `a number`, `null`, `an object`."""
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def _expected_types(types: Any) -> str:
    names = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "a boolean",
             "array": "an array", "object": "an object", "null": "null"}
    return " or ".join(names.get(t, t) for t in ([types] if isinstance(types, str) else types))


def _message(error: Any, code: str) -> str:
    """What is wrong, in JSON's words (null, true, "text"), never Python's (None, True, 'text')."""
    instance, keyword, expected = error.instance, error.validator, error.validator_value
    leaf = error.absolute_path[-1] if error.absolute_path else None
    if code in ("unknown-field", "unknown-attribute"):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(set(instance) - allowed)
        return f"{', '.join(map(json_text, extra))} not allowed here (allowed: {', '.join(sorted(allowed)) or 'none'})"
    if code == "missing-attribute" and keyword != "required":
        return f"{leaf} is required: null (unknown) is allowed only for optional attributes"
    if keyword == "enum":
        values = list(expected)
        shown = json_text(values) if len(values) <= 8 else \
            f"the {len(values)} allowed values ({', '.join(map(json_text, values[:6]))}, ...)"
        return f"{json_text(instance)} is not one of {shown}"
    if keyword == "type":
        return f"{json_text(instance)} is {json_type(instance)}, not {_expected_types(expected)}"
    if keyword == "minimum":
        return f"{json_text(instance)} is less than the minimum {expected}"
    if keyword == "maximum":
        return f"{json_text(instance)} is greater than the maximum {expected}"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return f"{json_text(instance)} has {len(instance)} characters, {bound} {expected} allowed"
    if keyword == "format":
        return f"{json_text(instance)} is not a valid {expected}"
    if keyword == "pattern":
        return f"{json_text(instance)} does not match {expected}"
    return error.message


def _missing(error: Any) -> list[str]:
    """The names a `required` error's object lacks, in the schema's order."""
    instance = error.instance
    return [name for name in error.validator_value if isinstance(instance, dict) and name not in instance]


def structural_findings(data: dict[str, Any], schema: Schema) -> tuple[list[Finding], set[tuple[Any, ...]]]:
    """Every JSON Schema problem of one record, and the paths of the parts that have problems."""
    doc_id = data.get("doc_id") if isinstance(data.get("doc_id"), str) else None
    findings, broken = [], set()
    errors = sorted(_validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    required_reported = set()
    for error in errors:
        path = tuple(error.absolute_path)
        code = _code_for(error, schema)
        section, index = (path[0], path[1]) if len(path) >= 2 else (None, None)
        if error.validator == "required":  # one error per missing name, each carrying the whole list
            if path in required_reported:
                continue
            required_reported.add(path)
            messages = [f"{name} is required" for name in _missing(error)]
        else:
            messages = [_message(error, code)]
        findings += [Finding(
            code, message, doc_id=doc_id,
            span_id=_id_at(data, "spans", index) if section == "spans" else None,
            relation_id=_id_at(data, "relations", index) if section == "relations" else None,
            path=_path_text(path),
        ) for message in messages]
        broken.add(path[:2] if section in ("spans", "relations") else path[:1])
    return findings, broken


def _well_formed(data: dict[str, Any], section: str, broken: set[tuple[Any, ...]], target: Any) -> list[Any]:
    items = data.get(section)
    if not isinstance(items, list) or (section,) in broken:
        return []
    return [msgspec.convert(item, target, strict=True)
            for index, item in enumerate(items) if (section, index) not in broken]


def check_data(data: Any, ctx: semantic.Context) -> list[Finding]:
    """All findings of one parsed JSON value that did not decode into a record."""
    if not isinstance(data, dict):
        return [Finding("not-an-object", f"a record is a JSON object, not {type(data).__name__}")]
    findings, broken = structural_findings(data, ctx.schema)
    version = data.get("schema_version")
    if ("schema_version",) not in broken and isinstance(version, str):
        problem = semantic.version_finding(version, ctx, data.get("doc_id"))
        if problem is not None:  # under another schema, the structural findings may be wrong
            return [problem]
    spans = _well_formed(data, "spans", broken, ctx.types.span)
    relations = _well_formed(data, "relations", broken, ctx.types.relation)
    doc_id = data.get("doc_id") if isinstance(data.get("doc_id"), str) else None
    text = None
    if all(field in data and (field,) not in broken for field in ("doc_id", "text_sha256")) \
            and ("text",) not in broken:
        record = SimpleNamespace(doc_id=data["doc_id"], text_sha256=data["text_sha256"], text=data.get("text"))
        text, text_findings = semantic.document_text(record, ctx)
        findings += text_findings
    span_findings, labels = semantic.check_spans(doc_id, spans, text, ctx)
    findings += span_findings
    declared = data.get("spans")
    items = declared if isinstance(declared, list) else []
    span_ids = {span_id for item in items if isinstance(item, dict) and isinstance(span_id := item.get("id"), str)}
    findings += semantic.check_relations(doc_id, relations, labels, span_ids, ctx)
    return findings


BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _decode_message(line: bytes, message: str) -> str:
    """msgspec's reason, with the two causes it does not name: a byte order mark and a lone surrogate."""
    if line.startswith(BYTE_ORDER_MARK):
        return ("the line starts with a UTF-8 byte order mark (EF BB BF), which JSON text must not have "
                "(RFC 8259 §8.1): save the file as UTF-8 without a BOM")
    if "surrogate" in message:
        return f"{message}: a \\u escape there is a lone surrogate (half of a UTF-16 pair), not a Unicode character"
    return message


def duplicate_key_findings(line: bytes, data: Any = None) -> list[Finding]:
    """A `duplicate-key` finding for each key an object of the line repeats. A record that repeats a
    key means two things at once, so its other checks would judge one reading of it: it gets none."""
    findings: list[Finding] = []
    repeats = duplicate_keys(line)
    if repeats and data is None:
        data = msgspec.json.decode(line)
    parsed = data if isinstance(data, dict) else {}
    for path, key, times in repeats:
        section = path.split(".")[0].split("[")[0]
        index = int(path.split("[")[1].split("]")[0]) if section in ("spans", "relations") and "[" in path else None
        doc_id = parsed.get("doc_id") if isinstance(parsed.get("doc_id"), str) else None
        findings.append(Finding(
            "duplicate-key", f"key {json_text(key)} is given {times} times in {path or 'the record'}: "
            "JSON keeps only one of them, and tools disagree on which", doc_id=doc_id,
            span_id=_id_at(parsed, "spans", index) if section == "spans" else None,
            relation_id=_id_at(parsed, "relations", index) if section == "relations" else None,
            path=f"{path}.{key}" if path else key))
    return findings


def check_line(line: bytes, ctx: semantic.Context) -> tuple[list[Finding], tuple[str, str] | None]:
    """Findings of a line that failed typed decoding, and its (doc_id, annotator) when it has them."""
    try:
        data = msgspec.json.decode(line)
    except msgspec.DecodeError as error:
        return [Finding("invalid-json", _decode_message(line, str(error)))], None
    repeated = duplicate_key_findings(line, data)
    if repeated:
        return repeated, None
    findings = check_data(data, ctx)
    key = None
    if isinstance(data, dict) and isinstance(data.get("doc_id"), str) and isinstance(data.get("annotator"), str):
        key = (data["doc_id"], data["annotator"])
    return findings, key
