"""Validation of annotation records against the schema, the corpus and their own text.

The library API; `crocus-claims validate` is a thin command over it. Codes: validation/codes.py.
"""

from crocus_claims.validation.codes import CODES, Code
from crocus_claims.validation.findings import Finding
from crocus_claims.validation.validator import (
    Report,
    iter_findings,
    validate_lines,
    validate_paths,
    validate_records,
)

__all__ = [
    "CODES",
    "Code",
    "Finding",
    "Report",
    "iter_findings",
    "validate_lines",
    "validate_paths",
    "validate_records",
]
