"""Beyond one machine (README): many release parts read as one dataset by DuckDB and polars lazy
frames straight from their Parquet tables and JSONL files, without the toolkit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from crocus_claims import resources
from crocus_claims.loader import load
from crocus_claims.schema import load_schema
from crocus_claims.tables import documents_file_schema

sys.path.insert(0, str(resources.REPO_ROOT / "benchmarks"))
from generate import generate_release  # noqa: E402

PARTS, PER_PART = 3, 15


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("releases")
    for number in range(PARTS):
        generate_release(root / f"part-{number}", PER_PART, seed=number, first=number * PER_PART)
    return root


def expected_spans_per_label(root: Path) -> dict[str, int]:
    totals: dict[str, int] = {}
    for manifest in root.glob("part-*/manifest.json"):
        for label, count in json.loads(manifest.read_text())["counts"]["spans_per_label"].items():
            totals[label] = totals.get(label, 0) + count
    return {label: count for label, count in totals.items() if count}


def test_polars_lazy_over_every_part(parts: Path) -> None:
    spans = pl.scan_parquet(f"{parts}/part-*/spans.parquet")  # the README's query
    per_label = spans.group_by("label").agg(pl.len().alias("spans"), pl.col("doc_id").n_unique().alias("documents"))
    result = {row["label"]: row["spans"] for row in per_label.collect().iter_rows(named=True)}
    assert result == expected_spans_per_label(parts)
    whole = pl.concat([load(folder).spans() for folder in sorted(parts.glob("part-*"))])
    assert spans.collect().sort("doc_id", "span_id").equals(whole.sort("doc_id", "span_id"))


def test_duckdb_over_every_part(parts: Path) -> None:
    rows = duckdb.sql(f"SELECT label::VARCHAR AS label, count(*) AS spans "
                      f"FROM read_parquet('{parts}/part-*/spans.parquet') GROUP BY ALL").fetchall()
    assert dict(rows) == expected_spans_per_label(parts)
    joined = duckdb.sql(f"""
        SELECT d.split::VARCHAR, count(*) FROM read_parquet('{parts}/part-*/spans.parquet') s
        JOIN read_parquet('{parts}/part-*/documents.parquet') d USING (doc_id) GROUP BY ALL""").fetchall()
    assert sum(count for _, count in joined) == sum(expected_spans_per_label(parts).values())


def test_the_jsonl_parts_read_as_one_with_the_schema_derived_types(parts: Path) -> None:
    documents = pl.scan_ndjson(f"{parts}/part-*/documents.jsonl", schema=documents_file_schema(load_schema()))
    assert documents.select(pl.len()).collect().item() == PARTS * PER_PART
    assert documents.select(pl.col("doc_id").n_unique()).collect().item() == PARTS * PER_PART
