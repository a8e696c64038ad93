"""Findings as a person reads them, and as a machine reads them."""

from __future__ import annotations

import json
from typing import Any

from crocus_claims.validation.validator import Report


def summary_line(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    scope = f"{report.records} record(s) in {report.files} file(s)"
    if report.exit_code == 0:
        return f"valid: {scope}" + (f", {warnings} warning(s)" if warnings else "")
    return f"invalid: {errors} error(s), {warnings} warning(s) in {scope}"


def summary(report: Report) -> dict[str, Any]:
    by_code: dict[str, int] = {}
    for finding in report.findings:
        by_code[finding.code] = by_code.get(finding.code, 0) + 1
    return {
        "files": report.files,
        "records": report.records,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "by_code": dict(sorted(by_code.items())),
    }


def json_document(report: Report) -> str:
    return json.dumps(
        {"valid": report.exit_code == 0, "summary": summary(report),
         "findings": [f.to_dict() for f in report.findings]},
        ensure_ascii=False, indent=2,
    )

