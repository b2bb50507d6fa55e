"""Behaviour the README documents (Commands, Settings, Publishing) pinned one test each."""

from __future__ import annotations

import importlib.metadata
import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import files

# Runs the CLI in a fresh interpreter; the test's own arguments follow ``-c SCRIPT``.
RUN_CLI = "import sys\nfrom generator.cli import main\nmain(sys.argv[1:], prog_name='journeys')\n"

# The same, with the progress bar shown from the first job (a small build takes far less than its second).
RUN_CLI_BAR_AT_ONCE = "import generator.cli\ngenerator.cli.ProgressBar.DELAY = 0\n" + RUN_CLI

# The same, with rendering held up at its first job until the process is signalled.
RUN_CLI_STUCK_IN_RENDER = (
    "import time\nimport generator.render.site as site\n"
    "def stuck(args):\n    print('rendering', flush=True)\n    time.sleep(60)\n"
    "site._work = stuck\n" + RUN_CLI
)

UNKNOWN_FIELD = "---\nname: Pat\nrole: customer\nmood: happy\n---\n"
UNKNOWN_FIELD_WARNING = "content/personas/pat.md:4:1: warning: unknown field 'mood'"


def test_sigterm_during_a_build_exits_130_and_leaves_the_output(make_site) -> None:
    """Exit codes: 130 when interrupted by SIGTERM as by Ctrl+C, the old output left as it was."""
    site = make_site()
    first = subprocess.run([sys.executable, "-c", RUN_CLI, "build", "--site", site, "--no-cache", "--no-search"],
                           check=False, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    before, entries = files(site / "public"), sorted(os.listdir(site))
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI_STUCK_IN_RENDER, "build", "--site", site, "--no-cache", "--no-search", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "rendering\n"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted; the output was left as it was" in stderr
    assert files(site / "public") == before
    assert sorted(os.listdir(site)) == entries  # the staging folder removed itself


def _build_on_a_terminal(site: Path, *flags: str) -> tuple[str, str]:
    """Standard output and (on a pseudo-terminal, so a progress bar may show) standard error of a build."""
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", RUN_CLI_BAR_AT_ONCE, "build", "--site", str(site), "--no-cache", "--no-search", *flags],
            stdout=subprocess.PIPE, stderr=terminal,
        )
    finally:
        os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the build closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, shown
    return stdout.decode(), shown.decode()


def test_quiet_hides_progress_bar_and_final_line_but_not_problems(make_site) -> None:
    """--quiet hides the progress bar and the final line; problems are still shown."""
    site = make_site({"content/personas/pat.md": UNKNOWN_FIELD})
    stdout, terminal = _build_on_a_terminal(site)
    assert stdout.startswith("built ") and "jobs" in terminal  # without --quiet both show
    for flag in ("--quiet", "-q"):
        stdout, terminal = _build_on_a_terminal(site, flag)
        assert stdout == ""
        assert "jobs" not in terminal and "#" not in terminal
        assert UNKNOWN_FIELD_WARNING in terminal


def test_version_prints_the_version(cli) -> None:
    """`journeys --version` prints the installed version."""
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"journeydocs, version {importlib.metadata.version('journeydocs')}\n"


def test_check_reports_on_stdout_and_build_problems_go_to_stderr(cli, make_site) -> None:
    """`check` prints its report on stdout; `build` its problems on stderr and its final line on stdout."""
    site = make_site({"content/personas/pat.md": UNKNOWN_FIELD})
    checked = cli("check", "--site", site)
    assert checked.exit_code == 0
    assert checked.stderr == ""
    assert checked.stdout == (
        f"{UNKNOWN_FIELD_WARNING} (known fields: name, role, summary, goals, pains)\n"
        "checked 1 journey, 2 personas, 2 touchpoints: 0 errors, 1 warning\n"
    )
    built = cli("build", "--site", site, "--no-cache", "--no-search")
    assert built.exit_code == 0
    assert built.stderr.startswith(UNKNOWN_FIELD_WARNING)
    assert UNKNOWN_FIELD_WARNING not in built.stdout
    assert built.stdout.startswith("built ") and built.stdout.count("\n") == 1
    (site / "site.toml").write_text("[site\n", encoding="utf-8")  # a site.toml that cannot be read: stderr
    broken = cli("check", "--site", site)
    assert broken.exit_code == 1
    assert broken.stdout == ""
    assert broken.stderr.startswith("site.toml:1:6: error: invalid TOML")


