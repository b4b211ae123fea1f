"""A report as users' tools read it: ruff-like text, a JSON list of findings, SARIF 2.1.0 (code scanning)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from lab import __version__
from lab.doctor.api import Report, rules, url_for
from lab.rules import Rule

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "possible": "note"}


def text(report: Report) -> str:
    lines = [f"{f.path}:{f.line}:{f.col}: {f.rule} {f.message}"
             + (f" ({f.versions})" if f.versions else "")
             + (" [possible]" if f.severity == "possible" else "") + f" [{f.url}]"
             for f in report.findings]
    lines += [f"{s.rel}: skipped, {s.why}" for s in report.skipped]
    count = len(report.findings)
    lines.append(f"{count} finding{'s' if count != 1 else ''} in {report.files} files" if count
                 else f"no findings in {report.files} files")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps([f.as_dict() for f in report.findings], indent=1) + "\n"


def _rule(rule: Rule, url_base: str | None) -> Mapping[str, object]:
    url = url_for(rule, url_base)
    ranges = "; ".join(rule.failing_ranges())
    entry: dict[str, object] = {
        "id": rule.code,
        "name": rule.scenario,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.symptom},
        "help": {"text": f"{rule.fix} Fails on: {ranges}. See {url}.",
                 "markdown": f"{rule.fix}\n\nFails on: {ranges}.\n\n[{rule.scenario}]({url})"},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"precision": "high", "problem.severity": "warning", "tags": ["async", "pytest"]},
    }
    if url.startswith(("http://", "https://")):
        entry["helpUri"] = url
    return entry


def sarif(report: Report, url_base: str | None = None) -> str:
    """SARIF 2.1.0: every rule listed (so alerts close once fixed), URIs relative to the project's root."""
    catalogue = rules()
    codes = sorted(catalogue)
    results = []
    for finding in report.findings:
        message = finding.message + (f" ({finding.versions})" if finding.versions else "")
        results.append({
            "ruleId": finding.rule,
            "ruleIndex": codes.index(finding.rule),
            "level": _LEVEL[finding.severity],
            "message": {"text": f"{message}. Fix: {finding.fix}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": finding.line, "startColumn": finding.col},
            }}],
            "properties": {"fails": finding.fails, "scenario": finding.scenario,
                           "severity": finding.severity},
        })
    notifications = [{"level": "note", "message": {"text": f"{s.rel}: skipped, {s.why}"},
                      "locations": [{"physicalLocation": {"artifactLocation": {"uri": s.rel,
                                                                                "uriBaseId": "%SRCROOT%"}}}]}
                     for s in report.skipped]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lab doctor", "version": __version__,
                                "informationUri": url_for(catalogue[codes[0]], url_base).rsplit("/", 1)[0]
                                if url_base else None,
                                "rules": [_rule(catalogue[c], url_base) for c in codes]}},
            "results": results,
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        }],
    }
    driver = document["runs"][0]["tool"]["driver"]  # type: ignore[index]
    if driver["informationUri"] is None:
        del driver["informationUri"]
    return json.dumps(document, indent=1) + "\n"
