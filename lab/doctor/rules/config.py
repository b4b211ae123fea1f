"""Checks: pytest's configuration: options pytest never reads, a warning the project turns into an error."""

from __future__ import annotations

from collections.abc import Iterator

from lab.doctor.model import Setup
from lab.doctor.rules.base import Hit, config_hit, rule
from lab.doctor.rules.common import error_filter


@rule("LAB023")
def fixture_loop_scope_unset(setup: Setup) -> Iterator[Hit]:
    """`asyncio_default_fixture_loop_scope` unset: pytest-asyncio warns, `filterwarnings = error` fails.

    Defused by: the option set; no error filter; pytest-asyncio not used."""
    if not (setup.asyncio_plugin and setup.uses_pytest_asyncio and error_filter(setup)):
        return
    if setup.fixture_loop_default is None and setup.config.rel:
        yield config_hit("LAB023", setup.config.rel, setup.config.line("filterwarnings"),
                         "`asyncio_default_fixture_loop_scope` is unset and warnings are errors")


@rule("LAB052")
def pytest_options_shadowed(setup: Setup) -> Iterator[Hit]:
    """pytest options in a file pytest does not read, because another config file comes first.

    Defused by: the options moved into the file pytest reads."""
    for name, line, options in setup.config.shadowed:
        if options:
            yield config_hit("LAB052", name, line,
                             f"pytest reads {setup.config.rel}, not these options: {', '.join(options)}")
