"""Versioned releases of the dataset: build, verify, and what a release folder contains.

A release folder (dist/crocus-claims-<release version>/) holds documents.jsonl, schema/,
manifest.json, croissant.json and README.md (the datasheet). The release version is set in
annotations/RELEASE.yaml, apart from the schema version; the manifest records both.
"""

from crocus_claims.release.build import build_release, bundle_release
from crocus_claims.release.errors import ReleaseError
from crocus_claims.release.verify import Difference, ReleaseIntegrityError, verify_files, verify_release

__all__ = [
    "Difference",
    "ReleaseError",
    "ReleaseIntegrityError",
    "build_release",
    "bundle_release",
    "verify_files",
    "verify_release",
]
