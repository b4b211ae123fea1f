"""The catalogue as a static site: `nox -s docs` writes its pages here and builds them with MkDocs.

One page per scenario (its README: symptom, the real traceback, cause, the fix as the generated diff),
what the committed RESULTS.md recorded of it (the catalogue's run, the version matrix), and the command
that turns the scenario into an exercise; plus the recommended conftest. The site works offline: nothing
comes from a CDN (no web fonts; the search index and its worker are files of the site), so a classroom
machine serves it with `python -m http.server` and needs no network. Its search finds a scenario from a
pasted error message. (Not from `file://`: there Material's search needs a shim it fetches from a CDN.)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from lab.core.expectations import choose
from lab.core.explain import Index, frames_of, recordings
from lab.core.scenarios import Catalogue, Scenario, default_scenarios_dir, discover
from lab.docs.results import Results, read_results

MKDOCS = """\
site_name: The async-testing failure lab
site_description: FastAPI + async SQLAlchemy test failures under pytest-asyncio, each with its fix.
docs_dir: docs
use_directory_urls: false  # plain page names: any static file server will do
theme:
  name: material
  font: false  # no web fonts: nothing is fetched from a CDN
  features: [search.highlight]
plugins:
  - search  # its index and worker are files of the site, served from the same origin
  - tags
markdown_extensions:
  - tables
  - toc:
      permalink: true
  - pymdownx.highlight:
      use_pygments: true
  - pymdownx.superfences
