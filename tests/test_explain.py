"""`lab explain`: a pasted traceback finds the scenario that printed it, by its frames, not only its words."""

from __future__ import annotations

import io
import shutil

from conftest import REPO

from lab.core.expectations import choose
from lab.core.explain import Index, errors, features, normalize, recordings, traceback_lines
from lab.core.report import Terminal
from lab.core.scenarios import discover

CATALOGUE = discover(REPO / "scenarios")
SCENARIOS = [s for s in CATALOGUE.scenarios if not s.pattern]

# Shaped as pytest prints it, with a machine's paths: none of them may count, nor show in a recording
PASTE = """\
self = <Coroutine test_list_users>
>       return super().setup()
/home/ada/.venv/lib/python3.12/site-packages/pytest_asyncio/plugin.py:565:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
/home/ada/.venv/lib/python3.12/site-packages/pytest_asyncio/plugin.py:410: in setup
    res = await gen_obj.__anext__()
/usr/lib/python3.12/asyncio/base_events.py:653: in run_until_complete
    return future.result()
conftest.py:34: in client
    await conn.run_sync(Base.metadata.drop_all)
../../home/ada/.venv/lib/python3.12/site-packages/asyncpg/connection.py:377: in execute
    result = await self._protocol.query(query, timeout)
asyncpg/protocol/protocol.pyx:374: in query
    ???
E   RuntimeError: Task <Task pending name='Task-5' coro=<x() running at /home/ada/p/conftest.py:3>> got \
Future <Future pending cb=[BaseProtocol._on_waiter_completed()]> attached to a different loop
=========================== short test summary info ============================
ERROR tests/test_users.py::test_list_users - RuntimeError: Task <Task pending name='Task-5'>
FAILED tests/test_users.py::test_create_user - sqlalchemy.exc.InterfaceError: cannot perform operation
"""
PYTHON_TRACEBACK = """\
Traceback (most recent call last):
  File "/srv/app/.venv/lib/python3.11/site-packages/starlette/testclient.py", line 90, in __enter__
    self.portal = portal = stack.enter_context(anyio.from_thread.start_blocking_portal(**self.kwargs))
  File "C:\\Users\\bob\\proj\\tests\\test_items.py", line 12, in test_items
    client.get("/")
sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here.
"""


def test_a_traceback_becomes_frames_types_words_and_the_tests_that_failed():
    found = features(PASTE)
    assert {"f:pytest_asyncio/plugin:setup", "f:asyncio/base_events:run_until_complete", "f:conftest:client",
            "f:asyncpg/connection:execute", "m:asyncpg/connection"} <= found
    assert {"x:RuntimeError", "x:InterfaceError", "w:attached", "w:different", "w:loop"} <= found
    assert {"t:test_list_users", "t:test_create_user", "first:test_list_users"} <= found
    assert not any("ada" in f or "home" in f or "5" in f.split(":")[-1] for f in found), found
    python = features(PYTHON_TRACEBACK)
    assert {"f:starlette/testclient:__enter__", "f:tests/test_items:test_items", "x:MissingGreenlet",
            "w:greenlet_spawn"} <= python
    assert ("sqlalchemy.exc.MissingGreenlet", "greenlet_spawn has not been called; can't call await_only() "
            "here.") in errors(PYTHON_TRACEBACK)


def test_paths_are_shortened_to_what_reads_the_same_on_every_machine():
    assert normalize("/x/y/.venv/lib/python3.11/site-packages/sqlalchemy/pool/base.py:12: in f") == (
        "sqlalchemy/pool/base.py:12: in f")
    assert normalize('File "/opt/py/lib/python3.13/asyncio/runners.py", line 1') == (
        'File "asyncio/runners.py", line 1')
    assert normalize("/var/lab-runs-x/01-a-broken-sqlite/tests/test_u.py:3") == "tests/test_u.py:3"
    assert normalize("/srv/checkout/shared_app/app.py:9") == "shared_app/app.py:9"


def test_what_a_recording_keeps_of_an_output_reads_as_the_whole_output_does():
    kept = traceback_lines(PASTE + PYTHON_TRACEBACK)
    assert features(kept) == features(PASTE + PYTHON_TRACEBACK)
    assert "await conn.run_sync" not in kept and "/home/ada" not in kept


def _fails_here(scenario) -> bool:
    """Its broken variant fails with the installed versions, on some backend: there is a failure to record."""
    broken = scenario.expectations["broken"].values()
    return any(not all(o.passes for o in choose(options)) for options in broken)


