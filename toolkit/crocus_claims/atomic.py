"""Atomic writes: a failed or interrupted run leaves the previous output intact.

A write the file system refuses (its folder cannot be made, no permission, the disk is full) is
raised as UnwritableOutput, code `unwritable-file`, which the command line reports in one line
(exit 2). Any other exception from the caller's block passes through unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
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


@contextlib.contextmanager
def _output_errors(path: Path, written: Path) -> Iterator[None]:
    """The caller's block, whose OSError is raised as UnwritableOutput for `path` when it is the
    file system's about the output: a full or read-only disk, or a failure inside `written` (the
    temporary file or folder the block fills). Any other error passes through unchanged."""
    try:
        yield
    except UnwritableOutput:
        raise
    except OSError as error:
        if error.errno in WRITE_ERRNOS or _is_inside(error.filename, written):
            raise UnwritableOutput(path, error) from error
        raise


def _unnamed(error: OSError) -> OSError:
    """`error` without its file name: the temporary file or folder it names is gone by now."""
    return OSError(error.errno, error.strerror)


def _temporary_beside(path: Path, made: list[Path] | None = None) -> tuple[int, str]:
    """A new temporary file in `path`'s folder (made if need be, each folder made appended to
    `made` as it is made): its descriptor and path. Raises UnwritableOutput when the folder cannot
    be made or refuses new files."""
    try:
        missing = [folder for folder in (path.parent, *path.parent.parents) if not os.path.lexists(folder)]
        for folder in reversed(missing):  # outermost first, each recorded once it exists
            folder.mkdir(exist_ok=True)
            if made is not None:
                made.append(folder)
        path.parent.mkdir(parents=True, exist_ok=True)  # a file in the way: FileExistsError naming it
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


_DESCRIPTOR_NAMES = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def _descriptor_named(path: Path) -> int | None:
    """The open descriptor `path` names (/dev/stdout, /dev/fd/N, /proc/self/fd/N, also through a
    link), or None. Such a name is written through a copy of the descriptor: opened anew, it would
    truncate the file the shell opened and write over it from its start."""
    for name in _link_chain(path):
        if name in _DESCRIPTOR_NAMES:
            return _DESCRIPTOR_NAMES[name]
        found = re.fullmatch(rf"/(?:dev/fd|proc/(?:self|{os.getpid()})/fd)/(\d+)", name)
        if found:
            return int(found.group(1))
    return None


def _link_chain(path: Path, hops: int = 40) -> Iterator[str]:
    """`path` made absolute, then each name its links lead to, in turn (at most `hops` links).
    Not realpath: it would go through /proc/self/fd/1 to the file the descriptor is open on."""
    name = os.path.abspath(path)
    for _ in range(hops):
        yield name
        try:
            name = os.path.normpath(os.path.join(os.path.dirname(name), os.readlink(name)))
        except OSError:  # not a link (or gone): the chain ends here
            return


def _in_place(path: Path) -> bool:
    """Whether `path` is written where it is, never replaced: a device, a pipe or a socket (through
    links), or the name of an open descriptor. A regular file is never written in place, wherever
    it is (/dev/shm too)."""
    if _descriptor_named(path) is not None:
        return True
    try:
        kind = os.stat(path).st_mode  # through links
    except OSError:
        return False
    return stat.S_ISCHR(kind) or stat.S_ISBLK(kind) or stat.S_ISFIFO(kind) or stat.S_ISSOCK(kind)


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
                raise UnwritableOutput(target, _unnamed(error)) from error
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
    text = "b" not in mode
    encoding, newline = ("utf-8", "\n") if text else (None, None)
    descriptor = _descriptor_named(path)
    try:
        if descriptor is not None:  # a copy: shares the position, truncates nothing, closes alone
            handle: IO = os.fdopen(os.dup(descriptor), mode, encoding=encoding, newline=newline)
        else:
            handle = open(path, mode, encoding=encoding, newline=newline)
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
    socket is written in place, as open() would: it has no previous content to keep; a descriptor
    name (`-o /dev/stdout`) through a copy of that descriptor. Raises UnwritableOutput for a write
    the file system refuses (the parent folder cannot be made, the temporary file cannot be
    created, written, synced or renamed)."""
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
            with _output_errors(path, Path(tmp)):
                yield handle
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as error:
                raise UnwritableOutput(path, error) from error
        try:
            os.chmod(tmp, _default_mode(0o666))  # mkstemp makes 0600; give what open() would have
            os.replace(tmp, path)
        except OSError as error:
            raise UnwritableOutput(path, _unnamed(error)) from error
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
        with _output_errors(path, staging):
            yield staging
        try:
            _swap_in(staging, path)
        except OSError as error:
            raise UnwritableOutput(path, _unnamed(error)) from error
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