def test_drafts_build_keeps_drafts_out_of_sitemap_and_marks_them_noindex(cli, mini_copy: Path) -> None:
    """Publishing: a --drafts build marks draft pages noindex and keeps them out of sitemap.xml."""
    result = cli("build", "--site", mini_copy, "--drafts", "--no-cache", "--no-search")
    assert result.exit_code == 0, result.output
    public = mini_copy / "public"
    noindex = '<meta name="robots" content="noindex">'
    assert noindex in (public / "journeys/draft-idea/index.html").read_text(encoding="utf-8")
    assert noindex not in (public / "journeys/order-service/index.html").read_text(encoding="utf-8")
    sitemap = (public / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.org/mini/journeys/order-service/</loc>" in sitemap
    assert "draft-idea" not in sitemap


def test_search_setting_false_skips_pagefind_and_search_flag_overrides(cli, make_site) -> None:
    """`[build] search = false` builds no Pagefind index nor search box; `--search` forces it."""
    site = make_site({"site.toml": '[site]\ntitle = "T"\n\n[build]\nsearch = false\n'})
    assert cli("build", "--site", site, "--no-cache").exit_code == 0
    assert not (site / "public/pagefind").exists()
    assert 'id="search"' not in (site / "public/index.html").read_text(encoding="utf-8")
    assert cli("build", "--site", site, "--no-cache", "--search").exit_code == 0
    assert (site / "public/pagefind/pagefind.js").is_file()
    assert 'id="search"' in (site / "public/index.html").read_text(encoding="utf-8")


def test_build_workers_setting_sets_the_render_processes(cli, make_site, monkeypatch) -> None:
    """`build.workers` sets the number of worker processes (0: one per core); `--workers` overrides it."""
    import generator.render.site

    pools: list[int] = []

    def no_pool(workers: int) -> None:  # note the size asked for, then render in this process
        pools.append(workers)

    monkeypatch.setattr(generator.render.site, "forked_pool", no_pool)
    extra = {  # enough pages to be worth worker processes
        f"content/journeys/j{n}.md": f"---\ntitle: J{n}\npersonas: [pat]\nstages: {{explore: {{}}}}\n---\n" for n in range(12)
    }
    site = make_site({"site.toml": '[site]\ntitle = "T"\n\n[build]\nworkers = 3\n', **extra})
    assert cli("build", "--site", site, "--no-cache", "--no-search").exit_code == 0
    assert pools == [3]
    pools.clear()
    assert cli("build", "--site", site, "--no-cache", "--no-search", "--workers", "1").exit_code == 0
    assert pools == []
    pools.clear()
    (site / "site.toml").write_text('[site]\ntitle = "T"\n\n[build]\nworkers = 0\n', encoding="utf-8")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})  # the same answer on any machine
    assert cli("build", "--site", site, "--no-cache", "--no-search").exit_code == 0
    assert pools == [4]  # one per core


def test_custom_stage_without_title_gets_its_id_capitalised(cli, make_site) -> None:
    """`[[stages]]` title defaults to the id capitalised, hyphens as spaces (`co-create` -> "Co create")."""
    stages = "".join(f'\n[[stages]]\nid = "{s}"\n' for s in ("explore", "co-create", "realize"))
    site = make_site({"site.toml": '[site]\ntitle = "T"\n' + stages})
    assert cli("build", "--site", site, "--no-cache", "--no-search").exit_code == 0
    catalogue = json.loads((site / "public/catalogue.json").read_text(encoding="utf-8"))
    assert [s["title"] for s in catalogue["stages"]] == ["Explore", "Co create", "Realize"]
    assert "<h1>Co create" in (site / "public/stages/co-create/index.html").read_text(encoding="utf-8")


def test_editor_files_are_skipped_quietly_and_other_files_get_a_warning(cli, make_site) -> None:
    """Content: editors' files (., #, ~, .swp, .tmp) are skipped quietly; any other non-content file is a warning."""
    broken = "---\ntitle: [unclosed\n---\n"  # an error if it were read
    leftovers = [".#buy.md", ".buy.md.swp", "#buy.md#", "buy.md~", "buy.swp", "buy.md.tmp"]
    site = make_site({**{f"content/journeys/{name}": broken for name in leftovers}, "content/personas/notes.txt": "n"})
    result = cli("check", "--site", site)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "content/personas/notes.txt:1:1: warning: ignored: persona files end in .md or .yaml (or .markdown, .yml)",
        "checked 1 journey, 2 personas, 2 touchpoints: 0 errors, 1 warning",
    ]


def test_html_lang_follows_the_language_setting(cli, make_site) -> None:
    """`site.language` is the pages' `<html lang>`."""
    site = make_site({"site.toml": '[site]\ntitle = "T"\nlanguage = "de-CH"\n'})
    assert cli("build", "--site", site, "--no-cache", "--no-search").exit_code == 0
    for page in ("index.html", "journeys/buy/index.html", "personas/pat/index.html", "404.html"):
        assert '<html lang="de-CH">' in (site / "public" / page).read_text(encoding="utf-8"), page


def test_source_date_epoch_is_the_built_date_of_catalogue_and_sitemap(cli, make_site, monkeypatch) -> None:
    """Reproducible: with SOURCE_DATE_EPOCH, its date is `built` in catalogue.json and `lastmod` in sitemap.xml."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # reproducible-build environments set it
    site = make_site()
    assert cli("build", "--site", site, "--no-cache", "--no-search").exit_code == 0
    assert "built" not in json.loads((site / "public/catalogue.json").read_text(encoding="utf-8"))
    assert "lastmod" not in (site / "public/sitemap.xml").read_text(encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    assert cli("build", "--site", site, "--no-cache", "--no-search").exit_code == 0
    assert json.loads((site / "public/catalogue.json").read_text(encoding="utf-8"))["built"] == "2023-11-14"
    assert "<lastmod>2023-11-14</lastmod>" in (site / "public/sitemap.xml").read_text(encoding="utf-8")
