"""Hostile names, special files, odd settings and early interrupts: a message, never a traceback or a hang."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from generator.config import load_config

from .conftest import MINIMAL_SITE, ROOT, errors, failing

STAGES = '[[stages]]\nid = "explore"\ntitle = "Explore"\n\n[[stages]]\nid = "realize"\ntitle = "Realize"\n'


# -- 1. file names that are not UTF-8 ---------------------------------------------------------------


@pytest.mark.parametrize("args", [("check",), ("build",), ("build", "--no-cache")])
def test_a_file_name_that_is_not_utf8_is_an_error_not_a_traceback(cli, make_site, args) -> None:
    site = make_site()
    (site / "content/touchpoints" / os.fsdecode(b"bad\xffname.md")).write_text("---\nname: X\nchannel: web\n---\n")
    assert failing(cli, *args, "--site", site) == [
        "content/touchpoints/bad\\xffname.md:1:1: error: file name 'bad\\xffname' is not a valid slug: use lower-case "
        "letters a-z, digits 0-9 and hyphens (e.g. 'badname'); a byte that is not UTF-8 or a control character is shown as \\xNN"
    ]
    assert not (site / "public").exists()


def test_bad_bytes_in_a_folder_name_and_a_line_break_in_a_file_name_are_errors(cli, make_site) -> None:
    site = make_site()
    folder = site / "content/journeys" / os.fsdecode(b"gr\xfcppe")
    folder.mkdir()
    (folder / "more.md").write_text(MINIMAL_SITE["content/journeys/buy.md"])
    (site / "content/personas/two\nlines.md").write_text("---\nname: T\nrole: user\n---\n")
    folder_error, name_error = failing(cli, "check", "--site", site)
    assert folder_error.startswith("content/journeys/gr\\xfcppe/more.md:1:1: error: a folder name in this path is not valid UTF-8")
    assert name_error.startswith("content/personas/two\\x0alines.md:1:1: error: file name 'two\\x0alines' is not a valid slug")


# -- 2. control characters in site.toml -------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ('[site]\ntitle = "T"\noutput_dir = "a\\u0000b"\n', "site.toml:3:1: error: output_dir: control character U+0000 is not allowed"),
        ('[site]\ntitle = "T"\n[build]\ncache_dir = "c\\u0000"\n', "site.toml:4:1: error: cache_dir: control character U+0000 is not allowed"),
        ('[site]\ntitle = "Bell\\u0007"\n', "site.toml:2:1: error: title: control character U+0007 is not allowed"),
        ('[site]\ntheme = "de\\nfault"\n', "site.toml:2:1: error: theme: control character U+000A is not allowed"),
        ('[check]\nignore = ["JD101\\u001b"]\n', "site.toml:2:1: error: ignore: control character U+001B is not allowed"),
    ],
)
def test_control_characters_in_settings_are_errors_at_their_line(cli, make_site, command, settings, expected) -> None:
    site = make_site({"site.toml": settings})
    assert failing(cli, command, "--site", site) == [expected]
    assert sorted(p.name for p in site.iterdir()) == ["content", "site.toml"]  # no output, no cache, nothing half-made


def test_a_line_break_in_a_stage_purpose_is_text(cli, make_site) -> None:
    site = make_site({"site.toml": STAGES + 'purpose = "Two\\nlines"\n'})
    assert cli("check", "--site", site).exit_code == 0
    assert "Two\nlines" in [stage.purpose for stage in load_config(site).stages]  # kept, not dropped


# -- 3. special files -------------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_named_pipe_or_a_device_is_never_read(cli, make_site, kind) -> None:
    site = make_site()
    path = site / "content/touchpoints/special.md"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        os.symlink("/dev/zero", path)
    result = cli("check", "--site", site)
    what = "a named pipe" if kind == "fifo" else "a device"
    assert errors(result.output) == [f"content/touchpoints/special.md:1:1: error: not a regular file ({what}); it was not read"]
    assert result.exit_code == 1


@pytest.mark.timeout(60)
def test_a_file_that_stays_unreadable_does_not_make_every_build_save_the_cache(make_site, monkeypatch) -> None:
    from generator.build import Options, load

    site = make_site()
    os.mkfifo(site / "content/touchpoints/special.md")
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: (forks.append(1), real_fork())[1])
    assert load(Options(root=site)).report.errors == 1
    assert sorted((site / ".journeydocs-cache").glob("documents-*.marshal"))  # the readable files, remembered
    assert forks == [1]  # the first load saved them from a process of its own
    assert load(Options(root=site)).report.errors == 1  # the pipe is reported again
    assert forks == [1]  # nothing new to remember, so no process is started to save it


@pytest.mark.timeout(60)
def test_the_size_limit_holds_when_the_size_lies(cli, make_site, monkeypatch) -> None:
    """Files in /proc say they hold 0 bytes: the read itself must stop at the limit."""
    maps = Path(f"/proc/{os.getpid()}/maps")
    assert maps.stat().st_size == 0 and len(maps.read_bytes()) > 1000
    monkeypatch.setattr("generator.load.MAX_FILE_BYTES", 1000)
    site = make_site()
    os.symlink(maps, site / "content/touchpoints/proc.md")
    result = cli("check", "--site", site)
    assert errors(result.output) == [
        "content/touchpoints/proc.md:1:1: error: file is more than 1,000 bytes; the limit is 1,000 bytes"
    ]


@pytest.mark.timeout(60)
def test_a_named_pipe_as_site_toml_is_an_error(cli, make_site) -> None:
    site = make_site({"site.toml": None})
    os.mkfifo(site / "site.toml")
    result = cli("check", "--site", site)
    assert result.exit_code == 1
    assert "site.toml:1:1: error: cannot read: not a regular file (a named pipe)" in result.output


# -- 4. [[stages]] ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ('id = "offer"\ntitle = ""', "site.toml:11:1: error: 'title' of stage 'offer' must not be empty"),
        ('id = "offer"\ntitle = "  "', "site.toml:11:1: error: 'title' of stage 'offer' must not be empty"),
        ('id = "offer"\ntitle = "Tab\\there\\u0007"', "site.toml:11:1: error: title: control character U+0009 is not allowed"),
        ('id = "offer"\ntitle = "Bell\\u0007"', "site.toml:11:1: error: title: control character U+0007 is not allowed"),
        ('id = "offer"\ntitle = " explore "', "site.toml:11:1: error: stage 'offer' has the title ' explore ' of stage 'explore'; titles must differ"),
        ('id = "explore-again"\ntitle = "EXPLORE"', "site.toml:11:1: error: stage 'explore-again' has the title 'EXPLORE' of stage 'explore'; titles must differ"),
    ],
)
def test_stage_titles_must_be_text_and_distinct(cli, make_site, stage, expected) -> None:
    site = make_site({"site.toml": STAGES + "\n[[stages]]\n" + stage + "\n"})
    assert failing(cli, "build", "--site", site) == [expected]
    assert not (site / "public").exists()


@pytest.mark.parametrize("stage_id", ["-", "--", "-offer", "offer-", "of--fer", "Offer", "of fer"])
def test_stage_ids_follow_the_slug_rule_with_single_inner_hyphens(cli, make_site, stage_id) -> None:
    site = make_site({"site.toml": STAGES + f'\n[[stages]]\nid = "{stage_id}"\n'})
    assert failing(cli, "check", "--site", site) == [
        "site.toml:10:1: error: each [[stages]] needs an id made of lower-case letters a-z and digits 0-9, "
        f"words joined by single hyphens (like 'co-create'); got '{stage_id}'"
    ]


def test_a_stage_id_with_inner_hyphens_and_digits_is_fine(cli, make_site) -> None:
    site = make_site({"site.toml": STAGES + '\n[[stages]]\nid = "co-create-2"\n'})
    assert cli("check", "--site", site).exit_code == 0


# -- 5. language, 6. base_url -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["", "de DE", 'en\\" onload=\\"x', "e", "english", "en-", "en_GB"])
def test_language_must_be_a_language_tag(cli, make_site, language) -> None:
    site = make_site({"site.toml": f'[site]\ntitle = "T"\nlanguage = "{language}"\n'})
    [error] = failing(cli, "check", "--site", site)
    assert error.startswith("site.toml:3:1: error: language must be a language tag (BCP 47) such as 'en', 'de-CH' or 'pt-BR', not ")


@pytest.mark.parametrize("language", ["en", "de-CH", "zh-Hant-TW", "gsw", "es-419"])
def test_language_tags_are_accepted(cli, make_site, language) -> None:
    site = make_site({"site.toml": f'[site]\ntitle = "T"\nlanguage = "{language}"\n'})
    assert cli("check", "--site", site).exit_code == 0


@pytest.mark.parametrize(
    "url", ["https://x.example:99999/", "https://x.example:0/", "https://x.example:http/", "https://x.example\\\\journeys/"]
)
def test_base_url_with_a_bad_port_or_a_backslash_is_refused(cli, make_site, url) -> None:
    site = make_site({"site.toml": f'[site]\ntitle = "T"\nbase_url = "{url}"\n'})
    [error] = failing(cli, "check", "--site", site)
    assert error.startswith("site.toml:3:1: error: base_url must be an absolute http(s) URL")
    option = cli("build", "--site", site, "--base-url", url.replace("\\\\", "\\"))
    assert option.exit_code == 2 and "backslashes" in option.output


def test_base_url_with_a_port_is_fine(cli, make_site) -> None:
    site = make_site({"site.toml": '[site]\ntitle = "T"\nbase_url = "http://localhost:8080/journeys/"\n'})
    assert cli("check", "--site", site).exit_code == 0


# -- 7. no site.toml --------------------------------------------------------------------------------


def test_a_missing_site_toml_is_a_plain_error_without_a_made_up_position(cli, tmp_path: Path) -> None:
    result = cli("check", "--site", tmp_path)
    assert result.exit_code == 1
    assert result.output == f"error: no site.toml in {tmp_path}: run journeys in a site folder, or pass --site\n"


# -- 8. Ctrl+C at any moment ------------------------------------------------------------------------


def test_the_console_script_is_the_interrupt_safe_entry() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["journeys"] == "generator.entry:main"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("delay", [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
def test_ctrl_c_at_any_moment_exits_130_without_a_traceback(mini_copy: Path, delay: float) -> None:
    """Python's own start-up (before any journeydocs code runs) cannot handle Ctrl+C, so the
    interrupt is held back there: the child starts with SIGINT blocked and journeydocs unblocks
    it first thing, inside its handler.  A SIGINT sent at any moment is then handled by
    journeydocs, whether it lands while the CLI is imported or parsed or the first build runs (the delays end
    before the preview serves; test_serve interrupts a serving preview): no timing luck."""
    script = Path(sys.executable).parent / "journeys"
    process = subprocess.Popen(
        [str(script), "serve", "--site", str(mini_copy), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}),  # noqa: PLW1509
    )
    try:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    assert process.returncode == 130, text
    assert text.strip().splitlines()[-1] in ("interrupted", "interrupted; the output was left as it was", "stopped"), text


@pytest.mark.parametrize("title", ["", "   "])
def test_a_blank_site_title_is_an_error(cli, make_site, title) -> None:
    """Every page's <title> and header show it: blank, they would show nothing."""
    site = make_site({"site.toml": f'[site]\ntitle = "{title}"\n'})
    result = cli("check", "--site", site)
    assert result.exit_code == 1
    assert "site.toml:2:1: error: 'title' must not be empty" in result.output


