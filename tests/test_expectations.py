"""Reading what a scenario expects: every accepted form, and every rejection naming the field and the value."""

from __future__ import annotations

import platform

import pytest

from lab.core.expectations import (
    PASSES,
    Expectation,
    ExpectationError,
    choose,
    installed_version,
    parse,
    parse_versions,
    versions_hold,
)


@pytest.mark.parametrize(("value", "expected"), [
    ("passes", (PASSES,)),
    ({"raises": "E"}, (Expectation(raises="E"),)),
    ({"raises": "E", "match": "m.*", "note": "why", "versions": {"pytest": ">=9"}},
     (Expectation(raises="E", match="m.*", note="why", versions={"pytest": ">=9"}),)),
    ({"passes": True, "versions": {"httpx": "<0.28"}, "note": "n"},
     (Expectation(versions={"httpx": "<0.28"}, note="n"),)),
    ({"crashes": "SIGSEGV", "note": "n", "versions": {"python": "<3.12"}},
     (Expectation(crashes="SIGSEGV", note="n", versions={"python": "<3.12"}),)),
    ([{"raises": "A"}, {"raises": "B", "match": "b"}], (Expectation(raises="A"), Expectation(raises="B", match="b"))),
    ({"hangs": True, "match": "in _read_frame"}, (Expectation(hangs=True, match="in _read_frame"),)),
])
def test_accepted_forms(value, expected):
    assert parse(value, "broken.default") == expected


@pytest.mark.parametrize(("value", "message"), [
    ("fails", "broken.default: expected \"passes\", a table {raises, match} or a list of tables, got 'fails'"),
    ([], "broken.default: expected \"passes\", a table {raises, match} or a list of tables, got []"),
    (3, "broken.default: expected \"passes\", a table {raises, match} or a list of tables, got 3"),
    (["passes"], "broken.default[0]: expected a table, got 'passes'"),
    ({"raise": "E"}, "broken.default: unknown field 'raise'"),
    ({"match": "x"}, "broken.default.raises: expected an exception type name, got None"),
    ({"raises": ""}, "broken.default.raises: expected an exception type name, got ''"),
    ({"raises": "E", "match": 3}, "broken.default.match: expected a regular expression, got 3"),
    ({"raises": "E", "match": "("}, "broken.default.match: bad regular expression '(': missing ), unterminated "
                                    "subpattern at position 0"),
    ({"crashes": "segfault"}, 'broken.default.crashes: expected a signal name like "SIGSEGV", got \'segfault\''),
    ({"crashes": 11}, 'broken.default.crashes: expected a signal name like "SIGSEGV", got 11'),
    ({"hangs": "yes", "match": "x"}, "broken.default.hangs: expected true, got 'yes'"),
    ({"hangs": True}, "broken.default.match: a hang needs the frame it hangs in, got nothing"),
    ({"raises": "E", "versions": ["pytest"]}, "broken.default.versions: expected a table, got ['pytest']"),
    ({"raises": "E", "versions": {"pytest": "~~1"}}, "broken.default.versions.pytest: bad version range '~~1'"),
    ([{"raises": "A"}, {"raises": "B", "versions": {"x": "nope"}}],
     "broken.default[1].versions.x: bad version range 'nope'"),
])
def test_rejections_name_the_field_and_the_value(value, message):
    with pytest.raises(ExpectationError) as error:
        parse(value, "broken.default")
    assert str(error.value) == message


def test_passes_false_is_not_a_pass():
    # `passes = false` says nothing: without `raises` or `crashes` the entry is incomplete
    with pytest.raises(ExpectationError, match="raises: expected an exception type name"):
        parse({"passes": False}, "x")


@pytest.mark.parametrize(("expectation", "described", "passes"), [
    (PASSES, "passes", True),
    (Expectation(raises="RuntimeError", match="loop"), "RuntimeError: /loop/", False),
    (Expectation(crashes="SIGSEGV"), "crashes (SIGSEGV)", False),
    (Expectation(raises="E", crashes="SIGABRT"), "crashes (SIGABRT)", False),
    (Expectation(versions={"pytest": "<1"}), "passes", True),
])
def test_described_as_a_reader_sees_it(expectation, described, passes):
    assert (expectation.describe(), expectation.passes) == (described, passes)


def test_version_ranges_hold_for_what_is_installed():
    here = platform.python_version()
    assert installed_version("python") == here
    assert installed_version("pytest") == pytest.__version__
    assert installed_version("no-such-distribution-anywhere") is None
    assert versions_hold({})
    assert versions_hold({"python": f"=={here}", "pytest": f">={pytest.__version__}"})
    assert not versions_hold({"python": f"=={here}", "pytest": f"<{pytest.__version__}"})
    assert not versions_hold({"no-such-distribution-anywhere": ">=0"})


def test_a_pre_release_counts_as_its_release(monkeypatch):
    monkeypatch.setattr("lab.core.expectations.installed_version", lambda package: "1.6.0a1")
    assert versions_hold({"pytest-asyncio": ">=1.4"})
    assert not versions_hold({"pytest-asyncio": "<1.4"})


def test_choose_keeps_only_the_outcomes_for_these_versions():
    now = Expectation(raises="A", versions={"python": ">=3"})
    never = Expectation(raises="B", versions={"python": "<3"})
    assert choose((never, now, PASSES)) == (now, PASSES)
    assert choose((never,)) == ()


def test_parse_versions():
    assert parse_versions(None, "x") == {}
    assert parse_versions({"pytest": ">=8", "python": "<3.14"}, "x") == {"pytest": ">=8", "python": "<3.14"}
    with pytest.raises(ExpectationError, match=r"^w: expected a table, got 'pytest>=8'$"):
        parse_versions("pytest>=8", "w")


def test_the_per_test_form_keeps_its_versions_and_note_and_names_nested_fields():
    (entry,) = parse({"tests": {"test_a": "passes"}, "versions": {"pytest": ">=9"}, "note": "n"}, "broken.default")
    assert entry == Expectation(versions={"pytest": ">=9"}, note="n", tests={"test_a": PASSES})
    for value, message in [
        ({"tests": {"helper": "passes"}}, "broken.default.tests: 'helper' is not a test function's name"),
        ({"tests": {"test_a": {"raise": "E"}}}, "broken.default.tests.test_a: unknown field 'raise'"),
        ({"tests": {"test_a": {"tests": {}}}}, "broken.default.tests.test_a: expected \"passes\" or one table {raises, match}, got {'tests': {}}"),
        ({"tests": {"test_a": ["passes"]}}, "broken.default.tests.test_a: expected \"passes\" or one table {raises, match}, got ['passes']"),
        ({"tests": []}, "broken.default.tests: expected a table of test name = outcome, got []"),
    ]:
        with pytest.raises(ExpectationError) as error:
            parse(value, "broken.default")
        assert str(error.value) == message
