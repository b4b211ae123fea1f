"""`lab readme`: the command of the generated READMEs, given the options `lab.cli` parsed."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.core.command import UsageError, catalogue, scenarios_dir
from lab.core.report import Terminal
from lab.docs.readme import ReadmeError, stale
from lab.rules.catalogue import SNAPSHOT

# The catalogue the lab ships: only its own scenarios are written into the rules' snapshot
CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"


def readme_command(options: argparse.Namespace, terminal: Terminal) -> int:
    """Rewrite every README's generated parts (`--check`: only name the stale ones, exit 1)."""
    found = catalogue(options)
    root = scenarios_dir(options)
    rules = SNAPSHOT if root.resolve() == CATALOGUE else None
    try:
        changed = stale(found.scenarios, root.parent / "README.md", write=not options.check, rules=rules)
    except ReadmeError as error:
        raise UsageError(str(error)) from None
    for path in changed:
        terminal.line(f"{'out of date' if options.check else 'rewrote'}: {path}")
    return 1 if options.check and changed else 0
