"""The claims board in a real headless Chromium (tests/browser.py), served from 127.0.0.1.

The board of the project's gold release and of a generated document (emoji, combining marks,
newlines, overlapping and nested spans) is served from a parent folder, so that a request for
anything outside the board's folder would be seen. Each page must load without a console error
and without such a request; what the index shows must equal the loader's frames; every span's
highlighted text must equal the record's span text; a span's attributes must show on hover and
on keyboard focus; and no page may overflow a phone's width.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from urllib.parse import urlparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import Browser
from crocus_claims.board import build_board
from crocus_claims.loader import Dataset, load
from crocus_claims.release import build_release
from playwright.sync_api import Page, expect
from test_board import tricky_record

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = "CROCUS_BOARD_SCREENSHOTS"  # a folder to keep the screenshots in (default: the test's tmp_path)


@dataclass
class Site:
    base: str  # the board folder's URL, ending with /
    folder: Path
    dataset: Dataset


SERVED_PATHS: list[str] = []  # every path the server was asked for, by the pages or by the browser itself


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        SERVED_PATHS.append(self.path)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    root = tmp_path_factory.mktemp("served")
    release = build_release(root / "dist")
    generated = root / "generated.jsonl"
    generated.write_text(json.dumps(tricky_record(), ensure_ascii=False) + "\n", encoding="utf-8")
    build_board([generated], root / "generated-board")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    relative = release.relative_to(root).as_posix()
    try:
        yield {
            "gold": Site(f"{url}/{relative}/board/", release / "board", load(release)),
            "generated": Site(f"{url}/generated-board/", root / "generated-board", None),  # type: ignore[arg-type]
        }
    finally:
        server.shutdown()


@dataclass
class Visit:
    page: Page
    errors: list[str]
    requests: list[str]


def visit(chromium: Browser, url: str) -> Visit:
    page = chromium.context.new_page()
    visit = Visit(page, [], [])
    page.on("console", lambda message: visit.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    page.on("request", lambda request: visit.requests.append(request.url))
    page.goto(url, wait_until="load")
    return visit


def test_every_page_loads_cleanly_and_requests_nothing_outside_its_folder(chromium: Browser,
                                                                          served: dict[str, Site]) -> None:
    for site in served.values():
        pages = sorted(p.name for p in site.folder.glob("*.html"))
        assert "index.html" in pages
        for name in pages:
            seen = visit(chromium, site.base + name)
            assert seen.errors == [], f"{name}: console errors"
            outside = [url for url in seen.requests if not url.startswith(site.base)]
            assert outside == [], f"{name} requested outside its folder"
            linked = seen.page.evaluate("[...document.styleSheets].filter(s => s.href).map(s => s.href)")
            assert linked == [site.base + "board.css"], f"{name}: board.css not applied"
            seen.page.close()
    assert chromium.blocked == []
    # What the browser asks for by itself (a /favicon.ico at the server's root, unless the page
    # names its icon) never shows as a page's request: the server's own log sees it.
    folders = tuple(urlparse(site.base).path for site in served.values())
    assert [path for path in SERVED_PATHS if not path.startswith(folders)] == []


def rows_of(page: Page, selector: str, attributes: list[str]) -> list[tuple[str, ...]]:
    return [tuple(row) for row in page.locator(selector).evaluate_all(
        f"rows => rows.map(r => {json.dumps(attributes)}.map(a => r.getAttribute(a)))")]


def text_or_empty(value: Any) -> str:
    return "" if value is None else str(value)


def test_the_index_shows_what_the_frames_hold(chromium: Browser, served: dict[str, Site]) -> None:
    site = served["gold"]
    dataset = site.dataset
    page = visit(chromium, site.base + "index.html").page
    figures, agreement, conflicts = dataset.figures(), dataset.figure_agreement(), dataset.figure_conflicts()

    # Every group of figures, with its count and conflicting pairs; every figure once, with its bounds.
    assert rows_of(page, "section.group", ["data-incident", "data-category", "data-figures",
                                           "data-conflicting-pairs"]) == [
        (g["incident"], g["category"], str(g["figures"]), str(g["conflicting_pairs"]))
        for g in agreement.iter_rows(named=True)]
    shown = rows_of(page, "table.figures tbody tr", ["data-doc", "data-span", "data-min", "data-max", "data-conflicts"])
    assert sorted(shown) == sorted(
        (f["doc_id"], f["span_id"], text_or_empty(f["value_min"]), text_or_empty(f["value_max"]), str(f["conflicts"]))
        for f in figures.iter_rows(named=True))
    assert page.locator("tr.conflict").count() == figures.filter(pl.col("conflicts") > 0).height

    # The conflicting pairs listed are the frame's.
    pairs = rows_of(page, "li.pair", ["data-a", "data-b"])
    assert sorted(pairs) == sorted((f"{c['doc_id_a']}/{c['span_id_a']}", f"{c['doc_id_b']}/{c['span_id_b']}")
                                   for c in conflicts.iter_rows(named=True))

    # Each chart has one linked row per figure of its group, each link to the figure's sentence.
    for group in agreement.iter_rows(named=True):
        section = page.locator(f"section.group[data-incident='{group['incident']}'][data-category='{group['category']}']")
        table_links = section.locator("table.figures a.statement").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        chart_links = section.locator("svg a").evaluate_all("as => as.map(a => a.getAttribute('xlink:href') || a.getAttribute('href'))")
        assert set(chart_links) == set(table_links) and len(table_links) == group["figures"]

    # Claims, denials and warnings: every row of each frame, once.
    for selector, frame in (("table.claims", dataset.claims()), ("table.denials", dataset.denials()),
                            ("table.warnings", dataset.warnings())):
        shown = rows_of(page, f"{selector} tbody tr", ["data-doc", "data-span"])
        assert sorted(shown) == sorted(frame.select("doc_id", "span_id").iter_rows()), selector
    matrix_entries = page.locator("table.matrix a.claim").count()
    claims = dataset.claims()
    assert matrix_entries == sum(max(1, len(parties)) for parties in claims["responsible_parties"])

    # A statement's link lands on the sentence that holds it.
    link = page.locator("table.figures a.statement").first
    doc_id, span_id, text = link.get_attribute("data-doc"), link.get_attribute("data-span"), link.inner_text()
    link.click()
    expect(page).to_have_url(f"{site.base}doc-{doc_id}.html#{page.url.split('#')[1]}")
    target = page.locator(":target")
    expect(target).to_have_class("sentence")
    assert text in target.locator(".seg").evaluate_all("segs => segs.map(s => s.textContent).join('')")
    assert span_id in (target.locator(".seg[data-spans]").evaluate_all(
        "segs => segs.map(s => s.dataset.spans).join(' ')")).split()


SPAN_TEXTS = """() => {
  const texts = {};
  for (const seg of document.querySelectorAll('.text .seg[data-spans]'))
    for (const id of seg.dataset.spans.split(' ')) texts[id] = (texts[id] ?? '') + seg.textContent;
  return texts;
}"""


def documents_of(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()]


def check_document_page(page: Page, record: dict[str, Any]) -> None:
    assert page.evaluate("[...document.querySelectorAll('.text .seg')].map(s => s.textContent).join('')") == \
        record["text"]
    assert page.evaluate(SPAN_TEXTS) == {span["id"]: span["text"] for span in record["spans"]}
    chips = page.locator(".text a.chip").evaluate_all("as => as.map(a => a.dataset.span)")
    assert sorted(chips) == sorted(span["id"] for span in record["spans"])
    relations = page.locator("tr[data-relation]")
    expect(relations).to_have_count(len(record["relations"]))
    for relation in record["relations"][:5]:
        row = page.locator(f"tr[data-relation='{relation['id']}']")
        expect(row.locator("a[data-end=head]")).to_have_attribute("href", f"#span-{relation['head']}")
        expect(row.locator("a[data-end=tail]")).to_have_attribute("href", f"#span-{relation['tail']}")


def test_every_span_is_highlighted_with_its_exact_text(chromium: Browser, served: dict[str, Site]) -> None:
    gold = served["gold"]
    for record in documents_of(gold.folder.parent):
        seen = visit(chromium, f"{gold.base}doc-{record['doc_id']}.html")
        check_document_page(seen.page, record)
        seen.page.close()
    generated = visit(chromium, served["generated"].base + "doc-generated-tricky.html").page
    check_document_page(generated, tricky_record())


def test_attributes_show_on_hover_and_on_keyboard_focus(chromium: Browser, served: dict[str, Site]) -> None:
    site = served["gold"]
    record = next(r for r in documents_of(site.folder.parent) if any(s["label"] == "CASUALTY_FIGURE" for s in r["spans"]))
    figure = next(s for s in record["spans"] if s["label"] == "CASUALTY_FIGURE")
    page = visit(chromium, f"{site.base}doc-{record['doc_id']}.html").page
    tip = page.locator(f"#tip-{figure['id']}")
    expect(tip).to_be_hidden()
    page.locator(f"#span-{figure['id']}").hover()
    expect(tip).to_be_visible()
    expect(tip.locator("[data-attribute=category]")).to_have_text(f"category: {figure['attributes']['category']}")
    expect(tip.locator("[data-attribute=qualifier]")).to_have_text(f"qualifier: {figure['attributes']['qualifier']}")
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()

    # Keyboard only: Tab from the top of the page reaches the first span's chip, which shows its tip.
    page.reload()
    first = page.locator(".text a.chip").first
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('chip')"):
            break
    expect(first).to_be_focused()
    expect(page.locator(f"#tip-{first.get_attribute('data-span')}")).to_be_visible()
    page.keyboard.press("Tab")
    second = page.locator(".text a.chip").nth(1)
    expect(second).to_be_focused()
    expect(page.locator(f"#tip-{second.get_attribute('data-span')}")).to_be_visible()
    expect(page.locator(f"#tip-{first.get_attribute('data-span')}")).to_be_hidden()


def test_pages_fit_a_phone_and_look_right(chromium: Browser, served: dict[str, Site], tmp_path: Path) -> None:
    """No horizontal overflow at 390 px; screenshots of the index and a document, phone and desktop, to look at."""
    site = served["gold"]
    document = sorted(site.folder.glob("doc-*.html"))[-1].name
    shots = Path(os.environ.get(SCREENSHOTS) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for viewport, name in ((PHONE, "phone"), ({"width": 1400, "height": 1000}, "desktop")):
        for page_name in ("index.html", document):
            page = visit(chromium, site.base + page_name).page
            page.set_viewport_size(viewport)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{page_name} overflows a {viewport['width']} px screen by {overflow} px"
            if page_name != "index.html" and name == "phone":  # an open tip stays on the screen too
                tips_past_edge = page.locator(".text a.chip").evaluate_all("""chips => chips.filter(chip => {
                    chip.focus();
                    const tip = document.getElementById('tip-' + chip.dataset.span).getBoundingClientRect();
                    return tip.left < 0 || tip.right > document.documentElement.clientWidth;
                  }).map(chip => chip.dataset.span)""")
                assert tips_past_edge == []
            page.screenshot(path=shots / f"{name}-{page_name.removesuffix('.html')}.png", full_page=name == "phone")
            page.close()
