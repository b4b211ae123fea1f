"""The lab's runner: discover scenarios, run each variant on each backend, classify, report.

One module per stage, each passing a plain value to the next; `runner.run_all` conducts a `lab run`:

    scenarios   discover   -> Scenario (with its Expectations and `requires`)
    plan        select     -> [Run]
    runner      conduct    -> for each Run: provision, execute, classify; one Record back per Run
      databases   provision  -> a throwaway database URL per Run
      execute     execute    -> one isolated pytest run per Run, with `capture` loaded
      capture     capture    -> Observation
      classify    classify   -> Record (matching an observed exception against its Expectations)
    report      report     -> live lines, summary table, JSON, RESULTS.md

`lab matrix` runs `lab run` once per stack set (`stacks`, `matrix`) and compares the records (`drift`).
"""

__version__ = "0.1.0"
