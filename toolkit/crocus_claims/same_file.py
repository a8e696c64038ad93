"""Which paths name the same file, so that a command reads each file once.

A file named twice (again, by another spelling, through a hard or symbolic link, or inside a
folder also named) would otherwise be read twice: the validator would report each of its records
as its own duplicate, and a migration would count and write it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the validation package imports this module
    from crocus_claims.validation.findings import Finding


def file_identity(path: Path) -> tuple[int, int] | Path:
    """The file `path` names: its device and inode, or its resolved path where the file system
    reports no inode (0, as some network and Windows file systems do; Python's os.stat_result:
    st_ino identifies the file "if non-zero"). Raises OSError when the file cannot be stat'ed."""
    status = path.stat()
    return (status.st_dev, status.st_ino) if status.st_ino else path.resolve()


def each_file_once(files: Iterable[Path]) -> tuple[list[Path], list[Finding]]:
    """`files` without repeats, in their order, each by the path it first came by, and an
    `unreadable-file` finding for each file gone since it was listed."""
    from crocus_claims.validation.findings import Finding

    kept: dict[tuple[int, int] | Path, Path] = {}
    problems = []
    for file in files:
        try:
            kept.setdefault(file_identity(file), file)
        except OSError as error:
            problems.append(Finding("unreadable-file", f"cannot read: {error.strerror}", str(file)))
    return list(kept.values()), problems
