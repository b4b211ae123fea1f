"""The version matrix: the catalogue run once per stack set of `stacks.toml`, each in a venv of its own,
and the runs compared across sets (the drift table, JUnit XML, `lab diff`). It uses the core only."""
