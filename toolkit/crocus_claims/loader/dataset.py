"""A release as a dataset: typed documents, polars frames, and filters by split, label and attribute.

A release is checked against its manifest when it is opened, so a model is never trained on a
copy that differs from what was published. Documents are typed with the release's own schema
(schema/ inside the release), so an older release loads with the schema it was built with.
Frames are lazy scans of the release's Parquet tables (crocus_claims.tables): a filter or a
column selection is pushed down to the reader, which is what keeps large releases fast.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from crocus_claims import resources
from crocus_claims.records import SPLITS, Document, record_models
from crocus_claims.release.documents import DOCUMENTS_FILE
from crocus_claims.release.integrity import ReleaseIntegrityError, release_schema, verify_files
from crocus_claims.schema import Schema
from crocus_claims.tables import TABLE_QUERIES, scan_documents_file, table_file

if TYPE_CHECKING:
    import datasets
    from spacy.tokens import DocBin

    from crocus_claims.loader.bio import AlignmentReport, BioDocument, BioResult, LayeredBioDocument, Tokenizer
    from crocus_claims.loader.frames import StatementFrames

AttributeFilter = Mapping[str, Any]


class DatasetError(ValueError):
    """A filter that names something the release's schema does not have."""

    code = "invalid-filter"


def _as_set(value: str | Collection[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value]) if isinstance(value, str) else frozenset(value)


@dataclass(frozen=True)
class Selection:
    """What a filtered view keeps: documents by split; spans by label and attribute values."""

    splits: frozenset[str] | None = None
    labels: frozenset[str] | None = None
    attributes: Mapping[str, frozenset[Any]] = field(default_factory=dict)

    def keeps_span(self, label: str, attributes: Mapping[str, Any]) -> bool:
        if self.labels is not None and label not in self.labels:
            return False
        return all(name in attributes and attributes[name] in allowed for name, allowed in self.attributes.items())

    @property
    def filters_spans(self) -> bool:
        return self.labels is not None or bool(self.attributes)


