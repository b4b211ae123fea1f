"""The async-testing failure lab's runner. One package per capability, the core at the bottom:

    core       discover scenarios, plan runs, provision databases, execute, capture, classify, report
    matrix     the catalogue once per stack set; drift across sets          } each uses the core only,
    workshop   exercises: hand out, judge, hint                             } never another feature
    docs       the READMEs' generated parts; the catalogue site             }
    recipes    test-isolation recipes timed on one suite                    }
    guard      `pytest -p lab.guard`: a catalogue mistake named at run time }
    bench      where time goes, across all of the above
    cli        `lab`: parse the command line, then call the command's function

`lab.capture` is the capture plugin's public name (`pytest -p lab.capture`). `nox -s lint` keeps the layers
with import-linter (`[tool.importlinter]` in pyproject.toml).
"""

__version__ = "0.1.0"
