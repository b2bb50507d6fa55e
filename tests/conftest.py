"""Shared fixtures: the repository's sample site, small sites written on the fly, the CLI."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main

def in_ci() -> bool:
    """True under a CI service: CI set to anything but empty, 0, false or no (services use true or 1)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI a skipped test fails: whatever it needs, make test installs, so a skip hides a broken set-up."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be: {reason}"


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"  # a small, valid site that uses every feature

MINIMAL_SITE = {
    "site.toml": '[site]\ntitle = "Test site"\nbase_url = "https://example.org/test/"\n',
    "content/personas/pat.md": "---\nname: Pat\nrole: customer\n---\nPat buys things.\n",
    "content/personas/uma.md": "---\nname: Uma\nrole: user\n---\nUma uses things.\n",
    "content/touchpoints/portal.md": "---\nname: Portal\nchannel: web\n---\nThe portal.\n",
    "content/touchpoints/desk.md": "---\nname: Service desk\nchannel: phone\n---\n",
    "content/journeys/buy.md": textwrap.dedent(
        """\
        ---
        title: Buy a thing
        personas: [pat, uma]
        stages:
          explore:
            interactions:
              - touchpoint: portal
                persona: pat
                action: Browses the catalogue
                emotion: 1
          realize:
            interactions:
              - touchpoint: desk
                persona: uma
                action: Calls for help
                emotion: -1
        indicators:
          - name: Satisfaction
            kind: xla
            stage: realize
            target: "4/5"
            current: "3.8/5"
        ---
        Intro.
        """
    ),
}


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Write a site into a fresh folder: the minimal valid site, changed by *files*."""

    def make(files: dict[str, str | bytes | None] | None = None, base: dict[str, str] | None = None) -> Path:
        root = tmp_path / "site"
        merged: dict[str, str | bytes] = dict(MINIMAL_SITE if base is None else base)
        for rel, content in (files or {}).items():
            if content is None:
                merged.pop(rel, None)
            else:
                merged[rel] = content
        return write_site(root, merged)

    return make


@pytest.fixture
def cli() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


def copy_site(source: Path, root: Path) -> Path:
    """A copy of the fixture site *source* at *root*, to build or edit there.

    Tests never build or check a fixture in its own folder: that would leave a
    build cache in the source tree, and the next run would start from it.
    """
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".journeydocs-cache", "public"))
    return root


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A copy of the mini site that one test may edit."""
    return copy_site(MINI, tmp_path / "site")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's sample catalogue (settings, content, templates, theme) to build and check.

    The repository's own build cache is the developer's (make site); tests keep theirs elsewhere.
    """
    root = tmp_path_factory.mktemp("sample-site") / "site"
    root.mkdir()
    for part in ("site.toml", "content", "templates", "themes"):
        if (ROOT / part).is_dir():
            copy_site(ROOT / part, root / part)
        elif (ROOT / part).is_file():
            shutil.copy2(ROOT / part, root / part)
    return root


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the mini site shared by the tests that only build it (never edit it)."""
    return copy_site(MINI, tmp_path_factory.mktemp("mini-site") / "site")


def files(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* with its bytes, by relative POSIX path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def tree(folder: Path) -> tuple[dict[str, bytes], set[str]]:
    """The files under *folder* and its sub-folders (an empty folder left behind counts too)."""
    return files(folder), {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def clean_build(site: Path, output: Path, search: bool = False) -> Path:
    """*site* built from nothing (no cache) into *output*: what an incremental build must equal."""
    from generator.build import Options, build

    return build(Options(root=site, output=output, search=search, use_cache=False)).output


SVG = "{http://www.w3.org/2000/svg}"  # ElementTree's names of SVG and XLink elements and attributes
XLINK = "{http://www.w3.org/1999/xlink}"


def errors(output: str) -> list[str]:
    """The error lines of a command's output (``path:line:col: error: …``)."""
    return [line for line in output.splitlines() if ": error: " in line]


def failing(cli: Callable[..., Result], *args: object) -> list[str]:
    """Run a command that must fail with exit code 1; its error lines."""
    result = cli(*args)
    assert result.exit_code == 1, result.output
    return errors(result.output)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first *old* in a text file by *new*; *old* must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def builtin_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An editable copy of the built-in themes, used as the built-in ones by every module that looks them up."""
    import generator.config
    import generator.render.pages
    import generator.render.templates

    builtin = tmp_path / "builtin"
    shutil.copytree(ROOT / "themes", builtin, symlinks=False)
    for module in (generator.config, generator.render.templates, generator.render.pages):
        monkeypatch.setattr(module, "BUILTIN_THEMES", builtin)
    return builtin
