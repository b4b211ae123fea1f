"""`[[idiom]]`: a mistake and its fix as older releases wrote them, chosen by the installed versions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import SQLITE_ONLY

from lab.core.plan import Run
from lab.core.runner import materialize
from lab.core.scenarios import ScenarioError, load
from lab.core.variants import fix_diff
from lab.docs.readme import ReadmeError, with_fix_diff
from lab.workshop.exercise import create, staged

HOLDS, FAILS = 'pytest = ">=1"', 'pytest = "<1"'  # a range the installed pytest is in, and one it is not


def scenario(tmp_path: Path, idioms: str, requires: str = "") -> Path:
    """A scenario whose own files say `own`, with an idiom folder `old` whose files say `old`."""
    path = tmp_path / "01-x"
    for part in ("tests", "broken", "fixed", "old/tests", "old/broken", "old/fixed"):
        (path / part).mkdir(parents=True, exist_ok=True)
    for root, word in ((path, "own"), (path / "old", "old")):
        (root / "tests" / "test_it.py").write_text(f"def test_{word}():\n    pass\n")
        (root / "pytest.ini").write_text(f"[pytest]\n# {word}\n")
        (root / "broken" / "conftest.py").write_text(f"# {word} broken\n")
        (root / "fixed" / "conftest.py").write_text(f"# {word} fixed\n")
    (path / "scenario.toml").write_text(
        'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "E" }\n'
        + textwrap.dedent(idioms) + textwrap.dedent(requires))
    return path


def idiom(versions: str, folder: str = "old") -> str:
    return f'[[idiom]]\nfolder = "{folder}"\nversions = {{ {versions} }}\nwhy = "as 0.x wrote it"\n'


def run_folder(tmp_path: Path, path: Path, variant: str = "broken") -> Path:
    return materialize(Run(load(path), variant, "sqlite"), tmp_path / "runs")


def test_where_its_versions_hold_the_idiom_s_files_run(tmp_path):
    workdir = run_folder(tmp_path, scenario(tmp_path, idiom(HOLDS)))
    assert (workdir / "conftest.py").read_text() == "# old broken\n"
    assert (workdir / "pytest.ini").read_text() == "[pytest]\n# old\n"
    assert [p.name for p in (workdir / "tests").iterdir()] == ["test_it.py"]
    assert "test_old" in (workdir / "tests" / "test_it.py").read_text()
    assert Run(load(tmp_path / "01-x"), "broken", "sqlite").idiom == "old"


def test_elsewhere_the_scenario_s_own_files_run(tmp_path):
    path = scenario(tmp_path, idiom(FAILS))
    workdir = run_folder(tmp_path, path)
    assert (workdir / "conftest.py").read_text() == "# own broken\n"
    assert (workdir / "pytest.ini").read_text() == "[pytest]\n# own\n"
    assert Run(load(path), "broken", "sqlite").idiom == ""


def test_a_part_the_idiom_lacks_is_the_scenario_s_own(tmp_path):
    path = scenario(tmp_path, idiom(HOLDS))
    for part in ("old/tests/test_it.py", "old/pytest.ini", "old/fixed/conftest.py"):
        (path / part).unlink()
    (path / "old" / "tests").rmdir()
    (path / "old" / "fixed").rmdir()
    workdir = run_folder(tmp_path, path, "fixed")
    assert (workdir / "conftest.py").read_text() == "# own fixed\n"
    assert (workdir / "pytest.ini").read_text() == "[pytest]\n# own\n"
    assert load(path).functions(load(path).idiom()) == ("test_own",)
    assert run_folder(tmp_path, path, "broken").joinpath("conftest.py").read_text() == "# old broken\n"


def test_the_first_idiom_whose_versions_hold_is_run(tmp_path):
    path = scenario(tmp_path, idiom(FAILS, "older") + idiom(HOLDS) + idiom(HOLDS, "newer"))
    for folder in ("older", "newer"):
        (path / folder / "broken").mkdir(parents=True)
        (path / folder / "broken" / "conftest.py").write_text(f"# {folder}\n")
    assert load(path).idiom().folder == "old"


def test_a_pass_must_run_the_idiom_s_own_test_functions(tmp_path):
    found = load(scenario(tmp_path, idiom(HOLDS)))
    assert found.functions(found.idiom()) == ("test_old",)
    assert found.functions() == ("test_own",)


def test_the_scenario_s_requirements_are_about_its_own_files_an_idiom_s_about_its_own(tmp_path):
    requires = f"""
        [[requires]]
        versions = {{ {FAILS} }}
        why = "its own pytest.ini needs a newer pytest"
        [[requires]]
        versions = {{ {FAILS} }}
        why = "the idiom's fixed conftest needs something"
        variants = ["fixed"]
        idiom = "old"
        """
    chosen = load(scenario(tmp_path, idiom(HOLDS), requires))
    assert chosen.not_applicable("broken") is None
    assert chosen.not_applicable("fixed") == "the idiom's fixed conftest needs something"
    unchosen = load(scenario(tmp_path / "b", idiom(FAILS), requires))
    assert unchosen.not_applicable("broken") == "its own pytest.ini needs a newer pytest"


def test_each_idiom_whose_fix_differs_has_its_own_generated_diff(tmp_path):
    found = load(scenario(tmp_path, idiom(FAILS)))
    own = "<!-- fix-diff -->\n<!-- /fix-diff -->\n"
    with pytest.raises(ReadmeError, match=r"no <!-- fix-diff old --> .* block for idiom 'old'"):
        with_fix_diff(own, found)
    text = with_fix_diff(own + "Before 1:\n<!-- fix-diff old -->\nstale\n<!-- /fix-diff -->\n", found)
    assert fix_diff(found, found.idioms[0]) in text and fix_diff(found) in text
    assert "-# old broken\n+# old fixed\n" in text and "-# own broken\n+# own fixed\n" in text
    assert "stale" not in text


def test_an_idiom_with_the_same_fix_needs_no_block_and_a_block_must_name_an_idiom(tmp_path):
    path = scenario(tmp_path, idiom(FAILS))
    for variant in ("broken", "fixed"):
        (path / "old" / variant / "conftest.py").write_text(f"# own {variant}\n")
    (path / "old" / "pytest.ini").write_text("[pytest]\n# own\n")
    found = load(path)
    assert "-# own broken" in with_fix_diff("<!-- fix-diff -->\n<!-- /fix-diff -->\n", found)
    with pytest.raises(ReadmeError, match="fix-diff new -->: no \\[\\[idiom\\]\\] has that folder"):
        with_fix_diff("<!-- fix-diff -->\n<!-- /fix-diff -->\n<!-- fix-diff new -->\n<!-- /fix-diff -->\n",
                      found)


def test_a_learner_is_given_the_idiom_of_their_versions_and_judged_on_its_tests(tmp_path):
    path = scenario(tmp_path, idiom(HOLDS))
    exercise = create(load(path), tmp_path / "ex")
    assert (tmp_path / "ex" / "conftest.py").read_text() == "# old broken\n"
    assert (tmp_path / "ex" / "pytest.ini").read_text() == "[pytest]\n# old\n"
    judged = staged(load(path), exercise, tmp_path / "staged")
    assert judged.idioms == () and judged.functions() == ("test_old",)
    assert "test_old" in (tmp_path / "staged" / "tests" / "test_it.py").read_text()


BAD = {
    "no folder": ('[[idiom]]\nfolder = "gone"\nversions = { pytest = "<1" }\nwhy = "w"\n',
                  "idiom[0].folder: "),
    "no versions": ('[[idiom]]\nfolder = "old"\nwhy = "w"\n', "idiom[0].versions"),
    "no why": ('[[idiom]]\nfolder = "old"\nversions = { pytest = "<1" }\n', "idiom[0].why"),
    "a part's name": ('[[idiom]]\nfolder = "broken"\nversions = { pytest = "<1" }\nwhy = "w"\n',
                      "idiom[0].folder"),
    "twice": (idiom(FAILS) + idiom(HOLDS), "idiom[1].folder: 'old' is declared twice"),
    "typo": ('[[idiom]]\nfolder = "old"\nversion = { pytest = "<1" }\nwhy = "w"\n',
             "idiom[0]: unknown field 'version'"),
    "unknown idiom in requires": (idiom(FAILS) + '[[requires]]\nversions = { pytest = ">=1" }\nwhy = "w"\n'
                                  'idiom = "olde"\n', "requires[0].idiom: no [[idiom]] has folder 'olde'"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_malformed_idiom_is_named_by_file_and_field(tmp_path, case):
    text, field = BAD[case]
    path = scenario(tmp_path, text)
    with pytest.raises(ScenarioError) as error:
        load(path)
    assert str(path / "scenario.toml") in str(error.value) and field in str(error.value)


def test_a_run_through_an_idiom_is_judged_and_recorded_with_it(scenarios):
    path = scenarios.add("idiomatic", SQLITE_ONLY + idiom(HOLDS), broken="def test_ok():\n    pass\n")
    # The scenario's own broken variant passes; the idiom's raises what the scenario expects
    (path / "old" / "broken").mkdir(parents=True)
    (path / "old" / "broken" / "conftest.py").write_text((path / "broken" / "conftest.py").read_text())
    (path / "old" / "broken" / "variant_body.py").write_text("def test_divides():\n    assert 1 / 0\n")
    result = scenarios.run("--variant", "broken")
    (record,) = result.records
    assert (record["status"], record["idiom"], record["error_type"]) == ("as-expected", "old",
                                                                           "ZeroDivisionError")
