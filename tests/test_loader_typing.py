"""A user's type checker sees the loader's types: documents, spans, BIO results and frames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USER_CODE = '''
import datetime as dt
from typing import Literal, assert_type

import polars as pl

import crocus_claims
from crocus_claims.loader.bio import BioDocument, BioResult, LayeredBioDocument
from crocus_claims.records import AttributeValue, Document, Relation, Span

ds = crocus_claims.load()
doc = next(iter(ds))
assert_type(doc, Document)
assert_type(doc.spans[0], Span)
assert_type(doc.spans[0].start, int)
assert_type(doc.spans[0].label, str)
assert_type(doc.spans[0].attributes.incident, AttributeValue)
assert_type(doc.relations[0], Relation)
assert_type(doc.text, str)
assert_type(doc.split, Literal["train", "dev", "test"])
assert_type(doc.metadata.publication_date, dt.date | None)
assert_type(ds.to_bio(), BioResult[BioDocument])
assert_type(ds.to_bio().documents[0].tags, list[str])
assert_type(ds.to_layered_bio().documents[0].tags, dict[str, list[str]])
assert_type(ds.spans(), pl.DataFrame)
assert_type(ds.filter(split="train").lazy_spans(), pl.LazyFrame)
'''


def test_a_users_mypy_sees_typed_documents(tmp_path: Path) -> None:
    (tmp_path / "user.py").write_text(USER_CODE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         "--follow-imports=silent", str(tmp_path / "user.py")],
        check=False, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
