"""Shared test set-up. Fixtures of one area live in their own module, loaded here as plugins."""

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

pytest_plugins = ("labelstudio_server", "browser")

# Speed is measured by the benchmarks (benchmarks/), never by tests: no property test has a time
# limit per example. Hypothesis's default deadline (200 ms) failed a test on a busy CI machine
# (29 November 2026: one example took 475 ms on its first call, 0.23 ms on the next).
settings.register_profile("crocus-claims", deadline=None)
settings.load_profile("crocus-claims")


@pytest.fixture
def locked_folders(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """The names of folders that cannot be listed: `locked`, and any name or whole path the test
    adds (os.scandir refuses them, as for a folder without read permission: the tests run as root,
    who may list any folder)."""
    locked = {"locked"}
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if not isinstance(path, int) and {Path(path).name, str(path)} & locked:  # int: a descriptor
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield locked


@pytest.fixture
def unenterable_folders(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """The names of folders that can be listed but not entered (read without execute permission):
    os.stat and io.open (Path.read_text, Path.open) refuse the entries inside them, `noentry` and
    any name (or whole path) the test adds."""
    unenterable = {"noentry"}
    real_stat, real_open = os.stat, io.open

    def refused(path: Any) -> bool:
        parent = Path(path).parent if isinstance(path, str | os.PathLike) else None
        return parent is not None and (parent.name in unenterable or str(parent) in unenterable)

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if refused(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    def open_(path: Any, *args: Any, **kwargs: Any) -> Any:
        if refused(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(io, "open", open_)
    yield unenterable
