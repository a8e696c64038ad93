"""The statements of a release as polars frames, with their attribution resolved through relations.

One row per core span (a casualty figure, a perpetrator claim, a warning, a denial), joined to:

- its `source` (at most one, by the schema): the ACTOR or MEDIA_OUTLET span it points to, that
  span's canonical id, and for an actor its `parent` and the root of its chain of parents in the
  schema's actor registry (Bortnikov -> Russian security services -> Russian state);
- its `reported_by` conduits (any number): their canonical actor and outlet ids;
- the article: title, outlet and publication date (null where the article does not state them).

A statement without a `source` relation is the article's own (`source_kind` "author"); a relation
whose tail is not in the frame (for instance dropped by a label filter) leaves the columns null,
never a guessed value. Canonical ids are plain strings; list columns are sorted and never null.

Figure conflicts follow the schema's interval semantics (CASUALTY_FIGURE's `interval` rules): a
figure allows every integer from value_min to value_max, a null bound being open. Two figures of
the same incident and category conflict when no number satisfies both; the numbers every figure
of a group allows form one interval (intervals on a line meet as a whole when every pair meets),
which `figure_agreement` gives, or reports that none exists.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from crocus_claims.schema import Schema

if TYPE_CHECKING:
    from crocus_claims.loader.dataset import Dataset

FIGURE_LABEL = "CASUALTY_FIGURE"
CLAIM_LABEL = "PERPETRATOR_CLAIM"
WARNING_LABEL = "WARNING"
DENIAL_LABEL = "DENIAL"
# The board's statement sections and the label each draws: a schema without one of these labels
# (removed, or renamed) leaves that section empty, and the board says so.
STATEMENT_LABELS = {"figures": FIGURE_LABEL, "claims": CLAIM_LABEL, "warnings": WARNING_LABEL,
                    "denials": DENIAL_LABEL}
ACTOR_REGISTRY = "actor"
OUTLET_REGISTRY = "outlet"

# The attribution columns every statement frame carries, after its own columns.
ATTRIBUTION_COLUMNS = (
    "source_kind", "source_span_id", "source_text", "source_actor", "source_actor_parent",
    "source_actor_root", "source_outlet", "reported_by_actors", "reported_by_outlets",
    "title", "document_outlet", "publication_date",
)
STATEMENT_COLUMNS = ("doc_id", "split", "span_id", "start", "end", "text")
STATEMENT_ORDER = ("doc_id", "start", "span_id")  # every frame's row order: by document, then position
FIGURE_GROUP = ("incident", "category")
# What each side of a conflicting pair shows: which figure, its bounds, who said it, where and when.
PAIR_SIDE_COLUMNS = (
    "doc_id", "span_id", "start", "text", "qualifier", "value", "value_min", "value_max",
    "source_kind", "source_actor", "source_actor_root", "source_outlet", "reported_by_outlets",
    "document_outlet", "publication_date",
)


def missing_statement_labels(schema: Schema) -> dict[str, str]:
    """Section -> label, for each statement section (STATEMENT_LABELS) whose label `schema` lacks."""
    return {section: label for section, label in STATEMENT_LABELS.items() if label not in schema.labels_by_name}


def registry_attribute(schema: Schema, registry: str) -> str | None:
    """The name of the attribute whose values are ids of `registry` (actor, outlet), if any."""
    return next((a.name for a in schema.attributes if a.registry == registry), None)


def actor_parents(schema: Schema) -> dict[str, str]:
    """Actor id -> its parent's id, for the actors of the registry that have one."""
    registry = schema.registries_by_name.get(ACTOR_REGISTRY)
    return {e.id: e.parent for e in registry.entries if e.parent} if registry else {}


def actor_roots(schema: Schema) -> dict[str, str]:
    """Actor id -> the top of its chain of parents (itself when it has no parent); cycles stop."""
    parents = actor_parents(schema)
    registry = schema.registries_by_name.get(ACTOR_REGISTRY)
    roots = {}
    for entry in registry.entries if registry else ():
        current, seen = entry.id, {entry.id}
        while current in parents and parents[current] not in seen:
            current = parents[current]
            seen.add(current)
        roots[entry.id] = current
    return roots


