"""The files a variant runs with, as a user would have them; the diff from the broken variant to the fixed."""

from __future__ import annotations

import difflib

from lab.core.scenarios import DEFAULT_INI, Idiom, Scenario


def variant_files(scenario: Scenario, variant: str, idiom: Idiom | None = None) -> dict[str, str]:
    """What `variant` adds to its run folder, by relative path, with the pytest.ini it really runs with."""
    folder = scenario.variant_dir(variant, idiom)
    found = {
        path.relative_to(folder).as_posix(): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    if "pytest.ini" not in found:
        shared = scenario.ini(idiom)
        found["pytest.ini"] = shared.read_text() if shared.is_file() else DEFAULT_INI
    return found


def fix_diff(scenario: Scenario, idiom: Idiom | None = None) -> str:
    """The unified diff from the broken variant to the fixed one: `conftest.py` first, then the rest."""
    broken, fixed = variant_files(scenario, "broken", idiom), variant_files(scenario, "fixed", idiom)
    names = sorted(set(broken) | set(fixed), key=lambda name: (name != "conftest.py", name))
    chunks: list[str] = []
    for name in names:
        old, new = broken.get(name), fixed.get(name)
        chunks.extend(difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            f"broken/{name}" if old is not None else "/dev/null",
            f"fixed/{name}" if new is not None else "/dev/null",
        ))
    no_newline = "\n\\ No newline at end of file\n"  # as `diff -u` says it
    return "".join(line if line.endswith("\n") else line + no_newline for line in chunks)
