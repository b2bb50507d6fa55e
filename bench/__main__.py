"""``make bench``: build synthetic catalogues and report where the time goes.

For each size it measures, each in a fresh process: a cold build (no cache, no
output), a warm rebuild (nothing changed), a rebuild after one journey's prose
changed ("one changed"), one after its summary changed ("one's fields", which
other pages show), ``journeys check`` alone, and a build as CI runs it with the
build cache kept between runs ("ci, cached": a fresh checkout, no output, the
cache without its spare; see ``publishing/``).  It prints a table and writes
JSON to ``bench/results/``.  Peak RSS is the largest of the build process and
its render workers.  "CPU s" is the processor time of the build process and its
workers together: it shows how close a build is to what the cores allow.  "sys s"
is the part of it spent in the kernel (creating and writing files, page faults):
on a shared virtual machine the part that varies most from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .corpus import generate

HERE = Path(__file__).resolve().parent
CORPORA = HERE / ".corpora"
RESULTS = HERE / "results"
GRAVEYARD = CORPORA / ".set-aside"  # earlier runs' outputs, deleted when the benchmark ends

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from generator.build import Options, build, load
mode, site = sys.argv[1], Path(sys.argv[2])

def cpu():
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime, own.ru_stime + workers.ru_stime

cpu_before = cpu()
start = time.perf_counter()
if mode == "check":
    loaded = load(Options(root=site))
    phases = {}
    pages = diagrams = rendered = 0
    assert not loaded.report.errors
else:
    result = build(Options(root=site))
    phases, pages, diagrams, rendered = result.timings.phases, result.pages, result.diagrams, result.rendered
seconds = time.perf_counter() - start
cpu_after = cpu()
cpu_seconds, sys_seconds = (after - before for after, before in zip(cpu_after, cpu_before))  # this process and its finished workers
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "sys_seconds": sys_seconds, "phases": phases, "pages": pages,
                  "diagrams": diagrams, "rendered": rendered, "rss_mib": rss / 1024}))
"""


_SERVE_CHILD = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
from generator.build import Options
from generator.devserver import Broadcaster
from generator.serve import Preview, Watcher
site = Path(sys.argv[1])
broadcaster = Broadcaster()
preview = Preview(Options(root=site), Path(tempfile.mkdtemp(prefix="bench-serve-")), broadcaster)
assert preview.full()
watcher = Watcher(preview, site)
watcher.start()
time.sleep(0.5)
client = broadcaster.subscribe()
journey = site / "content/journeys/journey-2.md"
original = journey.read_text(encoding="utf-8")
latencies = []
try:
    for n in range(7):
        while not client.empty():
            client.get()
        start = time.perf_counter()
        # the summary, not the prose: other pages show it, so the dependants' event follows
        journey.write_text(original.replace("summary: ", f"summary: Edit {n}. ", 1), encoding="utf-8")
        message = client.get(timeout=30)
        latencies.append((time.perf_counter() - start) * 1000)
        assert "journeys/journey-2/index.html" in message, message
        client.get(timeout=120)  # the dependants' event: the rebuild is complete
        time.sleep(0.2)
finally:
    journey.write_text(original, encoding="utf-8")
    watcher.stop()