def test_a_setting_above_every_table_says_where_it_belongs(cli, make_site) -> None:
    """`title = …` before `[site]` is TOML for a top-level key, not the site's title."""
    site = make_site({"site.toml": 'title = "Mine"\nmystery = 1\n[site]\nlanguage = "en"\n'})
    result = cli("check", "--site", site)
    assert "site.toml:1:1: warning: unknown setting 'title' outside any table; it belongs under [site]" in result.output
    assert "site.toml:2:1: warning: unknown setting 'mystery' outside any table; settings go under [site], [build] or [check]" in result.output
    assert cli("check", "--site", site, "--strict").exit_code == 1


def test_a_control_character_in_a_settings_name_is_an_error_and_no_message_spans_two_lines(cli, make_site) -> None:
    """A quoted TOML key may hold a line break: printed raw, it could forge a diagnostic line."""
    site = make_site({"site.toml": '[site]\n"evil\\nsite.toml:9:9: error: fake" = 1\n'})
    result = cli("check", "--site", site)
    assert result.exit_code == 1
    assert "control character U+000A in the setting's name is not allowed" in result.output
    assert not any(line.startswith("site.toml:9:9") for line in result.output.splitlines())
    assert "evil\\nsite.toml:9:9: error: fake" in result.output  # shown escaped, on its line