nav:
  - Catalogue: index.md
  - The recommended conftest: recommended.md
  - Scenarios:
{scenarios}
"""


def write_sources(catalogue: Catalogue, repo: Path, out: Path, results: Path | None = None) -> Path:
    """Write `mkdocs.yml` and `docs/` into `out`; return the config's path for `mkdocs build -f`.

    What each page says was observed comes from `results` (default: the repository's RESULTS.md).
    """
    docs = out / "docs"
    (docs / "scenarios").mkdir(parents=True, exist_ok=True)
    recorded = read_results(repo / "RESULTS.md" if results is None else results)
    scenarios = [s for s in catalogue.scenarios if not s.pattern]
    traced = Index(scenarios)
    for scenario in scenarios:
        page = _with_errors(_links(_readme(scenario), inside_scenarios=True), scenario)
        page += _observed(scenario, recorded) + _across(scenario, recorded) + _exercise(scenario)
        page += _traceback(scenario, traced)
        (docs / "scenarios" / f"{scenario.name}.md").write_text(page)
    (docs / "index.md").write_text(_index(scenarios, bool(recorded.rows)))
    (docs / "recommended.md").write_text(_recommended(repo / "recommended"))
    nav = "\n".join(f'      - "{s.name}": scenarios/{s.name}.md' for s in scenarios)
    config = out / "mkdocs.yml"
    config.write_text(MKDOCS.format(scenarios=nav))
    return config


def _readme(scenario: Scenario) -> str:
    path = scenario.path / "README.md"
    return path.read_text() if path.is_file() else f"# {scenario.title}\n\n{scenario.symptom}\n"


def _with_errors(page: str, scenario: Scenario) -> str:
    """The page with the errors its broken variant raises right under its title, short and literal, so that
    a pasted error message finds this page first."""
    errors: dict[str, list[str]] = {}
    for backend, options in scenario.expectations["broken"].items():
        # what the installed releases raise: older releases' errors are in the README and the matrix table
        for option in choose(options) or options:
            for each in (option.tests.values() if option.tests else [option]):
                if each.raises:
                    text = f"{each.raises}: {_literal(each.match)}".rstrip(": ")
                    errors.setdefault(text, []).append(backend)
    if not errors:
        return page
    shown = "; ".join(f"{text} ({', '.join(dict.fromkeys(b))})" for text, b in errors.items())
    title, _, rest = page.partition("\n")
    # As the page's tags too: the search ranks a match in a tag above any other, so a pasted error message
    # finds the pages that raise it before those that merely mention its words.
    tags = "".join(f"\n  - {json.dumps(text)}" for text in errors)
    return f"---\ntags:{tags}\n---\n\n{title}\n\n## The error: {shown}\n{rest}"


def _traceback(scenario: Scenario, index: Index, most: int = 12) -> str:
    """The frames of the broken variant's recorded traceback that few other scenarios have, as words the
    search indexes: a pasted traceback then finds the page by its frames, as `lab explain` does."""
    recorded = recordings(scenario)
    frames = sorted(frames_of(recorded), key=lambda f: (-index.weight(f), f))[:most]
    if not frames:
        return ""
    rows = "\n".join(f"- `{frame[2:].replace(':', ' in ', 1)}`" for frame in frames)
    backends = " and ".join(recorded)
    return (f"\n## Its traceback\n\nThe frames of the broken variant's recorded traceback ({backends}) that "
            f"set it apart from the other scenarios; `lab explain` ranks a pasted traceback by them:\n\n"
            f"{rows}\n")


def _literal(pattern: str) -> str:
    """A recorded message pattern as the words a user sees: anchors and escapes dropped, `.*` as `…`."""
    text = re.sub(r"\\(.)", r"\1", pattern.strip("^$"))
    return re.sub(r"\.\*|\.\+|\[[^\]]*\][+*]?", "…", text)


def _links(text: str, inside_scenarios: bool) -> str:
    """README links as site links: another scenario's README is its page; the recommended folder, its page."""
    up = "../" if inside_scenarios else ""
    text = re.sub(r"\((?:\.\./)+recommended/README\.md\)", f"({up}recommended.md)", text)
    text = re.sub(r"\(\.\./([0-9][^/()]*)/README\.md\)", r"(\1.md)", text)
    return re.sub(r"\(scenarios/([^/()]+)/README\.md\)", r"(scenarios/\1.md)", text)


def _observed(scenario: Scenario, recorded: Results) -> str:
    mine = recorded.of(scenario.name)
    if not mine:
        return ""
    lines = ["", "## Observed in the recorded run (RESULTS.md)", "",
             "| backend | broken variant | error (broken) | fixed variant |", "|---|---|---|---|"]
    for row in mine:
        lines.append(f"| {row.backend} | {row.broken} | {_cell(row.error)} | {row.fixed} |")
    versions = ", ".join(f"{k} {v}" for k, v in sorted(recorded.versions.items()) if v)
    return "\n".join(lines) + (f"\n\nWith {versions}.\n" if versions else "\n")


def _across(scenario: Scenario, recorded: Results) -> str:
    mine = [c for c in recorded.across(scenario.name) if c.variant == "broken"]
    if not mine:
        return ""
    lines = ["", "## Across library versions (broken variant)", "",
             "| stack set | backend | outcome |", "|---|---|---|"]
    for cell in mine:
        lines.append(f"| {cell.stack} | {cell.backend} | {_cell(cell.outcome)} |")
    return "\n".join(lines) + "\n"


def _exercise(scenario: Scenario) -> str:
    number = scenario.name.split("-", 1)[0]
    return (f"\n## As an exercise\n\n```bash\nlab exercise {number} ex{number}   # the broken project and a "
            f"task sheet\nlab check ex{number}               # until it passes\nlab hint ex{number}"
            "                # one hint more each time\n```\n")


def _index(scenarios: Sequence[Scenario], observed: bool) -> str:
    rows = "\n".join(
        f"| [{s.name}](scenarios/{s.name}.md) | {_cell(s.symptom)} | {s.difficulty or '-'} | "
        f"{', '.join(s.tags)} |" for s in scenarios
    )
    note = "" if observed else (
        "\nNo run is recorded in RESULTS.md yet: `nox -s scenarios -- --markdown RESULTS.md` records one, "
        "and each page then shows what its variants did.\n")
    return f"""# The async-testing failure lab

Each page is one failure that FastAPI + async SQLAlchemy tests meet under pytest-asyncio: the real error,
why it happens, and the fix as a diff, all from a broken and a fixed conftest the lab runs on SQLite and
PostgreSQL. **Paste your error message into the search box** (press `/`).

Start from [the recommended conftest](recommended.md).
{note}
| scenario | symptom | difficulty | tags |
|---|---|---|---|
{rows}
"""


def _recommended(folder: Path) -> str:
    readme = folder / "README.md"
    text = "# The recommended conftest\n"
    if readme.is_file():
        text = _links(readme.read_text(), inside_scenarios=False)
    text = re.sub(r"\(\.\./scenarios/([^/()]+)/README\.md\)", r"(scenarios/\1.md)", text)
    for name, language in (("conftest.py", "python"), ("pytest.ini", "ini")):
        path = folder / name
        if path.is_file():
            text += f"\n## `{name}`\n\n```{language}\n{path.read_text()}```\n"
    return text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: Sequence[str]) -> int:
    """`python -m lab.docs.site OUT`: write the sources for `mkdocs build -f OUT/mkdocs.yml`."""

    out = Path(argv[0]) if argv else Path(".lab/site-src")
    root = default_scenarios_dir()
    config = write_sources(discover(root), root.parent, out)
    print(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