print(json.dumps({"median_ms": statistics.median(latencies), "max_ms": max(latencies), "runs": latencies}))
"""


def measure_serve(site: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _SERVE_CHILD, str(site)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: serve latency on {site} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(mode: str, site: Path) -> dict:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(site)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: {mode} build of {site} failed:\n{done.stderr}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["wall"] = time.perf_counter() - start  # includes interpreter start-up and imports
    return data


def corpus(size: int) -> Path:
    site = CORPORA / str(size)
    marker = site / ".complete"
    if not marker.exists():
        print(f"generating {size:,} journeys …", flush=True)
        generate(site, size)
        marker.write_text("1")
    return site


def set_aside(path: Path) -> None:
    """Move the last run's output or cache out of the way, to be deleted after measuring.

    Deleting them right before a cold build would measure the file system, not
    the build: on ext4 without a journal, for about 35 seconds after thousands of files
    are deleted every new file's inode search skips past the freed ones
    (``recently_deleted``), which cost a 1,000-journey cold build 1.5 s here.
    A fresh clone in CI pays nothing of the kind.
    """
    if path.exists():
        GRAVEYARD.mkdir(parents=True, exist_ok=True)
        path.rename(GRAVEYARD / f"{path.parent.name}-{path.name}-{time.time_ns()}")  # same file system: a rename


def settle(seconds: float) -> None:
    """Wait until the file system has forgotten the files deleted before a build that creates thousands.

    Moving the old output aside (see :func:`set_aside`) is not enough when the
    files were deleted just before: the previous size's builds empty their
    trash, and a benchmark started right after another one runs while that one
    deletes its outputs.  ext4 skips inodes freed within the last ~35 seconds
    (the writeback expiry plus five seconds).
    """
    if seconds > 0:
        time.sleep(seconds)


def read_content(site: Path) -> None:
    """Read every content file once, untimed, as a fresh clone leaves them: in memory.

    A cold build means no build cache and no output, not files on a disk the
    system has not read since it wrote them: after a benchmark has written a
    few gigabytes the system may have dropped the catalogue from memory, and
    reading 10,000 journeys back from this machine's disk added 3 s to one run.
    """
    for path in sorted((site / "content").rglob("*")):
        if path.is_file():
            path.read_bytes()


def cold(site: Path, pause: float, repeat: int) -> dict:
    """The median of *repeat* cold builds (on a shared machine one run can be off by 15 %)."""
    runs = []
    for _ in range(repeat):
        set_aside(site / "public")
        set_aside(site / ".journeydocs-cache")
        settle(pause)
        read_content(site)
        runs.append(measure("build", site))
    ranked = sorted(runs, key=lambda data: data["seconds"])
    median = dict(ranked[(len(ranked) - 1) // 2])  # of an even number, the faster middle run: a real run's record
    if repeat > 1:
        median["runs"] = [data["seconds"] for data in runs]  # in the order they ran
        median["runs_sys"] = [data["sys_seconds"] for data in runs]  # a slow run's first suspect
    return median


def run(size: int, pause: float, repeat: int = 1) -> dict:
    site = corpus(size)
    results = {"cold": cold(site, pause, repeat), "warm": measure("build", site)}
    journey = site / "content/journeys/journey-1.md"
    original = journey.read_text(encoding="utf-8")
    edits = {
        "one changed": original + "\nOne more sentence for the benchmark.\n",  # its prose: one page
        "one's fields": original.replace("summary: ", "summary: Revised. ", 1),  # pages that list it too
    }
    for name, text in edits.items():
        journey.write_text(text, encoding="utf-8")
        try:
            results[name] = measure("build", site)
        finally:
            journey.write_text(original, encoding="utf-8")
        measure("build", site)  # back to the unchanged catalogue before the next measurement
    results["check"] = measure("check", site)
    # CI with the build cache kept between runs (publishing/): a fresh checkout
    # (every file's times are new), no output folder, the cache without its spare.
    set_aside(site / "public")
    set_aside(site / ".journeydocs-cache" / "spare")
    set_aside(site / ".journeydocs-cache" / "trash")
    for path in (site / "content").rglob("*"):
        os.utime(path)
    settle(pause)
    read_content(site)
    results["ci, cached"] = measure("build", site)
    return results


def serve_latency(size: int) -> dict:
    return measure_serve(corpus(size))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated journey counts")
    parser.add_argument(
        "--settle", type=float, default=40.0, metavar="SECONDS",
        help="pause before the cold and CI builds, for the file system to forget deleted files (default 40; 0: none)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N",
        help="cold builds per size, reporting the median (default 1; each waits --settle first)",
    )
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    sizes = [int(s) for s in options.sizes.split(",") if s]
    measured: dict[int, dict] = {}
    report: dict[str, object] = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "sizes": measured}
    print(f"machine: {report['machine']}")
    header = (
        f"{'journeys':>8} {'run':<12} {'seconds':>8} {'wall':>6} {'CPU s':>6} {'sys s':>6} {'pages/s':>8} {'RSS MiB':>8}  phases (s)"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        results = run(size, options.settle, options.repeat)
        measured[size] = results
        for name, data in results.items():
            rate = data["pages"] / data["seconds"] if data["pages"] else 0
            phases = " ".join(f"{k} {v:.2f}" for k, v in data["phases"].items() if v >= 0.005)
            if "runs" in data:
                phases += "  (median of " + " ".join(f"{v:.2f}" for v in data["runs"]) + ", in the order run)"
            print(
                f"{size:>8,} {name:<12} {data['seconds']:>8.2f} {data['wall']:>6.2f} {data['cpu_seconds']:>6.2f} "
                f"{data['sys_seconds']:>6.2f} {rate:>8,.0f} "
                f"{data['rss_mib']:>8.0f}  {phases}",
                flush=True,
            )
    if 1000 in sizes:
        latency = serve_latency(1000)
        report["serve_reload_ms_1000"] = latency
        print(
            f"serve: reload event {latency['median_ms']:.0f} ms after saving one journey of 1,000 "
            f"(median of {len(latency['runs'])}, max {latency['max_ms']:.0f} ms)"
        )
    if 1000 in measured and 10000 in measured:
        ratio = measured[10000]["cold"]["seconds"] / measured[1000]["cold"]["seconds"]
        report["ratio_10000_1000"] = ratio
        print(f"cold build time ratio 10,000 / 1,000 journeys: {ratio:.1f}")
    shutil.rmtree(GRAVEYARD, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{report['date']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
