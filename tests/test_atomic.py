"""Atomic writes: a failed write leaves the previous output intact, a good one is readable by all."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from crocus_claims.atomic import UnwritableOutput, atomic_directory, atomic_write, write_files


def test_a_failed_write_leaves_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("previous\n")
    with pytest.raises(RuntimeError), atomic_write(path) as handle:
        handle.write("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_a_good_write_replaces_the_file_with_ordinary_permissions(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with atomic_write(path) as handle:
        handle.write("new\n")
    assert path.read_text() == "new\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_a_failed_directory_build_leaves_the_previous_directory(tmp_path: Path) -> None:
    target = tmp_path / "release"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        (staging / "new.txt").write_text("new")
        raise RuntimeError("interrupted")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    with atomic_directory(target) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["release"]


def disk_full(*args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_unwritable_output_and_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("previous\n")
    with pytest.raises(UnwritableOutput) as refused, atomic_write(path) as handle:
        handle.write("half")
        disk_full()
    assert refused.value.code == "unwritable-file" and refused.value.errno == errno.ENOSPC
    assert str(refused.value) == f"{path}: cannot write: No space left on device"
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_a_full_disk_at_the_sync_is_unwritable_output(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("previous\n")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(UnwritableOutput), atomic_write(path) as handle:
        handle.write("new\n")
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_an_output_under_a_file_names_the_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    for writer in (atomic_write, atomic_directory):
        with pytest.raises(UnwritableOutput) as refused, writer(tmp_path / "afile" / "out"):
            pytest.fail("the block ran although nothing could be written")
        assert str(refused.value).startswith(f"{tmp_path / 'afile' / 'out'}: cannot write: ")
        assert str(refused.value).endswith(f" ({tmp_path / 'afile'})")


def test_the_callers_own_errors_pass_through(tmp_path: Path) -> None:
    """An error of the block that is not about the output (an input it cannot read) is not turned
    into unwritable-file: the caller reports it as what it is."""
    missing = tmp_path / "no-such-input"
    with pytest.raises(FileNotFoundError) as raised, atomic_write(tmp_path / "out") as handle:
        handle.write(missing.read_text())
    assert not isinstance(raised.value, UnwritableOutput)
    with pytest.raises(FileNotFoundError) as raised, atomic_directory(tmp_path / "folder"):
        missing.read_text()
    assert not isinstance(raised.value, UnwritableOutput)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_full_disk_inside_a_folder_build_keeps_the_previous_folder(tmp_path: Path) -> None:
    target = tmp_path / "release"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(UnwritableOutput) as refused, atomic_directory(target) as staging:
        (staging / "new.txt").write_text("new")
        raise OSError(errno.ENOSPC, "No space left on device", str(staging / "big.parquet"))
    assert str(refused.value).startswith(f"{target}: cannot write: No space left on device")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["release"]


def test_a_failed_swap_puts_the_previous_folder_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "release"
    target.mkdir()
    (target / "old.txt").write_text("old")
    real_replace = os.replace

    def replace(source: Any, destination: Any) -> None:
        if Path(source).name.endswith(".tmp"):  # the new folder, into place
            raise OSError(errno.EIO, "Input/output error", str(source))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(UnwritableOutput), atomic_directory(target) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["release"]


def test_a_pipe_is_written_in_place_never_replaced(tmp_path: Path) -> None:
    """`-o /dev/stdout` or a named pipe: a file put in its place would break it for everyone
    (as root, `-o /dev/null` replaced the system's /dev/null)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    with atomic_write(pipe) as handle:
        handle.write("through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path) -> None:
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old\n")
    link.symlink_to(target)
    with atomic_write(link) as handle:
        handle.write("new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "target.json"]


def test_a_folder_swap_leaves_nothing_beside_it_and_spares_other_folders(tmp_path: Path) -> None:
    """The previous folder is retired under a name of its own: a user's `.release.old` is not deleted."""
    target = tmp_path / "release"
    target.mkdir()
    (tmp_path / ".release.old").mkdir()
    (tmp_path / ".release.old" / "keep.txt").write_text("mine")
    with atomic_directory(target) as staging:
        (staging / "new.txt").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".release.old", "release"]
    assert (tmp_path / ".release.old" / "keep.txt").read_text() == "mine"


def test_a_folder_in_the_way_of_one_file_writes_none_and_leaves_no_folder(tmp_path: Path) -> None:
    """write_files stages every file first: a folder where a file belongs is refused before any
    rename (it was found at the rename, after the files before it were in place); the folders
    made for the files are removed again."""
    (tmp_path / "old.txt").write_text("old")
    (tmp_path / "in-the-way").mkdir()
    contents = {tmp_path / "old.txt": b"new", tmp_path / "new" / "deep" / "a.txt": b"a",
                tmp_path / "in-the-way": b"b"}
    with pytest.raises(UnwritableOutput) as refused:
        write_files(contents)
    assert refused.value.filename == str(tmp_path / "in-the-way")
    assert (tmp_path / "old.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in-the-way", "old.txt"]


def test_an_interrupted_write_of_many_files_leaves_no_temporary_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def interrupted(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_files({tmp_path / "a.txt": b"a", tmp_path / "b.txt": b"b"})
    assert list(tmp_path.iterdir()) == []


def test_many_files_follow_a_symbolic_link_as_one_file_does(tmp_path: Path) -> None:
    target, link = tmp_path / "target.jsonl", tmp_path / "link.jsonl"
    target.write_text("old\n")
    link.symlink_to(target)
    write_files({link: b"new\n"})
    assert link.is_symlink() and target.read_text() == "new\n"


def test_standard_output_is_written_in_place_whatever_it_is_open_on(tmp_path: Path) -> None:
    """`-o /dev/stdout` names the descriptor: into a pipe it was refused (its link names no file),
    and into a file the file was replaced, so the shell's descriptor wrote to a deleted file."""
    code = ("from pathlib import Path; from crocus_claims.atomic import atomic_write\n"
            "with atomic_write(Path('/dev/stdout')) as handle: handle.write('to the descriptor\\n')")
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert piped.stdout == "to the descriptor\n"
    output = tmp_path / "out.txt"
    with open(output, "w", encoding="utf-8") as handle:
        handle.write("before\n")
        handle.flush()
        after = code + "\nprint('after', flush=True)"
        subprocess.run([sys.executable, "-c", after], stdout=handle, check=True)
        assert os.fstat(handle.fileno()).st_ino == output.stat().st_ino  # the file opened, not another
    # through a copy of the descriptor: nothing truncated, nothing written over
    assert output.read_text(encoding="utf-8") == "before\nto the descriptor\nafter\n"
    (tmp_path / "link").symlink_to("/dev/stdout")
    linked = code.replace("Path('/dev/stdout')", repr(tmp_path / "link").replace("PosixPath", "Path"))
    with open(output, "a", encoding="utf-8") as handle:
        subprocess.run([sys.executable, "-c", linked], stdout=handle, check=True)
    assert output.read_text(encoding="utf-8").endswith("after\nto the descriptor\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "out.txt"]


def test_a_regular_file_is_replaced_whole_wherever_it_is(tmp_path: Path) -> None:
    """Only devices, pipes, sockets and descriptor names are written in place: a regular file in
    /dev/shm was written in place too, so a failed write left it cut short."""
    from crocus_claims.atomic import _in_place

    shared = Path("/dev/shm") / f"crocus-claims-test-{os.getpid()}.json"
    shared.write_text("{}")
    try:
        assert not _in_place(shared)
    finally:
        shared.unlink()
    assert _in_place(Path("/dev/null")) and _in_place(Path("/dev/stderr"))
    assert not _in_place(tmp_path / "missing.json")


def test_folders_made_for_files_are_removed_even_when_making_them_failed_halfway(tmp_path: Path) -> None:
    with pytest.raises(UnwritableOutput) as refused:
        write_files({tmp_path / "a.txt": b"a", tmp_path / "new" / ("L" * 300) / "b.txt": b"b"})
    assert refused.value.errno == errno.ENAMETOOLONG
    assert list(tmp_path.iterdir()) == []


def test_a_loop_of_links_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    """open() cannot write through a loop of links; the write was made beside it and renamed
    over the link, which it replaced with a file."""
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    with pytest.raises(UnwritableOutput) as refused, atomic_write(loop) as handle:
        handle.write("x")
    assert refused.value.errno == errno.ELOOP
    with pytest.raises(UnwritableOutput) as refused:
        write_files({loop: b"x"})
    assert refused.value.errno == errno.ELOOP
    assert loop.is_symlink() and os.readlink(loop) == str(loop)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop.json"]
