"""The board's one chart: casualty figures of one incident and category as intervals on one axis.

Drawn with matplotlib's SVG backend, text kept as text (svg.fonttype none) so that it reads,
scales and can be searched in the page; every row links to its sentence (an SVG <a> per bar and
per label). Reproducible: a fixed svg.hashsalt gives the same ids each build, and no date is
written, so the same rows give the same bytes.

A row is one statement (or, on a large release, one distinct interval with its count). Bounds
follow the schema's interval rules: a null bound is open and is drawn to the edge of the axis
with an arrow; an "approximately" figure bounds nothing and is drawn as a diamond at its value
on a dotted line; a vague one ("several") as a dotted line only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("svg", force=False)

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend
from matplotlib.lines import Line2D  # noqa: E402

HASHSALT = "crocus-claims-board"
ROW_INCHES = 0.26
LABEL_CHARS = 64
CONFLICT_COLOR = "#b00020"  # not a label: the board's mark for "disagrees with another figure"
AGREED_COLOR = "#dff0d8"
RC = {"svg.hashsalt": HASHSALT, "svg.fonttype": "none", "font.size": 8, "font.family": "sans-serif",
      "axes.spines.top": False, "axes.spines.right": False}


@dataclass(frozen=True)
class IntervalRow:
    label: str  # who said it, where and when
    low: int | None  # value_min: null is open
    high: int | None  # value_max: null is open
    value: int | None
    qualifier: str
    url: str
    conflicts: int  # how many figures of the group it cannot agree with


def axis_limit(rows: Sequence[IntervalRow], agreed: tuple[int | None, int | None] | None) -> float:
    numbers = [n for row in rows for n in (row.low, row.high, row.value) if n is not None]
    numbers += [n for n in agreed or () if n is not None]
    top = max(numbers, default=10)
    return max(10.0, top * 1.12 + 1)


def draw_rows(axes: Any, rows: Sequence[IntervalRow], right: float, color: str) -> None:
    """Every row in a handful of collections (one artist per kind of mark, each mark its own link):
    matplotlib's cost grows with artists, not with marks."""
    bars: dict[str, list[Any]] = {"y": [], "low": [], "high": [], "colors": [], "urls": []}
    dotted: dict[str, list[Any]] = {"y": [], "colors": [], "urls": []}
    marks: dict[str, dict[str, list[Any]]] = {m: {"x": [], "y": [], "colors": [], "urls": []} for m in ("o", ">", "<", "D")}

    def mark(kind: str, x: float, y: int, colour: str, url: str) -> None:
        for key, value in zip(("x", "y", "colors", "urls"), (x, y, colour, url), strict=True):
            marks[kind][key].append(value)

    for y, row in enumerate(rows):
        colour = CONFLICT_COLOR if row.conflicts else color
        if row.low is None and row.high is None:
            for key, value in zip(("y", "colors", "urls"), (y, colour, row.url), strict=True):
                dotted[key].append(value)
            if row.value is not None:
                mark("D", row.value, y, colour, row.url)
            continue
        low = row.low if row.low is not None else 0
        high = row.high if row.high is not None else right
        if low == high:
            mark("o", low, y, colour, row.url)
            continue
        for key, value in zip(("y", "low", "high", "colors", "urls"), (y, low, high, colour, row.url), strict=True):
            bars[key].append(value)
        if row.high is None:
            mark(">", right, y, colour, row.url)
        if row.low is None:
            mark("<", 0, y, colour, row.url)
    if dotted["y"]:
        axes.hlines(dotted["y"], 0, right, colors=dotted["colors"], linestyles="dotted", linewidth=1.2).set_urls(dotted["urls"])
    if bars["y"]:
        axes.hlines(bars["y"], bars["low"], bars["high"], colors=bars["colors"], linewidth=5).set_urls(bars["urls"])
    for kind, points in marks.items():
        if points["x"]:
            hollow = kind == "D"
            axes.scatter(points["x"], points["y"], marker=kind, s=36, zorder=3,
                         c="white" if hollow else points["colors"],
                         edgecolors=points["colors"] if hollow else "face").set_urls(points["urls"])


def interval_chart(rows: Sequence[IntervalRow], title: str, color: str,
                   agreed: tuple[int | None, int | None] | None) -> str:
    """The SVG markup (no XML prolog) of one chart; `agreed` is the interval all rows allow, if any."""
    height = ROW_INCHES * len(rows) + 1.1
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]  # plain keys, checked by matplotlib
        figure = Figure(figsize=(9.5, height))
        axes = figure.add_axes((0.47, 0.55 / height, 0.5, 1 - 0.9 / height))
        right = axis_limit(rows, agreed)
        if agreed is not None:
            # Counts are integers: the band covers each allowed number's unit, so "exactly 4" shows.
            low, high = agreed
            axes.axvspan((low or 0) - 0.5, right if high is None else high + 0.5, color=AGREED_COLOR, zorder=0)
        draw_rows(axes, rows, right, color)
        labels = axes.get_yaxis_transform()
        for y, row in enumerate(rows):
            text = axes.text(-0.02, y, shorten(row.label), transform=labels, ha="right", va="center",
                             color=CONFLICT_COLOR if row.conflicts else "#222222")
            text.set_url(row.url)
        axes.set_yticks([])
        axes.set_ylim(len(rows) - 0.5, -0.6)
        axes.set_xlim(0, right)
        axes.set_xlabel(title)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        axes.legend(handles=legend_handles(color, agreed is not None), loc="lower right",
                    bbox_to_anchor=(1.0, 1.0), ncol=5, frameon=False, fontsize=7, borderaxespad=0.1)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return strip_prolog(buffer.getvalue())


def legend_handles(color: str, agreed: bool) -> list[Line2D]:
    handles = [Line2D([], [], color=color, linewidth=5, label="interval"),
               Line2D([], [], color=color, marker=">", linestyle="none", label="open end"),
               Line2D([], [], color=color, marker="D", markerfacecolor="white", linestyle="none", label="about"),
               Line2D([], [], color=CONFLICT_COLOR, linewidth=5, label="conflicts")]
    if agreed:
        handles.append(Line2D([], [], color=AGREED_COLOR, linewidth=8, label="agreed by all"))
    return handles


def shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def strip_prolog(svg: str) -> str:
    """The <svg> element alone, to sit inline in a page: no XML declaration, no DOCTYPE."""
    return svg[svg.index("<svg"):]
