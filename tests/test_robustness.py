"""Broken files, unsafe output folders and interrupted builds: errors, never damage."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import Options, build
from generator.diagnostics import ContentError, OutputError
from generator.write import check_output_dir

from .conftest import MINIMAL_SITE, errors, files


def _messages(site: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        build(Options(root=site))
    return [d.format() for d in info.value.report.items]


def test_bom_and_crlf_are_accepted(make_site) -> None:
    text = MINIMAL_SITE["content/personas/pat.md"].replace("\n", "\r\n")
    site = make_site({"content/personas/pat.md": b"\xef\xbb\xbf" + text.encode()})
    build(Options(root=site))
    assert "Pat buys things." in (site / "public/personas/pat/index.html").read_text()


def test_crlf_keeps_line_numbers(make_site) -> None:
    site = make_site({"content/personas/pat.md": b"---\r\nname: Pat\r\nrole: buyer\r\n---\r\n"})
    assert _messages(site)[0].startswith("content/personas/pat.md:3:7: error: 'role' must be one of")


def test_a_control_character_from_a_yaml_escape_stops_the_build_at_its_value(make_site) -> None:
    """A Windows path in double quotes ("C:\\apps\\build") holds BEL and backspace: no page or SVG may get them."""
    site = make_site({"content/touchpoints/portal.md": '---\nname: "Portal at C:\\apps\\build"\nchannel: web\n---\n'})
    [message] = [m for m in _messages(site) if ": error: " in m]
    assert message.startswith("content/touchpoints/portal.md:2:7: error: control character U+0007 is not allowed in text")
    assert not (site / "public").exists()


def test_invalid_utf8_names_the_byte_offset(make_site) -> None:
    site = make_site({"content/personas/pat.md": b"---\nname: P\xe9t\nrole: customer\n---\n"})
    assert _messages(site) == ["content/personas/pat.md:2:8: error: not valid UTF-8 at byte offset 11; save the file as UTF-8"]


def test_empty_and_unclosed_files_have_a_line(make_site) -> None:
    site = make_site({"content/personas/pat.md": "", "content/touchpoints/desk.md": "---\nname: Desk\n"})
    messages = _messages(site)
    assert "content/personas/pat.md:1:1: error: the file is empty; a persona needs at least its required fields" in messages
    assert any(m.startswith("content/touchpoints/desk.md:1:1: error: the front matter opened on line 1 is never closed") for m in messages)


def test_slugs_differing_only_by_case_are_an_error(make_site) -> None:
    site = make_site({"content/touchpoints/Portal.md": "---\nname: Big portal\n---\n"})
    messages = _messages(site)
    assert any("file name 'Portal' is not a valid slug: use lower-case letters" in m for m in messages)
    assert any("slug 'Portal' differs only by case from content/touchpoints/portal.md" in m for m in messages)


def test_symlink_loop_does_not_hang(make_site) -> None:
    site = make_site()
    os.symlink("..", site / "content/journeys/loop")
    os.symlink(site / "content/journeys", site / "content/journeys/again")
    build(Options(root=site))  # each real folder is read once; no hang, no duplicate slugs
    assert (site / "public/journeys/buy/index.html").exists()


def test_oversized_file_is_refused(make_site) -> None:
    site = make_site({"content/personas/pat.md": "---\nname: Pat\nrole: customer\n---\n" + "x" * (10 * 1024 * 1024)})
    assert any("the limit is 10,485,760 (10 MB)" in m for m in _messages(site))


def test_control_characters_in_text_are_located(make_site) -> None:
    site = make_site({"content/personas/pat.md": "---\nname: Pat\nrole: customer\n---\nline one\nbad \x07 bell\n"})
    assert _messages(site) == ["content/personas/pat.md:6:5: error: control character U+0007 is not allowed in text"]


@pytest.mark.parametrize("where", ["~", ".", "..", "content", "content/inside", "themes"])
def test_unsafe_output_dirs_are_refused(make_site, monkeypatch, tmp_path: Path, where: str) -> None:
    """A whole build into each place; should the guard ever fail, it replaces a folder of tmp_path, no more."""
    site = make_site()
    (site / "themes").mkdir(exist_ok=True)
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("keep me", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))  # never the real home folder: CI runs as root
    target = {"~": Path.home(), ".": site, "..": site.parent}.get(where, site / where)
    with pytest.raises(OutputError, match="refusing to build into"):
        build(Options(root=site, output=target))
    assert (home / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_the_file_system_root_is_refused_as_output(make_site) -> None:
    """Checked without a build: were the guard broken, a build would write into /."""
    with pytest.raises(OutputError, match="it is the file system root"):
        check_output_dir(Path("/"), make_site())


def _retitle(site: Path) -> None:
    """Change the content, so that a build that went through would change the output."""
    journey = site / "content/journeys/buy.md"
    journey.write_text(journey.read_text(encoding="utf-8").replace("title: Buy a thing", "title: Retitled"), encoding="utf-8")


def test_failed_render_leaves_previous_output_untouched(make_site, monkeypatch) -> None:
    site = make_site()
    build(Options(root=site))
    before = files(site / "public")
    _retitle(site)

    def explode(*args, **kwargs):
        raise RuntimeError("boom mid-render")

    monkeypatch.setattr("generator.render.pages.Pages.touchpoint", explode)
    with pytest.raises(RuntimeError):
        build(Options(root=site, use_cache=False))
    assert files(site / "public") == before
    assert [p.name for p in site.iterdir() if p.name.startswith((".journeydocs-tmp", ".journeydocs-old"))] == []


def test_sigint_mid_build_leaves_previous_output_untouched(tmp_path: Path) -> None:
    site = _big_site(tmp_path, journeys=400)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "generator", "build", "--site", str(site), "--no-cache"]
    subprocess.run(command, check=True, env=env, capture_output=True)
    before = files(site / "public")
    _retitle(site)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".journeydocs-tmp-") for p in site.iterdir()):
        assert process.poll() is None, "the build finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert b"Traceback" not in err
    assert files(site / "public") == before
    assert [p.name for p in site.iterdir() if p.name.startswith((".journeydocs-tmp", ".journeydocs-old"))] == []


def _big_site(root: Path, journeys: int) -> Path:
    files = dict(MINIMAL_SITE)
    body = MINIMAL_SITE["content/journeys/buy.md"]
    for n in range(journeys):
        files[f"content/journeys/buy-{n}.md"] = body.replace("title: Buy a thing", f"title: Buy thing {n}")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# SOURCE_DATE_EPOCH: tests/test_documented.py (the only dates, with and without it).


def test_builds_in_two_directories_are_identical(make_site, tmp_path: Path) -> None:
    site = make_site()
    first, second = tmp_path / "one" / "out", tmp_path / "two" / "deeper" / "out"
    build(Options(root=site, output=first))
    build(Options(root=site, output=second, use_cache=False))  # nothing reused from the first

    def pages(folder: Path) -> dict[str, bytes]:  # Pagefind's own index varies from run to run (upstream #638)
        return {rel: data for rel, data in files(folder).items() if not rel.startswith("pagefind/")}

    assert pages(first) == pages(second)


def test_unsafe_output_dir_in_site_toml_points_at_the_setting(cli, make_site) -> None:
    site = make_site({"site.toml": '[site]\ntitle = "T"\noutput_dir = "content"\n'})
    result = cli("build", "--site", site)
    assert result.exit_code == 1
    assert result.output.startswith("site.toml:3:1: error: output_dir: refusing to build into ")


@pytest.mark.parametrize(
    "template, line, message",
    [
        ('{% extends "base.html" %}\n{% block content %}\n<p>{{ persona.nmae.upper() }}</p>\n{% endblock %}\n', 3,
         "has no attribute 'nmae'"),
        ('{% extends "base.html" %}\n{% block content %}\n<p>{{ persona.name }}</p>\n', 3, "Unexpected end of template"),
    ],
    ids=["undefined-name", "syntax"],
)
def test_a_broken_template_is_reported_at_its_line_not_as_a_traceback(make_site, cli, template, line, message) -> None:
    site = make_site({"templates/persona.html": template})
    result = cli("build", "--site", site, "--workers", "1")
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"templates/persona.html:{line}:1: error: template error: ") and message in first
    assert "Traceback" not in result.output and not (site / "public").exists()


@pytest.mark.parametrize(
    "settings, position, message",
    [
        ('[site]\ntitle = "T"\n[build]\ncache_dir = "public/cache"\n', "site.toml:4:1", "overlaps the output folder"),
        ('[site]\ntitle = "T"\n[build]\ncache_dir = "site.toml"\n', "site.toml:4:1", "is a file, not a folder"),
        ('[site]\ntitle = "T"\noutput_dir = "site.toml/public"\n', "site.toml:3:1", "cannot create its folder"),
    ],
    ids=["cache-inside-output", "cache-is-a-file", "output-under-a-file"],
)
def test_unusable_folders_in_site_toml_point_at_the_setting(cli, make_site, settings, position, message) -> None:
    site = make_site({"site.toml": settings})
    result = cli("build", "--site", site)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{position}: error: ") and message in result.output.splitlines()[0]
    assert "Traceback" not in result.output


def test_a_full_disk_is_an_error_not_a_traceback(cli, make_site, monkeypatch) -> None:
    site = make_site()
    assert cli("build", "--site", site, "--no-search").exit_code == 0
    before = files(site / "public")
    _retitle(site)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("generator.render.site.write_file", full)
    result = cli("build", "--site", site, "--no-search", "--no-cache", "--workers", "1")
    assert result.exit_code == 1
    assert result.output.strip().endswith("No space left on device") and "cannot write the site into" in result.output
    assert "Traceback" not in result.output
    assert files(site / "public") == before


def test_a_diagram_graphviz_cannot_draw_names_the_journey(cli, make_site, monkeypatch) -> None:
    site = make_site()

    def refuse(*args, **kwargs):
        raise RuntimeError("Graphviz could not lay out the stage diagram")

    monkeypatch.setattr("generator.render.graphviz.render_svg", refuse)
    result = cli("build", "--site", site, "--no-search", "--no-cache", "--workers", "1")
    assert result.exit_code == 1
    line = errors(result.output)[0]
    path, row, col, message = line.split(":", 3)
    assert path.startswith("content/journeys/") and (row, col) == ("1", "1")
    assert "stage diagram: Graphviz could not lay out" in message
