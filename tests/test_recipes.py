"""`python -m lab.recipes` prints figures, never asserts them: these tests check its parsing, its arithmetic,
the markdown block it writes, the strategies it finds, and that one real strategy is reported with a number.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lab.core.report import RECIPES_SECTION, put_section, write_markdown
from lab.recipes.claims import CLAIMS, Claim, load_claims, verdict
from lab.recipes.command import main
from lab.recipes.judging import (
    Row,
    Run,
    Session,
    collected,
    first_failure,
    fixtures_per_test,
    judge,
    parse_junit,
    per_test,
    summarize,
)
from lab.recipes.render import CLOSE, OPEN, plot, render_markdown, render_text
from lab.recipes.strategies import Strategy, discover, prepare

REPO = Path(__file__).resolve().parent.parent
BOTH = Strategy("savepoint", Path("."), "rolls back", ("sqlite", "postgres"))
PG_ONLY = Strategy("truncate", Path("."), "truncates", ("postgres",))
PASSED = Session(tests=200, failures=0, errors=0, skipped=0, seconds=2.0)


def test_the_junit_session_is_summed_over_its_suites_whether_wrapped_or_bare():
    wrapped = ('<?xml version="1.0"?><testsuites><testsuite name="pytest" errors="1" failures="2" '
               'skipped="3" tests="10" time="1.5"><testcase name="a" time="0.1"/></testsuite></testsuites>')
    bare = '<testsuite name="pytest" tests="4" time="0.25"></testsuite>'
    assert parse_junit(wrapped) == Session(tests=10, failures=2, errors=1, skipped=3, seconds=1.5)
    assert parse_junit(bare) == Session(tests=4, failures=0, errors=0, skipped=0, seconds=0.25)


def test_ms_per_test_is_the_whole_session_shared_out():
    assert per_test(PASSED) == 10.0
    assert per_test(Session(0, 0, 0, 0, 1.0)) == 0.0


def test_the_fixtures_cost_is_setup_and_teardown_without_the_test_bodies():
    assert fixtures_per_test({"setup": 0.3, "call": 5.0, "teardown": 0.1}, 200) == 2.0
    assert fixtures_per_test({}, 200) is None  # the plugin wrote nothing: no figure, rather than zero
    assert fixtures_per_test({"setup": 0.3}, 0) is None


def test_collect_only_output_counts_node_ids_only():
    output = "tests/test_a.py::test_x[ada]\ntests/test_a.py::test_y\n\n2 tests collected in 0.1s\n"
    assert collected(output) == 2


def test_a_session_counts_only_when_every_test_of_the_suite_ran_and_passed():
    output = "...F\nFAILED tests/test_a.py::test_x - AssertionError: an earlier test's users\n1 failed\n"
    assert judge(PASSED, 0, 200, "") is None
    assert judge(Session(200, 1, 0, 0, 2.0), 1, 200, output) == (
        "1 failed, 0 errors; FAILED tests/test_a.py::test_x - AssertionError: an earlier test's users")
    assert judge(Session(200, 0, 0, 5, 2.0), 0, 200, "") == "5 of 200 tests skipped"
    assert judge(Session(150, 0, 0, 0, 1.0), 0, 200, "") == "ran 150 of the suite's 200 tests"
    assert judge(PASSED, 3, 200, "INTERNALERROR> boom\n") == "pytest exited with 3: INTERNALERROR> boom"
    assert judge(None, 4, 200, "ERROR: usage\n\n") == "pytest wrote no report (exit 4): ERROR: usage"


def test_a_failure_reason_is_cut_to_a_readable_width():
    reason = first_failure("FAILED " + "x" * 400)
    assert len(reason) == 160 and reason.endswith("...")
    assert first_failure("") == "no output"


def test_rows_give_the_spread_of_the_rounds_and_the_ratio_to_the_fastest_on_each_backend():
    runs = [Run("savepoint", "postgres", 200, ms, None, ms / 2) for ms in (4.0, 2.0, 3.0)]
    runs += [Run("truncate", "postgres", 200, ms) for ms in (9.0, 6.0, 12.0)]
    rows = summarize(runs, [PG_ONLY, BOTH], ["postgres"])
    assert rows == [
        Row("savepoint", "postgres", 200, 3.0, best=2.0, worst=4.0, relative=1.0, fixtures=1.5),
        Row("truncate", "postgres", 200, 9.0, best=6.0, worst=12.0, relative=3.0),
    ]


def test_one_failed_round_fails_the_strategy_there_and_an_unsupported_backend_is_na():
    runs = [Run("savepoint", "sqlite", 200, 5.0), Run("savepoint", "sqlite", 0, None, "1 failed, 0 errors")]
    rows = summarize(runs, [BOTH, PG_ONLY], ["sqlite"])
    assert rows == [
        Row("savepoint", "sqlite", note="FAILED: 1 failed, 0 errors"),
        Row("truncate", "sqlite", note="n/a (postgres only)"),
    ]
    assert summarize([], [BOTH], ["sqlite"]) == [Row("savepoint", "sqlite", note="FAILED: not run")]


def test_the_text_table_aligns_figures_and_lets_a_reason_run_on():
    rows = [Row("savepoint", "postgres", 233, 3.04, 2.9, 3.5, 1.0, fixtures=1.26),
            Row("template", "postgres", 233, 61.0, 58.1, 70.2, 20.07, fixtures=52.0),
            Row("delete", "postgres", note="FAILED: 1 failed")]
    assert render_text(rows).splitlines() == [
        "strategy   backend   tests  fastest ms/test  median ms/test  slowest ms/test  setup+teardown ms/test"
        "  vs fastest",
        "savepoint  postgres    233              2.9             3.0              3.5                     1.3"
        "       1.00x",
        "template   postgres    233             58.1            61.0             70.2                    52.0"
        "      20.07x",
        "delete     postgres  FAILED: 1 failed",
    ]


def test_the_markdown_block_holds_the_table_the_strategies_and_the_machine():
    rows = [Row("savepoint", "sqlite", 233, 3.0, 2.5, 3.5, 1.0, fixtures=0.8),
            Row("truncate", "sqlite", note="n/a (postgres only)")]
    block = render_markdown(rows, [BOTH, PG_ONLY], 3, "2 cores; Python 3.11", ["a claim: holds"])
    lines = block.splitlines()
    assert lines[0] == OPEN and lines[-1] == CLOSE and block.endswith("\n")
    assert "| savepoint | sqlite | 233 | 2.5 | 3.0 | 3.5 | 0.8 | 1.00x |" in lines
    assert "| truncate | sqlite |  |  |  |  |  | n/a (postgres only) |" in lines
    assert "- a claim: holds" in lines and lines[1] == "## Test-isolation recipes, measured"
    assert "| `truncate` | truncates |" in lines
    assert "Machine: 2 cores; Python 3.11." in lines
    assert any(line.startswith("3 rounds of every strategy") for line in lines)


def put_block(text, block):
    return put_section(text, block, RECIPES_SECTION)


def test_the_block_replaces_the_one_a_file_holds_and_keeps_the_rest():
    old = f"# Results\n\nintro\n\n{OPEN}\nold table\n{CLOSE}\n\n## After\n"
    new = f"{OPEN}\nnew table\n{CLOSE}\n"
    assert put_block(old, new) == f"# Results\n\nintro\n\n{new}\n## After\n"
    assert put_block(put_block(old, new), new) == put_block(old, new)


def test_the_block_is_appended_when_there_is_none():
    block = f"{OPEN}\ntable\n{CLOSE}\n"
    assert put_block("# Results\n\n\n", block) == f"# Results\n\n{block}"
    assert put_block("", block) == block


def test_a_catalogue_run_rewriting_results_keeps_the_recipes_and_the_matrix_sections(tmp_path):
    results = tmp_path / "RESULTS.md"
    matrix = "<!-- matrix -->\n## Across library versions\n<!-- matrix-end -->\n"
    recipes = f"{OPEN}\nthe recipes table\n{CLOSE}\n"
    results.write_text(f"# Results\n\nold run\n\n{matrix}\n{recipes}")
    write_markdown(results, [])
    text = results.read_text()
    assert "old run" not in text and text.startswith("# Results")
    assert matrix in text and recipes in text


def test_without_matplotlib_the_plot_is_skipped_with_a_message(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it now raises ImportError
    message = plot([Row("savepoint", "sqlite", 233, 3.0, 3.5, 1.0)], tmp_path / "chart.png")
    assert message.startswith("no plot: matplotlib is not installed")
    assert not (tmp_path / "chart.png").exists()


def test_every_strategy_folder_is_found_with_its_backends_and_savepoint_is_the_recommended_conftest():
    strategies = {s.name: s for s in discover()}
    assert set(strategies) == {"savepoint", "delete", "truncate", "recreate", "template", "nullpool",
                               "prewarmed", "cold", "session-app"}
    assert {name for name, s in strategies.items() if s.backends == ("postgres",)} == {"truncate", "template"}
    assert all(s.summary and (s.path / "pytest.ini").is_file() for s in strategies.values())
    assert strategies["template"].extra_databases("lab_x") == ["lab_x_tpl", "lab_x_each"]
    # the benchmark measures the very recipe the lab recommends, from where the lab keeps it
    assert strategies["savepoint"].path == REPO / "recommended"


def test_a_strategy_whose_source_holds_no_conftest_is_named(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "strategy.toml").write_text('summary = "s"\nsource = "nowhere"\n')
    with pytest.raises(ValueError, match=r"x[/\\]strategy\.toml: no conftest\.py in .*nowhere"):
        discover(tmp_path)


def test_only_the_conftest_and_pytest_ini_go_beside_the_suite(tmp_path):
    (savepoint,) = [s for s in discover() if s.name == "savepoint"]
    prepare(savepoint, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conftest.py", "pytest.ini", "tests"]
    assert (tmp_path / "tests" / "suite_support.py").is_file()


def test_a_misspelt_backend_is_an_error_not_a_quiet_na(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "conftest.py").write_text("")
    (tmp_path / "x" / "strategy.toml").write_text('summary = "s"\nbackends = ["postgresql"]\n')
    with pytest.raises(ValueError, match="unknown backends"):
        discover(tmp_path)


def timed(name, backend, best, median, worst):
    return Row(name, backend, 233, median, best, worst)


def test_a_faster_claim_holds_only_when_every_round_beat_every_round_of_the_other():
    claim = Claim("a beats b", faster="a", than="b")
    apart = [timed("a", "sqlite", 1.0, 1.5, 2.0), timed("b", "sqlite", 2.5, 3.0, 4.0)]
    assert verdict(claim, apart) == ("a beats b: holds on sqlite (`a` 1.5 ms/test, rounds 1.0–2.0, "
                                     "against `b` 3.0, rounds 2.5–4.0: 0.50x)")
    behind = [timed("a", "postgres", 5.0, 6.0, 7.0), timed("b", "postgres", 2.5, 3.0, 4.0)]
    assert verdict(claim, behind).startswith("a beats b: does not hold on postgres (`a` 6.0 ms/test")
    overlap = [timed("a", "sqlite", 1.0, 2.0, 3.0), timed("b", "sqlite", 2.5, 3.0, 4.0)]
    assert "no clear difference, the rounds overlap, on sqlite" in verdict(claim, overlap)
    assert verdict(claim, apart + behind).count("; ") == 1  # one finding per backend, sqlite first
    assert verdict(claim, [apart[0]]) == "a beats b: not measured"


def test_a_fails_claim_is_contradicted_by_a_pass_and_borne_out_by_a_failure():
    claim = Claim("sqlite cannot", fails="savepoint", backend="sqlite")
    passed = [timed("savepoint", "sqlite", 1.0, 1.0, 1.0)]
    assert verdict(claim, passed) == "sqlite cannot: does not hold, `savepoint` isolated every test on sqlite"
    failed = [Row("savepoint", "sqlite", note="FAILED: 1 failed")]
    assert verdict(claim, failed) == "sqlite cannot: holds, `savepoint` failed on sqlite"
    assert verdict(claim, [Row("savepoint", "sqlite", note="n/a (postgres only)")]).endswith("not measured")


def test_the_claims_file_names_only_strategies_that_exist():
    names = [s.name for s in discover()]
    claims = load_claims(CLAIMS, names)
    assert claims and all(c.says for c in claims)


@pytest.mark.parametrize(("entry", "error"), [
    ('says = "x"\nfaster = "nope"\nthan = "savepoint"', "claim 1: no strategy named nope"),
    ('says = "x"\nfaster = "savepoint"', "needs `says` and either"),
    ('says = "x"\nfails = "savepoint"\nbackend = "mysql"', "backend 'mysql' is not one of"),
    ('says = "x"\nfails = "savepoint"\nfaster = "delete"\nthan = "cold"\nbackend = "sqlite"', "either"),
    ('says = "x"\nslower = "savepoint"', "unexpected keyword argument 'slower'"),
])
def test_a_bad_claim_is_named_with_its_file_and_number(tmp_path, entry, error):
    path = tmp_path / "claims.toml"
    path.write_text(f"[[claim]]\n{entry}\n")
    with pytest.raises(ValueError, match="claims.toml: claim 1: ") as raised:
        load_claims(path, ["savepoint", "delete", "cold"])
    assert error in str(raised.value)


@pytest.mark.subprocess
def test_one_strategy_runs_the_real_suite_on_sqlite_and_is_reported_with_a_number(tmp_path, capsys):
    markdown = tmp_path / "results.md"
    status = main(["-b", "sqlite", "--strategy", "savepoint", "--rounds", "1", "--markdown", str(markdown)])
    out = capsys.readouterr().out
    assert status == 0, out
    (row,) = [line for line in markdown.read_text().splitlines() if line.startswith("| savepoint |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:2] == ["savepoint", "sqlite"] and int(cells[2]) >= 200
    fastest, median, slowest, fixtures = (float(c) for c in cells[3:7])
    assert 0 < fastest <= median <= slowest and cells[7] == "1.00x"
    assert 0 < fixtures < slowest  # setup+teardown, measured inside the session
    assert f"{cells[2]} tests each" in out  # every test the suite has ran: none deselected or skipped


@pytest.mark.subprocess
def test_a_broken_claims_file_costs_the_verdicts_not_the_table(tmp_path, capsys, monkeypatch):
    claims = tmp_path / "claims.toml"
    claims.write_text('[[claim]]\nsays = "x"\nfaster = "nope"\nthan = "savepoint"\n')
    monkeypatch.setattr("lab.recipes.claims.CLAIMS", claims)
    status = main(["-b", "sqlite", "--strategy", "savepoint", "--rounds", "1"])
    captured = capsys.readouterr()
    assert status == 1  # the run says something went wrong ...
    assert "claims not checked: claims.toml: claim 1: no strategy named nope" in captured.err
    assert any(line.startswith("savepoint  sqlite") for line in captured.out.splitlines())  # ... and times
