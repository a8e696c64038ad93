"""The board's pages: an index of the disagreements, one page per document, and list pages.

Everything shown comes from the loader's statement frames (loader.frames), so every number can
be checked in Python; names and colours come from the schema. Pages are rendered by Jinja2 with
autoescaping from the templates beside this module, into one flat folder with its stylesheet:
no page requests anything outside that folder, and none needs JavaScript. The same inputs give
the same bytes: every list is sorted and no clock is read.

Scale: a page's size is bounded by its document or by the constants below, never by the
release. The index shows at most INDEX_ROWS rows per table; a chart at most CHART_ROWS rows (a
larger group of figures is charted one row per distinct interval, with its count); past
INDEX_FIGURES figures each group's chart moves to a page of its own and the index lists the
groups; past MATRIX_LISTED_CLAIMS claims the matrix counts them; the full lists are split into
pages of PAGE_ROWS.
"""

from __future__ import annotations

import functools
import itertools
import math
import multiprocessing
import os
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources as package_resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
import msgspec
import polars as pl

from crocus_claims.board.charts import IntervalRow, interval_chart
from crocus_claims.board.document import BAR_PITCH, DocumentViews
from crocus_claims.board.names import Names
from crocus_claims.loader.dataset import Dataset
from crocus_claims.loader.frames import (
    FIGURE_LABEL,
    STATEMENT_LABELS,
    WARNING_LABEL,
    missing_statement_labels,
)
from crocus_claims.schema import Schema

INDEX_PAGE = "index.html"
STYLESHEET = "board.css"
PAGE_ROWS = 100
INDEX_ROWS = 60
CHART_ROWS = 30
CELL_ENTRIES = 12
PARALLEL_DOCUMENTS = 500  # more documents than this: their pages are written by one process per core
BATCH_DOCUMENTS = 250
MAX_WORKERS = 4
INDEX_FIGURES = 200  # more figures than this: each group's chart on a page of its own
MATRIX_LISTED_CLAIMS = 200  # more claims than this: the matrix counts them instead of listing them
PAIRS_SHOWN = 100
AUTHOR = "the article"


def document_page(doc_id: str) -> str:
    return f"doc-{doc_id}.html"


def sentence_href(doc_id: str, sentence: int) -> str:
    return f"{document_page(doc_id)}#sentence-{sentence}"


def numbered(stem: str, page: int) -> str:
    return f"{stem}-{page}.html"


# -- who said it ---------------------------------------------------------------------------------


def source_name(row: dict[str, Any], names: Names) -> str:
    kind = row["source_kind"]
    if kind == "actor":
        return names.actor(row["source_actor"]) or row["source_actor"]
    if kind == "outlet":
        return names.outlet(row["source_outlet"]) or row["source_outlet"]
    if kind == "author":
        return AUTHOR
    return row["source_text"] or "unresolved source"


def outlet_name(row: dict[str, Any], names: Names) -> str:
    """The reporting outlets (reported_by), else the article's own outlet, else a dash."""
    outlets = [names.outlet(o) for o in row["reported_by_outlets"]] + [names.actor(a) for a in row["reported_by_actors"]]
    if outlets:
        return ", ".join(o for o in outlets if o)
    return row["document_outlet"] or "–"


def article_name(row: dict[str, Any]) -> str:
    return row["title"] or row["doc_id"]


def date_text(row: dict[str, Any]) -> str:
    return row["publication_date"].isoformat() if row["publication_date"] else "undated"


def interval_text(row: dict[str, Any]) -> str:
    """The figure's bounds in words: 145, 141 or more, 139 to 150, about 100, no number."""
    low, high, value, qualifier = row["value_min"], row["value_max"], row["value"], row["qualifier"]
    if low is None and high is None:
        return f"about {value}" if value is not None else f"no number ({qualifier})"
    if low == high:
        return str(low)
    if high is None:
        return f"{low} or more"
    if low is None:
        return f"{high} or fewer"
    return f"{low} to {high}"


def row_label(row: dict[str, Any]) -> str:
    """A chart row's label: source · outlet · article · date, without the parts not stated."""
    return " · ".join(part for part in (row["source"], row["outlet"], row["article"], row["date"]) if part != "–")


# -- the page data -------------------------------------------------------------------------------


