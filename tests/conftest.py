"""Shared test set-up. Fixtures of one area live in their own module, loaded here as plugins."""

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
    """The names of folders that cannot be listed: `locked`, and any name the test adds (os.scandir
    refuses them, as for a folder without read permission: the tests run as root, who may list any
    folder)."""
    locked = {"locked"}
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).name in locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield locked


@pytest.fixture
def unenterable_folders(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """The names of folders that can be listed but not entered (read without execute permission):
    os.stat refuses the entries inside them, `noentry` and any name the test adds."""
    unenterable = {"noentry"}
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).parent.name in unenterable:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    yield unenterable
