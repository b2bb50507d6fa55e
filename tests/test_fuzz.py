"""The quick fuzzing profile (``make fuzz`` runs the long one)."""

from __future__ import annotations

from pathlib import Path

from .fuzz import Harness, fuzz


def test_mutated_sample_files_give_errors_never_tracebacks(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    fuzz(harness, examples=100, derandomize=True)
    assert harness.examples >= 100
