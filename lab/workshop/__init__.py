"""Workshops: `lab exercise` hands a learner a scenario's broken project, `lab check` judges the fix on the
scenario's own tests, `lab hint` helps. It uses the core only."""
