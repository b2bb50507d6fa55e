"""The package and the benchmark type-check (mypy, configured in pyproject.toml).

The code is annotated throughout; this keeps the annotations true.  A mypy
error fails the suite like any other test.
"""

from __future__ import annotations

from mypy import api

from .conftest import ROOT


def test_generator_and_bench_type_check(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)  # mypy reads [tool.mypy] (files, strictness) from pyproject.toml here
    stdout, stderr, status = api.run(["--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")])
    assert status == 0, stdout + stderr
