"""Properties of migrations over records drawn from the schemas themselves (tests/strategies.py):
every valid record of the old version becomes a valid record of the new one, or the migration
reports why not; migrating is idempotent; renames are invertible.

The schemas and migrations are the made-up ones of tests/schema_versions.py, whose migration uses
every kind of operation.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_versions import made_up_folder, renames_only_folder
from strategies import records

from crocus_claims.migration import Decision, Decisions, apply_migration, migrate_record, migration_path
from crocus_claims.validation import validate_records

_SCRATCH = tempfile.TemporaryDirectory(prefix="crocus-migration-properties-")  # removed at exit
ROOT = Path(_SCRATCH.name)
FOLDER = made_up_folder(ROOT / "every-operation")
RENAMES = renames_only_folder(ROOT / "renames")
CHAIN = migration_path("1.0.0", "2.0.0", FOLDER)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def answers_for(record: dict[str, Any], answer: str) -> Decisions:
    """A decision for every span a first pass leaves waiting."""
    _, impacts = migrate_record(record, CHAIN)
    return Decisions([Decision(i.doc_id, i.span_id, answer, by="property", why="test")
                      for i in impacts if i.kind == "needs-decision"])


@SETTINGS
@given(records(FOLDER.load("1.0.0")), st.sampled_from(["CROCUS_2024", "FUTURE_OR_HYPOTHETICAL"]))
def test_every_valid_old_record_migrates_to_a_valid_new_one_or_is_reported(record: dict[str, Any],
                                                                           answer: str) -> None:
    assert validate_records([record], corpus={}, schemas=FOLDER) == []
    migrated, impacts = migrate_record(record, CHAIN)
    findings = validate_records([migrated], corpus={}, schemas=FOLDER)
    assert findings == [] or any(i.blocking for i in impacts), findings
    decided, impacts = migrate_record(record, CHAIN, answers_for(record, answer))
    assert validate_records([decided], corpus={}, schemas=FOLDER) == []
    assert not [i for i in impacts if i.kind in ("needs-decision", "refused")]
    lost = [i for i in impacts if i.kind == "lost"]
    assert len(decided["spans"]) == len(record["spans"]) - sum(1 for i in lost if i.op == "remove_label"
                                                                and i.relation_id is None)
    assert len(decided["relations"]) == len(record["relations"]) - sum(1 for i in lost if i.relation_id)


@SETTINGS
@given(records(FOLDER.load("1.0.0")))
def test_migrating_is_idempotent(record: dict[str, Any]) -> None:
    decisions = answers_for(record, "CROCUS_2024")
    once, _ = migrate_record(record, CHAIN, decisions)
    assert migrate_record(once, CHAIN) == (once, [])
    # and the operations themselves change nothing the second time (the version aside)
    again = copy.deepcopy(once)
    again["schema_version"] = CHAIN[-1].from_
    impacts = apply_migration(again, CHAIN[-1])
    assert again == once and impacts == []


@SETTINGS
@given(records(RENAMES.load("1.0.0")))
def test_renames_are_invertible(record: dict[str, Any]) -> None:
    (forward,) = migration_path("1.0.0", "2.0.0", RENAMES)
    new, impacts = migrate_record(record, [forward])
    assert validate_records([new], corpus={}, schemas=RENAMES) == []
    assert all(i.kind == "changed" for i in impacts)
    back, _ = migrate_record(new, [forward.inverse()])
    assert json.dumps(back) == json.dumps(record)  # the same record, keys in the same order
