"""`python -m lab`: the `lab` command."""

import sys

try:
    from lab.cli import main
except KeyboardInterrupt:  # Ctrl-C while the lab is still importing: nothing has started
    print("lab: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