def test_a_stage_title_with_spaces_around_it_still_matches_its_heading(cli, make_site) -> None:
    """' Explore ' in site.toml is the title 'Explore': a narrative's '## Explore' must find it."""
    site = make_site({
        "site.toml": '[site]\ntitle = "T"\n[[stages]]\nid = "explore"\ntitle = " Explore "\n[[stages]]\nid = "realize"\n',
        "content/journeys/buy.md": "---\ntitle: Buy\npersonas: [pat]\nstages:\n  explore: {}\n  realize: {}\n---\n## Explore\n\nText.\n",
    })
    result = cli("check", "--site", site)
    assert result.exit_code == 0 and "JD108" not in result.output, result.output


def test_a_cache_that_cannot_be_written_never_makes_a_build_reuse_stale_pages(
    cli, make_site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI may restore the build cache read-only: its old manifest must not describe the new output."""
    import generator.cache

    site = make_site()
    journey = site / "content/journeys/buy.md"
    assert cli("build", "--site", site, "--no-search").exit_code == 0  # the cache now holds a manifest

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(generator.cache, "atomic_write", read_only)  # nothing in the cache changes from here on
    monkeypatch.setattr(generator.cache.tempfile, "TemporaryFile", read_only)
    monkeypatch.setattr(generator.cache.BuildCache, "forget", lambda self, target, spare_only=False: None)  # records that cannot be deleted
    original = journey.read_text("utf-8")
    for title in ("Buy b thing", "Buy a thing"):  # same length: the pages keep their sizes
        journey.write_text(original.replace("title: Buy a thing", f"title: {title}"), "utf-8")
        result = cli("build", "--site", site, "--no-search")
        assert result.exit_code == 0, result.output
        page = (site / "public/journeys/buy/index.html").read_text("utf-8")
        assert f"<h1>{title}" in page, f"the page shows a stale title instead of {title!r}"


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize(
    ("keep_folder", "message"),
    [
        (True, "error: content/ in "),  # a git submodule not checked out leaves an empty folder
        (False, "error: no content/ folder in "),  # a wrong --site
    ],
)
def test_a_site_without_content_is_an_error_not_an_empty_catalogue(cli, make_site, command, keep_folder, message) -> None:
    """Nothing to publish must not publish an empty site over the real one."""
    site = make_site()
    (site / "public").mkdir()
    (site / "public/keep.html").write_text("the live site", "utf-8")
    shutil.rmtree(site / "content")
    if keep_folder:
        (site / "content").mkdir()
    result = cli(command, "--site", site)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    if keep_folder:
        assert "holds no journey, persona or touchpoint" in result.output
    assert (site / "public/keep.html").read_text("utf-8") == "the live site"


def test_standard_output_that_cannot_be_written_is_one_line_not_a_traceback(make_site) -> None:
    """`journeys check > /dev/full` in a CI step: the disk is full, say so and exit 1."""
    site = make_site()
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "journeys"), "check", "--site", str(site)],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().endswith("error: cannot write the output: No space left on device")
