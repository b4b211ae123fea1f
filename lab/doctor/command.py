"""`lab doctor [PATH ...]`: its arguments, and the command: exit 1 with findings, 0 without, 2 on misuse."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.core.command import UsageError
from lab.core.report import Terminal
from lab.doctor.api import check, rules
from lab.doctor.output import as_json, sarif, text

FORMATS = ("text", "json", "sarif")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", type=Path, nargs="*", metavar="PATH",
                        help="folders or files of the test setup (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    parser.add_argument("--select", action="append", default=[], metavar="CODE",
                        help="only these rules (a code or its prefix, comma-separated, repeatable)")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODE",
                        help="leave out these rules (a code or its prefix, comma-separated, repeatable)")
    parser.add_argument("--installed", action="store_true",
                        help="judge versions by the running environment instead of the project's pins")
    parser.add_argument("--url-base", metavar="URL",
                        help="link each finding to URL/<scenario> (default: the scenario's README path)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE")


def _codes(values: list[str]) -> list[str]:
    codes = [c.strip().upper() for value in values for c in value.split(",") if c.strip()]
    known = rules()
    for code in codes:
        if not code.startswith("LAB") or not any(k.startswith(code) for k in known):
            raise UsageError(f"--select/--ignore: no rule matches {code!r} (rules: LAB001...)")
    return codes


def doctor_command(options: argparse.Namespace, terminal: Terminal) -> int:
    paths = list(options.paths) or [Path(".")]
    for path in paths:
        if not path.exists():
            raise UsageError(f"doctor: no such file or folder: {path}")
    report = check(paths, use_installed=options.installed, select=_codes(options.select),
                   ignore=_codes(options.ignore), url_base=options.url_base)
    rendered = {"text": lambda: text(report), "json": lambda: as_json(report),
                "sarif": lambda: sarif(report, options.url_base)}[options.format]()
    if options.output:
        options.output.write_text(rendered)
    else:
        terminal.stream.write(rendered)
    return 1 if report.findings else 0
