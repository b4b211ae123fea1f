"""The JSON records and the printed table tell the same story."""

import re

from conftest import SQLITE_ONLY

FIELDS = {
    "scenario", "variant", "backend", "status", "expected_match", "error_type", "error_message", "seconds",
    "versions",
}
PACKAGES = {"pytest", "pytest-asyncio", "sqlalchemy", "asyncpg", "aiosqlite", "httpx", "fastapi",
            "starlette", "aiohttp", "python"}


def test_json_records_agree_with_the_printed_lines(scenarios):
    scenarios.add("ok", SQLITE_ONLY)
    scenarios.add("regression", SQLITE_ONLY, fixed="def test_no():\n    assert False\n")
    result = scenarios.run()
    assert len(result.records) == 4
    for record in result.records:
        assert FIELDS <= set(record)
        assert PACKAGES <= set(record["versions"])
        line = re.compile(
            rf"^{re.escape(record['status'])}\s+{record['scenario']}\s+{record['variant']}\s+{record['backend']}\s",
            re.M,
        )
        assert line.search(result.stdout), (record, result.stdout)
    assert "4 runs: 3 as-expected, 1 fixed-failed" in result.stdout


def test_no_colour_when_not_a_terminal(scenarios):
    scenarios.add("ok", SQLITE_ONLY)
    assert "\x1b[" not in scenarios.run().stdout


def test_markdown_report(scenarios, tmp_path):
    scenarios.add("ok", SQLITE_ONLY)
    markdown = tmp_path / "RESULTS.md"
    scenarios.run("--markdown", str(markdown))
    text = markdown.read_text()
    row = "| [ok](scenarios/ok/README.md) | sqlite | as-expected | ZeroDivisionError: division by zero |"
    assert row in text
    assert "| pytest-asyncio |" in text


def test_markdown_report_holds_nothing_of_this_run_or_machine(scenarios, tmp_path):
    manifest = SQLITE_ONLY.replace('raises = "ZeroDivisionError", match = "division by zero"',
                                   'raises = "ValueError", match = "bad"')
    broken = "def test_repr():\n    raise ValueError(f'bad {object()!r}')\n"
    scenarios.add("addresses", manifest, broken=broken)
    markdown = tmp_path / "RESULTS.md"
    scenarios.run("--markdown", str(markdown))
    text = markdown.read_text()
    # object addresses differ in every run: kept, RESULTS.md would change each time for nothing
    assert "ValueError: bad <object object at 0x…> |" in text
    assert not re.search(r"0x[0-9a-f]{6,}", text)
