"""The command line as users of pytest, ruff and nox expect it: help, "did you mean", plurals, colour rules,
a progress line on a terminal only, lines that fit 100 columns, error rows that say what went wrong."""

from __future__ import annotations

import io

import pytest

from lab.cli import main
from lab.core.classify import Record, Status
from lab.core.report import Terminal


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bare_lab_shows_the_help_with_examples_and_exit_codes_instead_of_running(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lab")
    assert "examples:\n  lab list" in out and "exit status:\n  0    every run" in out
    assert "130  interrupted" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_a_mistyped_command_or_option_gets_a_suggestion(capsys):
    assert main(["lsit"]) == 2
    assert "unknown command 'lsit'; did you mean 'list'?" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--jsn", "x.json"])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --jsn; did you mean '--json'?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "-b", "sqlit"])
    assert "did you mean 'sqlite'?" in capsys.readouterr().err


def test_a_scenario_name_is_no_typo(capsys):
    # `lab 01` and `lab import-time` still mean `lab run ...`: only the check that names it is stubbed here
    with pytest.raises(SystemExit):
        main(["import-time", "--bogus"])
    assert "unknown command" not in capsys.readouterr().err


def test_lab_bench_has_its_own_help(capsys):
    assert main(["bench", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lab bench") and "--matrix" in out


def test_plurals():
    out = io.StringIO()
    Terminal(out, colour=False).summary([Record("s", "broken", "sqlite", Status.AS_EXPECTED, "x")], 1.0)
    assert "\n1 run: 1 as-expected; 1.0s wall\n" in out.getvalue()


@pytest.mark.parametrize(("env", "tty", "colour"), [
    ({}, True, True), ({}, False, False),
    ({"NO_COLOR": "1"}, True, False), ({"FORCE_COLOR": "1"}, False, True),
])
def test_no_color_and_force_color(monkeypatch, env, tty, colour):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Terminal(Tty() if tty else io.StringIO()).colour is colour


PASSED = Record("01-a", "fixed", "sqlite", Status.AS_EXPECTED, "passes")
FAILED = Record("01-a", "broken", "sqlite", Status.FIXED_FAILED, "passes", error_type="E",
                error_message="boom")


def test_a_terminal_gets_failures_as_they_happen_under_a_progress_line():
    out = Tty()
    terminal = Terminal(out, colour=False, width=4)
    terminal.total = 2
    terminal.live(PASSED)
    terminal.live(FAILED)
    terminal.line("the table")
    shown = out.getvalue()
    assert "\r\x1b[K1/2 runs finished" in shown and "\r\x1b[K2/2 runs finished" in shown
    assert "passed" not in shown and "fixed-failed       01-a broken sqlite" in shown
    assert shown.endswith("\r\x1b[Kthe table\n")  # the progress line erased before the table


@pytest.mark.parametrize(("tty", "verbosity", "lines"), [
    (False, 0, 2), (False, -1, 1), (True, 1, 2), (True, 0, 1),
])
def test_quiet_and_verbose(tty, verbosity, lines):
    out = Tty() if tty else io.StringIO()
    terminal = Terminal(out, colour=False, width=4, verbosity=verbosity)
    for record in (PASSED, FAILED):
        terminal.live(record)
    assert out.getvalue().count("\n") == lines
    assert "/" not in out.getvalue() or tty  # no progress line off a terminal


def test_a_hang_row_says_so_without_its_pattern_and_fits_100_columns():
    pattern = "(" + "|".join(f"frame_{n}" for n in range(40)) + ")"
    hung = Record("45-streaming", "broken", "sqlite", Status.AS_EXPECTED, "hangs", pattern=pattern,
                  detail=f"hung, as expected, in /{pattern}/", hung=True)
    out = io.StringIO()
    Terminal(out, colour=False, width=12).live(hung)
    assert "hung where expected (killed at its limit)" in out.getvalue() and "frame_3" not in out.getvalue()
    assert len(out.getvalue().rstrip("\n")) <= 100


def test_an_error_row_says_what_went_wrong():
    problem = Record("07-bad", "-", "-", Status.ERROR, "-", detail="scenarios/07-bad/scenario.toml: missing")
    ran = Record("01-a", "broken", "sqlite", Status.AS_EXPECTED, "x")
    out = io.StringIO()
    Terminal(out, colour=False, width=6).summary([problem, ran], 1.0)
    rows = out.getvalue().splitlines()
    assert "07-bad   error: scenarios/07-bad/scenario.toml: missing" in rows
    assert not any(row.startswith("scenario") and "- broken" in row for row in rows)


def test_the_catalogues_longest_names_still_fit_100_columns():
    name = "45-" + "x" * 55  # the catalogue's longest folder name has 58 characters
    records = [Record(name, variant, backend, status, "x", error_type="RuntimeError", error_message="m" * 200)
               for variant in ("broken", "fixed") for backend in ("sqlite", "postgres")
               for status in (Status.FAILED_DIFFERENTLY,)]
    out = io.StringIO()
    terminal = Terminal(out, colour=False, width=len(name))
    for record in records:
        terminal.live(record)
    terminal.summary(records, 1.0)
    assert max(len(line) for line in out.getvalue().splitlines()) <= 100
