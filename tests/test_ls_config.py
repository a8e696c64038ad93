"""The labeling config: derived from the schema, valid for label-studio-sdk, built as XML."""

from __future__ import annotations

import typing
import xml.etree.ElementTree as ET

import pytest
from crocus_claims.labelstudio.config import HEADER_FIELDS, build_config
from crocus_claims.labelstudio.controls import CONTROLS, LABEL_NAME, choice_values, control_of
from crocus_claims.labelstudio.tasks import prediction_for
from crocus_claims.schema import AttributeType, Schema, available_versions, load_schema
from hypothesis import given, settings
from label_studio_sdk.label_interface import LabelInterface
from strategies import records


@pytest.fixture(scope="module", params=available_versions())
def schema(request: pytest.FixtureRequest) -> Schema:
    return load_schema(request.param)


@pytest.fixture(scope="module")
def root(schema: Schema) -> ET.Element:
    return ET.fromstring(build_config(schema))


def test_label_interface_accepts_the_config(schema: Schema) -> None:
    interface = LabelInterface(build_config(schema))
    interface.validate()  # raises on a config the server would refuse
    names = [control.name for control in interface.controls]
    assert len(names) == len(set(names))
    assert set(names) == {LABEL_NAME} | {a.name for a in schema.attributes if schema.labels_with_attribute(a.name)}


def test_every_label_has_its_colour_and_definition(schema: Schema, root: ET.Element) -> None:
    labels = {e.get("value"): e for e in root.iter("Label")}
    assert list(labels) == [label.name for label in schema.labels]
    for label in schema.labels:
        assert labels[label.name].get("background") == label.color
        assert labels[label.name].get("hint") == label.definition.strip()


def test_each_attribute_shows_only_for_the_labels_that_carry_it(schema: Schema, root: ET.Element) -> None:
    boxes = {box.find("*[@perRegion='true']").get("name"): box for box in root.iter("View")
             if box.get("visibleWhen") == "region-selected"}
    for attribute in schema.attributes:
        carriers = schema.labels_with_attribute(attribute.name)
        if not carriers:
            assert attribute.name not in boxes
            continue
        box = boxes[attribute.name]
        assert box.get("whenLabelValue").split(",") == list(carriers)
        control = box.find(f"*[@name='{attribute.name}']")
        assert control.tag == control_of(attribute).tag and control.get("toName") == "text"
        if control.tag == "Choices":
            assert [c.get("value") for c in control] == list(choice_values(schema, attribute))


def test_relations_and_header_come_from_the_schema_and_the_task(schema: Schema, root: ET.Element) -> None:
    (relations,) = root.iter("Relations")
    assert relations.get("choice") == "multiple"
    assert [r.get("value") for r in relations] == [r.name for r in schema.relations]
    headers = [h.get("value") for h in root.iter("Header")]
    assert all(f"${name}" in headers for name in HEADER_FIELDS)


def test_markup_characters_in_the_schema_are_escaped_by_the_xml_library(schema: Schema) -> None:
    hostile = schema.model_copy(update={"labels": tuple(
        label.model_copy(update={"definition": 'Quotes " and <tags> & ampersands'}) for label in schema.labels)})
    root = ET.fromstring(build_config(hostile))
    assert {e.get("hint") for e in root.iter("Label")} == {'Quotes " and <tags> & ampersands'}


def test_every_attribute_type_has_a_control() -> None:
    assert set(typing.get_args(AttributeType)) == set(CONTROLS)


@settings(max_examples=100, deadline=None)
@given(records())
def test_predictions_of_valid_records_are_valid_for_the_config(record: dict) -> None:
    """The server imports invalid predictions silently: ours must pass its own check."""
    schema = load_schema()
    interface = LabelInterface(build_config(schema))
    prediction = prediction_for(record, schema, "records")
    assert interface.validate_prediction(prediction, return_errors=True) == []


def test_the_prediction_check_does_catch_a_wrong_label() -> None:
    interface = LabelInterface(build_config(load_schema()))
    bad = {"result": [{"id": "a", "from_name": LABEL_NAME, "to_name": "text", "type": "labels",
                       "value": {"start": 0, "end": 3, "labels": ["NO_SUCH_LABEL"]}}]}
    assert interface.validate_prediction(bad, return_errors=True) != []
