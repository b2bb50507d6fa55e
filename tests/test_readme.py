"""The README's example journey is valid content: documentation that cannot rot."""

from __future__ import annotations

import re

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
            "content/journeys/leave-the-company.md": "---\ntitle: Leave\npersonas: [new-starter]\nstages: {onboard: , realize: }\n"
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
