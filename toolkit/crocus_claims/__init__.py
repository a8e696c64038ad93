"""Crocus Claims: a span-annotated news dataset and the toolkit that builds, checks and ships it."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, which costs more than the rest
if TYPE_CHECKING:
    from pathlib import Path

    from crocus_claims.loader import Dataset

__version__: str  # read from the installed metadata on first use (module __getattr__ below)


def __getattr__(name: str) -> str:
    """`__version__`, looked up only when asked for: importlib.metadata alone costs ~25 ms."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("crocus-claims")
    except PackageNotFoundError:  # running from a checkout without an install
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found


def load(path: str | Path | None = None) -> Dataset:
    """The release at `path`, or the one shipped with the package; checksums are verified on load.

    Returns a `crocus_claims.loader.Dataset`; raises FileNotFoundError when there is no release
    folder and `crocus_claims.release.ReleaseIntegrityError` when a file differs from the
    manifest. Imported on call, so that `import crocus_claims` stays light (no polars).
    """
    from crocus_claims.loader import load as load_release

    return load_release(path)


__all__ = ["__version__", "load"]
