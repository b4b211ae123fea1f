"""The version matrix: stack sets, `requires` and n/a, the drift report, JUnit XML and `lab diff`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import REPO, SQLITE_ONLY

from lab.cli import main
from lab.core.classify import Record, Status
from lab.matrix.drift import diff, drift_lines, write_drift_markdown, write_junit
from lab.matrix.run import SetResult, SetStatus
from lab.matrix.stacks import Stack, StackError, adhoc, find_python
from lab.matrix.stacks import load as load_stacks

LATEST = Stack("latest", "newest")
OLD = Stack("old", "an older release", ("pytest-asyncio==0.23.8",))


def record(scenario: str = "s", variant: str = "broken", status: Status = Status.AS_EXPECTED,
           error: str | None = "RuntimeError", message: str = "boom", stack: str = "latest",
           **fields: object) -> Record:
    return Record(scenario, variant, "sqlite", status, "x",
                  error_type=error, error_message=message if error else None, stack=stack, **fields)


# requires -> n/a

def test_a_variant_outside_its_requires_is_na_with_the_reason_and_not_run(scenarios):
    manifest = SQLITE_ONLY + textwrap.dedent("""
    [[requires]]
    versions = { pytest = "<1" }
    why = "fixed uses an API pytest 1 lacks"
    variants = ["fixed"]
    """)
    # a fixed variant that would fail if it ran: n/a must mean it never ran
    scenarios.add("needs-old", manifest, fixed="def test_no():\n    assert False\n")
    result = scenarios.run()
    assert result.returncode == 0, result.stdout
    assert result.status("needs-old", "broken") == "as-expected"
    fixed = next(r for r in result.records if r["variant"] == "fixed")
    assert fixed["status"] == "n/a"
    assert fixed["detail"] == "fixed uses an API pytest 1 lacks"
    assert fixed["tests"] is None  # nothing ran
    assert "n/a" in result.stdout and "fixed uses an API pytest 1 lacks" in result.stdout


def test_requires_that_hold_run_the_variant(scenarios):
    manifest = SQLITE_ONLY + '[[requires]]\nversions = { pytest = ">=1" }\nwhy = "w"\n'
    scenarios.add("holds", manifest, fixed="def test_no():\n    assert False\n")
    result = scenarios.run()
    assert result.status("holds", "fixed") == "fixed-failed"
    assert result.returncode == 1


def test_every_record_names_its_stack_and_versions(scenarios):
    scenarios.add("ok", SQLITE_ONLY)
    result = scenarios.run("--stack", "my-set")
    assert {r["stack"] for r in result.records} == {"my-set"}
    assert all(r["versions"]["pytest"] for r in result.records)


# stacks.toml

def test_the_repo_declares_the_sets_the_matrix_promises():
    stacks = {stack.name: stack for stack in load_stacks(REPO / "stacks.toml")}
    assert {"latest", "pre", "pytest-asyncio-0.21", "pytest-asyncio-0.23", "httpx-0.27"} <= set(stacks)
    assert stacks["pre"].pre and not stacks["latest"].pins
    assert len({s.python for s in stacks.values() if s.python}) >= 3


@pytest.mark.parametrize(("text", "field"), [
    ('[a]\npins = []\n', "why"),
    ('[a]\nwhy = "w"\npins = "pytest==8"\n', "pins"),
    ('[a]\nwhy = "w"\npins = ["pytest=>8"]\n', "'pytest=>8' is not a requirement"),
    ('[a]\nwhy = "w"\npython = "3"\n', "python"),
    ('[a]\nwhy = "w"\npinz = []\n', "unknown field 'pinz'"),
    ('[a]\nwhy = \n', "not valid TOML"),
])
def test_a_malformed_stacks_file_names_the_file_the_set_and_the_field(tmp_path, text, field):
    path = tmp_path / "stacks.toml"
    path.write_text(text)
    with pytest.raises(StackError) as error:
        load_stacks(path)
    assert str(path) in str(error.value) and field in str(error.value)


def test_an_adhoc_set_is_named_after_its_pins():
    stack = adhoc(["pytest-asyncio==0.25.3", "httpx<0.28"], python="3.12")
    assert stack.name == "with-pytest-asyncio0.25.3-httpx0.28-py3.12"
    assert stack.pins == ("pytest-asyncio==0.25.3", "httpx<0.28")
    with pytest.raises(StackError, match="--with"):
        adhoc(["not a pin!"])


def test_an_interpreter_this_machine_lacks_is_none_not_an_error():
    assert find_python("3.99") is None
    assert find_python(None) == sys.executable


# the drift report

def test_drift_table_shows_each_outcome_per_set_and_marks_the_unexpected():
    results = [
        SetResult(LATEST, SetStatus.RAN, records=[record(), record(variant="fixed", error=None)]),
        SetResult(OLD, SetStatus.RAN, records=[
            record(stack="old", status=Status.BROKEN_PASSED, error=None),
            record(stack="old", variant="fixed", status=Status.NOT_APPLICABLE, error=None, detail="why"),
        ]),
        SetResult(Stack("py", "w", python="3.99"), SetStatus.SKIPPED, "no Python 3.99 on this machine"),
    ]
    lines = drift_lines(results)
    broken = next(line for line in lines if line.startswith("s ") and " broken " in line)
    fixed = next(line for line in lines if line.startswith("s ") and " fixed " in line)
    assert broken.split()[3:] == ["RuntimeError", "passes!"]
    assert fixed.split()[3:] == ["passes", "n/a"]
    assert any("py" in line and "skipped: no Python 3.99" in line for line in lines)


def test_drift_markdown_replaces_its_own_section_and_keeps_the_rest(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\nkept\n")
    results = [SetResult(LATEST, SetStatus.RAN, records=[record(versions={"pytest": "9.0"})])]
    write_drift_markdown(path, results)
    write_drift_markdown(path, results)  # again: replaced, not appended twice
    text = path.read_text()
    assert text.startswith("# Results\n\nkept\n") and text.count("<!-- matrix -->") == 1
    assert "| 1 | latest | newest | - | 9.0 |" in text
    assert "| [s](scenarios/s/README.md) | sqlite | broken | RuntimeError |" in text


def test_junit_has_a_case_per_run_and_per_set_that_did_not_run(tmp_path):
    results = [
        SetResult(LATEST, SetStatus.RAN, records=[
            record(), record(variant="fixed", status=Status.FIXED_FAILED),
            record(scenario="t", status=Status.NOT_APPLICABLE, error=None, detail="needs 0.24"),
        ]),
        SetResult(OLD, SetStatus.INSTALL_FAILED, "stack 'old' (pytest-asyncio==0.23.8) could not be"),
        SetResult(Stack("py", "w", python="3.99"), SetStatus.SKIPPED, "no Python 3.99"),
    ]
    path = tmp_path / "junit.xml"
    write_junit(path, results)
    suites = ElementTree.parse(path).getroot()
    latest, old, py = suites.findall("testsuite")
    assert (latest.get("tests"), latest.get("failures"), latest.get("skipped")) == ("3", "1", "1")
    failed = latest.find("testcase[@name='fixed[sqlite]']/failure")
    assert failed is not None and "fixed-failed" in failed.get("message", "")
    assert latest.find("testcase[@classname='latest.t']/skipped").get("message") == "needs 0.24"
    assert old.get("errors") == "1" and "could not be" in old.find("testcase/error").get("message")
    assert py.get("skipped") == "1" and py.get("failures") == "0"


# lab diff

def test_diff_names_what_appears_disappears_and_changes():
    old = [record("a", error=None), record("b"), record("c", error="KeyError"),
           record("d", message="at 0x7f0123456789"), record("e")]
    new = [record("a", message="new"), record("b", error=None), record("c", error="RuntimeError"),
           record("d", message="at 0x7f9999999999"), record("e", message="other text")]
    na = {"status": Status.NOT_APPLICABLE, "error": None}
    old += [record("f", **na), record("g"), record("h", **na)]
    new += [record("f"), record("g", **na), record("h", **na)]
    kinds = {change.key[0]: change.kind for change in diff(old, new)}
    # d: only an object's address differs, which is not a change; h: n/a on both sides
    assert kinds == {"a": "appears", "b": "disappears", "c": "changes", "e": "message", "f": "applies",
                     "g": "n/a"}


def _duplicate_user_error() -> str:
    """A real duplicate insert of the shared app's user: its message's parameters hold a salted hash."""
    import sqlalchemy

    from shared_app.security import hash_password

    engine = sqlalchemy.create_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE users (email TEXT UNIQUE, password_hash TEXT)")
    insert = sqlalchemy.text("INSERT INTO users (email, password_hash) VALUES (:email, :hash)")
    try:
        with engine.begin() as connection:
            for _ in range(2):
                connection.execute(insert, {"email": "a@example.org", "hash": hash_password("secret")})
    except sqlalchemy.exc.IntegrityError as error:
        return str(error)
    raise AssertionError("the second insert should fail")


SCRAM = ("SCRAM exchange failed: server-first-message r=fyko+d2lbbFgONRv9qkxdawL{nonce},s={salt},i=4096 "
         "for verifier SCRAM-SHA-256$4096:{salt}$ab12Cd34:ef56Gh78")


def test_diff_ignores_values_random_by_construction():
    import secrets

    first, second = _duplicate_user_error(), _duplicate_user_error()
    assert first != second  # the same code, the same data: only the hash's salt and digest differ
    scram = [SCRAM.format(nonce=secrets.token_urlsafe(12), salt=secrets.token_urlsafe(12)) for _ in range(2)]
    old = [record("pbkdf2", message=first), record("scram", message=scram[0]),
           # the helper's tag, `secrets.token_hex(3)`: digits alone one time in sixteen, letters alone rarely
           record("digits", message="lab_123456_0 is gone"),
           record("letters", message="lab_abcdef_0 is gone"),
           record("hash", message="digest 0123456789 differs"),
           record("word", message=f"{first} (retried)")]
    new = [record("pbkdf2", message=second), record("scram", message=scram[1]),
           record("digits", message="lab_a1b2c3_0 is gone"),
           record("letters", message="lab_0f9e8d_0 is gone"),
           record("hash", message="digest 9f8e7d6c5b differs"),
           record("word", message=f"{second} (given up)")]
    # a different word beside a hash is still a different message
    assert {change.key[0]: change.kind for change in diff(old, new)} == {"word": "message"}


def test_lab_diff_reads_two_json_files_or_two_sets_of_one(tmp_path, capsys):
    before, after = tmp_path / "old.json", tmp_path / "new.json"
    before.write_text(json.dumps([record(error=None, stack="pytest-asyncio-0.23").to_json()]))
    after.write_text(json.dumps([record().to_json()]))
    assert main(["diff", str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "appears    s broken sqlite: passes -> RuntimeError" in out
    assert "from pytest-asyncio-0.23 to latest: 1 appears (failures: 1 appear, 0 disappear)" in out

    both = tmp_path / "matrix.json"
    both.write_text(json.dumps(json.loads(before.read_text()) + json.loads(after.read_text())))
    assert main(["diff", str(both)]) == 2
    assert "holds several stack sets" in capsys.readouterr().err
    assert main(["diff", str(both), "--old-stack", "latest", "--new-stack", "latest"]) == 0
    assert "no change" in capsys.readouterr().out


def test_lab_diff_says_which_file_is_not_records(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "records"}')
    assert main(["diff", str(bad), str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


# the matrix end to end: real venvs, one set that cannot install, one this machine cannot run

def test_a_set_that_fails_to_install_is_named_and_the_others_still_run(scenarios, tmp_path):
    scenarios.add("ok", SQLITE_ONLY)
    stacks = tmp_path / "stacks.toml"
    stacks.write_text(textwrap.dedent("""
        [good]
        why = "the lab's own requirements"
        pins = []
        [unknowable]
        why = "a release that does not exist"
        pins = ["pytest-asyncio==0.0.999"]
        [far-future]
        why = "an interpreter no machine has"
        python = "3.99"
    """))
    junit = tmp_path / "junit.xml"
    completed = subprocess.run(
        [sys.executable, "-m", "lab", "matrix", "--stacks-file", str(stacks), "--scenarios-dir",
         str(scenarios.root), "--venvs", str(tmp_path / "venvs"), "--out", str(tmp_path / "out"),
         "--junit", str(junit), "-b", "sqlite"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"},
    )
    out = completed.stdout
    assert completed.returncode == 1, out + completed.stderr
    assert ("unknowable: install-failed: stack 'unknowable' (pytest-asyncio==0.0.999) "
            "could not be installed") in out
    assert "far-future: skipped: no Python 3.99 on this machine" in out
    assert "good: 2 as-expected" in out
    good = json.loads((tmp_path / "out" / "good.json").read_text())
    assert {r["stack"] for r in good} == {"good"} and len(good) == 2
    # compiled at install, so that no run's interpreter compiles the stack from source again
    assert any((tmp_path / "venvs" / "good").rglob("sqlalchemy/__pycache__/*.pyc"))
    suites = {s.get("name"): s for s in ElementTree.parse(junit).getroot()}
    assert suites["good"].get("tests") == "2" and suites["unknowable"].get("errors") == "1"


def test_matrix_rejects_an_unknown_set_by_name(tmp_path, capsys):
    assert main(["matrix", "--stack", "nope", "--stacks-file", str(REPO / "stacks.toml")]) == 2
    err = capsys.readouterr().err
    assert "no stack set named 'nope'" in err and "latest" in err


def test_matrix_needs_no_set_file_for_pins_given_on_the_command_line(tmp_path):
    stacks = Path(tmp_path / "absent.toml")
    assert not stacks.exists()  # --with never reads it
    assert adhoc(["httpx<0.28"]).pins == ("httpx<0.28",)


def test_a_set_that_would_install_what_another_did_is_named_as_its_copy():
    from lab.matrix.run import duplicates

    here = "{}.{}".format(*sys.version_info[:2])
    stacks = [Stack("latest", "w"), Stack("old", "w", ("a==1",)), Stack(f"python-{here}", "w", python=here),
              Stack("python-3.99", "w", python="3.99"), Stack("old-again", "w", ("a==1",))]
    assert duplicates(stacks) == {f"python-{here}": "latest", "old-again": "old"}


@pytest.mark.subprocess
def test_a_set_whose_lab_run_gives_no_records_is_a_lab_failure_named_with_its_output(tmp_path):
    stacks = tmp_path / "stacks.toml"
    stacks.write_text('[good]\nwhy = "the lab\'s own requirements"\n')
    completed = subprocess.run(
        [sys.executable, "-m", "lab", "matrix", "--stacks-file", str(stacks), "--scenarios-dir",
         str(tmp_path / "no-such-folder"), "--venvs", str(tmp_path / "venvs"), "--out", str(tmp_path / "out"),
         "-b", "sqlite"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "good: lab-failed: `lab run` exited 2 in stack 'good':" in completed.stdout
    assert "no-such-folder: no such scenarios directory" in completed.stdout