def in_batches(lines: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    """Consecutive lists of `size` lines (the last one shorter)."""
    iterator = iter(lines)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


DocumentBatch = tuple[dict[tuple[str, str], int], list[dict[str, Any]]]


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    doc_id: str
    span_id: str


@dataclass(frozen=True)
class Pages:
    """A list split into pages: which page this is, and the file name of every page."""

    current: int
    files: tuple[str, ...]


def paginate(rows: Sequence[Any], stem: str, size: int | None = None) -> Iterator[tuple[Pages, Sequence[Any]]]:
    size = size or PAGE_ROWS
    count = max(1, math.ceil(len(rows) / size))
    files = tuple(numbered(stem, n) for n in range(1, count + 1))
    for number in range(1, count + 1):
        yield Pages(number, files), rows[(number - 1) * size: number * size]


class Board:
    """Builds every page of one dataset's board into a folder."""

    def __init__(self, dataset: Dataset, title: str):
        self.dataset, self.schema, self.title = dataset, dataset.schema, title
        self.names = Names(self.schema)
        self.colors = {label.name: label.color for label in self.schema.labels}
        self.sentences: dict[tuple[str, str], int] = {}
        self.documents: list[dict[str, Any]] = []
        self.environment = jinja2.Environment(
            loader=jinja2.PackageLoader("crocus_claims.board", "templates"),
            autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.views = DocumentViews(self.schema)
        # What the tables show comes from the schema of the records drawn: an attribute column is
        # drawn only where the label has that attribute, each boolean of WARNING is a "named" flag.
        self.columns = {kind: frozenset(a.name for a in self.label_attributes(label))
                        for kind, label in STATEMENT_LABELS.items()}
        self.warning_flags = tuple(a.name for a in self.label_attributes(WARNING_LABEL) if a.type == "boolean")
        self.environment.globals.update(columns=self.columns, warning_flags=self.warning_flags,
                                        missing_labels=missing_statement_labels(self.schema),
                                        schema_version=self.schema.version)
        self.environment.globals.update(names=self.names, colors=self.colors, board_title=self.title,
                                        stylesheet=STYLESHEET, index_page=INDEX_PAGE, document_page=document_page)

    def label_attributes(self, label: str) -> tuple[Any, ...]:
        """The attributes the schema gives `label`; none when it has no such label."""
        return self.schema.label_attributes(label) if label in self.schema.labels_by_name else ()

    @functools.cached_property
    def document_template(self) -> jinja2.Template:
        return self.environment.get_template("document.html")

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stylesheet = package_resources.files("crocus_claims.board").joinpath(STYLESHEET).read_bytes()
        (folder / STYLESHEET).write_bytes(stylesheet)
        self.write_document_pages(folder)
        for name, html in self.statement_pages():
            (folder / name).write_text(html, encoding="utf-8")

    def render(self, template: str, **context: Any) -> str:
        return self.environment.get_template(template).render(**context)

    # -- documents -------------------------------------------------------------------------------

    def write_document_pages(self, folder: Path) -> None:
        """One page per document. The pages do not depend on each other: past PARALLEL_DOCUMENTS
        documents they are written by one process per core (forked, so nothing is pickled but
        the lines and what each page adds to the index), in batches kept in document order."""
        with open(self.dataset.documents_path, "rb") as handle:
            batches = in_batches(handle, BATCH_DOCUMENTS)
            workers = min(os.cpu_count() or 1, MAX_WORKERS)
            if self.dataset.manifest["counts"]["documents"] <= PARALLEL_DOCUMENTS or workers < 2:
                results: Iterable[DocumentBatch] = (self.document_batch(folder, lines) for lines in batches)
                self.collect(results)
                return
            global _FORKED_BOARD  # noqa: PLW0603 - read by the forked workers only
            _FORKED_BOARD = self
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                self.collect(pool.map(_document_batch, itertools.repeat(folder), batches))

    def collect(self, results: Iterable[DocumentBatch]) -> None:
        for sentences, documents in results:
            self.sentences.update(sentences)
            self.documents.extend(documents)

    def document_batch(self, folder: Path, lines: Sequence[bytes]) -> DocumentBatch:
        """Write the pages of `lines` (documents.jsonl lines); return each span's sentence and
        each document's row of the index."""
        decoder = msgspec.json.Decoder()
        sentences: dict[tuple[str, str], int] = {}
        documents = []
        for line in lines:
            record = decoder.decode(line)
            doc = self.views.view(record)
            starts = [sentence.start for sentence in doc.layout.sentences]
            for span in record["spans"]:
                sentences[record["doc_id"], span["id"]] = bisect_right(starts, span["start"])
            metadata = doc.metadata
            documents.append({"doc_id": record["doc_id"], "title": metadata.get("title"),
                              "outlet": metadata.get("outlet"), "date": metadata.get("publication_date"),
                              "spans": len(record["spans"]), "relations": len(record["relations"])})
            html = self.document_template.render(doc=doc, bar_pitch=BAR_PITCH, labels=self.schema.labels,
                                                 abbreviations=self.views.short)
            (folder / document_page(record["doc_id"])).write_text(html, encoding="utf-8")
        return sentences, documents

    # -- statements ------------------------------------------------------------------------------

    def link(self, row: dict[str, Any], text: str | None = None) -> Link:
        sentence = self.sentences.get((row["doc_id"], row["span_id"]), 1)
        return Link(text if text is not None else row["text"], sentence_href(row["doc_id"], sentence),
                    row["doc_id"], row["span_id"])

    def statement_pages(self) -> Iterator[tuple[str, str]]:
        frames = self.dataset.statement_frames()
        figures = frames.figures()
        agreement = frames.figure_agreement(figures)
        groups = list(self.figure_groups(frames, figures, agreement))
        claims, denials, warnings = frames.claims(), frames.denials(), frames.warnings()
        claim_rows = [self.claim_row(row) for row in claims.iter_rows(named=True)]
        denial_rows = [self.denial_row(row) for row in denials.iter_rows(named=True)]
        warning_rows = [self.warning_row(row) for row in warnings.iter_rows(named=True)]
        lists = {
            "claims": ("Perpetrator claims", "claims", claim_rows),
            "denials": ("Denials", "denials", denial_rows),
            "warnings": ("Warnings", "warnings", warning_rows),
            "documents": ("Documents", "documents", self.documents),
        }
        charts_on_index = figures.height <= INDEX_FIGURES
        for group in groups:
            yield from self.list_pages(f"{group['title']}: every statement", "figures", group["rows"], group["stem"])
            if not charts_on_index:
                yield f"{group['stem']}.html", self.render("group.html", group=group, index_rows=INDEX_ROWS)
        for heading, kind, rows in lists.values():
            yield from self.list_pages(heading, kind, rows, kind)
        yield INDEX_PAGE, self.render(
            "index.html", groups=groups, charts_on_index=charts_on_index, figure_count=figures.height,
            matrix=self.claim_matrix(claim_rows), claims=claim_rows, denials=denial_rows, warnings=warning_rows,
            documents=self.documents, index_rows=INDEX_ROWS, pairs_shown=PAIRS_SHOWN,
            cell_entries=CELL_ENTRIES if len(claim_rows) <= MATRIX_LISTED_CLAIMS else 0,
        )

    def list_pages(self, heading: str, kind: str, rows: Sequence[Any], stem: str) -> Iterator[tuple[str, str]]:
        if len(rows) <= INDEX_ROWS:
            return  # the index shows them all
        for pages, chunk in paginate(rows, stem):
            yield pages.files[pages.current - 1], self.render("list.html", heading=heading, kind=kind, rows=chunk,
                                                             pages=pages)

    # -- figures -----------------------------------------------------------------------------------

    def figure_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "link": self.link(row), "source": source_name(row, self.names),
                "outlet": outlet_name(row, self.names), "article": article_name(row), "date": date_text(row),
                "interval": interval_text(row)}

    def figure_groups(self, frames: Any, figures: pl.DataFrame, agreement: pl.DataFrame) -> Iterator[dict[str, Any]]:
        order = figures.sort(pl.col("publication_date").is_null(), "publication_date", "doc_id", "start", "span_id")
        for group in agreement.iter_rows(named=True):
            members = order.filter(incident=group["incident"], category=group["category"])
            rows = [self.figure_row(row) for row in members.iter_rows(named=True)]
            title = f"{self.names.incident(group['incident'])}: {group['category']}"
            agreed = (group["agreed_min"], group["agreed_max"]) if group["agreed"] else None
            chart_rows = self.chart_rows(rows)
            pairs = frames.figure_conflicts(members) if group["conflicting_pairs"] <= PAIRS_SHOWN else None
            yield {
                **group, "title": title, "rows": rows, "stem": f"figures-{group['incident']}-{group['category']}",
                "chart": Markup(interval_chart(chart_rows, f"{title} (number of people)",  # noqa: S704 - matplotlib's SVG
                                               self.colors.get(FIGURE_LABEL, "#1f77b4"), agreed)),
                "chart_rows": len(chart_rows),
                "pairs": [self.pair(pair) for pair in pairs.iter_rows(named=True)] if pairs is not None else None,
                "grouped": len(rows) > CHART_ROWS,
            }

    def chart_rows(self, rows: Sequence[dict[str, Any]]) -> list[IntervalRow]:
        """One row per statement; past CHART_ROWS, one per distinct interval (the most stated first)."""
        if len(rows) <= CHART_ROWS:
            return [IntervalRow(row_label(r), r["value_min"], r["value_max"], r["value"], r["qualifier"],
                                r["link"].href, r["conflicts"]) for r in rows]
        by_interval: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_interval[row["value_min"], row["value_max"], row["value"], row["qualifier"]].append(row)
        ranked = sorted(by_interval.items(), key=lambda item: (-len(item[1]), str(item[0])))[:CHART_ROWS]
        return [IntervalRow(f"{len(members)} × {members[0]['interval']}", low, high, value, qualifier,
                            members[0]["link"].href, max(m["conflicts"] for m in members))
                for (low, high, value, qualifier), members in ranked]

    def pair(self, pair: dict[str, Any]) -> dict[str, Any]:
        def side(suffix: str) -> dict[str, Any]:
            row = {name[: -len(suffix)]: value for name, value in pair.items() if name.endswith(suffix)}
            row.setdefault("source_text", None)
            return {"link": self.link(row), "source": source_name(row, self.names), "date": date_text(row),
                    "interval": interval_text(row)}

        return {"a": side("_a"), "b": side("_b")}

    # -- claims, denials, warnings -----------------------------------------------------------------

    def said(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"link": self.link(row), "source": source_name(row, self.names), "outlet": outlet_name(row, self.names),
                "article": article_name(row), "date": date_text(row),
                "incident": self.names.incident(row["incident"]) if "incident" in row else None}

    def claim_row(self, row: dict[str, Any]) -> dict[str, Any]:
        claimant = (self.names.actor(row["source_actor_root"]) if row["source_kind"] == "actor"
                    else source_name(row, self.names))
        parties = [self.names.actor(p) for p in row["responsible_parties"]] or ["(no party named)"]
        shown = self.columns["claims"]
        summary = [Markup('<span class="type">{}</span>').format(row["claim_type"])] if "claim_type" in shown else []
        summary += [escape(row[name]) for name in ("factuality", "author_stance") if name in shown]
        return {**row, **self.said(row), "claimant": claimant, "parties": parties,
                "summary": Markup(" · ").join(summary)}

    def claim_matrix(self, claims: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Claimant (the root of the source's actor chain) by responsible party, each cell its claims."""
        cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for claim in claims:
            for party in claim["parties"]:
                cells[claim["claimant"], party].append(claim)
        return {"rows": sorted({c for c, _ in cells}), "columns": sorted({p for _, p in cells}), "cells": cells}

    def denial_row(self, row: dict[str, Any]) -> dict[str, Any]:
        denied = [Link(text, sentence_href(row["doc_id"], self.sentences.get((row["doc_id"], span_id), 1)),
                       row["doc_id"], span_id)
                  for span_id, text in zip(row["denied_span_ids"], row["denied_texts"], strict=True)]
        parties = [self.names.actor(p) for p in row["responsible_parties"]]
        return {**row, **self.said(row), "denied": denied, "parties": parties}

    def warning_row(self, row: dict[str, Any]) -> dict[str, Any]:
        flags = [(flag_word(name), row[name]) for name in self.warning_flags]
        named = [what for what, flag in flags if flag]
        unknown = [what for what, flag in flags if flag is None]
        return {**row, **self.said(row), "agent_name": self.names.actor(row["agent"]) or "(not named)",
                "recipient_names": [self.names.actor(r) for r in row["recipients"]] or ["(not named)"],
                "named": ", ".join(named) or "neither", "unstated": ", ".join(unknown)}


def flag_word(attribute: str) -> str:
    """What a boolean attribute of WARNING says the warning named: names_target -> "target"."""
    return attribute.removeprefix("names_").replace("_", " ")


_FORKED_BOARD: Board | None = None


def _document_batch(folder: Path, lines: Sequence[bytes]) -> DocumentBatch:
    """A worker's share of Board.write_document_pages (the board comes with the fork)."""
    assert _FORKED_BOARD is not None
    return _FORKED_BOARD.document_batch(folder, lines)


def write_board(dataset: Dataset, folder: Path, title: str) -> None:
    """Write the board of `dataset` into `folder` (created if needed): index.html, one
    doc-<doc_id>.html per document, list pages and board.css."""
    Board(dataset, title).write(Path(folder))

