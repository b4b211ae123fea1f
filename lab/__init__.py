"""The lab's runner: discover scenarios, run each variant on each backend, classify, report.

One module per stage, each passing a plain value to the next:

    scenarios   discover   -> Scenario (with its Expectations)
    plan        select     -> [Run]
    databases   provision  -> a throwaway database URL per Run
    execute     execute    -> one isolated pytest run per Run, with `capture` loaded
    capture     capture    -> Observation
    classify    classify   -> Record
    report      report     -> live lines, summary table, JSON, RESULTS.md
"""

__version__ = "0.1.0"
