"""Findings as a person reads them, and as a machine reads them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crocus_claims.validation.findings import Finding
from crocus_claims.validation.validator import Report


def summary_line(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    scope = f"{report.records} record(s) in {report.files} file(s)"
    if report.exit_code == 0:
        return f"valid: {scope}" + (f", {warnings} warning(s)" if warnings else "")
    return f"invalid: {errors} error(s), {warnings} warning(s) in {scope}"


def counts(findings: Iterable[Finding]) -> dict[str, Any]:
    """errors, warnings and findings by code: the summary every checking command gives."""
    by_code: dict[str, int] = {}
    errors = warnings = 0
    for finding in findings:
        by_code[finding.code] = by_code.get(finding.code, 0) + 1
        errors += finding.severity == "error"
        warnings += finding.severity == "warning"
    return {"errors": errors, "warnings": warnings, "by_code": dict(sorted(by_code.items()))}


def exit_code(findings: Iterable[Finding]) -> int:
    """The CLI contract: 0 valid (warnings allowed), 1 findings, 2 unreadable input."""
    codes = {(f.code, f.severity) for f in findings}
    if any(code == "unreadable-file" for code, _ in codes):
        return 2
    return 1 if any(severity == "error" for _, severity in codes) else 0


def findings_document(findings: list[Finding], summary: dict[str, Any] | None = None) -> str:
    """One JSON document for machines, the same for every checking command:
    {"valid": bool, "summary": {..., "errors", "warnings", "by_code"}, "findings": [Finding.to_dict()]}."""
    return json.dumps(
        {"valid": exit_code(findings) == 0, "summary": (summary or {}) | counts(findings),
         "findings": [f.to_dict() for f in findings]},
        ensure_ascii=False, indent=2,
    )


def summary(report: Report) -> dict[str, Any]:
    return {"files": report.files, "records": report.records} | counts(report.findings)


def json_document(report: Report) -> str:
    return findings_document(report.findings, {"files": report.files, "records": report.records})
