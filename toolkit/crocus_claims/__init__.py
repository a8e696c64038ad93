"""Crocus Claims: a span-annotated news dataset and the toolkit that builds, checks and ships it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crocus_claims.loader import Dataset

try:
    __version__ = version("crocus-claims")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+unknown"


def load(path: str | Path | None = None) -> Dataset:
    """The release at `path`, or the one shipped with the package; checksums are verified on load.

    Imported on call, so that `import crocus_claims` stays light (no polars).
    """
    from crocus_claims.loader import load as load_release

    return load_release(path)


__all__ = ["__version__", "load"]
