"""Where the project's data folders are, in a source checkout and in an installed wheel.

A wheel carries schema/, corpus/ and the bundled release under `crocus_claims/_data/`; a
checkout (or an editable install) reads the top-level folders of the repository directly.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_data"
REPO_ROOT = PACKAGE_DIR.parents[1]


def _data_dir(name: str) -> Path:
    bundled = BUNDLED_DIR / name
    return bundled if bundled.is_dir() else REPO_ROOT / name


def schema_dir() -> Path:
    return _data_dir("schema")


def corpus_dir() -> Path:
    return _data_dir("corpus")


def annotations_dir() -> Path:
    return _data_dir("annotations")


def bundled_release_dir() -> Path:
    """The release `crocus_claims.load()` reads when given no folder.

    In a wheel, crocus_claims/_data/release/, force-included from dist/release/; in a checkout,
    dist/release/ itself, which `crocus-claims release build` (`make release`) writes.
    """
    bundled = BUNDLED_DIR / "release"
    return bundled if bundled.is_dir() else REPO_ROOT / "dist" / "release"
