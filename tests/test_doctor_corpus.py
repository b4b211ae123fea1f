"""The doctor corpus: its labels are well formed, and the measure scores findings against them correctly.

The measure is checked on a tiny corpus written here, with a stand-in for `lab doctor` that returns set
findings, so the arithmetic is tested apart from doctor's own rules.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from doctor_corpus import measure

SCENARIOS = Path(__file__).parents[1] / "scenarios"

MANIFEST = """
[[setup]]
repo = "alice/shop"
commit = "{c}"
paths = ["tests/conftest.py", "app/db.py"]

[[setup.finding]]
rule = "LAB001"
path = "app/db.py"
line = 10
certainty = "confident"
when = "pinned"
why = "engine at import"

[[setup.finding]]
rule = "LAB015"
path = "tests/conftest.py"
line = [5, 20]
certainty = "confident"

[[setup.finding]]
rule = "LAB012"
path = "tests/conftest.py"
line = 30
certainty = "possible"

[[setup]]
repo = "bob/clean"
commit = "{c}"
paths = ["conftest.py"]

[[setup]]
repo = "carol/half"
commit = "{c}"
paths = ["conftest.py", "pytest.ini"]

[[setup.finding]]
rule = "LAB011"
path = "conftest.py"
line = 3
certainty = "confident"
""".format(c="0123456789abcdef0123456789abcdef01234567")


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[list[measure.Setup], Path]:
    (tmp_path / "manifest.toml").write_text(MANIFEST)
    files = tmp_path / "files"
    for relative in ("alice+shop/tests/conftest.py", "alice+shop/app/db.py", "bob+clean/conftest.py",
                     "carol+half/conftest.py"):  # carol's pytest.ini is not gathered
        (files / relative).parent.mkdir(parents=True, exist_ok=True)
        (files / relative).write_text("import pytest\n")
    return measure.load_manifest(tmp_path / "manifest.toml"), files


def doctor_saying(findings: dict[str, list[dict[str, Any]]]) -> measure.Runner:
    return lambda folder: findings.get(folder.name, [])


def test_precision_and_recall_count_each_finding_once(corpus: tuple[list[measure.Setup], Path]) -> None:
    setups, files = corpus
    run = doctor_saying({
        "alice+shop": [
            {"rule": "LAB001", "path": "app/db.py", "line": 12, "severity": "error"},  # FP: label taken
            {"rule": "LAB001", "path": "app/db.py", "line": 10, "severity": "error"},  # TP
            {"rule": "LAB015", "path": "tests/conftest.py", "line": 18, "severity": "error"},  # TP, 2 off
            {"rule": "LAB012", "path": "tests/conftest.py", "line": 31, "severity": "warning"},  # tolerated
        ],
        "bob+clean": [{"rule": "LAB010", "path": "./conftest.py", "line": 4, "severity": "warning"}],  # FP
    })
    report = measure.measure(setups, files, run)
    assert report.measured == ["alice/shop", "bob/clean"]
    assert [label.rule for _, label in report.score.true_positives] == ["LAB001", "LAB015"]
    assert [(f.repo, f.rule, f.line) for f in report.score.false_positives] == [
        ("alice/shop", "LAB001", 12), ("bob/clean", "LAB010", 4)]
    assert [label.rule for _, label in report.score.tolerated] == ["LAB012"]
    assert report.score.false_negatives == []
    assert measure.precision(report.score) == pytest.approx(2 / 4)
    assert measure.recall(report.score) == 1.0
    assert measure.precision(report.score, "LAB015") == 1.0
    assert measure.precision(report.score, "LAB010") == 0.0
    assert measure.recall(report.score, "LAB010") is None


def test_a_finding_three_lines_off_is_a_false_positive_and_its_label_a_miss(
    corpus: tuple[list[measure.Setup], Path],
) -> None:
    setups, files = corpus
    run = doctor_saying({"alice+shop": [
        {"rule": "LAB001", "path": "app/db.py", "line": 7},
        {"rule": "LAB015", "path": "app/db.py", "line": 5},  # right rule and line, wrong file
        {"rule": "LAB011", "path": "tests/conftest.py", "line": 20},  # right file and line, wrong rule
    ]})
    score = measure.measure(setups, files, run).score
    assert score.true_positives == []
    assert len(score.false_positives) == 3
    assert sorted(label.rule for label in score.false_negatives) == ["LAB001", "LAB015"]
    assert measure.precision(score) == 0.0
    assert measure.recall(score) == 0.0


def test_unreported_possible_labels_are_no_misses(corpus: tuple[list[measure.Setup], Path]) -> None:
    setups, files = corpus
    score = measure.measure(setups, files, doctor_saying({})).score
    assert sorted(label.rule for label in score.false_negatives) == ["LAB001", "LAB015"]
    assert measure.precision(score) is None


def test_a_setup_with_files_missing_is_left_out_and_named(corpus: tuple[list[measure.Setup], Path]) -> None:
    setups, files = corpus
    report = measure.measure(setups, files, doctor_saying({}))
    assert report.missing == {"carol/half": ["pytest.ini"]}
    assert "LAB011" not in {label.rule for label in report.score.false_negatives}
    text = measure.render(report)
    assert "left out: carol/half: missing pytest.ini" in text
    assert "false negative: alice/shop app/db.py:10 LAB001: engine at import" in text
    assert "false negative: alice/shop tests/conftest.py:5,20 LAB015" in text


def test_absolute_paths_from_doctor_are_made_relative_to_the_setup(
    corpus: tuple[list[measure.Setup], Path],
) -> None:
    setups, files = corpus
    absolute = str((files / "alice+shop" / "app" / "db.py").resolve())
    run = doctor_saying({"alice+shop": [{"rule": "LAB001", "path": absolute, "line": 10}]})
    assert len(measure.measure(setups, files, run).score.true_positives) == 1


def test_render_prints_a_row_per_rule_and_the_totals(corpus: tuple[list[measure.Setup], Path]) -> None:
    setups, files = corpus
    run = doctor_saying({"alice+shop": [
        {"rule": "LAB001", "path": "app/db.py", "line": 10, "severity": "error", "fails": "upgrade"},
        {"rule": "LAB024", "path": "app/db.py", "line": 1, "severity": "error"},
        {"rule": "LAB024", "path": "app/db.py", "line": 30, "severity": "possible"},
    ]})
    lines = measure.render(measure.measure(setups, files, run)).splitlines()
    assert lines[0] == "2 setups measured, 1 left out (files missing)"
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:7]}
    assert rows["LAB001"] == ["1", "0", "0", "1.00", "1.00"]
    assert rows["LAB015"] == ["0", "0", "1", "n/a", "0.00"]
    assert rows["LAB024"] == ["0", "2", "0", "0.00", "n/a"]
    assert rows["overall"] == ["1", "2", "1", "0.33", "0.50"]
    assert "false positive: alice/shop app/db.py:1 LAB024 (error)" in lines
    assert "precision without doctor's own 'possible' findings: 0.50 (1 false positives left)" in lines
    assert ("found, but when differs: alice/shop app/db.py:10 LAB001: labelled pinned, doctor says upgrade"
            in lines)


def test_without_a_corpus_the_measure_says_how_to_gather_it_and_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert measure.main(["--corpus", str(tmp_path / "absent")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("skipped: no corpus at ")
    assert "README.md" in out


@pytest.mark.parametrize(("field", "value", "message"), [
    ("rule", '"LAB1"', "rule: expected LABNNN, got 'LAB1'"),
    ("path", '"elsewhere.py"', "path: 'elsewhere.py' is not among the setup's paths"),
    ("line", "0", "line: expected a line number or a list of them, got 0"),
    ("certainty", '"maybe"', "certainty: expected one of ['confident', 'possible'], got 'maybe'"),
])
def test_a_bad_label_is_refused_naming_setup_and_field(
    tmp_path: Path, field: str, value: str, message: str,
) -> None:
    finding = {"rule": '"LAB001"', "path": '"conftest.py"', "line": "3", "certainty": '"confident"'}
    finding[field] = value
    body = "\n".join(f"{key} = {text}" for key, text in finding.items())
    path = tmp_path / "manifest.toml"
    path.write_text(textwrap.dedent(f"""
        [[setup]]
        repo = "dave/app"
        commit = "{'a' * 40}"
        paths = ["conftest.py"]

        [[setup.finding]]
        """) + body + "\n")
    with pytest.raises(measure.ManifestError, match="setup 1 \\(dave/app\\): finding 1: ") as raised:
        measure.load_manifest(path)
    assert message in str(raised.value)


def test_the_committed_labels_are_well_formed_and_name_catalogue_scenarios() -> None:
    setups = measure.load_manifest()
    numbers = {folder.name.split("-")[0] for folder in SCENARIOS.iterdir() if folder.is_dir()}
    assert {label.rule[3:].lstrip("0").zfill(2) for s in setups for label in s.labels} <= numbers
    clean = [s for s in setups if not s.labels]
    assert len(clean) * 3 >= len(setups), "at least a third of the corpus is clean setups"
    assert len({s.repo for s in setups}) == len(setups)


@pytest.mark.subprocess
def test_the_real_doctor_is_scored_through_its_json(tmp_path: Path) -> None:
    """The contract the measure relies on: `lab doctor --format json` paths relative to the setup's root."""
    setup = tmp_path / "files" / "erin+api"
    (setup / "tests").mkdir(parents=True)
    (setup / "requirements.txt").write_text("httpx==0.28.1\npytest-asyncio==1.3.0\n")
    (setup / "tests" / "conftest.py").write_text(textwrap.dedent("""\
        import pytest_asyncio
        from httpx import AsyncClient

        from app.main import app


        @pytest_asyncio.fixture
        async def client():
            async with AsyncClient(app=app, base_url="http://test") as client:
                yield client
        """))
    (tmp_path / "manifest.toml").write_text(textwrap.dedent(f"""\
        [[setup]]
        repo = "erin/api"
        commit = "{'b' * 40}"
        paths = ["tests/conftest.py", "requirements.txt"]

        [[setup.finding]]
        rule = "LAB015"
        path = "tests/conftest.py"
        line = 9
        certainty = "confident"
        """))
    report = measure.measure(measure.load_manifest(tmp_path / "manifest.toml"), tmp_path / "files")
    found = [(f.rule, f.path, f.line) for f, _ in report.score.true_positives]
    assert found == [("LAB015", "tests/conftest.py", 9)]
    assert report.score.false_positives == []
