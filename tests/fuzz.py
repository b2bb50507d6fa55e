"""Fuzzing ``journeys check`` and ``journeys build`` with mutated sample files.

Each example takes one file of the sample catalogue, mutates it (truncation,
deleted or repeated lines, changed indentation, swapped value types, YAML and
Markdown syntax, unicode, invalid bytes, odd file names) and runs both commands.
The contract: exit 0, or exit 1 with nothing but ``path:line:col`` messages and
a summary; never a traceback, never another exit code; a site that checks
clean also builds.

``make fuzz`` runs this module (10,000 examples by default); ``tests/test_fuzz.py``
runs a quick, derandomised profile inside ``make test``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "content").rglob("*") if p.is_file())
ORIGINAL = {rel: (ROOT / rel).read_bytes() for rel in FILES}
DIAGNOSTIC = re.compile(r"^[^\n]+?:\d+:\d+: (error|warning): .+$")
SUMMARY = re.compile(r"^(checked .+: )?\d+ errors?, \d+ warnings?( \(warnings are errors with --strict\))?$")

TOKENS = [
    "- ", ": ", ":", "#", "---\n", "...\n", "&a ", "*a", "*missing", "!!python/object/apply:os.system ['true'] ",
    "!!binary aGk= ", "!custom ", "<<: *a\n", "{", "}", "[", "]", '"', "'", "|\n", ">\n", "\t", "? ", "%YAML 1.1\n",
    "<script>alert(1)</script>", "{{ 7*7 }}", "{% if %}", "](javascript:alert(1))", "## Onboard\n", "## Realize\n",
    "\u202e", "\ufeff", "\u0000", "\x1b[31m", "😀", "é", "\\N", "\\", "&amp;", "<TABLE>", "\r", "\r\n", " -> ",
    "realize -> explore", "co-create -> co-create", "emotion: 7\n", "persona: nobody\n", "touchpoint: nowhere\n",
]
VALUES = [
    "[]", "{}", "~", "null", "0", "-3", "99999999999999999999999", "3.5", ".inf", ".nan", "true", "no", '"x"', "'y'",
    "[a, b]", "{a: 1}", "2026-01-01", "12:30", "0x1f", "&a [1, 2]", "*a", "|\n  block", ">-\n  folded", '"\\u0041"',
    "!!str 5", "!!int x", "''", "- item",
]
NAMES = ["Bad Name", "UPPER", "ünïcode", "a.b", "-lead", "trail-", "double--dash", "", "x" * 200, "ok-name"]
KEY_LINE = re.compile(rb"^(\s*-?\s*)([A-Za-z_]+):[ \t]*(.*)$", re.MULTILINE)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """A (original path, new path, new bytes) triple."""
    rel = draw(st.sampled_from(FILES))
    data = ORIGINAL[rel]
    target = rel
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(OPERATIONS))
        if op is _rename:
            target = _rename(draw, target)
        else:
            data = op(draw, data)
    return rel, target, data


def _position(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: _position(draw, data)]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _delete_lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    start = draw(st.integers(0, len(lines) - 1))
    end = draw(st.integers(start, min(len(lines), start + 5)))
    return b"".join(lines[:start] + lines[end:])


def _repeat_line(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    return b"".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :])


def _swap_lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def _indent(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    if draw(st.booleans()):
        lines[i] = b" " * draw(st.integers(1, 5)) + lines[i]
    else:
        lines[i] = lines[i].lstrip(b" ")
    return b"".join(lines)


def _insert_text(draw: st.DrawFn, data: bytes) -> bytes:
    text = draw(st.text(min_size=1, max_size=20))
    at = _position(draw, data)
    return data[:at] + text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode() + data[at:]


def _insert_token(draw: st.DrawFn, data: bytes) -> bytes:
    token = draw(st.sampled_from(TOKENS)).encode()
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    if draw(st.booleans()):
        lines[i] = token + lines[i]
    else:
        at = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + token + lines[i][at:]
    return b"".join(lines)


def _replace_value(draw: st.DrawFn, data: bytes) -> bytes:
    matches = list(KEY_LINE.finditer(data))
    if not matches:
        return data
    match = draw(st.sampled_from(matches))
    value = draw(st.one_of(st.sampled_from(VALUES), st.text(max_size=12))).encode("utf-8", "replace")
    return data[: match.start(3)] + value + data[match.end(3) :]


def _rename_key(draw: st.DrawFn, data: bytes) -> bytes:
    matches = list(KEY_LINE.finditer(data))
    if not matches:
        return data
    match = draw(st.sampled_from(matches))
    key = draw(st.sampled_from([b"titel", b"persona", b"stage", b"Title", b"title", b"stages", b"emotion", b"x-y"]))
    return data[: match.start(2)] + key + data[match.end(2) :]


def _bytes(draw: st.DrawFn, data: bytes) -> bytes:
    choice = draw(st.sampled_from(["invalid", "bom", "crlf", "nul", "latin1"]))
    at = _position(draw, data)
    if choice == "invalid":
        return data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"])) + data[at:]
    if choice == "bom":
        return b"\xef\xbb\xbf" + data
    if choice == "crlf":
        return data.replace(b"\n", b"\r\n")
    if choice == "nul":
        return data[:at] + b"\x00" + data[at:]
    return data.decode("utf-8", "replace").encode("latin-1", "replace")


def _rename(draw: st.DrawFn, rel: str) -> str:
    folder, name = rel.rsplit("/", 1)
    suffix = draw(st.sampled_from([".md", ".yaml", ".yml", ".txt", ".MD", ""]))
    stem = draw(st.sampled_from(NAMES))
    return f"{folder}/{stem}{suffix}" if stem or suffix else rel


OPERATIONS = [
    _truncate, _delete_lines, _repeat_line, _swap_lines, _indent, _insert_text, _insert_token,
    _replace_value, _rename_key, _bytes, _rename,
]


class Harness:
    """A working copy of the sample site that one mutation at a time is applied to."""

    def __init__(self, workdir: Path) -> None:
        self.site = workdir / "site"
        shutil.copytree(ROOT / "content", self.site / "content")
        shutil.copy(ROOT / "site.toml", self.site / "site.toml")
        self.output = workdir / "out"
        self.runner = CliRunner()
        self.examples = 0

    def run(self, rel: str, target: str, data: bytes) -> None:
        self.examples += 1
        original, changed = self.site / rel, self.site / target
        original.unlink()
        try:
            changed.write_bytes(data)
        except OSError:  # a name the file system refuses is not the generator's problem
            original.write_bytes(ORIGINAL[rel])
            return
        try:
            checked = self._invoke("check", "--site", self.site)
            if checked.exit_code == 0:
                self._invoke("build", "--site", self.site, "--output", self.output, expect_success=True)
        finally:
            changed.unlink(missing_ok=True)
            original.write_bytes(ORIGINAL[rel])

    def _invoke(self, *args: object, expect_success: bool = False):  # type: ignore[no-untyped-def]
        result = self.runner.invoke(main, [str(a) for a in args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{args[0]} raised {result.exception!r}") from result.exception
        assert "Traceback" not in result.output, result.output
        allowed = (0,) if expect_success else (0, 1)
        assert result.exit_code in allowed, f"{args[0]} exited {result.exit_code}:\n{result.output}"
        lines = [l for l in result.output.splitlines() if l.strip()]
        if args[0] == "check":
            assert lines and SUMMARY.match(lines[-1]), result.output
            body = lines[:-1]
        else:
            body = [l for l in lines if not l.startswith("built ")]
        for line in body:
            assert DIAGNOSTIC.match(line), f"not a path:line:col message: {line!r}\n{result.output}"
        if result.exit_code == 1:
            assert any(" error: " in l for l in body) or "warnings are errors" in result.output
        return result


def fuzz(harness: Harness, examples: int, derandomize: bool, seed: int | None = None) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutations())
    def example(mutation: tuple[str, str, bytes]) -> None:
        harness.run(*mutation)

    if seed is not None:
        example = hypothesis_seed(seed)(example)
    example()


def _worker(args: tuple[int, int]) -> int:
    examples, seed = args
    with tempfile.TemporaryDirectory(prefix="journeydocs-fuzz-") as workdir:
        harness = Harness(Path(workdir))
        fuzz(harness, examples, derandomize=False, seed=seed)
        return harness.examples


def main_cli() -> int:
    parser = argparse.ArgumentParser(description="Fuzz journeys check and build with mutated sample files.")
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--seed", type=int, default=int(time.time()))
    options = parser.parse_args()
    jobs = max(1, min(options.jobs, options.examples))
    shares = [options.examples // jobs + (1 if i < options.examples % jobs else 0) for i in range(jobs)]
    print(f"fuzzing with {options.examples:,} examples in {jobs} processes (seed {options.seed})", flush=True)
    start = time.perf_counter()
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            counts = pool.map(_worker, [(n, options.seed + i) for i, n in enumerate(shares)])
    except Exception as exc:  # hypothesis raises the shrunk failing example
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    total = sum(counts)
    print(f"fuzz: {total:,} examples ran, 0 failures, in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())