def _lookup(column: str, mapping: Mapping[str, str]) -> pl.Expr:
    """`column` mapped through `mapping`; null when absent (an id outside the registry has no parent)."""
    if not mapping:
        return pl.lit(None, dtype=pl.String)
    return pl.col(column).replace_strict(dict(mapping), default=None, return_dtype=pl.String)


class StatementFrames:
    """Builds the statement frames from one dataset's spans, relations and documents."""

    def __init__(self, dataset: Dataset):
        self.schema = dataset.schema
        self.dataset = dataset
        # Mentions and relations come from every span of the selected splits, so a label filter
        # on the statements never cuts their attribution.
        self.whole = dataset.without_span_filters()

    # -- building blocks ---------------------------------------------------------------------

    def mentions(self) -> pl.LazyFrame:
        """Every span that a relation can point to: doc_id, tail (span id), its label, text, and
        canonical actor and outlet ids (null where the span's label does not carry them)."""
        actor, outlet = registry_attribute(self.schema, ACTOR_REGISTRY), registry_attribute(self.schema, OUTLET_REGISTRY)
        none = pl.lit(None, dtype=pl.String)
        return self.whole.lazy_spans().select(
            "doc_id", pl.col("span_id").alias("tail"), pl.col("label").cast(pl.String).alias("tail_label"),
            pl.col("text").alias("tail_text"),
            (pl.col(actor).cast(pl.String) if actor else none).alias("actor"),
            (pl.col(outlet).cast(pl.String) if outlet else none).alias("outlet"),
        )

    def links(self, relation_type: str) -> pl.LazyFrame:
        """The relations of one type with their tails resolved: doc_id, head, tail, tail_label,
        tail_text, actor, outlet (null when the tail is not a span of the frame)."""
        relations = self.whole.lazy_relations().filter(pl.col("type").cast(pl.String) == relation_type)
        return relations.select("doc_id", "head", "tail").join(self.mentions(), on=["doc_id", "tail"], how="left")

    def listed(self, relation_type: str, prefix: str) -> pl.LazyFrame:
        """Per head: the sorted distinct actor and outlet ids its `relation_type` relations reach."""
        def ids(column: str) -> pl.Expr:
            return pl.col(column).drop_nulls().unique().sort().alias(f"{prefix}_{column}s")

        return self.links(relation_type).group_by("doc_id", "head").agg(ids("actor"), ids("outlet"))

    def targets(self, relation_type: str, prefix: str) -> pl.LazyFrame:
        """Per head: the span ids, labels and texts its `relation_type` relations reach, in text order."""
        return self.links(relation_type).group_by("doc_id", "head").agg(
            pl.col("tail").sort().alias(f"{prefix}_span_ids"),
            pl.col("tail_label").sort_by("tail").alias(f"{prefix}_labels"),
            pl.col("tail_text").sort_by("tail").alias(f"{prefix}_texts"),
        )

    def statements(self, label: str, attributes: tuple[str, ...]) -> pl.LazyFrame:
        """The spans of `label` (as selected by the dataset's filters) with their attribution."""
        roots, parents = actor_roots(self.schema), actor_parents(self.schema)
        spans = self.dataset.lazy_spans().filter(pl.col("label").cast(pl.String) == label)
        spans = spans.select(*STATEMENT_COLUMNS, *(pl.col(a).cast(pl.String) if self._is_enum(a) else pl.col(a)
                                                    for a in attributes))
        source = self.links("source").select(
            "doc_id", pl.col("head").alias("span_id"), pl.col("tail").alias("source_span_id"),
            pl.col("tail_text").alias("source_text"), pl.col("actor").alias("source_actor"),
            pl.col("outlet").alias("source_outlet"),
        )
        reported = self.listed("reported_by", "reported_by").rename({"head": "span_id"})
        documents = self.whole.lazy_documents().select(
            "doc_id", "title", pl.col("outlet").alias("document_outlet"), "publication_date")
        frame = (
            spans.join(source, on=["doc_id", "span_id"], how="left")
            .join(reported, on=["doc_id", "span_id"], how="left")
            .join(documents, on="doc_id", how="left")
            .with_columns(
                source_kind=pl.when(pl.col("source_span_id").is_null()).then(pl.lit("author"))
                .when(pl.col("source_actor").is_not_null()).then(pl.lit("actor"))
                .when(pl.col("source_outlet").is_not_null()).then(pl.lit("outlet"))
                .otherwise(pl.lit("unresolved")),
                source_actor_parent=_lookup("source_actor", parents),
                source_actor_root=pl.coalesce(_lookup("source_actor", roots), pl.col("source_actor")),
                reported_by_actors=pl.col("reported_by_actors").fill_null([]),
                reported_by_outlets=pl.col("reported_by_outlets").fill_null([]),
            )
        )
        return frame.select(*STATEMENT_COLUMNS, *attributes, *ATTRIBUTION_COLUMNS).sort(*STATEMENT_ORDER)

    def _is_enum(self, attribute: str) -> bool:
        return self.schema.attributes_by_name[attribute].type == "enum"

    def with_actors(self, frame: pl.LazyFrame, relation_type: str, column: str) -> pl.LazyFrame:
        """`frame` plus `column`: the sorted canonical actors its spans' `relation_type` relations reach."""
        actors = self.listed(relation_type, column).select(
            "doc_id", pl.col("head").alias("span_id"), pl.col(f"{column}_actors").alias(column))
        return frame.join(actors, on=["doc_id", "span_id"], how="left").with_columns(pl.col(column).fill_null([]))

    def label_attributes(self, label: str) -> tuple[str, ...]:
        return tuple(a.name for a in self.schema.label_attributes(label)) if label in self.schema.labels_by_name else ()

    # -- the frames ----------------------------------------------------------------------------

    def lazy_figures(self) -> pl.LazyFrame:
        return self.statements(FIGURE_LABEL, self.label_attributes(FIGURE_LABEL))

    def figures(self) -> pl.DataFrame:
        """The figures, with `conflicts`: how many figures of the same group each cannot agree with."""
        figures = self.lazy_figures().collect()
        return figures.insert_column(figures.columns.index("value_max") + 1, conflict_counts(figures))

    def claims(self) -> pl.DataFrame:
        frame = self.statements(CLAIM_LABEL, self.label_attributes(CLAIM_LABEL))
        frame = self.with_actors(frame, "responsible_party", "responsible_parties")
        return self._after_attributes(frame, CLAIM_LABEL, ["responsible_parties"]).collect()

    def denials(self) -> pl.DataFrame:
        frame = self.with_actors(self.statements(DENIAL_LABEL, self.label_attributes(DENIAL_LABEL)),
                                 "responsible_party", "responsible_parties")
        denied = self.targets("denies", "denied").rename({"head": "span_id"})
        frame = frame.join(denied, on=["doc_id", "span_id"], how="left").with_columns(
            pl.col(c).fill_null([]) for c in ("denied_span_ids", "denied_labels", "denied_texts"))
        added = ["responsible_parties", "denied_span_ids", "denied_labels", "denied_texts"]
        return self._after_attributes(frame, DENIAL_LABEL, added).collect()

    def warnings(self) -> pl.DataFrame:
        frame = self.statements(WARNING_LABEL, self.label_attributes(WARNING_LABEL))
        agent = self.links("agent").select("doc_id", pl.col("head").alias("span_id"),
                                           pl.col("actor").alias("agent"))
        frame = frame.join(agent, on=["doc_id", "span_id"], how="left").with_columns(
            agent_parent=_lookup("agent", actor_parents(self.schema)),
            agent_root=pl.coalesce(_lookup("agent", actor_roots(self.schema)), pl.col("agent")),
        )
        frame = self.with_actors(frame, "recipient", "recipients")
        added = ["agent", "agent_parent", "agent_root", "recipients"]
        return self._after_attributes(frame, WARNING_LABEL, added).collect()

    def _after_attributes(self, frame: pl.LazyFrame, label: str, added: list[str]) -> pl.LazyFrame:
        """Columns in a stable order: the statement, its attributes, what was added, the attribution."""
        # Joins do not keep row order: sort again.
        return frame.select(*STATEMENT_COLUMNS, *self.label_attributes(label), *added, *ATTRIBUTION_COLUMNS).sort(
            *STATEMENT_ORDER)

    def figure_conflicts(self, figures: pl.DataFrame | None = None) -> pl.DataFrame:
        """Every conflicting pair of `figures` (default: all), once, in document order. Its size
        grows with the square of a group's figures: on a large release, ask for a few groups."""
        figures = self.figures() if figures is None else figures
        # figures() is sorted by document and position: each pair once, in that order.
        sides = figures.select(*FIGURE_GROUP, *PAIR_SIDE_COLUMNS).lazy().with_row_index("order")
        columns = ("order", *PAIR_SIDE_COLUMNS)
        a = sides.rename({c: f"{c}_a" for c in columns})
        b = sides.rename({c: f"{c}_b" for c in columns})
        disjoint = (pl.col("value_max_a") < pl.col("value_min_b")) | (pl.col("value_max_b") < pl.col("value_min_a"))
        return (
            a.join(b, on=list(FIGURE_GROUP), how="inner")
            .filter((pl.col("order_a") < pl.col("order_b")) & disjoint.fill_null(False))
            .sort(*FIGURE_GROUP, "order_a", "order_b")
            .drop("order_a", "order_b")
            .collect()
        )

    def figure_agreement(self, figures: pl.DataFrame | None = None) -> pl.DataFrame:
        """Per group: figures, conflicting_pairs, agreed, agreed_min, agreed_max (null: open)."""
        figures = self.figures() if figures is None else figures
        groups = figures.group_by(*FIGURE_GROUP).agg(
            pl.len().alias("figures"),
            # Each disjoint pair is counted once from each side in `conflicts`.
            (pl.col("conflicts").sum() // 2).cast(pl.UInt32).alias("conflicting_pairs"),
            pl.col("value_min").max().alias("agreed_min"),
            # An open upper bound in every figure leaves the agreed interval open (null) too.
            pl.col("value_max").min().alias("agreed_max"),
        )
        agreed = pl.col("conflicting_pairs") == 0
        return (
            groups.with_columns(agreed=agreed, agreed_min=pl.when(agreed).then(pl.col("agreed_min")),
                                agreed_max=pl.when(agreed).then(pl.col("agreed_max")))
            .select(*FIGURE_GROUP, "figures", "conflicting_pairs", "agreed", "agreed_min", "agreed_max")
            .sort(*FIGURE_GROUP)
        )


def conflict_counts(figures: pl.DataFrame) -> pl.Series:
    """For each figure, how many figures of its incident and category it cannot agree with: those
    whose upper bound is below its lower bound, plus those whose lower bound is above its upper
    bound (null bounds open). Sorted bounds and binary search: n log n, never the n^2 pairs."""
    counts = [0] * figures.height
    keys = figures.select(*FIGURE_GROUP, "value_min", "value_max").with_row_index("row")
    for _, group in keys.group_by(*FIGURE_GROUP):
        rows, lows, highs = group["row"].to_list(), group["value_min"].to_list(), group["value_max"].to_list()
        sorted_highs = sorted(h for h in highs if h is not None)
        sorted_lows = sorted(low for low in lows if low is not None)
        for row, low, high in zip(rows, lows, highs, strict=True):
            below = bisect_left(sorted_highs, low) if low is not None else 0
            above = len(sorted_lows) - bisect_right(sorted_lows, high) if high is not None else 0
            counts[row] = below + above
    return pl.Series("conflicts", counts, dtype=pl.UInt32)
