"""`lab doctor`: the catalogue's failure modes, looked for in a project's own test setup, statically.

`check(paths)` reads a project (its conftests, test modules, the local modules they import, its pytest
configuration and its pins) and returns what each rule found. Each finding names its rule, its scenario, where
it is, whether it fails on the pinned versions or only after an upgrade, and the fix. Rules and their
version ranges come from `lab.rules`; the doctor keeps no second copy of them. It uses the core and the rules
only.
"""

from lab.doctor.api import Finding, Report, check
from lab.doctor.pins import read_pins
from lab.doctor.project import Project, read_project

__all__ = ["Finding", "Project", "Report", "check", "read_pins", "read_project"]
