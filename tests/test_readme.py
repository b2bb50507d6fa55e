"""The README's example journey is valid content: documentation that cannot rot."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from .conftest import ROOT


def _example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"A complete small journey.*?```markdown\n(.*?)```", readme, re.DOTALL)
    assert match, "README lost its example journey"
    return match.group(1)


def test_readme_example_journey_passes_strict_check(cli, make_site) -> None:
    persona = "---\nname: {0}\nrole: {1}\n---\n"
    touchpoint = "---\nname: {0}\n---\n"
    site = make_site(
        {
            "content/personas/new-starter.md": persona.format("New starter", "user"),
            "content/personas/hiring-manager.md": persona.format("Hiring manager", "customer"),
            "content/touchpoints/joiner-request-form.md": touchpoint.format("Joiner form"),
            "content/touchpoints/self-service-portal.md": touchpoint.format("Portal"),
            "content/touchpoints/experience-survey.md": touchpoint.format("Survey"),
            "content/journeys/store-leaver-offboarding.md": "---\ntitle: Leave\npersonas: [new-starter]\nstages: {onboard: , realize: }\n"
            "indicators: [{name: Leavers with access removed, stage: realize}]\n---\n",
            "content/journeys/get-a-laptop.md": _example(),
        }
    )
    result = cli("check", "--site", site, "--strict")
    assert result.exit_code == 0, result.output
    build = cli("build", "--site", site)
    assert build.exit_code == 0, build.output
    page = (site / "public/journeys/get-a-laptop/index.html").read_text(encoding="utf-8")
    assert 'id="stage-onboard"' in page and "Signs in and finds every app already installed" in page


def test_readme_walkthrough_works_in_the_sample_catalogue(cli, tmp_path: Path) -> None:
    """The README's commands, run in a copy of this repository's sample, then its example journey."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copy(ROOT / "site.toml", site)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Start with the personas.*?```sh\n(.*?)```", readme, re.DOTALL)
    assert block, "README lost its walkthrough"
    commands = [shlex.split(line.split("#")[0]) for line in block.group(1).splitlines() if line.strip()]
    assert [c[:3] for c in commands][-1] == [".venv/bin/journeys", "new", "journey"]
    for command in commands:
        if command[2] == "touchpoint":  # the README says the sample already has them
            assert (site / "content/touchpoints" / (command[3].lower().replace(" ", "-") + ".md")).is_file()
            continue
        result = cli(*command[1:], "--site", site)
        assert result.exit_code == 0, result.output
    (site / "content/journeys/get-a-laptop.md").write_text(_example(), encoding="utf-8")
    result = cli("check", "--site", site, "--strict")
    assert result.exit_code == 0, result.output
