"""`python -m lab.recipes`: test-isolation recipes compared on one test suite, on SQLite and PostgreSQL, in
milliseconds per test.

Each folder of `recipes/strategies/` is a conftest (with its `pytest.ini`) for the same suite,
`recipes/suite/`, whose every test begins by checking that the users table is empty and then writes to it:
a strategy is timed only when the whole suite passed under it, so every figure is that of a recipe that
really isolated every test. Each run is its own pytest session in a fresh interpreter, on a fresh database.
Figures only, never assertions: timing depends on the machine.

strategies (discovery) -> timing (a session per round, summed into rows) -> claims (the verdicts) -> render
(the table, RESULTS.md's block, the chart); `command` conducts them. It uses the core only.
"""
