"""The Parquet tables of a release: typed from the schema, described in the manifest and Croissant,
read back alike by polars, pyarrow and DuckDB, checked by `release verify`, used by the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import mlcroissant as mlc
import polars as pl
import pyarrow.parquet as pq
import pytest
from crocus_claims.loader import load
from crocus_claims.release import verify_release
from crocus_claims.release.manifest import MANIFEST_FILE, build_manifest, render_json
from crocus_claims.schema import load_schema
from crocus_claims.tables import TABLES, table_file
from test_release_build import build, corpus_gold

SCHEMA = load_schema()


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tables"), corpus_gold(SCHEMA, words_per_doc=8))


def manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))


def rewrite_manifest(folder: Path, drop_tables: bool = False) -> None:
    """Re-list the files as the build does, so that only the deeper checks can find a change."""
    header = {key: value for key, value in manifest(folder).items() if key not in ("files", "manifest_format")}
    if drop_tables:
        header.pop("tables")
    (folder / MANIFEST_FILE).write_bytes(render_json(build_manifest(folder, header)))


def test_spans_have_one_row_per_span_and_one_typed_column_per_attribute(release: Path) -> None:
    spans = pl.read_parquet(release / table_file("spans"))
    counts = manifest(release)["counts"]
    assert spans.height == counts["spans"] > 0
    assert spans.columns == ["doc_id", "split", "span_id", "label", "start", "end", "text",
                             *(attribute.name for attribute in SCHEMA.attributes)]
    for attribute in SCHEMA.attributes:
        dtype = spans.schema[attribute.name]
        expected = {"enum": pl.Enum, "integer": pl.Int64, "boolean": pl.Boolean, "date": pl.Date}.get(attribute.type,
                                                                                                     pl.String)
        assert dtype == expected or isinstance(dtype, expected), (attribute.name, dtype)
    assert spans["label"].dtype == pl.Enum([label.name for label in SCHEMA.labels])
    assert pl.read_parquet(release / table_file("relations")).height == counts["relations"]
    assert pl.read_parquet(release / table_file("documents")).height == counts["documents"]


def test_the_manifest_describes_each_table(release: Path) -> None:
    described = manifest(release)["tables"]
    assert sorted(described) == sorted(TABLES)
    for name, table in described.items():
        frame = pl.read_parquet(release / table["file"])
        assert table["rows"] == frame.height
        assert table["columns"] == {column: str(dtype) for column, dtype in frame.schema.items()}
        assert table["file"] in manifest(release)["files"]


@pytest.mark.parametrize("name", TABLES)
def test_polars_pyarrow_and_duckdb_read_the_same_rows(release: Path, name: str) -> None:
    path = release / table_file(name)
    by_polars = pl.read_parquet(path)
    by_pyarrow = pl.from_arrow(pq.read_table(path).cast(by_polars.to_arrow().schema))
    by_duckdb = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").pl()
    assert by_pyarrow.equals(by_polars)
    assert by_duckdb.columns == by_polars.columns and by_duckdb.height == by_polars.height
    # DuckDB reads the enums as its own ENUM or VARCHAR: compare values as strings
    as_text = [pl.col(c).cast(pl.String) for c, t in by_polars.schema.items() if isinstance(t, pl.Enum)]
    assert by_duckdb.with_columns(as_text).equals(by_polars.with_columns(as_text))


def test_duckdb_counts_spans_per_label_like_the_manifest(release: Path) -> None:
    rows = duckdb.sql(f"SELECT label::VARCHAR, count(*) FROM read_parquet('{release / 'spans.parquet'}') "
                      "GROUP BY ALL").fetchall()
    per_label = {label: count for label, count in manifest(release)["counts"]["spans_per_label"].items() if count}
    assert dict(rows) == per_label


def test_croissant_lists_the_tables_and_mlcroissant_reads_the_spans(release: Path) -> None:
    croissant = json.loads((release / "croissant.json").read_text(encoding="utf-8"))
    files = {item["name"]: item for item in croissant["distribution"]}
    for name in TABLES:
        assert files[table_file(name)]["encodingFormat"] == "application/x-parquet"
    dataset = mlc.Dataset(jsonld=release / "croissant.json")
    assert dataset.metadata.issues.errors == set()
    span_ids = [record["spans/span_id"] for record in dataset.records("spans")]
    expected = pl.read_parquet(release / "spans.parquet")["span_id"].to_list()
    assert [value.decode() if isinstance(value, bytes) else value for value in span_ids] == expected


def test_the_loader_reads_the_parquet_tables(release: Path) -> None:
    dataset = load(release)
    assert dataset.spans().equals(pl.read_parquet(release / "spans.parquet"))
    plan = dataset.lazy_spans().explain()
    assert "parquet" in plan.lower() and "ndjson" not in plan.lower()


def test_a_release_without_tables_loads_the_same_frames(release: Path, tmp_path: Path) -> None:
    import shutil

    old = shutil.copytree(release, tmp_path / "old")
    for name in TABLES:
        (old / table_file(name)).unlink()
    rewrite_manifest(old, drop_tables=True)
    for method in ("documents", "spans", "relations"):
        assert getattr(load(old), method)().equals(getattr(load(release), method)()), method
    assert load(old).filter(split="train").spans().equals(load(release).filter(split="train").spans())


def test_verify_finds_a_table_that_differs_from_the_documents(release: Path, tmp_path: Path) -> None:
    import shutil

    copy = shutil.copytree(release, tmp_path / "copy")
    spans = pl.read_parquet(copy / "spans.parquet")
    spans.slice(1).write_parquet(copy / "spans.parquet")
    rewrite_manifest(copy)  # checksums fixed up: only the comparison with documents.jsonl can tell
    differences = verify_release(copy)
    assert [(d.code, d.file) for d in differences] == [("table-mismatch", "spans.parquet")]
    assert f"{spans.height - 1} rows, expected {spans.height}" in differences[0].message
