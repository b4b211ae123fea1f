"""What a reader sees, to the character: live lines, the summary, RESULTS.md, the drift table, JUnit, diffs."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest

from lab.core.classify import Record, Status
from lab.core.expectations import Expectation, parse
from lab.core.report import (
    PACKAGES,
    Terminal,
    _excerpt,
    index_markdown,
    order,
    portable,
    read_json,
    versions,
    write_json,
    write_markdown,
)
from lab.core.scenarios import Scenario
from lab.matrix.drift import Change, cell, diff, drift_lines, drift_markdown, outcome, totals, write_junit
from lab.matrix.run import SetResult, SetStatus
from lab.matrix.stacks import Stack

LOOP = Record("01-x", "broken", "sqlite", Status.AS_EXPECTED, "RuntimeError: /attached/",
              error_type="RuntimeError", error_message="got   Future\n attached", pattern="attached",
              seconds=1.234)
PASSED = Record("01-x", "fixed", "sqlite", Status.AS_EXPECTED, "passes", seconds=0.5)
NOT_APPLICABLE = Record("02-y", "fixed", "postgres", Status.NOT_APPLICABLE, "-", detail="needs 0.24")
REGRESSION = Record("02-y", "broken", "postgres", Status.FIXED_FAILED, "passes", seconds=12.0)
LONG = Record("03-z", "broken", "sqlite", Status.AS_EXPECTED, "E: /end/", error_type="sqlalchemy.exc.E",
              error_message="x" * 120 + " the end", pattern="the end", seconds=2)
RECORDS = [LOOP, PASSED, NOT_APPLICABLE, REGRESSION, LONG]


def rendered(width: int, colour: bool, draw: str, *args: object) -> str:
    out = io.StringIO()
    getattr(Terminal(out, colour=colour, width=width), draw)(*args)
    return out.getvalue()


def test_live_lines():
    lines = [rendered(6, False, "live", record) for record in RECORDS]
    assert lines == [
        "as-expected        01-x   broken sqlite     1.23s  RuntimeError: got Future attached\n",
        "as-expected        01-x   fixed  sqlite     0.50s  passed\n",
        "n/a                02-y   fixed  postgres   0.00s  needs 0.24\n",
        "fixed-failed       02-y   broken postgres  12.00s  \n",
        # cut around what the expectation matched, so the match stays in view, and the line fits 100 columns
        "as-expected        03-z   broken sqlite     2.00s  sqlalchemy.exc.E: …" + "x" * 22 + " the end\n",
    ]
    assert max(len(line) for line in lines) == 101  # 100 columns and the newline


def test_live_lines_in_colour_mark_each_status():
    broken_passed = Record("b", "broken", "sqlite", Status.BROKEN_PASSED, "x")
    timeout = Record("t", "broken", "sqlite", Status.TIMEOUT, "x")
    assert "".join(rendered(4, True, "live", r) for r in (LOOP, REGRESSION, broken_passed, timeout,
                                                           NOT_APPLICABLE)) == (
        "\x1b[32mas-expected       \x1b[0m 01-x broken sqlite     1.23s  RuntimeError: got Future attached\n"
        "\x1b[31mfixed-failed      \x1b[0m 02-y broken postgres  12.00s  \n"
        "\x1b[33mbroken-passed     \x1b[0m b    broken sqlite     0.00s  \n"
        "\x1b[33mtimeout           \x1b[0m t    broken sqlite     0.00s  \n"
        "\x1b[2mn/a               \x1b[0m 02-y fixed  postgres   0.00s  needs 0.24\n"
    )


def test_summary_table():
    # each column as wide as the longest status shown; a row fits 100 columns
    assert rendered(6, False, "summary", RECORDS, 3.14159) == (
        "\n"
        "scenario sqlite broken   sqlite fixed    postgres broken postgres fixed\n"
        "-----------------------------------------------------------------------\n"
        "01-x     as-expected     as-expected     -               -\n"
        "02-y     -               -               fixed-failed    n/a\n"
        "03-z     as-expected     -               -               -\n"
        "\n"
        "5 runs: 3 as-expected, 1 fixed-failed, 1 n/a; 3.1s wall\n"
    )


def test_summary_table_in_colour_and_with_nothing_run():
    assert rendered(4, True, "summary", [LOOP, PASSED], 1) == (
        "\n"
        "scenario sqlite broken sqlite fixed\n"
        "-----------------------------------\n"
        "01-x     \x1b[32mas-expected   \x1b[0m\x1b[32mas-expected   \x1b[0m\n"
        "\n"
        "2 runs: 2 as-expected; 1.0s wall\n"
    )
    assert rendered(8, False, "summary", [], 0.04).endswith("\n0 runs: none; 0.0s wall\n")


def test_tail_shows_the_end_of_the_output_without_the_runners_own_frames():
    output = "\n".join([
        "first",
        '  File "/x/_pytest/runner.py", line 3 in call',
        '  File "/x/pluggy/_hooks.py", line 4 in hook',
        '  File "/x/lab/core/execute.py", line 5 in run_in_child',
        '  File "/x/lab/core/runner.py", line 6 in run_all',
        '  File "/x/lab/core/command.py", line 6 in run_command',
        '  File "/x/lab/cli.py", line 7 in main',
        '  File "/x/bin/lab", line 8 in <module>',
        '  File "/x/tests/test_it.py", line 9 in test_sleeps',
        "last",
        "",
    ])
    record = Record("s", "broken", "sqlite", Status.TIMEOUT, "x", output=output)
    assert rendered(4, False, "tail", record) == (
        "    | first\n"
        '    |   File "/x/tests/test_it.py", line 9 in test_sleeps\n'
        "    | last\n"
    )
    assert rendered(4, False, "tail", record, 1) == "    | last\n"


def test_records_are_ordered_by_scenario_stack_sqlite_first_broken_first_problems_first():
    problem = Record("02-y", "-", "-", Status.ERROR, "-")
    shuffled = [REGRESSION, NOT_APPLICABLE, PASSED, problem, LOOP,
                Record("01-x", "broken", "sqlite", Status.AS_EXPECTED, "x", stack="a")]
    assert [(r.scenario, r.stack, r.backend, r.variant) for r in sorted(shuffled, key=order)] == [
        ("01-x", "", "sqlite", "broken"), ("01-x", "", "sqlite", "fixed"), ("01-x", "a", "sqlite", "broken"),
        ("02-y", "", "-", "-"), ("02-y", "", "postgres", "broken"), ("02-y", "", "postgres", "fixed"),
    ]


def test_versions_name_every_package_of_the_stack():
    found = versions()
    assert list(found) == list(PACKAGES) and found["pytest"] == pytest.__version__
    assert found["python"].count(".") == 2


def test_portable_text_drops_paths_and_addresses():
    assert portable(
        "at /usr/lib/python3.11/asyncio/x.py, /home/u/.venv/lib/python3.12/site-packages/httpx/_c.py, "
        "/tmp/lab-runs-ab12_x/01-broken-sqlite/conftest.py, <object at 0x7f0123abcdef> 0x1f"
    ) == "at …/asyncio/x.py, …/httpx/_c.py, 01-broken-sqlite/conftest.py, <object at 0x…> 0x1f"


def test_results_md_in_full(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_markdown(path, [LOOP, PASSED, REGRESSION, Record("04-w", "broken", "sqlite", Status.AS_EXPECTED,
                                                           "passes"),
                          Record("05-h", "broken", "sqlite", Status.AS_EXPECTED, "hangs in /x/", hung=True)])
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    rows = path.read_text().split("| scenario | backend |")[1]
    assert path.read_text().startswith(
        f"# Results\n\nGenerated by `lab run --markdown RESULTS.md` on {stamp}, from the run it describes. "
        "Do not edit by hand: run the lab again.\n\n| package | version |\n|---|---|\n| pytest | "
    )
    assert rows == (
        " broken variant | observed error (broken) | fixed variant |\n"
        "|---|---|---|---|---|\n"
        "| [01-x](scenarios/01-x/README.md) | sqlite | as-expected | RuntimeError: got Future attached | "
        "as-expected |\n"
        "| [02-y](scenarios/02-y/README.md) | postgres | fixed-failed | - | - |\n"
        "| [04-w](scenarios/04-w/README.md) | sqlite | as-expected | (passes here, as expected) | - |\n"
        "| [05-h](scenarios/05-h/README.md) | sqlite | as-expected | (hangs, as expected: killed at its time "
        "limit) | - |\n"
        "\n4 of 5 runs as expected.\n"
    )


def test_results_md_escapes_pipes_and_cuts_long_errors(tmp_path):
    path = tmp_path / "RESULTS.md"
    piped = Record("p", "broken", "sqlite", Status.AS_EXPECTED, "x", error_type="E",
                   error_message="a | b " + "y" * 200)
    write_markdown(path, [piped])
    (row,) = [line for line in path.read_text().splitlines() if line.startswith("| [p]")]
    assert row == "| [p](scenarios/p/README.md) | sqlite | as-expected | E: a \\| b " + "y" * 150 + "… | - |"


def test_the_readme_index_in_full():
    def scenario(name: str, symptom: str, broken: dict[str, tuple[Expectation, ...]]) -> Scenario:
        return Scenario(name, Path("."), "t", symptom, tuple(broken), {"broken": broken, "fixed": {}})

    loop = parse({"raises": "RuntimeError"}, "x")
    ranged = parse([{"raises": "TypeError", "versions": {"python": ">=3.11"}},
                    {"crashes": "SIGSEGV"}, {"passes": True, "versions": {"httpx": "<0.28", "pytest": "<9"}}], "x")
    per_test = parse({"tests": {"test_a": "passes", "test_b": {"raises": "KeyError"}}}, "x")
    assert index_markdown([
        scenario("01-a", "fails | sometimes\nhere", {"sqlite": parse("passes", "x"), "postgres": loop}),
        scenario("02-b", "s", {"sqlite": ranged, "postgres": ranged}),
        scenario("03-c", "s", {"sqlite": per_test}),
        scenario("04-d", "s", {"sqlite": parse({"tests": {"test_a": "passes"}}, "x")}),
    ]) == (
        "| scenario | symptom | broken variant, by backend |\n"
        "|---|---|---|\n"
        "| [01-a](scenarios/01-a/README.md) | fails \\| sometimes here | sqlite: passes; postgres: `RuntimeError` |\n"
        "| [02-b](scenarios/02-b/README.md) | s | sqlite, postgres: `TypeError` (python >=3.11) or SIGSEGV or "
        "passes (httpx <0.28, pytest <9) |\n"
        "| [03-c](scenarios/03-c/README.md) | s | sqlite: per test: `KeyError` |\n"
        "| [04-d](scenarios/04-d/README.md) | s | sqlite: per test: passes |\n"
    )


def test_json_records_round_trip_with_stack_and_versions(tmp_path):
    path = tmp_path / "records.json"
    stamped = Record("01-x", "broken", "sqlite", Status.NOT_APPLICABLE, "-", detail="why", stack="s",
                     versions={"pytest": "9.0"}, output="not written", stages={"tests": 0.5})
    write_json(path, [LOOP, stamped])
    data = json.loads(path.read_text())
    assert data[1] == {
        "scenario": "01-x", "variant": "broken", "backend": "sqlite", "status": "n/a", "expected": "-",
        "error_type": None, "error_message": None, "nodeid": None, "pattern": None, "seconds": 0.0,
        "detail": "why", "tests": None, "stack": "s", "versions": {"pytest": "9.0"}, "stages": {"tests": 0.5},
        "hung": False, "idiom": "", "guard": [],
        "expected_match": False,
    }
    assert data[0]["expected_match"] is True
    assert read_json(path) == [LOOP, stamped.__class__(**{**stamped.__dict__, "output": ""})]


@pytest.mark.parametrize(("content", "said"), [
    (None, "cannot read: No such file or directory"),
    ("{not json", "not a file of lab records (`lab run --json`)"),
    ('[{"scenario": "s"}]', "not a file of lab records (`lab run --json`)"),
    ('[{"scenario": "s", "variant": "v", "backend": "b", "status": "nope", "expected": "x"}]',
     "not a file of lab records"),
])
def test_read_json_names_the_file_it_cannot_use(tmp_path, content, said):
    path = tmp_path / "records.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError) as error:
        read_json(path)
    assert str(error.value).startswith(f"{path}: {said}")


# the drift report

LATEST = Stack("latest", "newest")
OLD = Stack("pa-0.23", "loop tied to scope", ("pytest-asyncio==0.23.8", "pytest==8.3.5"))
FUTURE = Stack("python-3.99", "future", python="3.99")
PRE = Stack("pre", "early", ("httpx<1.0.dev0",), pre=True)


def on(stack: str, variant: str, backend: str, status: Status, **fields: object) -> Record:
    return Record("01-a", variant, backend, status, "x", stack=stack, **fields)  # type: ignore[arg-type]


RESULTS = [
    SetResult(LATEST, SetStatus.RAN, records=[
        on("latest", "broken", "sqlite", Status.AS_EXPECTED, error_type="builtins.RuntimeError", error_message="m"),
        on("latest", "fixed", "sqlite", Status.AS_EXPECTED, versions={"python": "3.11.7", "pytest": "9.2.0"}),
        on("latest", "broken", "postgres", Status.TIMEOUT),
    ], seconds=61.4),
    SetResult(OLD, SetStatus.RAN, records=[
        on("pa-0.23", "broken", "sqlite", Status.BROKEN_PASSED, versions={"pytest-asyncio": "0.23.8"}),
        on("pa-0.23", "fixed", "sqlite", Status.NOT_APPLICABLE, detail="needs 0.24"),
        on("pa-0.23", "broken", "postgres", Status.ERROR),
    ], seconds=9.96),
    SetResult(FUTURE, SetStatus.SKIPPED, "no Python 3.99 on this machine"),
    SetResult(PRE, SetStatus.INSTALL_FAILED, "stack 'pre' could not be installed:\n    no solution", seconds=2.5),
]


def test_drift_table_in_full():
    assert drift_lines(RESULTS, name_width=6) == [
        "stack sets:",
        "   1 latest                 newest releases",
        "   2 pa-0.23                pytest-asyncio==0.23.8, pytest==8.3.5",
        "   3 python-3.99            newest releases, Python 3.99 [skipped: no Python 3.99 on this machine]",
        "   4 pre                    httpx<1.0.dev0, pre-releases allowed [install-failed: stack 'pre' could not "
        "be installed:]",
        "",
        "scenario backend  variant 1                2",
        "--------------------------------------------",
        "01-a   sqlite   broken  RuntimeError     passes!",
        "01-a   sqlite   fixed   passes           n/a",
        "01-a   postgres broken  timeout!         error!",
        "",
        "! marks a run that was not as expected.",
        "latest: 2 as-expected, 1 timeout; 61 s",
        "pa-0.23: 1 broken-passed, 1 error, 1 n/a; 10 s",
        "python-3.99: skipped; 0 s",
        "pre: install-failed; 2 s",
    ]


def test_drift_cells_are_cut_to_their_column():
    long = SetResult(LATEST, SetStatus.RAN, records=[
        on("latest", "broken", "sqlite", Status.AS_EXPECTED, error_type="x.AVeryLongExceptionNameIndeed")])
    assert drift_lines([long], name_width=4)[-4] == "01-a sqlite   broken  AVeryLongExcepti"
    assert totals([long]) == ["latest: 1 as-expected; 0 s"]


def test_drift_markdown_in_full():
    assert drift_markdown(RESULTS) == "\n".join([
        "<!-- matrix -->",
        "## Across library versions",
        "",
        "Generated by `nox -s matrix -- --markdown RESULTS.md` from the run it describes; each stack set is "
        "declared in `stacks.toml`. A cell is what the run did; `n/a` means the variant needs versions the set "
        "does not have (the reason is in the JSON records); `!` marks a run that was not as expected.",
        "",
        "| # | stack set | why | python | pytest | pytest-asyncio | sqlalchemy | httpx | starlette | fastapi "
        "| aiosqlite |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        "| 1 | latest | newest | - | - | - | - | - | - | - | - |",
        "| 2 | pa-0.23 | loop tied to scope | - | - | 0.23.8 | - | - | - | - | - |",
        "| 3 | python-3.99 | skipped: future | - | - | - | - | - | - | - | - |",
        "| 4 | pre | install-failed: early | - | - | - | - | - | - | - | - |",
        "",
        "| scenario | backend | variant | 1 | 2 |",
        "|---|---|---|---|---|",
        "| [01-a](scenarios/01-a/README.md) | sqlite | broken | RuntimeError | passes! |",
        "| [01-a](scenarios/01-a/README.md) | sqlite | fixed | passes | n/a |",
        "| [01-a](scenarios/01-a/README.md) | postgres | broken | timeout! | error! |",
        "",
        "3 of 6 runs as expected or not applicable.",
        "<!-- matrix-end -->",
        "",
    ])


def test_drift_markdown_shows_the_versions_each_set_ran():
    ran = SetResult(LATEST, SetStatus.RAN, records=[
        on("latest", "broken", "sqlite", Status.AS_EXPECTED,
           versions={"python": "3.11.7", "pytest": "9.2.0", "httpx": "0.28.1"})])
    assert "| 1 | latest | newest | 3.11.7 | 9.2.0 | - | - | 0.28.1 | - | - | - |" in drift_markdown([ran])


@pytest.mark.parametrize(("record", "word", "shown"), [
    (on("s", "broken", "sqlite", Status.NOT_APPLICABLE, error_type="E"), "n/a", "n/a"),
    (on("s", "broken", "sqlite", Status.TIMEOUT, error_type="E"), "timeout", "timeout!"),
    (on("s", "broken", "sqlite", Status.AS_EXPECTED, error_type="a.b.MissingGreenlet"), "MissingGreenlet",
     "MissingGreenlet"),
    (on("s", "broken", "sqlite", Status.AS_EXPECTED, error_type="SIGSEGV"), "SIGSEGV", "SIGSEGV"),
    (on("s", "broken", "sqlite", Status.ERROR), "error", "error!"),
    (on("s", "fixed", "sqlite", Status.FIXED_FAILED), "passes", "passes!"),
    (on("s", "broken", "sqlite", Status.AS_EXPECTED, hung=True), "hangs", "hangs"),  # not a pass: it hung
])
def test_outcome_in_a_word(record, word, shown):
    assert (outcome(record), cell(record)) == (word, shown)
    assert cell(None) == "-"


def test_junit_in_full(tmp_path):
    path = tmp_path / "junit.xml"
    write_junit(path, RESULTS)
    root = ElementTree.parse(path).getroot()
    assert root.tag == "testsuites" and root.get("name") == "async-testing-lab matrix"
    suites = [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"), s.get("time"))
              for s in root]
    assert suites == [("latest", "3", "1", "0", "0", "61.4"), ("pa-0.23", "3", "2", "0", "1", "10.0"),
                      ("python-3.99", "1", "0", "0", "1", "0.0"), ("pre", "1", "0", "1", "0", "2.5")]
    cases = [(c.get("classname"), c.get("name"), c.get("time"), [(e.tag, e.get("message"), e.get("type"), e.text)
             for e in c]) for c in root.iter("testcase")]
    assert cases == [
        ("latest.01-a", "broken[sqlite]", "0.000", []),
        ("latest.01-a", "fixed[sqlite]", "0.000", []),
        ("latest.01-a", "broken[postgres]", "0.000",
         [("failure", "timeout: expected x; got timeout!", "timeout", None)]),
        ("pa-0.23.01-a", "broken[sqlite]", "0.000",
         [("failure", "broken-passed: expected x; got passes!", "broken-passed", None)]),
        ("pa-0.23.01-a", "fixed[sqlite]", "0.000", [("skipped", "needs 0.24", None, None)]),
        ("pa-0.23.01-a", "broken[postgres]", "0.000", [("failure", "error: expected x; got error!", "error", None)]),
        ("python-3.99", "install", None, [("skipped", "no Python 3.99 on this machine", None,
                                           "no Python 3.99 on this machine")]),
        ("pre", "install", None, [("error", "stack 'pre' could not be installed:", None,
                                   "stack 'pre' could not be installed:\n    no solution")]),
    ]


def test_junit_failure_text_holds_the_message_and_the_detail(tmp_path):
    path = tmp_path / "junit.xml"
    failed = on("latest", "fixed", "sqlite", Status.FIXED_FAILED, error_type="E", error_message="boom",
                detail="raised inside G", seconds=1.25)
    write_junit(path, [SetResult(LATEST, SetStatus.RAN, records=[failed])])
    (case,) = ElementTree.parse(path).getroot().iter("testcase")
    assert case.get("time") == "1.250"
    assert case[0].text == "boom\nraised inside G" and case[0].get("message") == "fixed-failed: expected x; got E!"


def was(status: Status = Status.AS_EXPECTED, error: str | None = "RuntimeError", message: str = "m",
        scenario: str = "s") -> Record:
    return Record(scenario, "broken", "sqlite", status, "x", error_type=error,
                  error_message=message if error else None)


@pytest.mark.parametrize(("old", "new", "line"), [
    (was(error=None), was(), "appears    s broken sqlite: passes -> RuntimeError"),
    (was(), was(error=None), "disappears s broken sqlite: RuntimeError -> passes"),
    (was(error="KeyError"), was(status=Status.FAILED_DIFFERENTLY),
     "changes    s broken sqlite: KeyError -> RuntimeError (status as-expected -> failed-differently)"),
    (was(message="at /usr/lib/python3.11/a.py " + "w" * 200), was(message="other"),
     "message    s broken sqlite: RuntimeError\n           - at …/a.py " + "w" * 139 + "…\n           + other"),
    (was(status=Status.FAILED_DIFFERENTLY), was(), "status     s broken sqlite: RuntimeError -> RuntimeError "
     "(status failed-differently -> as-expected)"),
    (was(status=Status.NOT_APPLICABLE, error=None), was(), "applies    s broken sqlite: n/a -> RuntimeError "
     "(status n/a -> as-expected)"),
    (was(), was(status=Status.NOT_APPLICABLE, error=None), "n/a        s broken sqlite: RuntimeError -> n/a "
     "(status as-expected -> n/a)"),
])
def test_each_kind_of_change_in_one_line(old, new, line):
    (change,) = diff([old], [new])
    assert change.line() == line


def test_runs_only_one_side_has_are_named_as_such():
    changes = diff([was(scenario="gone")], [was(scenario="new")])
    assert [(c.kind, c.line()) for c in changes] == [
        ("removed", "removed    gone broken sqlite: only in the old run"),
        ("added", "added      new broken sqlite: only in the new run"),
    ]
    assert diff([was()], [was()]) == []
    assert Change("x", ("s", "v", "b"), None, was()).line() == "x          s v b: only in the new run"


# edges a reader meets rarely, each pinned

def test_a_reader_that_leaves_turns_the_terminal_to_nothing_without_an_error():
    read, write = os.pipe()
    os.close(read)  # the reader left: writing now fails with BrokenPipeError
    stream = os.fdopen(write, "w")
    terminal = Terminal(stream, colour=False)
    terminal.line("first")
    terminal.line("second")  # no error either
    assert os.path.samestat(os.fstat(stream.fileno()), os.stat(os.devnull))
    stream.close()


def test_a_stream_without_a_descriptor_is_replaced_by_devnull_when_its_reader_leaves():
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    terminal = Terminal(Gone(), colour=False)
    terminal.line("x")
    assert (terminal.stream.name, terminal.stream.mode) == (os.devnull, "w")
    terminal.line("y")
    terminal.stream.close()


def test_each_line_reaches_the_reader_at_once(tmp_path):
    path = tmp_path / "out.txt"
    with path.open("w", buffering=1 << 20) as stream:
        Terminal(stream, colour=False).line("now")
        assert path.read_text() == "now\n"  # flushed, not waiting in the buffer


def test_colour_follows_the_terminal_unless_told():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Terminal(Tty()).colour is True
    assert Terminal(io.StringIO()).colour is False
    assert Terminal(Tty(), colour=False).colour is False


def test_tail_skips_the_blank_end_of_the_output():
    record = Record("s", "broken", "sqlite", Status.TIMEOUT, "x", output="one\nlast\n\n\n")
    assert rendered(4, False, "tail", record, 1) == "    | last\n"


def test_an_error_without_a_message_is_still_named():
    bare = Record("s", "broken", "sqlite", Status.FAILED_DIFFERENTLY, "x", error_type="KeyError")
    assert rendered(1, False, "live", bare).endswith("0.00s  KeyError: \n")


def test_live_lines_keep_paths_and_results_md_drops_them(tmp_path):
    pathy = Record("p", "broken", "sqlite", Status.AS_EXPECTED, "x", error_type="E",
                   error_message="at /home/u/.venv/lib/python3.12/site-packages/httpx/_c.py")
    assert "E: at /home/u/.venv/lib/python3.12/site-packages/" in rendered(1, False, "live", pathy)
    path = tmp_path / "RESULTS.md"
    write_markdown(path, [pathy])
    assert "| E: at …/httpx/_c.py |" in path.read_text()


@pytest.mark.parametrize(("message", "shown"), [
    # exactly 90 characters, the match at the very end: shown whole
    ("m" * 84 + "HIT", "E: " + "m" * 84 + "HIT"),
    # the match ends at the 89th character: the end is cut and the match stays
    ("m" * 83 + "HIT" + "z" * 10, "E: " + "m" * 83 + "HIT…"),
    # the match ends at the 90th: cut from the front instead, so it stays in view
    ("m" * 84 + "HIT" + "z" * 10, "E: …" + "m" * 83 + "HIT"),
    # the match in the middle of a long message: exactly the width, ending where the match does
    ("m" * 120 + "HIT" + "z" * 50, "E: …" + "m" * 83 + "HIT"),
])
def test_a_long_error_is_cut_to_the_width_around_what_matched(message, shown):
    record = Record("s", "broken", "sqlite", Status.AS_EXPECTED, "x", error_type="E", error_message=message,
                    pattern="HIT")
    assert _excerpt(record, 90) == shown


def test_json_is_indented_for_people_to_read(tmp_path):
    path = tmp_path / "records.json"
    write_json(path, [PASSED])
    assert path.read_text().startswith('[\n  {\n    "scenario": "01-x",\n')
    assert path.read_text().endswith("}\n]\n")


def test_results_md_header_says_what_is_not_installed_and_its_date(tmp_path, monkeypatch):
    class Midnight(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            # just before midnight in UTC is already tomorrow further east: only UTC is right
            return datetime(2026, 1, 1, 23, 30, tzinfo=timezone.utc) if tz is timezone.utc else datetime(2026, 1, 2)

    monkeypatch.setattr("lab.core.report.datetime", Midnight)
    monkeypatch.setattr("lab.core.report.installed_version", lambda name: None if name == "greenlet" else "1.0")
    path = tmp_path / "RESULTS.md"
    write_markdown(path, [PASSED])
    text = path.read_text()
    assert "on 2026-01-01, from the run" in text
    assert "| greenlet | not installed |\n| anyio | 1.0 |" in text
    assert "| python | 1.0 |\n\n| scenario | backend |" in text


def test_results_md_rows_with_only_one_variant(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_markdown(path, [PASSED])
    assert "| [01-x](scenarios/01-x/README.md) | sqlite | - | - | as-expected |" in path.read_text()


def test_drift_outcome_keeps_only_the_last_part_of_a_dotted_name():
    record = on("s", "broken", "sqlite", Status.AS_EXPECTED, error_type="a.b.c.Deep")
    assert outcome(record) == "Deep"


def test_drift_markdown_escapes_what_would_break_the_table():
    odd = Stack("odd", "a | b\nc")
    assert "| 1 | odd | a \\| b c |" in drift_markdown([SetResult(odd, SetStatus.RAN, records=[PASSED])])


def test_a_set_that_did_not_run_without_a_detail_is_still_listed():
    assert drift_lines([SetResult(LATEST, SetStatus.SKIPPED)])[1] == "   1 latest                 newest releases [skipped: ]"


def test_junit_counts_every_skipped_case_and_is_utf8_xml(tmp_path):
    path = tmp_path / "junit.xml"
    skipped = [on("latest", v, b, Status.NOT_APPLICABLE, detail="needs π") for v in ("broken", "fixed")
               for b in ("sqlite", "postgres")]
    write_junit(path, [SetResult(LATEST, SetStatus.RAN, records=skipped)])
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<testsuites")
    assert "needs π" in path.read_text(encoding="utf-8")
    assert ElementTree.parse(path).getroot()[0].get("skipped") == "4"


def test_a_message_change_shows_a_missing_message_as_empty():
    (change,) = diff([was(message="old")], [was(status=Status.AS_EXPECTED, message="")])
    assert change.line() == "message    s broken sqlite: RuntimeError\n           - old\n           + "


def test_a_message_exactly_as_long_as_the_line_is_not_cut():
    (change,) = diff([was(message="a" * 150)], [was(message="b")])
    assert change.line().splitlines()[1] == "           - " + "a" * 150


def test_a_run_only_in_one_record_set_keeps_the_side_it_has():
    (change,) = diff([], [was(scenario="new")])
    assert (change.old, change.new) == (None, was(scenario="new"))


def test_n_a_on_both_sides_is_no_change_and_n_a_is_not_a_failure():
    na = was(status=Status.NOT_APPLICABLE, error=None)
    assert diff([na], [na]) == []
    (change,) = diff([was(error=None)], [was(error="KeyError")])
    assert change.kind == "appears"


def test_default_widths_fit_the_catalogue_names_and_the_last_sixty_lines():
    # the name column of a live line is cut at 30, to leave room for the error within 100 columns
    assert rendered_default("live", PASSED).startswith("as-expected        " + "01-x".ljust(30) + " fixed ")
    output = "\n".join(f"line {n}" for n in range(100))
    tail = rendered_default("tail", Record("s", "broken", "sqlite", Status.TIMEOUT, "x", output=output))
    assert tail.splitlines()[0] == "    | line 40" and len(tail.splitlines()) == 60
    table = drift_lines([SetResult(LATEST, SetStatus.RAN, records=[on("latest", "fixed", "sqlite", Status.AS_EXPECTED)])])
    assert table[3] == "scenario".ljust(40) + " backend  variant 1"


def rendered_default(draw: str, *args: object) -> str:
    out = io.StringIO()
    getattr(Terminal(out, colour=False), draw)(*args)
    return out.getvalue()


def test_a_problem_record_comes_before_its_scenarios_runs():
    problem = Record("02-y", "-", "-", Status.ERROR, "-")
    sqlite = Record("02-y", "broken", "sqlite", Status.AS_EXPECTED, "x")
    assert sorted([sqlite, problem], key=order) == [problem, sqlite]


def test_results_md_puts_the_matrix_section_after_a_blank_line(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("<!-- matrix -->\nM\n<!-- matrix-end -->\n")
    write_markdown(path, [LOOP])
    assert path.read_text().endswith("1 of 1 runs as expected.\n\n<!-- matrix -->\nM\n<!-- matrix-end -->\n")


def test_the_matrix_section_starts_a_new_file_or_follows_the_existing_text(tmp_path):
    from lab.matrix.drift import write_drift_markdown

    results = [SetResult(LATEST, SetStatus.RAN, records=[PASSED])]
    new, old = tmp_path / "new.md", tmp_path / "old.md"
    write_drift_markdown(new, results)
    assert new.read_text() == drift_markdown(results)
    old.write_text("# Results\n\nkept  \n\n\n")
    write_drift_markdown(old, results)
    assert old.read_text() == "# Results\n\nkept  \n\n" + drift_markdown(results)
    old.write_text("ends in X\n")  # only newlines are trimmed before the section
    write_drift_markdown(old, results)
    assert old.read_text() == "ends in X\n\n" + drift_markdown(results)


def test_the_index_lists_each_exception_a_per_test_entry_names():
    per_test = parse({"tests": {"test_a": {"raises": "KeyError"}, "test_b": {"raises": "RuntimeError"},
                                "test_c": {"raises": "KeyError"}}}, "x")
    scenario = Scenario("05-e", Path("."), "t", "s", ("sqlite",), {"broken": {"sqlite": per_test}, "fixed": {}})
    assert index_markdown([scenario]).endswith("| s | sqlite: per test: `KeyError`, `RuntimeError` |\n")


def test_messages_that_differ_only_in_numbers_are_the_same_message():
    old = was(message="503, url='http://127.0.0.1:38517/x' <Task-597> fd=12 at 0x7f0123456789")
    new = was(message="503, url='http://127.0.0.1:42621/x' <Task-3> fd=9 at 0x7f9876543210")
    assert diff([old], [new]) == []
    assert [c.kind for c in diff([was(message="await_only()")], [was(message="await_()")])] == ["message"]
