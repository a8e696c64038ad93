"""The annotation loop end to end, against the real Label Studio server the tests start.

In a temporary copy of the project (CROCUS_CLAIMS_ROOT; the real corpus is never touched): a new
article written for this test is added to the corpus, pushed with pre-annotations, annotated by
two annotators through the API and, for one region, through the editor in headless Chromium;
pulled into one pass per annotator, adjudicated with a decisions file into the gold, built,
released, and the release verified. Every step is the installed command a team runs.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
import browser
from browser import Browser
from crocus_claims import resources
from crocus_claims.labelstudio import client
from crocus_claims.labelstudio.server import Server
from crocus_claims.labelstudio.tasks import result_items
from crocus_claims.schema import load_schema
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.server
SCHEMA = load_schema()
EXECUTABLE = Path(sys.executable).with_name("crocus-claims")
ANNOTATOR = "second.loop@crocus-claims.test"
# Written for this test; "cafe" + U+0301 is composed by the corpus rules (NFC).
ARTICLE = (
    "Investigators in Moscow said on Monday that at least 143 people were killed in the attack on Crocus City "
    "Hall 😀, and that more than 360 were injured.\n"
    "The Islamic State claimed responsibility for the attack within hours. Vladimir Putin said the four gunmen "
    "had tried to flee towards Ukraine, which Kyiv denied.\n"
    "A cafe\u0301 owner nearby said dozens of guests had hidden in his kitchen.\n"
)
CLAIM = {"incident": "CROCUS_2024", "claim_type": "self_claim", "role": "carried_out", "factuality": "certain",
         "author_stance": "neutral"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("schema", "corpus", "annotations"):
        shutil.copytree(resources.REPO_ROOT / name, tmp_path / name)
    return tmp_path


def command(project: Path, server: Server, *args: str, expect_exit: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, resources.ROOT_VARIABLE: str(project), "LABEL_STUDIO_URL": server.url,
           "LABEL_STUDIO_API_KEY": server.login.token, "SOURCE_DATE_EPOCH": "1711065600"}
    result = subprocess.run([str(EXECUTABLE), *args], cwd=project, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == expect_exit, f"{args}: {result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def span(text: str, span_id: str, label: str, quote: str, attributes: dict[str, Any], nth: int = 0) -> dict:
    start = [m.start() for m in re.finditer(re.escape(quote), text)][nth]
    return {"id": span_id, "label": label, "start": start, "end": start + len(quote), "text": quote,
            "attributes": attributes}


def confirmed(prelabel: dict[str, Any]) -> list[dict[str, Any]]:
    """The pre-annotated figures as an annotator confirms them: the incident set to Crocus. (The
    proposed actor mentions are left to each annotator, so that one can be drawn in the editor.)"""
    spans = copy.deepcopy([s for s in prelabel["spans"] if s["label"] == "CASUALTY_FIGURE"])
    for item in spans:
        if "incident" in item["attributes"]:
            item["attributes"]["incident"] = "CROCUS_2024"
    return spans


def first_annotator(text: str, prelabel: dict[str, Any]) -> list[dict[str, Any]]:
    spans = [*confirmed(prelabel),
             span(text, "pc-is", "PERPETRATOR_CLAIM", "The Islamic State claimed responsibility", CLAIM),
             span(text, "a-is", "ACTOR", "The Islamic State", {"actor": "ISLAMIC_STATE"}),
             span(text, "a-putin", "ACTOR", "Vladimir Putin", {"actor": "VLADIMIR_PUTIN"})]
    record = {"spans": spans, "relations": [{"id": "r1", "type": "source", "head": "pc-is", "tail": "a-is"}]}
    return result_items(record, SCHEMA)


def second_annotator(text: str, prelabel: dict[str, Any]) -> list[dict[str, Any]]:
    """Differs from the first: a boundary ("four gunmen"), an attribute (incident left unclear), a span missing."""
    spans = confirmed(prelabel)
    for item in spans:
        if item["text"] == "four":
            item.update(end=item["end"] + len(" gunmen"), text="four gunmen")
        if item["text"] == "more than 360":
            item["attributes"]["incident"] = "UNCLEAR"
    spans += [span(text, "claim", "PERPETRATOR_CLAIM", "The Islamic State claimed responsibility", CLAIM),
              span(text, "is", "ACTOR", "The Islamic State", {"actor": "ISLAMIC_STATE"})]
    record = {"spans": spans, "relations": [{"id": "r", "type": "source", "head": "claim", "tail": "is"}]}
    return result_items(record, SCHEMA)


def add_region_in_editor(page: Page, server: Server, project_id: int, task_ids: dict[str, int], doc_id: str,
                         text: str, quote: str, label: str, choice: str, shot: Path) -> None:
    """Log in, open the task and the server user's annotation, select `quote` with the mouse under
    `label`, set its choice, update; a screenshot of the editor before the update goes to `shot`."""
    browser.log_in(page, server.url, server.login.email, server.login.password)
    browser.open_task(page, server.url, project_id, task_ids, doc_id, text)
    editor = page.locator(".lsf-main-view__annotation")
    container = editor.locator(".lsf-richtext__container")
    expect(container).to_contain_text(quote)
    expect(editor.locator("span.htx-highlight[data-label]").first).to_be_visible()
    page.locator(".lsf-annotation-button").filter(has_text=server.login.email[:8]).first.click()
    editor.locator(".lsf-label").filter(has_text=re.compile(rf"^{label}")).first.click()
    box = container.evaluate("""(element, quote) => {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(quote);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + quote.length);
            const r = range.getBoundingClientRect();
            return {left: r.left, right: r.right, y: r.top + r.height / 2};
        }
        return null;
    }""", quote)
    assert box is not None, f"{quote!r} is not a text node of the editor"
    page.mouse.move(box["left"] + 1, box["y"])
    page.mouse.down()
    page.mouse.move(box["right"] - 1, box["y"], steps=5)
    page.mouse.up()
    region = editor.locator("span.htx-highlight[data-label]").filter(has_text=re.compile(rf"^{quote}$"))
    expect(region).to_have_count(1)
    region.click()
    expect(page.locator(".lsf-detailed-region")).to_be_visible()
    editor.locator(f"input[name={choice}]").first.check(force=True)
    page.screenshot(path=shot)
    update = page.locator("button").filter(has_text=re.compile(r"^\s*Update\s*$"))
    expect(update).to_be_enabled(timeout=15_000)
    with page.expect_response(lambda r: "/api/annotations/" in r.url and r.request.method in ("PATCH", "PUT")):
        update.click()


def test_a_new_article_goes_from_the_corpus_to_a_verified_release(label_studio: Server, chromium: Browser,
                                                                  project: Path, tmp_path_factory: Any) -> None:
    incoming = tmp_path_factory.mktemp("incoming") / "article.txt"
    incoming.write_text(ARTICLE, encoding="utf-8")
    real_corpus = (resources.REPO_ROOT / "corpus" / "documents.jsonl").read_bytes()

    # 1. The article joins the corpus; the rules' one change (NFC) is reported.
    added = command(project, label_studio, "corpus", "add", str(incoming), "--title", "Investigators in Moscow")
    assert "NFC: 1 code point(s) composed" in added.stdout
    doc_id = re.search(r"added (\S+):", added.stdout).group(1)
    corpus = {json.loads(line)["doc_id"]: json.loads(line)
              for line in (project / "corpus" / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    text = corpus[doc_id]["text"]

    # 2. Pre-annotation, pushed as predictions with the corpus.
    prelabel = json.loads(command(project, label_studio, "prelabel", doc_id).stdout)
    proposed = {(s["label"], s["text"]) for s in prelabel["spans"]}
    assert {("CASUALTY_FIGURE", "four"), ("ACTOR", "Kyiv"), ("ACTOR", "Vladimir Putin")} <= proposed, proposed
    title = f"loop {uuid.uuid4().hex[:8]}"
    pushed = command(project, label_studio, "ls", "push", "--title", title, "--prelabel")
    assert f"{len(corpus)} tasks added" in pushed.stdout

    # 3. Two annotators through the API; the first adds one more region in the editor.
    admin = client.connect(label_studio.url, label_studio.login.token)
    project_id = client.find_project(admin, title).id
    tasks = {t.data["doc_id"]: t for t in admin.tasks.list(project=project_id, fields="all")}
    task = tasks[doc_id]
    assert task.predictions, "the pre-annotations did not reach the task"
    me = admin.users.whoami().id
    second = admin.users.create(email=ANNOTATOR, username=ANNOTATOR).id
    admin.annotations.create(id=task.id, result=first_annotator(text, prelabel), ground_truth=False,
                             completed_by=me, lead_time=30.0)
    admin.annotations.create(id=task.id, result=second_annotator(text, prelabel), ground_truth=False,
                             completed_by=second, lead_time=42.0)
    page = chromium.context.new_page()
    shot = tmp_path_factory.mktemp("shots") / "editor-region.png"
    add_region_in_editor(page, label_studio, project_id, {d: t.id for d, t in tasks.items()}, doc_id, text,
                         "Kyiv", "ACTOR", "UKRAINE_GOVERNMENT", shot)
    print(f"screenshot: {shot}")
    assert chromium.blocked == []

    # 4. Pull: one pass per annotator.
    pulled = command(project, label_studio, "ls", "pull", "--title", title, "--pass", "round1")
    first_pass = "round1-" + re.sub(r"[^a-z0-9]+", "-", label_studio.login.email.lower())
    second_pass = "round1-" + re.sub(r"[^a-z0-9]+", "-", ANNOTATOR.lower())
    assert f"pass {first_pass}: 1 document(s)" in pulled.stdout and f"pass {second_pass}: 1" in pulled.stdout
    first_record = json.loads((project / "annotations" / first_pass / f"{doc_id}.jsonl").read_text())
    assert ("ACTOR", "Kyiv") in {(s["label"], s["text"]) for s in first_record["spans"]}, "the editor's region"
    assert command(project, label_studio, "annotations", "build", "--check").returncode == 0

    # 5. Adjudication: a decisions file, filled, then the gold.
    pending = command(project, label_studio, "adjudicate", first_pass, second_pass, "--into", "gold",
                      expect_exit=1)
    assert "decisions-pending" in pending.stdout
    decisions = project / "annotations" / "agreement" / "adjudication" / f"{first_pass}+{second_pass}" / "decisions.yaml"
    data = yaml.safe_load(decisions.read_text(encoding="utf-8"))
    assert {item["kind"] for item in data["items"]} == {"span-boundary", "span-missing", "attribute"}
    for item in data["items"]:
        item.update(decision=first_pass, by="loop-test lead", why="as the guidelines say")
    decisions.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    command(project, label_studio, "adjudicate", first_pass, second_pass, "--into", "gold")
    command(project, label_studio, "annotations", "build", "--pass", "gold")
    command(project, label_studio, "validate", "annotations/gold")

    # 6. The release holds the new article, adjudicated, and the decisions; it verifies.
    command(project, label_studio, "release", "build")
    release = next((project / "dist").glob("crocus-claims-*"))
    command(project, label_studio, "release", "verify", str(release))
    documents = {json.loads(line)["doc_id"]: json.loads(line)
                 for line in (release / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    new = documents[doc_id]
    assert new["text"] == text
    spans = {(s["label"], s["text"]) for s in new["spans"]}
    assert {("ACTOR", "Kyiv"), ("CASUALTY_FIGURE", "four"), ("ACTOR", "Vladimir Putin")} <= spans
    assert (release / "agreement" / "adjudication" / decisions.parent.name / "decisions.yaml").is_file()
    assert (resources.REPO_ROOT / "corpus" / "documents.jsonl").read_bytes() == real_corpus
