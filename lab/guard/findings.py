"""What the guard reports: a finding names its rule (the catalogue's code, its scenario) and what it saw."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lab.rules import rule_for


class LabGuardWarning(UserWarning):
    """A catalogue failure mode the guard saw happen (`pytest -p lab.guard`)."""


@dataclass(frozen=True)
class Finding:
    rule: str  # LAB001
    scenario: str  # 01-import-time-engine
    message: str
    test: str = ""  # the node id of the test running when it was seen ("" between tests)
    when: str = ""  # setup, call, teardown, or "" between tests

    @classmethod
    def of(cls, code: str, message: str, test: str = "", when: str = "") -> Finding:
        """A finding of rule `code`; its scenario comes from the rule registry."""
        try:
            scenario = rule_for(code).scenario
        except KeyError:  # a lab installed with an older snapshot of the catalogue
            scenario = ""
        return cls(code, scenario, message, test, when)

    def line(self) -> str:
        see = f"; see scenario {self.scenario}" if self.scenario else ""
        return f"{self.rule} {self.message}{see}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)
