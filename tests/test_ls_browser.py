"""The Label Studio editor, in a real headless Chromium, renders the project the toolkit pushes.

The session's server (tests/labelstudio_server.py) gets the generated config and the corpus, with
the gold records as predictions. The test logs in through the login page, opens a task in the
labeling editor, and checks what the page shows: the text, one button per label of the schema,
the header, every span of the prediction highlighted at its offsets, and, for a selected region,
the per-region controls of exactly the attributes its label carries, set to the record's values.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import browser
from browser import Browser
from crocus_claims import resources
from crocus_claims.cli.common import read_annotation_set
from crocus_claims.corpus import CorpusDocument, load_corpus
from crocus_claims.labelstudio import client
from crocus_claims.labelstudio.config import HEADER_FIELDS, build_config
from crocus_claims.labelstudio.controls import control_of
from crocus_claims.labelstudio.server import Server
from crocus_claims.labelstudio.tasks import result_items, task_for
from crocus_claims.records import to_builtins
from crocus_claims.schema import load_schema
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.server
SCHEMA = load_schema()
CORPUS = load_corpus()
GOLD = {record["doc_id"]: record for record in map(
    to_builtins, read_annotation_set([resources.annotations_dir() / "gold"], SCHEMA))}
SELECTED = ("CASUALTY_FIGURE", "ACTOR")  # the labels whose regions the test selects


@dataclass
class Pushed:
    project_id: int
    task_ids: dict[str, int]  # by doc_id


@pytest.fixture(scope="module")
def pushed(label_studio: Server) -> Pushed:
    admin = client.connect(label_studio.url, label_studio.login.token)
    result = client.push(admin, schema=SCHEMA, corpus=CORPUS, records=GOLD.values(),
                         title=f"browser {uuid.uuid4().hex[:8]}")
    assert (result.tasks_added, result.predictions_added) == (len(CORPUS), len(GOLD))
    tasks = admin.tasks.list(project=result.project_id, fields="all")
    return Pushed(result.project_id, {task.data["doc_id"]: task.id for task in tasks})


def isolated(record: dict[str, Any], span: dict[str, Any]) -> bool:
    """No other span overlaps it, so it is one highlight of its own, the one a click selects."""
    return not any(other is not span and other["start"] < span["end"] and span["start"] < other["end"]
                   for other in record["spans"])


def span_to_select(record: dict[str, Any], label: str) -> dict[str, Any] | None:
    return next((s for s in record["spans"] if s["label"] == label and isolated(record, s)), None)


def document_with(titled: bool) -> tuple[CorpusDocument, dict[str, Any]]:
    """The first document, with or without a title, whose gold record has a region of each SELECTED label."""
    for doc_id, document in sorted(CORPUS.items()):
        record = GOLD.get(doc_id)
        if record and bool(document.title) == titled and all(span_to_select(record, x) for x in SELECTED):
            return document, record
    raise AssertionError(f"no document {'with' if titled else 'without'} a title has regions of {SELECTED}")


def attribute_views() -> dict[str, str]:
    """Per-region control name -> the header text of its View, read from the generated config."""
    views = {}
    for view in ET.fromstring(build_config(SCHEMA)).iter("View"):
        if view.get("visibleWhen") == "region-selected":
            header, control = list(view)
            views[control.get("name")] = header.get("value")
    return views


def log_in(page: Page, server: Server) -> None:
    browser.log_in(page, server.url, server.login.email, server.login.password)


def open_task(page: Page, server: Server, pushed: Pushed, document: CorpusDocument) -> None:
    browser.open_task(page, server.url, pushed.project_id, pushed.task_ids, document.doc_id, document.text)


# Every region of the text, from its highlights: a region split by overlapping ones is several
# <span class="htx-highlight htx-highlight-<region>"> elements; the first carries data-start, the
# last data-end and data-label ("<index>:<label>").
REGIONS_SHOWN = """elements => {
  const regions = {};
  for (const element of elements) {
    const key = [...element.classList].find(c => c.startsWith('htx-highlight-'));
    const region = regions[key] ??= {};
    if (element.dataset.start !== undefined) region.start = Number(element.dataset.start);
    if (element.dataset.end !== undefined) region.end = Number(element.dataset.end);
    if (element.dataset.label !== undefined) region.label = element.dataset.label.split(':').slice(1).join(':');
  }
  return Object.values(regions).map(r => [r.label ?? null, r.start ?? null, r.end ?? null]);
}"""


def control_values(view: Locator, attribute_name: str) -> list[str]:
    """What the control of a visible per-region View shows as set."""
    tag = control_of(SCHEMA.attributes_by_name[attribute_name]).tag
    if tag == "Choices":
        return view.locator("input:checked").evaluate_all("inputs => inputs.map(i => i.name)")
    if tag == "Number":
        return [value for value in [view.locator("input").input_value()] if value]
    raise AssertionError(f"no reader for {tag} controls")  # only Choices and Number are compared


def expected_values(record: dict[str, Any], span_id: str, attribute_name: str) -> list[str]:
    control = control_of(SCHEMA.attributes_by_name[attribute_name])
    for item in result_items(record, SCHEMA):
        if item.get("id") == span_id and item.get("from_name") == attribute_name:
            value = item["value"][control.value_key]
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return []


@pytest.mark.parametrize("titled", [True, False], ids=["with-title", "without-title"])
def test_the_editor_renders_the_task_and_its_prediction(label_studio: Server, pushed: Pushed, chromium: Browser,
                                                        titled: bool, tmp_path: Path) -> None:
    document, record = document_with(titled)
    page = chromium.context.new_page()
    log_in(page, label_studio)
    open_task(page, label_studio, pushed, document)
    editor = page.locator(".lsf-main-view__annotation")

    # The prediction is loaded and every span is highlighted, at its offsets and with its label.
    highlights = editor.locator("span.htx-highlight")
    expect(editor.locator("span.htx-highlight[data-label]")).to_have_count(len(record["spans"]))
    shown = highlights.evaluate_all(REGIONS_SHOWN)
    assert sorted(map(tuple, shown)) == sorted((s["label"], s["start"], s["end"]) for s in record["spans"])
    expect(page.locator(".lsf-annotation-button").filter(has_text=f"records:{record['annotator']}")).to_be_visible()

    # The text, exactly; one button per label of the schema, in its order; the header.
    assert editor.locator(".lsf-richtext__container").inner_text() == document.text
    expect(editor.locator(".lsf-label__text")).to_have_text([label.name for label in SCHEMA.labels])
    data = task_for(document, SCHEMA)["data"]
    expected_header = [str(data[name] or "") for name in HEADER_FIELDS]
    assert editor.locator("h1, h2, h3, h4, h5, h6").all_text_contents()[:len(HEADER_FIELDS)] == expected_header
    # The heading is the title, or the doc_id of an untitled document (never an empty header).
    expect(editor.get_by_role("heading", name=document.title or document.doc_id, exact=True)).to_be_visible()

    # Selecting a region shows the controls of exactly the attributes its label carries, set as in the record.
    views = attribute_views()
    assert set(views) == {a.name for a in SCHEMA.attributes if SCHEMA.labels_with_attribute(a.name)}
    for label in SELECTED:
        span = span_to_select(record, label)
        editor.locator(f'span.htx-highlight[data-start="{span["start"]}"][data-end="{span["end"]}"]').click()
        expect(page.locator(".lsf-detailed-region")).to_contain_text(span["id"])
        carried = {attribute.name for attribute in SCHEMA.label_attributes(label)}
        assert carried, f"{label} carries no attribute: nothing to show"
        for name, header_text in views.items():
            header = editor.get_by_text(header_text, exact=True)
            if name not in carried:
                expect(header, f"{name} is shown for a {label} region").to_be_hidden()
                continue
            expect(header, f"{name} is hidden for a {label} region").to_be_visible()
            if control_of(SCHEMA.attributes_by_name[name]).tag in ("Choices", "Number"):
                assert control_values(header.locator("xpath=.."), name) == \
                    expected_values(record, span["id"], name), f"{name} of {span['id']}"
        if label == "CASUALTY_FIGURE":
            screenshot = tmp_path / f"editor-{document.doc_id}-{span['id']}.png"
            page.screenshot(path=screenshot)
            print(f"screenshot: {screenshot}")

    assert chromium.blocked == [], "the page tried to reach hosts other than 127.0.0.1"
