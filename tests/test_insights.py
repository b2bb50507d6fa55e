"""Insights with known numbers, each ITIL-aware check on its own fixture, and the Mermaid export."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from generator.build import Options, build, load
from generator.insights import Balance, Cell, Gap, Reuse, insights

from .conftest import write_site

PERSONAS = {
    "content/personas/cara.md": "---\nname: Cara\nrole: customer\n---\n",
    "content/personas/uli.md": "---\nname: Uli\nrole: user\n---\n",
    "content/personas/pete.md": "---\nname: Pete\nrole: provider\n---\n",
}
TOUCHPOINTS = {
    f"content/touchpoints/{slug}.md": f"---\nname: {slug.capitalize()}\n---\n" for slug in ("portal", "desk", "invoice", "spare")
}
ALPHA = """\
---
title: Alpha
personas: [cara, uli]
stages:
  explore:
    interactions:
      - {touchpoint: portal, persona: cara, action: Browses, emotion: 1}
      - {touchpoint: desk, persona: uli, action: Waits on hold, visibility: consumer, emotion: -2, pain: Slow, moment_of_truth: true, opportunity: Faster}
  realize:
    interactions:
      - {touchpoint: invoice, persona: cara, action: Disputes the invoice, visibility: provider, emotion: -1, pain: Late}
      - {touchpoint: portal, persona: uli, action: Rates the service, emotion: 2}
indicators:
  - {name: NPS, kind: xla, stage: realize, target: "40"}
---
"""
BETA = """\
---
title: Beta
personas: [uli]
stages:
  engage:
    interactions:
      - {touchpoint: desk, action: Calls again, emotion: -1, moment_of_truth: true, opportunity: Call back}
  realize:
    interactions:
      - {touchpoint: portal, action: Checks status, emotion: 0}
indicators:
  - {name: Calls, stage: realize, current: "12"}
