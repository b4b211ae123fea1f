"""Where the lab keeps what it learns between runs (durations, matrix records): `./.lab`, or `LAB_STATE_DIR`.

Only an ordering or a split depends on it; never a verdict. The lab's own tests point it into a temporary
folder, so that they neither write into the checkout nor depend on what an earlier run left there.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "LAB_STATE_DIR"


def state_dir() -> Path:
    return Path(os.environ.get(ENV) or ".lab")
