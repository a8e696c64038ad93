"""How each attribute type travels through Label Studio: its control tag and its result value.

This is the one place that knows both directions, so that the config, the predictions and the
importer cannot drift apart. An attribute without a result item is null (unknown): the editor
shows no default, so an annotator who sets nothing has said nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crocus_claims.validation.findings import json_text
from crocus_claims.schema import Attribute, Schema, parse_date

TEXT_NAME = "text"  # the <Text> object every control points at
LABEL_NAME = "label"  # the <Labels> control
BOOLEAN_CHOICES = {"yes": True, "no": False}


@dataclass(frozen=True)
class Control:
    tag: str  # the config tag
    result_type: str  # `type` of its result items
    value_key: str  # where the value sits in a result item's `value`


CONTROLS = {
    "enum": Control("Choices", "choices", "choices"),
    "boolean": Control("Choices", "choices", "choices"),
    "integer": Control("Number", "number", "number"),
    "date": Control("DateTime", "datetime", "datetime"),
    "string": Control("TextArea", "textarea", "text"),
}


def control_of(attribute: Attribute) -> Control:
    return CONTROLS[attribute.type]


def choice_values(schema: Schema, attribute: Attribute) -> tuple[str, ...]:
    """The `<Choice>` values of an enum or boolean attribute."""
    if attribute.type == "boolean":
        return tuple(BOOLEAN_CHOICES)
    return schema.allowed_values(attribute) or ()


def to_result_value(attribute: Attribute, value: Any) -> Any:
    """An attribute value (JSON form) as the editor stores it under `value[control.value_key]`."""
    if attribute.type == "enum":
        return [value]
    if attribute.type == "boolean":
        return ["yes" if value else "no"]
    if attribute.type == "date":
        return value.isoformat() if isinstance(value, dt.date) else value
    if attribute.type == "string":
        return [value]
    return value


class InvalidValue(ValueError):
    """A result value that is not a value of its attribute."""


def from_result_value(schema: Schema, attribute: Attribute, stored: Any) -> Any:
    """The attribute value (JSON form) of what the editor stored; raises InvalidValue."""
    if attribute.type in ("enum", "boolean", "string"):
        if not isinstance(stored, list) or len(stored) != 1 or not isinstance(stored[0], str):
            raise InvalidValue(f"expected one value, got {json_text(stored)}")
        (value,) = stored
        if attribute.type == "string":
            return value
        allowed = BOOLEAN_CHOICES if attribute.type == "boolean" else schema.allowed_value_sets.get(attribute.name, ())
        if value not in allowed:
            raise InvalidValue(f"{json_text(value)} is not one of {json_text(list(choice_values(schema, attribute)))}")
        return BOOLEAN_CHOICES[value] if attribute.type == "boolean" else value
    if attribute.type == "integer":
        low, high = attribute.integer_range
        if isinstance(stored, (int, float)) and not isinstance(stored, bool) and not low <= stored <= high:
            raise InvalidValue(f"{json_text(stored)} is outside the range the schema allows ({low} to {high})")
        if isinstance(stored, float) and stored.is_integer():
            stored = int(stored)
        if not isinstance(stored, int) or isinstance(stored, bool):
            raise InvalidValue(f"{json_text(stored)} is not an integer")
        return stored
    # date: the editor's DateTime with only="date" stores an ISO date
    if isinstance(stored, list) and len(stored) == 1:
        stored = stored[0]
    try:
        return parse_date(stored).isoformat()
    except (TypeError, ValueError):
        raise InvalidValue(f"{json_text(stored)} is not a date (YYYY-MM-DD)") from None
