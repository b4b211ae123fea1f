"""A malformed scenario is reported by file and field, and the other scenarios still run."""

import pytest
from conftest import SQLITE_ONLY

from lab.core.scenarios import ScenarioError, load

CASES = {
    "missing-symptom": ('title = "t"\n', "symptom"),
    "bad-backend": ('title = "t"\nsymptom = "s"\nbackends = ["oracle"]\n', "backends"),
    "bad-regex": ('title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "E", match = "(" }\n',
                  "broken.default.match"),
    "no-raises": ('title = "t"\nsymptom = "s"\n[broken]\nsqlite = { match = "x" }\n', "broken.sqlite.raises"),
    "bad-range": ('title = "t"\nsymptom = "s"\n[broken]\n'
                  'sqlite = [{ raises = "E", versions = { pytest = "~~1" } }]\n',
                  "broken.sqlite[0].versions.pytest"),
    "not-toml": ("title = \n", "not valid TOML"),
    "shows-nothing": ('title = "t"\nsymptom = "s"\n', "no backend expects a failure"),
    "typo": ('title = "t"\nsymptom = "s"\ntimout = 3\n', "unknown field 'timout'"),
    "typo-in-expectation": ('title = "t"\nsymptom = "s"\n[broken]\ndefault = { raise = "E" }\n',
                            "broken.default: unknown field 'raise'"),
    "requires-without-why": ('title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "E" }\n'
                             '[[requires]]\nversions = { pytest = ">=1" }\n', "requires[0].why"),
    "requires-bad-variant": ('title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "E" }\n'
                             '[[requires]]\nversions = { pytest = ">=1" }\nwhy = "w"\nvariants = ["both"]\n',
                             "requires[0].variants"),
}


@pytest.mark.parametrize("name", CASES)
def test_error_names_file_and_field(scenarios, name):
    manifest, field = CASES[name]
    path = scenarios.add(name, manifest)
    with pytest.raises(ScenarioError) as error:
        load(path)
    assert str(path / "scenario.toml") in str(error.value)
    assert field in str(error.value)


def test_one_malformed_scenario_does_not_stop_the_others(scenarios):
    scenarios.add("good", SQLITE_ONLY)
    scenarios.add("malformed", 'title = "t"\nsymptom = "s"\nbackends = "sqlite"\n')
    result = scenarios.run()
    assert result.returncode == 1
    assert result.status("good", "broken") == "as-expected"
    (problem,) = [r for r in result.records if r["scenario"] == "malformed"]
    assert problem["status"] == "error"
    assert "scenario.toml" in problem["detail"] and "backends" in problem["detail"]
    assert "malformed" in result.stdout


def test_missing_folder_is_named(scenarios):
    path = scenarios.add("no-fixed", SQLITE_ONLY)
    for file in (path / "fixed").iterdir():
        file.unlink()
    (path / "fixed").rmdir()
    with pytest.raises(ScenarioError, match="fixed: missing folder"):
        load(path)
