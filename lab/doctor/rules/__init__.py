"""The doctor's checks, one per catalogue mode that code shows, each registered under its rule's code."""

from lab.doctor.rules import (  # noqa: F401 (registers)
    config,
    database,
    deprecations,
    fixtures,
    lifespan,
    loop_scopes,
    loops,
    overrides,
)
from lab.doctor.rules.base import CHECKS, Hit

__all__ = ["CHECKS", "Hit"]
