"""What guides say about the recipes (`recipes/claims.toml`), each judged against the measured rows."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lab.core.scenarios import BACKENDS
from lab.recipes.judging import Row
from lab.recipes.strategies import RECIPES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CLAIMS = RECIPES / "claims.toml"


@dataclass(frozen=True)
class Claim:
    """What a guide says about recipes: `faster` beats `than`, or `fails` cannot isolate on `backend`."""

    says: str
    faster: str = ""
    than: str = ""
    fails: str = ""
    backend: str = ""


def load_claims(path: Path = CLAIMS, known: Sequence[str] = ()) -> list[Claim]:
    """The claims file, each entry checked: a misspelt strategy would otherwise never get a verdict."""
    entries = tomllib.loads(path.read_text()).get("claim", [])
    claims = []
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}: claim {number}"
        try:
            claim = Claim(**entry)
        except TypeError as error:
            raise ValueError(f"{where}: {error}") from None
        named = [claim.faster, claim.than] if claim.faster or claim.than else [claim.fails]
        if not claim.says or not all(named) or bool(claim.fails) == bool(claim.faster):
            raise ValueError(f"{where}: needs `says` and either `faster` + `than` or `fails` + `backend`")
        if claim.fails and claim.backend not in BACKENDS:
            raise ValueError(f"{where}: backend {claim.backend!r} is not one of {BACKENDS}")
        unknown = [name for name in named if known and name not in known]
        if unknown:
            raise ValueError(f"{where}: no strategy named {', '.join(unknown)}")
        claims.append(claim)
    return claims


def verdict(claim: Claim, rows: Sequence[Row]) -> str:
    """One line saying whether the table bears `claim` out, with the figures that decide it.

    `faster` holds only when its slowest round beat every round of `than`, and fails only when its fastest
    round lost to every round of `than`; rounds that overlap decide nothing. Each line gives both spreads.
    """
    timed = {(r.strategy, r.backend): r for r in rows}
    if claim.fails:
        row = next((r for r in rows if (r.strategy, r.backend) == (claim.fails, claim.backend)), None)
        if row is None or row.note.startswith("n/a"):
            return f"{claim.says}: not measured"
        if row.median is None:
            return f"{claim.says}: holds, `{claim.fails}` failed on {claim.backend}"
        return f"{claim.says}: does not hold, `{claim.fails}` isolated every test on {claim.backend}"
    found = []
    for backend in BACKENDS:
        a, b = _spread(timed.get((claim.faster, backend))), _spread(timed.get((claim.than, backend)))
        if a is None or b is None:
            continue
        (a_best, a_median, a_worst), (b_best, b_median, b_worst) = a, b
        if a_worst < b_best:
            word = "holds"
        elif a_best > b_worst:
            word = "does not hold"
        else:
            word = "no clear difference, the rounds overlap,"
        spreads = (f"`{claim.faster}` {a_median:.1f} ms/test, rounds {a_best:.1f}–{a_worst:.1f}, against "
                   f"`{claim.than}` {b_median:.1f}, rounds {b_best:.1f}–{b_worst:.1f}")
        found.append(f"{word} on {backend} ({spreads}: {a_median / b_median:.2f}x)")
    return f"{claim.says}: " + ("; ".join(found) if found else "not measured")


def _spread(row: Row | None) -> tuple[float, float, float] | None:
    """A timed row's fastest round, median and slowest round; None for a row that was not timed."""
    if row is None or row.best is None or row.median is None or row.worst is None:
        return None
    return row.best, row.median, row.worst
