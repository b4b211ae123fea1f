"""The catalogue's failure modes as rules: one code per scenario, shared by `lab doctor` and `lab guard`.

A rule's code is `LAB` and the scenario's number (`LAB001` is `01-import-time-engine`); its title, fix and
the versions it fails on come from the scenario itself, through a snapshot (`catalogue.json`) that
`lab readme` writes from `scenarios/`, so that an installed lab knows them without the checkout. It uses
the core only.
"""

from lab.rules.catalogue import Outcome, Rule, load, rule_for, snapshot

__all__ = ["Outcome", "Rule", "load", "rule_for", "snapshot"]
