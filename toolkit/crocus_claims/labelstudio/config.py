"""The labeling config, generated from the schema with an XML library.

Control names are the schema's own names (`label`, `relations`, and one control per attribute,
named for it), so they stay stable across schema versions: Label Studio refuses to rename or
remove a control that annotations use. Per-region controls sit in a `View` that is visible only
when a region of a label carrying that attribute is selected (`whenLabelValue`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from crocus_claims.labelstudio.controls import (
    LABEL_NAME,
    TEXT_NAME,
    choice_values,
    control_of,
)
from crocus_claims.schema import Attribute, Schema

# Task data shown above the text; `heading` is the title, or the doc_id of an untitled document.
HEADER_FIELDS = ("heading", "outlet", "publication_date")


def build_config(schema: Schema) -> str:
    """The `<View>` config for `schema`, as an XML string."""
    view = ET.Element("View")
    header = ET.SubElement(view, "View", style="margin-bottom: 1em")
    ET.SubElement(header, "Header", value=f"${HEADER_FIELDS[0]}", size="3")
    for name in HEADER_FIELDS[1:]:
        ET.SubElement(header, "Header", value=f"${name}", size="6")
    labels = ET.SubElement(view, "Labels", name=LABEL_NAME, toName=TEXT_NAME, choice="single")
    for label in schema.labels:
        ET.SubElement(labels, "Label", value=label.name, background=label.color, hint=label.definition.strip())
    ET.SubElement(view, "Text", name=TEXT_NAME, value=f"${TEXT_NAME}")
    relations = ET.SubElement(view, "Relations", choice="multiple")
    for relation in schema.relations:
        ET.SubElement(relations, "Relation", value=relation.name)
    for attribute in schema.attributes:
        carriers = schema.labels_with_attribute(attribute.name)
        if carriers:
            _add_attribute_control(view, schema, attribute, carriers)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")


def _add_attribute_control(parent: ET.Element, schema: Schema, attribute: Attribute,
                           carriers: tuple[str, ...]) -> None:
    box = ET.SubElement(parent, "View", visibleWhen="region-selected", whenLabelValue=",".join(carriers))
    ET.SubElement(box, "Header", value=f"{attribute.name}: {attribute.description.strip()}", size="6")
    control = control_of(attribute)
    element = ET.SubElement(box, control.tag, name=attribute.name, toName=TEXT_NAME, perRegion="true")
    # No `required="true"`: the editor would check it on regions where the control is hidden.
    # Missing required attributes are caught by the importer's validation instead.
    if control.tag == "Choices":
        element.set("choice", "single")
        element.set("showInline", "true")
        descriptions = {v.value: v.description for v in attribute.values or ()}
        for value in choice_values(schema, attribute):
            choice = ET.SubElement(element, "Choice", value=value)
            if value in descriptions:
                choice.set("hint", descriptions[value])
    elif control.tag == "Number":
        for bound in ("minimum", "maximum"):
            if getattr(attribute, bound) is not None:
                element.set(bound[:3], str(getattr(attribute, bound)))
    elif control.tag == "DateTime":
        element.set("only", "date")
        element.set("format", "%Y-%m-%d")
    elif control.tag == "TextArea":
        element.set("maxSubmissions", "1")
        element.set("editable", "true")
        if attribute.max_length:
            element.set("maxLength", str(attribute.max_length))
