"""Select which scenario × variant × backend runs to make."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lab.core.scenarios import BACKENDS, DIFFICULTIES, VARIANTS, Scenario


@dataclass(frozen=True)
class Run:
    scenario: Scenario
    variant: str
    backend: str
    attempt: int = 0  # `lab run --repeat N`: which of the N runs of this variant on this backend

    @property
    def idiom(self) -> str:
        """The `[[idiom]]` folder whose files this run uses with the installed versions; "" for none."""
        chosen = self.scenario.idiom()
        return chosen.folder if chosen else ""

    @property
    def key(self) -> str:
        again = f"/{self.attempt}" if self.attempt else ""  # the first keeps the name a user would type
        return f"{self.scenario.name}/{self.variant}/{self.backend}{again}"


def matches(names: Iterable[str], name: str) -> bool:
    """A scenario is chosen by its whole name or any part of it; no names choose every scenario."""
    wanted = list(names)
    return not wanted or any(w in name for w in wanted)


def plan(
    scenarios: Iterable[Scenario],
    names: Iterable[str] = (),
    backends: Iterable[str] = BACKENDS,
    variants: Iterable[str] = VARIANTS,
    repeat: int = 1,
) -> list[Run]:
    """Runs for the chosen scenarios (by name, or by substring), in a stable order, each `repeat` times."""
    wanted = list(names)
    chosen = [s for s in scenarios if matches(wanted, s.name)]
    return [
        Run(scenario, variant, backend, attempt)
        for scenario in chosen
        for backend in scenario.backends
        if backend in backends
        for variant in scenario.variants
        if variant in variants
        for attempt in range(repeat)
    ]


def select(
    scenarios: Iterable[Scenario], *, tags: Iterable[str] = (), difficulty: str | None = None
) -> list[Scenario]:
    """The scenarios with all of `tags` and, if given, that difficulty (never the recommended conftest)."""
    wanted = set(tags)
    return [
        s for s in scenarios
        if not s.pattern and wanted <= set(s.tags) and (difficulty is None or s.difficulty == difficulty)
    ]


def by_difficulty(scenarios: Iterable[Scenario]) -> list[Scenario]:
    """Intro first, then intermediate, then advanced; in catalogue order within each."""
    rank = {name: i for i, name in enumerate(DIFFICULTIES)}
    return sorted(scenarios, key=lambda s: rank.get(s.difficulty, len(rank)))