def test_every_scenario_that_fails_here_has_a_recorded_traceback_without_a_machines_paths():
    assert sum(map(_fails_here, SCENARIOS)) >= len(SCENARIOS) - 3  # a few bugs hide in today's releases
    for scenario in SCENARIOS:
        recorded = recordings(scenario)
        assert bool(recorded) is _fails_here(scenario), f"{scenario.name}: `lab explain --record` it"
        for text in recorded.values():
            assert not any(root in text for root in ("/work/", "/root/", "/tmp/", "/home/")), scenario.name


def ranks() -> list[tuple[str, str, int]]:
    """Each recording pasted whole: the place its own scenario takes, 1 for first."""
    index = Index(SCENARIOS)
    found = []
    for scenario in SCENARIOS:
        for backend, text in recordings(scenario).items():
            order = [m.scenario.name for m in index.rank(text)]
            found.append((scenario.name, backend, order.index(scenario.name) + 1))
    return found


def test_each_scenarios_own_recorded_traceback_ranks_it_first_or_second():
    found = ranks()
    worse = [(name, backend, place) for name, backend, place in found if place > 2]
    assert found and worse == [], worse


def test_the_message_alone_ranks_by_expectations_and_the_frames_decide_among_them():
    index = Index(SCENARIOS)
    message = "E   RuntimeError: Task got Future attached to a different loop\n"
    alone = index.rank(message)
    expected = [m.scenario.name for m in alone if m.expected]
    assert len(expected) >= 3  # the message fits many: it cannot tell them apart
    first = next(s for s in SCENARIOS if s.name.startswith("01-"))
    own = recordings(first)["postgres"]
    assert index.rank(own)[0].scenario.name == first.name


def test_ranking_reads_the_folders_contents_never_their_names(tmp_path):
    """Two scenarios' folders swapped under each other's names: each recording follows its content."""
    one, two = (next(s for s in SCENARIOS if s.name.startswith(n)) for n in ("01-", "13-"))
    root = tmp_path / "scenarios"
    shutil.copytree(one.path, root / two.name)
    shutil.copytree(two.path, root / one.name)
    swapped = discover(root)
    index = Index(swapped.scenarios)
    assert index.rank(recordings(one)["postgres"])[0].scenario.name == two.name
    assert index.rank(recordings(two)["sqlite"])[0].scenario.name == one.name


def test_lab_explain_reads_a_file_or_stdin_and_prints_the_likeliest_first(tmp_path, monkeypatch, capsys):
    from lab.cli import main

    first = next(s for s in SCENARIOS if s.name.startswith("01-"))
    pasted = tmp_path / "error.txt"
    pasted.write_text(recordings(first)["postgres"])
    assert main(["explain", str(pasted), "--top", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1. ") and first.name in out[0] and len(out) == 6
    monkeypatch.setattr("sys.stdin", io.StringIO(recordings(first)["postgres"]))
    assert main(["explain"]) == 0
    assert first.name in capsys.readouterr().out.splitlines()[0]
    monkeypatch.setattr("sys.stdin", io.StringIO("nothing like a traceback\n"))
    assert main(["explain"]) == 1
    assert main(["explain", str(tmp_path / "absent.txt")]) == 2


def test_a_scenario_without_a_recording_is_found_by_its_expectations(tmp_path):
    from lab.core.explain import explain

    root = tmp_path / "scenarios"
    (root / "01-own" / "tests").mkdir(parents=True)
    for folder in ("broken", "fixed"):
        (root / "01-own" / folder).mkdir()
    (root / "01-own" / "scenario.toml").write_text(
        'title = "t"\nsymptom = "s"\n[broken]\ndefault = { raises = "KeyError", match = "lost_key" }\n')
    out = io.StringIO()
    assert explain(discover(root), "E   KeyError: 'lost_key'\n", Terminal(out)) == 0
    assert "01-own" in out.getvalue() and "raises what it is expected to" in out.getvalue()


def test_the_site_page_lists_the_frames_that_set_the_scenario_apart(tmp_path):
    from lab.docs.site import write_sources

    write_sources(CATALOGUE, REPO, tmp_path / "src")
    first = next(s for s in SCENARIOS if s.name.startswith("01-"))
    page = (tmp_path / "src" / "docs" / "scenarios" / f"{first.name}.md").read_text()
    section = page.split("## Its traceback", 1)[1]
    assert "traceback (postgres)" in section and "- `conftest in client`" in section  # sqlite: it hides