class Dataset:
    """A verified release folder. Filtering returns a new view; nothing is read until asked for."""

    def __init__(self, folder: Path, manifest: dict[str, Any], schema: Schema, selection: Selection | None = None):
        self.folder = folder
        self.manifest = manifest
        self.schema = schema
        self.selection = selection or Selection()

    def __repr__(self) -> str:
        return f"Dataset({str(self.folder)!r}, release {self.release_version}, schema {self.schema.version})"

    @property
    def release_version(self) -> str:
        version: str = self.manifest["release_version"]
        return version

    @property
    def documents_path(self) -> Path:
        return self.folder / DOCUMENTS_FILE

    @property
    def record_model(self) -> type[Document]:
        """The model of this release's documents: a `Document` narrowed to the release's schema."""
        return record_models(self.schema).document

    # -- filters ------------------------------------------------------------------------------

    def filter(
        self,
        split: str | Collection[str] | None = None,
        label: str | Collection[str] | None = None,
        attributes: AttributeFilter | None = None,
    ) -> Dataset:
        """A view with the documents of `split`, and of their spans only those of `label` whose
        attributes have the given values (a value, or a collection of values, per attribute).
        Documents without a matching span stay, with no spans: they are still negatives for a
        model. A relation stays when both its spans stay."""
        splits, labels = _as_set(split), _as_set(label)
        self._check_names(splits, SPLITS, "split")
        self._check_names(labels, self.schema.labels_by_name, "label")
        wanted = {}
        for name, value in (attributes or {}).items():
            self._check_names({name}, self.schema.attributes_by_name, "attribute")
            is_many = isinstance(value, Collection) and not isinstance(value, str)
            wanted[name] = frozenset(value) if is_many else frozenset([value])
            allowed = self.schema.allowed_values(self.schema.attributes_by_name[name])
            if allowed is not None:
                self._check_names(wanted[name] - {None}, allowed, f"value of {name}")
        current = self.selection
        selection = Selection(
            splits=splits if current.splits is None else (current.splits & splits if splits else current.splits),
            labels=labels if current.labels is None else (current.labels & labels if labels else current.labels),
            attributes={**current.attributes, **wanted},
        )
        return Dataset(self.folder, self.manifest, self.schema, selection)

    def _check_names(self, names: Collection[str] | None, known: Collection[str], kind: str) -> None:
        unknown = sorted(set(names or ()) - set(known))
        if unknown:
            raise DatasetError(f"unknown {kind} {', '.join(map(repr, unknown))} in release "
                               f"{self.release_version} (known: {', '.join(sorted(known))})")

    # -- typed documents ---------------------------------------------------------------------

    def __iter__(self) -> Iterator[Document]:
        """Documents (records.Document: text, metadata, split, spans, relations), streamed."""
        model = self.record_model
        with open(self.documents_path, "rb") as handle:
            for line in handle:
                record = model.model_validate_json(line)
                if self.selection.splits is None or record.split in self.selection.splits:
                    yield self._select_spans(record)

    def __len__(self) -> int:
        counts: dict[str, Any] = self.manifest["counts"]
        if self.selection.splits is None:
            return int(counts["documents"])
        return sum(int(counts["documents_per_split"][split]) for split in self.selection.splits)

    def _select_spans(self, record: Document) -> Document:
        if not self.selection.filters_spans:
            return record
        spans = [s for s in record.spans if self.selection.keeps_span(s.label, s.attributes.model_dump())]
        kept = {span.id for span in spans}
        relations = [r for r in record.relations if r.head in kept and r.tail in kept]
        return record.model_copy(update={"spans": spans, "relations": relations})

    # -- frames ------------------------------------------------------------------------------

    def _table(self, name: str) -> pl.LazyFrame:
        """A table of the release (see crocus_claims.tables): its Parquet file, or for a release
        built before releases had them, the same frame computed from documents.jsonl."""
        path = self.folder / table_file(name)
        if table_file(name) in self.manifest["files"]:
            frame = pl.scan_parquet(path)
        else:
            frame = TABLE_QUERIES[name](scan_documents_file(self.documents_path, self.schema))
        if self.selection.splits is not None:
            frame = frame.filter(pl.col("split").is_in(sorted(self.selection.splits)))
        return frame

    def lazy_documents(self) -> pl.LazyFrame:
        """One row per document: doc_id, split, annotator, text, its hash, and the metadata fields."""
        return self._table("documents")

    def lazy_spans(self) -> pl.LazyFrame:
        """One row per span: doc_id, split, span_id, label, start, end, text, one column per attribute
        (null where the span's label does not carry it)."""
        frame = self._table("spans")
        return frame if not self.selection.filters_spans else frame.filter(self._span_predicate())

    def _span_predicate(self) -> pl.Expr:
        predicate = pl.lit(True)
        if self.selection.labels is not None:
            predicate &= pl.col("label").is_in(sorted(self.selection.labels))
        for name, allowed in self.selection.attributes.items():
            carriers = self.schema.labels_with_attribute(name)
            has_value = pl.col(name).is_in(sorted(v for v in allowed if v is not None))
            if None in allowed:
                has_value |= pl.col(name).is_null()
            predicate &= pl.col("label").is_in(carriers) & has_value
        return predicate

    def lazy_relations(self) -> pl.LazyFrame:
        """One row per relation: doc_id, split, relation_id, type, head and tail span ids."""
        frame = self._table("relations")
        if not self.selection.filters_spans:
            return frame
        kept = self.lazy_spans().select("doc_id", "span_id")
        return (frame.join(kept, left_on=["doc_id", "head"], right_on=["doc_id", "span_id"], how="semi")
                .join(kept, left_on=["doc_id", "tail"], right_on=["doc_id", "span_id"], how="semi"))

    def documents(self) -> pl.DataFrame:
        return self.lazy_documents().collect()

    def spans(self) -> pl.DataFrame:
        return self.lazy_spans().collect()

    def relations(self) -> pl.DataFrame:
        return self.lazy_relations().collect()

    def without_span_filters(self) -> Dataset:
        """The same documents (split filter kept) with every span and relation."""
        return Dataset(self.folder, self.manifest, self.schema, Selection(splits=self.selection.splits))

    # -- statements with attribution (loader.frames) -----------------------------------------

    def statement_frames(self) -> StatementFrames:
        """The lazy builder of the statement frames below (loader.frames.StatementFrames)."""
        from crocus_claims.loader.frames import StatementFrames

        return StatementFrames(self)

    def figures(self) -> pl.DataFrame:
        """One row per CASUALTY_FIGURE: doc_id, split, span_id, start, end, text, its attributes
        (incident, category, qualifier, value, value_min, value_max), conflicts (how many figures
        of the same incident and category it cannot agree with), as_of, then the attribution
        columns of loader.frames (source, its actor's parent and root, reported_by, article)."""
        return self.statement_frames().figures()

    def figure_conflicts(self) -> pl.DataFrame:
        """One row per pair of figures of one incident and category whose intervals do not meet:
        incident, category, then for each side (suffix _a, _b) doc_id, span_id, start, text,
        qualifier, value, value_min, value_max, who said it, the article's outlet and date."""
        return self.statement_frames().figure_conflicts()

    def figure_agreement(self) -> pl.DataFrame:
        """One row per incident and category: figures, conflicting_pairs, agreed (whether every
        figure allows a common number), agreed_min and agreed_max (the numbers all allow; null
        when open, or when nothing is agreed)."""
        return self.statement_frames().figure_agreement()

    def claims(self) -> pl.DataFrame:
        """One row per PERPETRATOR_CLAIM: its attributes (incident, claim_type, role, factuality,
        author_stance), responsible_parties (canonical actor ids), then the attribution columns."""
        return self.statement_frames().claims()

    def denials(self) -> pl.DataFrame:
        """One row per DENIAL: its attributes, responsible_parties, denied_span_ids, denied_labels
        and denied_texts (what it denies), then the attribution columns."""
        return self.statement_frames().denials()

    def warnings(self) -> pl.DataFrame:
        """One row per WARNING: its attributes (incident, warning_type, channel, names_target,
        names_time, factuality), agent (with agent_parent, agent_root), recipients, then the
        attribution columns."""
        return self.statement_frames().warnings()

    # -- token tags and exports --------------------------------------------------------------

    def to_bio(self, tokenizer: Tokenizer | None = None) -> BioResult[BioDocument]:
        """Flat BIO tags per document, streamed, with the alignment report; see loader.bio."""
        from crocus_claims.loader.bio import to_bio

        return to_bio(self, tokenizer)

    def to_layered_bio(self, tokenizer: Tokenizer | None = None) -> BioResult[LayeredBioDocument]:
        """One BIO tag sequence per label per document, so overlapping spans survive; streamed."""
        from crocus_claims.loader.bio import to_layered_bio

        return to_layered_bio(self, tokenizer)

    def to_hf(self, cache_dir: str | Path | None = None) -> datasets.DatasetDict:
        """A Hugging Face DatasetDict, one split per release split, written to Arrow files from a
        generator (needs the `hf` extra)."""
        from crocus_claims.loader.huggingface import to_hf

        return to_hf(self, cache_dir)

    def to_docbin(self, spans_key: str | None = None) -> DocBin:
        """A spaCy DocBin with every span in doc.spans, in memory (needs the `spacy` extra)."""
        from crocus_claims.loader.spacy_docbin import SPANS_KEY, to_docbin

        return to_docbin(self, spans_key or SPANS_KEY)

    def write_docbins(self, folder: str | Path, spans_key: str | None = None,
                      batch_size: int = 1000) -> tuple[list[Path], AlignmentReport]:
        """spaCy DocBin files of `batch_size` documents each in `folder`, written batch by batch, and
        the report of token cuts (see loader.spacy_docbin.write_docbins)."""
        from crocus_claims.loader.spacy_docbin import SPANS_KEY, write_docbins

        return write_docbins(self, folder, spans_key or SPANS_KEY, batch_size)


# The claims board's pages (one per document): checked for presence and size only, since the loader
# never reads them; `crocus-claims release verify` hashes them too.
NOT_READ_BY_THE_LOADER = ("board/",)


def load(path: str | Path | None = None) -> Dataset:
    """Open the release folder at `path` (default: the release shipped with the package), after
    checking every file against its manifest (the files it reads by SHA-256, the board's pages by
    size); ReleaseIntegrityError names each file that differs."""
    folder = Path(path) if path is not None else resources.bundled_release_dir()
    if not folder.is_dir():
        hint = " (run `make release` in a checkout)" if path is None else ""
        raise FileNotFoundError(f"no release folder at {folder}{hint}")
    manifest, differences = verify_files(folder, size_only=NOT_READ_BY_THE_LOADER)
    if differences or manifest is None:
        raise ReleaseIntegrityError(folder, differences)
    schema, schema_differences = release_schema(folder, manifest)
    if schema is None:
        raise ReleaseIntegrityError(folder, schema_differences)
    return Dataset(folder, manifest, schema)


__all__ = ["Dataset", "DatasetError", "load"]
