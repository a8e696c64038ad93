"""The files a command reads from the paths it is given: folders searched, each file once.

A file named twice (again, by another spelling, through a hard or symbolic link, or inside a
folder also named) is read once, where it first comes: read again, the validator would report
each of its records as its own duplicate, and a migration would count and write it twice. A path
that cannot be used is an `unreadable-file` finding, never a traceback, and so is a folder inside
a named folder that cannot be listed: a check that passed without reading it would say "valid"
of files it never saw.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # imported where used: the validation package imports this module
    from crocus_claims.validation.findings import Finding

NOT_REGULAR = "not a regular file or folder (read a pipe as standard input: -)"


def expand_paths(paths: Iterable[str | Path], *, in_folder: Callable[[Path, Path], bool], empty_folder: str,
                 named: Callable[[Path], str | None] = lambda path: None) -> tuple[list[Path], list[Finding]]:
    """The files of `paths`, in order, each once (`each_file_once`), and a finding for each path
    that cannot be used.

    A folder gives its files, searched recursively, that `in_folder` (given each file and the
    folder) wants, in sorted order; none is the finding `empty_folder`. A file named is taken
    unless `named` gives a reason to refuse it. A path that is missing, not a regular file or
    folder, or under a folder that cannot be entered is an `unreadable-file` finding."""
    from crocus_claims.validation.findings import Finding

    files, problems = [], []
    for path in map(Path, paths):
        try:
            if path.is_dir():
                under, unreadable = files_under(path)
                found = [file for file in under if in_folder(file, path)]
                wanted = [entry for entry in unreadable
                          if not entry.broken_link or in_folder(entry.path, path)]
                if not found and not wanted:
                    problems.append(Finding("unreadable-file", empty_folder, str(path)))
                files += found
                problems += [Finding("unreadable-file", entry.message, str(entry.path)) for entry in wanted]
                continue
            refusal = (named(path) if path.is_file() else NOT_REGULAR if path.exists()
                       else "no such file or folder")
        except OSError as error:  # a path under a folder that cannot be entered
            refusal = f"cannot read: {error.strerror}"
        if refusal is None:
            files.append(path)
        else:
            problems.append(Finding("unreadable-file", refusal, str(path)))
    once, gone = each_file_once(files)
    return once, problems + gone


class Unreadable(NamedTuple):
    """A path under a folder that cannot be read, and why, as an `unreadable-file` message."""

    path: Path
    message: str
    broken_link: bool = False  # a link to nothing or a loop of links: a problem only where the file is wanted

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def files_under(folder: Path) -> tuple[list[Path], list[Unreadable]]:
    """The files under `folder` (regular files and links to them), recursively, without following
    links to folders, sorted (what Path.rglob("*") and is_file() give), and what cannot be read,
    sorted: a folder that cannot be listed, which Path.rglob skips without a word (Python 3.11
    and 3.12), an entry whose kind cannot be told (in a folder that can be listed but not
    entered), where is_file() raises, and a link to nothing or a loop of links (`broken_link`),
    which is_file() calls no file. Imports nothing beyond the standard library: the loader's
    integrity check uses it."""
    found: list[Path] = []
    unreadable: list[Unreadable] = []

    def unlisted(error: OSError) -> None:
        unreadable.append(Unreadable(Path(str(error.filename)), f"cannot list this folder: {error.strerror}"))

    for root, _, names in os.walk(folder, onerror=unlisted):
        for name in names:
            path = Path(root, name)
            try:
                if path.is_file():
                    found.append(path)
                elif path.is_symlink() and not path.exists() and not name.startswith(".#"):  # .#: a lock
                    unreadable.append(Unreadable(path, "cannot read: a link to nothing, or a loop of links",
                                                 broken_link=True))
            except OSError as error:
                unreadable.append(Unreadable(path, f"cannot read: {error.strerror}"))
    return sorted(found), sorted(unreadable)


class UnreadableFolder(OSError):
    """A folder whose entries a command needs cannot be listed: `unreadable-file`, exit 2 (the
    command line reports it as one coded line)."""

    code = "unreadable-file"
    exit_code = 2


def files_in(folder: Path, pattern: str) -> tuple[list[Path], list[Unreadable]]:
    """The entries directly in `folder` whose names match `pattern` (a glob pattern, as Path.glob
    reads it: fnmatch), sorted, and the folder as Unreadable when it exists but cannot be listed,
    where Path.glob yields nothing without a word (Python 3.11 and 3.12). A missing folder has no
    entries."""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries]
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    except OSError as error:
        return [], [Unreadable(folder, f"cannot list this folder: {error.strerror}")]
    return sorted(folder / name for name in fnmatch.filter(names, pattern)), []


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