---
"""


@pytest.fixture
def catalogue(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = write_site(
        tmp_path / "site",
        {"site.toml": "[site]\ntitle = 'Insights'\n", **PERSONAS, **TOUCHPOINTS,
         "content/journeys/alpha.md": ALPHA, "content/journeys/beta.md": BETA},
    )
    loaded = load(Options(root=root))
    assert loaded.site is not None, [d.format() for d in loaded.report.items]
    return root, loaded


def test_insight_numbers(catalogue) -> None:  # type: ignore[no-untyped-def]
    _, loaded = catalogue
    site = loaded.site
    data = insights(site)
    assert data.coverage["cara"]["explore"] == Cell(1, 1.0)
    assert data.coverage["cara"]["realize"] == Cell(1, -1.0)
    assert data.coverage["cara"]["engage"].gap
    assert data.coverage["uli"]["explore"] == Cell(1, -2.0)
    assert data.coverage["uli"]["engage"] == Cell(1, -1.0)
    assert data.coverage["uli"]["realize"] == Cell(2, 1.0)
    assert all(cell.gap for cell in data.coverage["pete"].values())
    assert [i.action for i in data.hotspots] == ["Waits on hold", "Disputes the invoice", "Calls again"]
    assert [i.action for i in data.moments] == ["Waits on hold", "Calls again"]
    assert data.most_used == (Reuse("portal", 3, 2), Reuse("desk", 2, 2), Reuse("invoice", 1, 1))
    assert data.single_use == (Reuse("invoice", 1, 1),)
    assert data.balance == (Balance("alpha", 25.0, 50.0, 25.0, 4), Balance("beta", 0.0, 100.0, 0.0, 2))
    assert data.gaps == (Gap("alpha", 0.0, 0.0), Gap("beta", None, -0.5))
    assert data.gaps[0].difference == 0.0 and data.gaps[1].difference is None
    assert [(j, i.name) for j, i in data.incomplete] == [("alpha", "NPS"), ("beta", "Calls")]


def test_insights_page_is_linked_from_every_page(catalogue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, _ = catalogue
    out = build(Options(root=root, output=tmp_path / "out", search=False)).output
    page = (out / "insights/index.html").read_text(encoding="utf-8")
    assert 'class="gap-mark">Gap<' in page and "Waits on hold" in page and "Disputes the invoice" in page
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "insights/index.html" in text or ('href="index.html" aria-current="page">Insights' in text), html


CHECK_CASES = {
    "JD101": ("alpha.md", ALPHA.replace("stage: realize, target", "stage: explore, target"), "content/journeys/alpha.md:13:1"),
    "JD102": ("beta.md", BETA.replace("action: Checks status, emotion: 0", "action: Checks status, emotion: 0, visibility: provider"), "content/journeys/beta.md:8:3"),
    "JD103": ("alpha.md", ALPHA.replace(", moment_of_truth: true, opportunity: Faster", ", moment_of_truth: true"), "content/journeys/alpha.md:8:9"),
    "JD104": ("extra", None, "content/personas/pete.md:2:1"),
    "JD105": ("extra", None, "content/touchpoints/spare.md:2:1"),
    "JD106": ("alpha.md", ALPHA.replace("persona: cara, ", "").replace("persona: uli, ", ""), "content/journeys/alpha.md:3:1"),
    "JD107": ("beta.md", BETA.replace("personas: [uli]", "personas: [uli]\nrelationship: partnership").replace("engage:", "co-create:").replace("action: Calls again,", "action: Calls again, visibility: consumer,"), "content/journeys/beta.md:6:3"),
    "JD108": ("alpha.md", ALPHA + "Intro.\n\n## Explore\n\nLooking.\n\n```\n## Realise\n```\n\n  ## Realise\n\nPaid.\n", "content/journeys/alpha.md:26:3"),
}


@pytest.mark.parametrize("code", sorted(CHECK_CASES))
def test_each_check_fires_on_its_own_fixture(code: str, tmp_path: Path) -> None:
    name, text, where = CHECK_CASES[code]
    files = {"site.toml": "[site]\ntitle = 'Checks'\n", **PERSONAS, **TOUCHPOINTS,
             "content/journeys/alpha.md": ALPHA, "content/journeys/beta.md": BETA}
    if text is not None:
        files[f"content/journeys/{name}"] = text
    root = write_site(tmp_path / "site", files)
    report = load(Options(root=root)).report
    found = [d for d in report.items if d.code == code]
    assert found, [d.format() for d in report.items]
    assert found[0].format().startswith(where + ": warning: "), found[0].format()
    assert found[0].format().endswith(f"[{code}]")
    # silenced per site
    (root / "site.toml").write_text(f"[site]\ntitle = 'Checks'\n\n[check]\nignore = [\"{code}\"]\n")
    assert not [d for d in load(Options(root=root)).report.items if d.code == code]


def test_a_persona_or_touchpoint_that_only_a_draft_uses_is_in_use(tmp_path: Path) -> None:
    """Work in progress is committed before it is published: check --strict must not fail on it."""
    draft = "---\ntitle: Next\ndraft: true\npersonas: [pete]\nstages:\n  engage:\n    interactions:\n      - {touchpoint: spare, action: Tries it}\n---\n"
    files = {"site.toml": "[site]\ntitle = 'Checks'\n", **PERSONAS, **TOUCHPOINTS,
             "content/journeys/alpha.md": ALPHA, "content/journeys/beta.md": BETA, "content/journeys/next.md": draft}
    root = write_site(tmp_path / "site", files)
    for drafts in (False, True):
        codes = {d.code for d in load(Options(root=root, drafts=drafts)).report.items}
        assert not codes & {"JD104", "JD105"}, codes


def test_a_misspelt_stage_is_suggested_from_the_stage_model(tmp_path: Path) -> None:
    text = ALPHA.replace("stage: realize, target", "stage: realise, target")
    assert "stage: realise" in text
    files = {"site.toml": "[site]\ntitle = 'Checks'\n", **PERSONAS, **TOUCHPOINTS,
             "content/journeys/alpha.md": text.replace("  realize:", "  offer:"), "content/journeys/beta.md": BETA}
    root = write_site(tmp_path / "site", files)
    messages = [d.format() for d in load(Options(root=root)).report.items]
    assert any("indicator names unknown stage 'realise' (did you mean 'realize'?)" in m for m in messages), messages


def test_baseline_fixture_only_warns_about_what_is_unused(catalogue) -> None:  # type: ignore[no-untyped-def]
    _, loaded = catalogue
    assert sorted(d.code for d in loaded.report.items) == ["JD104", "JD105"]


def test_sample_catalogue_passes_every_check_strictly(cli, monkeypatch, sample_site: Path) -> None:
    monkeypatch.chdir(sample_site)
    assert cli("check", "--strict").exit_code == 0
    assert cli("check", "--strict", "--drafts").exit_code == 0


EXPECTED_MERMAID = textwrap.dedent(
    """\
    journey
        title Alpha
        section Explore
          Browses: 4: Cara
          Waits on hold: 1: Uli
        section Realize
          Disputes the invoice: 2: Cara
          Rates the service: 5: Uli
    """
)


def test_mermaid_file_and_export_command(catalogue, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, _ = catalogue
    out = build(Options(root=root, output=tmp_path / "out", search=False)).output
    assert (out / "journeys/alpha/journey.mmd").read_text(encoding="utf-8") == EXPECTED_MERMAID
    assert 'href="journey.mmd"' in (out / "journeys/alpha/index.html").read_text(encoding="utf-8")
    result = cli("export", "alpha", "--site", root)
    assert result.exit_code == 0 and result.output == EXPECTED_MERMAID
    as_json = cli("export", "--format", "json", "beta", "--site", root)
    assert as_json.exit_code == 0 and '"slug": "beta"' in as_json.output
    missing = cli("export", "alph", "--site", root)
    assert missing.exit_code == 2 and "no journey 'alph' (did you mean 'alpha'?)" in missing.output
    (root / "content/journeys/gamma.md").write_text(ALPHA.replace("title: Alpha", "title: Gamma\ndraft: true"), "utf-8")
    draft = cli("export", "gamma", "--site", root)
    assert draft.exit_code == 2 and "'gamma' is a draft; add --drafts to export it" in draft.output
    assert cli("export", "gamma", "--drafts", "--site", root).exit_code == 0


def test_mermaid_escapes_separators(make_site) -> None:
    from generator.render.mermaid import mermaid_journey

    site_root = make_site({"content/journeys/buy.md": "---\ntitle: 'A: B #1'\npersonas: [pat]\nstages:\n  explore:\n    interactions:\n      - {touchpoint: portal, action: 'Pays: twice; %% oops', emotion: -2}\n---\n"})
    site = load(Options(root=site_root)).site
    assert site is not None
    text = mermaid_journey(site, site.journeys["buy"])
    assert "title A\u2236 B no.1" in text and "Pays\u2236 twice, % oops: 1: Pat" in text


@pytest.mark.parametrize("action", ["Section 106 agreement signed", "Journey planner opened", "title deeds checked", "Journeyman visits"])
def test_mermaid_tasks_that_begin_with_a_keyword_stay_tasks(make_site, action: str) -> None:
    """Mermaid's lexer would read them as a section, the diagram keyword or the title."""
    from generator.render.mermaid import mermaid_journey

    site_root = make_site({"content/journeys/buy.md": f"---\ntitle: Buy\npersonas: [pat]\nstages:\n  explore:\n    interactions:\n      - {{touchpoint: portal, action: {action}, emotion: 1}}\n---\n"})
    site = load(Options(root=site_root)).site
    assert site is not None
    task = mermaid_journey(site, site.journeys["buy"]).splitlines()[3]
    assert task == f"      \u200b{action}: 4: Pat"


