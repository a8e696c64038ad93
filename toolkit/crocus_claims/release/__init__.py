"""Versioned releases of the dataset: build, verify, and what a release folder contains.

A release folder (dist/crocus-claims-<release version>/) holds documents.jsonl, schema/,
manifest.json, croissant.json, README.md (the datasheet) and board/ (the claims board). The release version is set in
annotations/RELEASE.yaml, apart from the schema version; the manifest records both.

The names below import their module on first use (PEP 562), so that the loader, which needs
only release.integrity, never imports the builder (datasheet, Croissant, agreement, JSON Schema).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crocus_claims.release.build import build_release, bundle_release
    from crocus_claims.release.errors import ReleaseError
    from crocus_claims.release.integrity import Difference, ReleaseIntegrityError, verify_files
    from crocus_claims.release.verify import verify_release

_HOMES = {
    "build_release": "build",
    "bundle_release": "build",
    "ReleaseError": "errors",
    "Difference": "integrity",
    "ReleaseIntegrityError": "integrity",
    "verify_files": "integrity",
    "verify_release": "verify",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = [
    "Difference",
    "ReleaseError",
    "ReleaseIntegrityError",
    "build_release",
    "bundle_release",
    "verify_files",
    "verify_release",
]
