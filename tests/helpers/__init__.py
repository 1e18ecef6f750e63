"""What the tests share and are not fixtures: the repository's paths, a command's result, the
demo's `dbt parse`, a user's shell environment, git snapshots and the fake GitHub API.

Fixtures stay in ``conftest.py`` files; everything a test imports by name lives here (pre-commit's
``testing/`` package is the model).
"""