@pytest.mark.parametrize(
    ("value", "shown"), [(-0.25, "−0.3"), (0.25, "+0.3"), (-0.04, "0"), (0.0, "0"), (1.0, "+1"), (-2, "−2"), (2 / 3, "+0.7"), (1.96, "+2")]
)
def test_emotions_and_differences_are_written_as_people_round(value: float, shown: str) -> None:
    from generator.render.charts import signed

    assert signed(value) == shown


def test_curve_labels_the_higher_value_above_and_the_lower_below() -> None:
    """Where CX and UX are close, their labels sit on opposite sides of the two points."""
    from generator.render.charts import Series, experience_curve

    svg = experience_curve(["Explore", "Engage"], [Series("cx", "CX", (-1.0, 1.0)), Series("ux", "UX", (-0.5, 1.0))], "Curve")
    labels = [float(y) for y in re.findall(r'<text class="value" x="[\d.]+" y="([\d.]+)"', svg)]
    cx_explore, cx_engage, ux_explore, ux_engage = labels  # in series order: CX's two, then UX's two
    assert cx_explore > ux_explore  # CX is lower at Explore: its label goes below, UX's above
    assert cx_engage < ux_engage  # equal at Engage: CX above, UX below


def test_only_near_misspellings_of_a_stage_title_are_flagged() -> None:
    """'Onboarding' reads as the onboard stage and is not; 'Agreement' is plainly a heading of its own."""
    from generator.checks import near_stage_headings

    titles = {t.casefold(): t for t in ("Explore", "Agree", "Onboard", "Co-create", "Realize")}
    body = "## Explore\n## Exploration\n## Agreement\n## Onboarding\n~~~\n## Realise\n~~~\n# Co-creat #\n"
    assert list(near_stage_headings(body, titles)) == [(3, 1, "Onboarding", "Onboard"), (7, 1, "Co-creat", "Co-create")]
    # fences close as CommonMark closes them; a list item's fence counts; marks in a heading do not
    fenced = "- ```yaml\n  ## Realise\n  ```\n````\n## Realise\n```\n## Realise\n````\n## On*board*\n## Co\\-create\n## Realise\n"
    assert list(near_stage_headings(fenced, titles)) == [(10, 1, "Realise", "Realize")]


YAML_JOURNEY = """\
title: Gamma
personas: [cara]
stages:
  explore:
    interactions:
      - {touchpoint: portal, action: Browses, emotion: 1}
{body}indicators:
  - {name: NPS, kind: xla, stage: explore}
"""


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("body: |\n  Intro.\n\n  ## Realise\n\n  Text.\n", "content/journeys/gamma.yaml:10:3"),  # the heading's own line
        ('body: "Intro.\\n\\n## Realise\\n\\nText.\\n"\n', "content/journeys/gamma.yaml:7:7"),  # the body as a whole
        ("body: >\n  Intro.\n\n  ## Realise\n", "content/journeys/gamma.yaml:7:7"),  # folded: lines are not kept
    ],
)
def test_jd108_in_a_yaml_journey_points_into_its_body(tmp_path: Path, body: str, where: str) -> None:
    """Only a literal block keeps the body's lines in the file; any other body is pointed at whole, never past the file's end."""
    files = {"site.toml": "[site]\ntitle = 'Checks'\n", **PERSONAS, **TOUCHPOINTS,
             "content/journeys/gamma.yaml": YAML_JOURNEY.replace("{body}", body)}
    report = load(Options(root=write_site(tmp_path / "site", files), use_cache=False)).report
    found = [d.format() for d in report.items if d.code == "JD108"]
    assert len(found) == 1 and found[0].startswith(where + ": warning: heading 'Realise'"), found
