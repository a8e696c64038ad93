"""Atomic writes: a failed or interrupted run leaves the previous output intact.

A write the file system refuses (its folder cannot be made, no permission, the disk is full) is
raised as UnwritableOutput, code `unwritable-file`, which the command line reports in one line
(exit 2). Any other exception from the caller's block passes through unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

# What writing to an open file raises when the file system, not the caller, is at fault.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


class UnwritableOutput(OSError):
    """An output the file system refuses; `filename` is the output's path (file or folder)."""

    code = "unwritable-file"

    def __init__(self, path: Path, error: OSError):
        super().__init__(error.errno, error.strerror or str(error), str(path))
        self.cause = error.filename if error.filename not in (None, str(path)) else None  # its folder, say

    def __str__(self) -> str:
        at = f" ({self.cause})" if self.cause is not None else ""
        return f"{self.filename}: cannot write: {self.strerror}{at}"


def _default_mode(base: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def _is_inside(filename: object, folder: Path) -> bool:
    return isinstance(filename, str | os.PathLike) and Path(filename).is_relative_to(folder)


def _temporary_beside(path: Path, made: list[Path] | None = None) -> tuple[int, str]:
    """A new temporary file in `path`'s folder (made if need be, each folder made appended to
    `made`): its descriptor and path. Raises UnwritableOutput when the folder cannot be made or
    refuses new files."""
    try:
        missing = [folder for folder in (path.parent, *path.parent.parents) if not os.path.lexists(folder)]
        path.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made += reversed(missing)
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise UnwritableOutput(path, error) from error


def _target(path: Path) -> Path:
    """Where a write to `path` goes: the file a symbolic link names (the link stays; a link to
    nothing yet names the file to make, as for open()). Raises UnwritableOutput for a loop of
    links, which open() cannot write either."""
    if not os.path.islink(path):
        return Path(path)
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnwritableOutput(path, error) from error
    return Path(os.path.realpath(path))


def _in_place(path: Path) -> bool:
    """Whether `path` is written where it is, never replaced: a device, a pipe or a socket, or a
    name for an open descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N), whatever it is open on."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return True
    try:
        kind = os.stat(path).st_mode  # through links
    except OSError:
        return False
    return not stat.S_ISREG(kind) and not stat.S_ISDIR(kind)


def check_writable(path: Path) -> None:
    """Raise UnwritableOutput now, before a long run, when no file can be created beside `path`
    (its folder cannot be made, or refuses new files); makes the folder, as atomic_write would.
    A device or descriptor name (/dev/stderr) is written in place: nothing to check."""
    if _in_place(Path(path)):
        return
    fd, temporary = _temporary_beside(_target(Path(path)))
    os.close(fd)
    os.unlink(temporary)


def write_files(contents: Mapping[Path, bytes]) -> None:
    """Write every file, all or none: each is written to a temporary file beside it first, and
    renamed into place only when all are written (a symbolic link is followed, as by
    atomic_write). Raises UnwritableOutput naming the first file the file system refuses, or
    that is a folder; no file has changed then, and no folder made for the files is left (only
    a rename failing after others were renamed, which a file system that took the bytes almost
    never does, leaves a mix)."""
    staged: list[tuple[str, Path]] = []
    made: list[Path] = []
    try:
        for path, content in contents.items():
            target = _target(Path(path))
            staged.append((_staged(target, content, made), target))
        for temporary, target in staged:
            try:
                os.replace(temporary, target)
            except OSError as error:
                raise UnwritableOutput(target, OSError(error.errno, error.strerror)) from error
    except BaseException:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _staged(path: Path, content: bytes, made: list[Path]) -> str:
    """`content` in a new temporary file beside `path`, synced, with open()'s permissions."""
    if os.path.isdir(path):
        raise UnwritableOutput(path, IsADirectoryError(errno.EISDIR, "a folder is in the way"))
    fd, temporary = _temporary_beside(path, made)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _default_mode(0o666))
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise UnwritableOutput(path, error) from error
        raise
    return temporary


@contextlib.contextmanager
def _written_in_place(path: Path, mode: str) -> Iterator[IO]:
    try:
        text = "b" not in mode
        handle: IO = open(path, mode, encoding="utf-8" if text else None, newline="\n" if text else None)
    except OSError as error:
        raise UnwritableOutput(path, error) from error
    with handle:
        try:
            yield handle
            handle.flush()
        except OSError as error:
            if error.errno in WRITE_ERRNOS or error.filename is None:
                raise UnwritableOutput(path, error) from error
            raise


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside `path`, then rename it over `path` only on success.

    A symbolic link is followed (the file it names is replaced, the link stays). A device, pipe or
    socket (`-o /dev/stdout`) is written in place, as open() would: it has no previous content to
    keep. Raises UnwritableOutput for a write the file system refuses (the parent folder cannot be
    made, the temporary file cannot be created, written, synced or renamed)."""
    if _in_place(Path(path)):
        with _written_in_place(Path(path), mode) as handle:
            yield handle
        return
    path = _target(Path(path))
    fd, tmp = _temporary_beside(path)
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else "\n"
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            try:
                yield handle
            except UnwritableOutput:
                raise
            except OSError as error:
                if error.errno in WRITE_ERRNOS or _is_inside(error.filename, Path(tmp)):
                    raise UnwritableOutput(path, error) from error
                raise
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as error:
                raise UnwritableOutput(path, error) from error
        try:
            os.chmod(tmp, _default_mode(0o666))  # mkstemp makes 0600; give what open() would have
            os.replace(tmp, path)
        except OSError as error:  # not named: the temporary file, gone now
            raise UnwritableOutput(path, OSError(error.errno, error.strerror)) from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Fill a fresh sibling folder, then swap it in for `path` only when the block succeeds.

    Raises UnwritableOutput for a write the file system refuses: the sibling folder cannot be
    made or swapped in, or the block's write to a file inside it fails."""
    path = Path(os.path.abspath(_target(Path(path))))  # `.` has no name to put beside it
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as error:
        raise UnwritableOutput(path, error) from error
    try:
        try:
            yield staging
        except UnwritableOutput:
            raise
        except OSError as error:
            if error.errno in WRITE_ERRNOS or _is_inside(error.filename, staging):
                raise UnwritableOutput(path, error) from error
            raise
        try:
            _swap_in(staging, path)
        except OSError as error:  # not named: the staging folder, gone now
            raise UnwritableOutput(path, OSError(error.errno, error.strerror)) from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, path: Path) -> None:
    os.chmod(staging, _default_mode(0o777))  # mkdtemp makes 0700
    if path.exists():
        retired = staging.with_suffix(".old")  # beside it, and as unique as the staging folder's name
        os.replace(path, retired)
        try:
            os.replace(staging, path)
        except OSError:
            os.replace(retired, path)  # the previous output, back in place
            raise
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, path)
