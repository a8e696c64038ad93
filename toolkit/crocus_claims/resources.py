"""Where the project's data folders are, in a source checkout and in an installed wheel.

A wheel carries schema/, corpus/ and the bundled release under `crocus_claims/_data/`; a
checkout (or an editable install) reads the top-level folders of the repository directly.
`$CROCUS_CLAIMS_ROOT` names another project folder (a copy of the repository's schema/, corpus/
and annotations/, e.g. a temporary one in tests): its folders come first, and releases are
built into its dist/.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_data"
REPO_ROOT = PACKAGE_DIR.parents[1]


ROOT_VARIABLE = "CROCUS_CLAIMS_ROOT"


def project_root() -> Path:
    """The project folder: $CROCUS_CLAIMS_ROOT when set, else the repository."""
    override = os.environ.get(ROOT_VARIABLE)
    return Path(override).resolve() if override else REPO_ROOT


def _data_dir(name: str) -> Path:
    override = os.environ.get(ROOT_VARIABLE)
    if override and (Path(override) / name).is_dir():
        return Path(override).resolve() / name
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
