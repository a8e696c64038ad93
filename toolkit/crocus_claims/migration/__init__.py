"""Schema migrations: how records of one schema version become records of the next.

A migration is data, `schema/migrations/FROM--TO.yaml` (format: schema/migrations/README.md),
read into typed models and checked against both schemas (`load_migration`). The library API,
independent of the command line and of files:

    migrations = migration_path("1.0.0", "2.0.0")          # one per consecutive version
    new_record, impacts = migrate_record(record, migrations, decisions)

Every change is an `Impact`; the blocking ones (a decision nobody made, data lost or refused)
say the result must not be written as it is.
"""

from crocus_claims.migration.apply import (
    BLOCKING,
    CommonVersion,
    Decision,
    Decisions,
    Impact,
    apply_migration,
    migrate_record,
    record_version,
    rename_key,
    to_newest_version,
)
from crocus_claims.migration.model import (
    FILE_NAME,
    Migration,
    MigrationError,
    MissingMigration,
    NeedsDecision,
    load_migration,
    migration_file,
    migration_path,
    migrations_dir,
)

__all__ = [
    "FILE_NAME",
    "BLOCKING",
    "CommonVersion",
    "Decision",
    "Decisions",
    "Impact",
    "Migration",
    "MigrationError",
    "MissingMigration",
    "NeedsDecision",
    "apply_migration",
    "load_migration",
    "migrate_record",
    "migration_file",
    "migration_path",
    "migrations_dir",
    "record_version",
    "rename_key",
    "to_newest_version",
]
