"""What `lab` says about its own use: the help's examples and exit codes, and "did you mean" for a typo."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Iterable
from typing import NoReturn

EXAMPLES = """\
examples:
  lab list                         the scenarios, their backends and tags
  lab run                          every scenario, both variants, SQLite and PostgreSQL
  lab run 01 03 -b sqlite          two scenarios (by number or part of a name), one backend
  lab run 18 -s                    print each run's own pytest output, the real traceback
  lab run --json out.json          also write one record per run
  lab exercise 01 ex01             a learner's broken project and its task sheet
  lab check ex01                   judge the learner's fix
  lab bench --help                 where a run's time goes

exit status:
  0    every run as expected (or not applicable to the installed versions)
  1    some run was not as expected, or a scenario could not be loaded
  2    a usage error: an unknown command, option or scenario
  130  interrupted (Ctrl-C): what finished is reported, and written to --json
"""


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'list'?` for `lsit`, or nothing when no choice is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def mistyped_command(word: str, commands: Iterable[str]) -> str | None:
    """The error for a first word that is no command but reads like one (`lab lsit`); None otherwise."""
    if word.startswith("-"):
        return None
    said = suggestion(word, commands)
    return f"unknown command {word!r}{said}" if said else None


class Parser(argparse.ArgumentParser):
    """argparse, plus "did you mean" for an unknown option (`--jsn`) or choice (`-b sqlit`)."""

    def error(self, message: str) -> NoReturn:
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            word = unknown.group(1).split("=", 1)[0]
            message += suggestion(word, _options(self))
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            message += suggestion(choice.group(1), re.findall(r"'([^']*)'", choice.group(2)))
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string of the parser and of its subcommands' parsers."""
    found: list[str] = []
    for action in parser._actions:
        found += action.option_strings
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += _options(sub)
    return list(dict.fromkeys(found))
