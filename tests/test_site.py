"""The catalogue site: built from the scenario folders, offline, and tested in a real browser (Chromium).

The browser tests skip, saying why, where MkDocs, Playwright or Debian's `chromium` is missing; `.ci/run`
installs Chromium, so CI runs them.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO

from lab.core.classify import Record, Status
from lab.core.report import write_json
from lab.core.scenarios import discover
from lab.docs.results import read_results
from lab.docs.site import _links, _literal, main, write_sources

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ERROR = "attached to a different loop"


def test_a_recorded_pattern_reads_as_the_words_a_user_sees():
    assert _literal(r"^Event loop is closed$") == "Event loop is closed"
    assert _literal(r"object at 0x[0-9a-f]+> was deleted") == "object at 0x…> was deleted"
    assert _literal(r"can't call await_only\(\) here") == "can't call await_only() here"


def test_readme_links_become_site_links():
    assert _links("[r](../../recommended/README.md) [s](../02-x/README.md)", inside_scenarios=True) == (
        "[r](../recommended.md) [s](02-x.md)")
    assert _links("[i](scenarios/01-a/README.md)", inside_scenarios=False) == "[i](scenarios/01-a.md)"


RECORDED = """\
# Results

| package | version |
|---|---|
| pytest | 9.2.0 |

| scenario | backend | broken variant | observed error (broken) | fixed variant |
|---|---|---|---|---|
| [01-import-time-engine](scenarios/01-import-time-engine/README.md) | postgres | as-expected | RuntimeError: Task \\| got Future attached to a different loop | as-expected |
| [45-streaming-response-through-asgitransport](scenarios/45-streaming-response-through-asgitransport/README.md) | sqlite | as-expected | (hangs, as expected: killed at its time limit) | as-expected |

<!-- matrix -->
## Across library versions

| # | stack set | why | python |
|---|---|---|---|
| 1 | latest | The newest. | 3.11.7 |

| scenario | backend | variant | 1 |
|---|---|---|---|
| [45-streaming-response-through-asgitransport](scenarios/45-streaming-response-through-asgitransport/README.md) | sqlite | broken | hangs |
| [45-streaming-response-through-asgitransport](scenarios/45-streaming-response-through-asgitransport/README.md) | sqlite | fixed | passes |
<!-- matrix-end -->
"""


def test_pages_carry_the_error_the_recorded_run_and_the_exercise(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text(RECORDED)
    config = write_sources(discover(REPO / "scenarios"), REPO, tmp_path / "src", results=results)
    page = (tmp_path / "src" / "docs" / "scenarios" / "01-import-time-engine.md").read_text()
    assert page.startswith('---\ntags:\n  - "RuntimeError: attached to a different loop"\n---\n')
    assert "## The error: RuntimeError: attached to a different loop (postgres)" in page
    assert "| postgres | as-expected | RuntimeError: Task \\| got Future attached to a different loop | as-expected |" in page
    assert "With pytest 9.2.0." in page
    assert "+++ fixed/conftest.py" in page  # the README's generated diff
    assert "lab exercise 01 ex01" in page
    assert "scenarios/01-import-time-engine.md" in config.read_text()
    recommended = (tmp_path / "src" / "docs" / "recommended.md").read_text()
    assert "## `conftest.py`" in recommended and "(scenarios/01-import-time-engine.md)" in recommended


def test_a_run_that_hung_as_expected_is_shown_as_a_hang_not_a_pass(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text(RECORDED)
    name = "45-streaming-response-through-asgitransport"
    write_sources(discover(REPO / "scenarios"), REPO, tmp_path / "src", results=results)
    page = (tmp_path / "src" / "docs" / "scenarios" / f"{name}.md").read_text()
    assert "| sqlite | as-expected | (hangs, as expected: killed at its time limit) | as-expected |" in page
    assert "| latest | sqlite | hangs |" in page
    assert "| latest | sqlite | passes |" not in page  # the broken variant's cells only


def test_the_site_shows_the_committed_results_never_a_stray_local_run(tmp_path, monkeypatch):
    # A one-scenario debug run with `--timeout 1`, left in the working folder's `.lab/` and in `--json`
    monkeypatch.chdir(tmp_path)
    stray = Record("18-sync-testclient-in-async-test", "fixed", "sqlite", Status.TIMEOUT, "-", stack="latest")
    for path in (Path(".lab/last-run.json"), Path(".lab/matrix/latest.json")):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, [stray])
    assert main([str(tmp_path / "src")]) == 0  # what `nox -s docs` runs
    committed = read_results(REPO / "RESULTS.md").of("01-import-time-engine")
    assert committed, "the checkout's RESULTS.md records scenario 01"
    page = (tmp_path / "src" / "docs" / "scenarios" / "01-import-time-engine.md").read_text()
    assert f"| {committed[-1].backend} | {committed[-1].broken} |" in page
    for page in (tmp_path / "src" / "docs" / "scenarios").glob("18-*.md"):
        assert "timeout" not in page.read_text().split("## Observed", 1)[-1]


needs_browser = pytest.mark.skipif(
    not (CHROMIUM and importlib.util.find_spec("playwright") and importlib.util.find_spec("mkdocs")),
    reason="needs Debian's chromium (apt-get install chromium), playwright and mkdocs-material",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    config = write_sources(discover(REPO / "scenarios"), REPO, out / "src")
    build = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config), "-d", str(out / "site")]
    subprocess.run(build, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return out / "site"


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.outside = []  # every request that did not go to the site's own server
        own = (served, "data:", "blob:")
        page.on("request", lambda r: None if r.url.startswith(own) else page.outside.append(r.url))
        yield page
        browser.close()


@needs_browser
def test_a_scenario_page_renders_its_diff_and_fetches_nothing_from_outside(page, served):
    page.goto(f"{served}/scenarios/01-import-time-engine.html")
    diff = page.locator("code").filter(has_text="+++ fixed/conftest.py")
    assert diff.count() == 1 and diff.first.is_visible()
    assert "RuntimeError: attached to a different loop" in page.inner_text("h2")
    assert page.outside == []


@needs_browser
def test_the_search_finds_the_scenarios_that_raise_a_pasted_error(page, served):
    page.goto(f"{served}/index.html")
    page.click("input.md-search__input")
    page.keyboard.type(ERROR)
    page.wait_for_selector(".md-search-result__item")
    page.wait_for_timeout(1500)  # the search worker answers as the query grows; let it settle
    for _ in range(5):  # further results load as the list scrolls
        page.eval_on_selector(".md-search__scrollwrap", "e => e.scrollTop = e.scrollHeight")
        page.wait_for_timeout(200)
    found = page.eval_on_selector_all(
        ".md-search-result__item > a", "links => links.map(a => a.getAttribute('href'))")
    numbers = [href.split("/")[-1][:2] for href in found]
    assert {"01", "09", "10", "27"} <= set(numbers[:10]), numbers
    assert page.outside == []
