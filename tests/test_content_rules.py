"""Content rules found in review: no text lost, no structure broken, no silent data loss.

Deep Markdown nesting, stage headings inside quotes and lists, repeated flow
edges, blank required texts, texts too long for Graphviz, emotions no persona
owns, and the other ITIL version's last stage.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import Options, load
from generator.model import Stage
from generator.render.bands import LABEL_LIMIT, TOOLTIP_LIMIT, plan
from generator.render.diagram import dot_source
from generator.render.markdown import Markdown
from generator.render.views import journey_map

from .conftest import SVG, XLINK, clean_build

STAGES = [Stage("explore", "Explore", "", 0), Stage("agree", "Agree", "", 3), Stage("realize", "Realize", "", 6)]

JOURNEY = """\
---
title: {title}
personas: [pat]
stages:
  explore:
    interactions:
      - touchpoint: portal
        action: {action}
        emotion: -2
      - touchpoint: desk
        action: Checks the order behind the scenes
        visibility: provider
        {provider_emotion}
  agree:
    goal: Agree.
  realize:
    goal: Value.
flow:
{flow}
indicators:
  - {{name: Value, stage: realize}}
---
{body}
"""


def journey(
    title: str = "Buy a thing",
    action: str = "Orders",
    provider_emotion: str = "",
    flow: tuple[str, ...] = ('"realize -> explore: renewal"',),
    body: str = "Intro.\n",
) -> str:
    return JOURNEY.format(
        title=title, action=action, provider_emotion=provider_emotion,
        flow="\n".join(f"  - {f}" for f in flow), body=body,
    )


def problems(root: Path) -> list[str]:
    return [d.format() for d in load(Options(root=root)).report.items]


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Callable[..., Path]:
    """The minimal site with one-persona journey 'buy' written by :func:`journey`."""

    def make(text: str | None = None, **files: str) -> Path:
        return make_site({"content/journeys/buy.md": text or journey(), **files})

    return make


# 1. Deep nesting loses no text ----------------------------------------------------------


def deep_list(levels: int) -> str:
    return "".join("  " * i + f"- level {i + 1}\n" for i in range(levels))


@pytest.mark.parametrize("levels", [10, 30, 60])
def test_deeply_nested_lists_keep_every_line_and_the_text_after(levels: int) -> None:
    html = Markdown(STAGES).render(f"{deep_list(levels)}\nEND-MARKER\n")
    for n in range(1, levels + 1):
        assert f"level {n}\n" in html or f"level {n}<" in html, n
    assert "<p>END-MARKER</p>" in html


def test_deep_quotes_keep_their_words_and_the_stage_parts_after_them() -> None:
    body = "> " * 25 + "DEEP\n\n" + "> " * 300 + "DEEPER *still*\n\nAfter.\n\n## Realize\n\nValue.\n"
    narrative = Markdown(STAGES).narrative(body, ["realize"])
    assert "DEEP\n" in narrative.intro or "DEEP<" in narrative.intro
    assert "DEEPER <em>still</em>" in narrative.intro and "<p>After.</p>" in narrative.intro
    assert narrative.stages == {"realize": "<p>Value.</p>\n"}


def test_deep_nesting_in_a_built_persona_page_and_journey_page(site: Callable[..., Path], tmp_path: Path) -> None:
    deep = f"Intro.\n\n{deep_list(12)}\nEND-MARKER\n\n{'> ' * 25}QWORD\n"
    root = site(journey(body=deep), **{"content/personas/pat.md": f"---\nname: Pat\nrole: customer\n---\n{deep}"})
    out = clean_build(root, tmp_path / "out")
    for page in ("journeys/buy/index.html", "personas/pat/index.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert "END-MARKER" in text and "QWORD" in text and "level 12" in text, page


# 2. Only top-level headings start a stage's part ----------------------------------------


@pytest.mark.parametrize("nested", ["> ## Realize\n>\n> QUOTED", "- ## Realize\n\n  QUOTED"])
def test_a_stage_heading_in_a_quote_or_list_is_an_ordinary_heading(nested: str) -> None:
    body = f"## Explore\n\nA\n\n{nested}\n\n## Realize\n\nB\n"
    narrative = Markdown(STAGES).narrative(body, ["explore", "realize"])
    explore = narrative.stages["explore"]
    assert "QUOTED" in explore and 'id="section-realize"' in explore
    for open_tag, close_tag in (("<blockquote>", "</blockquote>"), ("<ul>", "</ul>"), ("<li>", "</li>")):
        assert explore.count(open_tag) == explore.count(close_tag), explore
    assert narrative.stages["realize"] == "<p>B</p>\n"


def test_near_miss_check_ignores_headings_nested_in_lists(site: Callable[..., Path]) -> None:
    nested = site(journey(body="## Explore\n\n- item\n\n  ## Realise\n\n  text\n"))
    assert not [p for p in problems(nested) if "JD108" in p]
    top = site(journey(body="## Explore\n\n  ## Realise\n\ntext\n"))
    assert [p for p in problems(top) if "JD108" in p] == [
        "content/journeys/buy.md:25:3: warning: heading 'Realise' is not a stage title (did you mean 'Realize'?): "
        "what follows it stays in the section before [JD108]"
    ]


# 3. A flow edge given twice ----------------------------------------------------------------


def test_a_repeated_flow_edge_is_an_error_at_the_repeat(site: Callable[..., Path]) -> None:
    flow = ('"explore -> agree: one"', '"explore->agree: two"', '"agree -> explore"', '"agree -> explore"')
    found = [p for p in problems(site(journey(flow=flow))) if "error" in p]
    assert found == [
        "content/journeys/buy.md:20:5: error: flow edge explore -> agree is given twice (first at 19:5); "
        "keep one entry, with one label",
        "content/journeys/buy.md:22:5: error: flow edge agree -> explore is given twice (first at 21:5); "
        "keep one entry, with one label",
    ]


def test_a_repeated_related_journey_is_reported_at_the_repeat(site: Callable[..., Path]) -> None:
    text = journey().replace("indicators:", "related: [other, other]\nindicators:")
    root = site(text, **{"content/journeys/other.md": journey(title="Other")})
    assert [p for p in problems(root) if "error" in p] == [
        'content/journeys/buy.md:20:18: error: \'related\' lists "other" more than once (first at 20:11)'
    ]


# 4. Blank required texts ----------------------------------------------------------------------


def test_blank_required_texts_are_errors(site: Callable[..., Path]) -> None:
    root = site(
        journey(title='"  "', action='" "'),
        **{"content/personas/pat.md": '---\nname: " "\nrole: customer\n---\n',
           "content/touchpoints/portal.md": '---\nname: "\\t "\n---\n'},
    )
    assert [p for p in problems(root) if "error" in p] == [
        "content/journeys/buy.md:2:8: error: 'title' must not be blank: it holds only spaces",
        "content/journeys/buy.md:8:17: error: 'stages.explore.interactions[0].action' must not be blank: it holds only spaces",
        "content/personas/pat.md:2:7: error: 'name' must not be blank: it holds only spaces",
        "content/touchpoints/portal.md:2:7: error: 'name' must not be blank: it holds only spaces",
    ]


def test_an_empty_required_text_keeps_its_one_error(site: Callable[..., Path]) -> None:
    assert [p for p in problems(site(journey(title='""'))) if "error" in p] == [
        "content/journeys/buy.md:2:8: error: 'title' must not be empty"
    ]


def test_published_schemas_refuse_blank_names() -> None:
    import jsonschema

    from generator.validate import schema

    for kind, field in (("journey", "title"), ("persona", "name"), ("touchpoint", "name")):
        assert schema(kind)["properties"][field]["pattern"] == "\\S", kind
        assert not jsonschema.Draft202012Validator(schema(kind)["properties"][field]).is_valid(" \u00a0"), kind


# 5. Long texts in the diagram ---------------------------------------------------------------


def test_very_long_label_and_name_are_shortened_in_the_diagram_only(site: Callable[..., Path], tmp_path: Path) -> None:
    label = "x" * 17_000
    name = "word " * 3_400
    root = site(
        journey(flow=(f'"realize -> explore: {label}"',)),
        **{"content/touchpoints/portal.md": f"---\nname: {name}\n---\n"},
    )
    out = clean_build(root, tmp_path / "out")
    drawn = " ".join(t.text or "" for t in ET.parse(out / "journeys/buy/diagram.svg").iter(f"{SVG}text"))
    assert "x" * LABEL_LIMIT not in drawn and "x" * (LABEL_LIMIT - 1) + "…" in drawn
    assert "word " * 30 not in drawn and "word word" in drawn and len(drawn) < 1_000
    data = json.loads((out / "journeys/buy/journey.json").read_text(encoding="utf-8"))
    assert label in json.dumps(data)
    assert name.strip() in (out / "touchpoints/portal/index.html").read_text(encoding="utf-8")


def test_long_tooltips_are_shortened_and_short_texts_left_alone(site: Callable[..., Path], tmp_path: Path) -> None:
    root = site(journey(action="step " * 400))
    out = clean_build(root, tmp_path / "out")
    tree = ET.parse(out / "journeys/buy/diagram.svg")
    titles = [a.get(f"{XLINK}title") or "" for a in tree.iter(f"{SVG}a")]
    assert max(map(len, titles)) <= TOOLTIP_LIMIT and any(t.endswith("…") for t in titles)
    texts = [t.text for t in tree.iter(f"{SVG}text")]
    assert "renewal" in texts  # a short flow label is drawn as written


# 6. Emotions no persona owns ----------------------------------------------------------------


def test_stage_feeling_counts_only_the_personas_interactions(site: Callable[..., Path]) -> None:
    root = site(journey(provider_emotion="emotion: 2"))
    loaded = load(Options(root=root))
    assert loaded.site is not None
    buy = loaded.site.journeys["buy"]
    assert journey_map(loaded.site, buy).emotions[0].value == -2
    dot = dot_source(loaded.site, buy)
    stage_line = next(line for line in dot.splitlines() if line.startswith("S0 ["))
    assert 'fillcolor="#f4a09a"' in stage_line
    assert plan(loaded.site, buy).columns[0].mood == "▼▼ very negative"  # the feeling drawn in the box
    assert [p for p in problems(root) if "JD109" in p] == [
        "content/journeys/buy.md:13:18: warning: emotion on 'Checks the order behind the scenes', an interaction "
        "no persona travels: whose feeling is it? name the persona or drop the emotion [JD109]"
    ]


def test_no_emotion_warning_when_a_persona_travels_it(site: Callable[..., Path]) -> None:
    root = site(journey(provider_emotion="emotion: 2\n        persona: pat"))
    assert not [p for p in problems(root) if "JD109" in p]


def test_jd109_can_be_ignored(site: Callable[..., Path]) -> None:
    toml = '[site]\ntitle = "T"\n\n[check]\nignore = ["JD109"]\n'
    root = site(journey(provider_emotion="emotion: 2"))
    assert [p for p in problems(root) if "JD109" in p]
    (root / "site.toml").write_text(toml, encoding="utf-8")
    assert [p for p in problems(root) if "JD109" in p or "site.toml" in p] == []


# 7. The other ITIL version's last stage ------------------------------------------------------


@pytest.mark.parametrize(("model", "written", "meant"), [("itil5", "realize", "reflect"), ("itil4", "reflect", "realize")])
def test_the_other_itil_versions_last_stage_gets_a_hint(site: Callable[..., Path], model: str, written: str, meant: str) -> None:
    text = journey().replace("realize", written)
    root = site(text, **{"site.toml": f'[site]\ntitle = "T"\nstage_model = "{model}"\n'})
    found = [p for p in problems(root) if "error" in p]
    assert len(found) == 1, found  # the flow and the indicator that name it add nothing
    assert found[0].startswith(f"content/journeys/buy.md:16:3: error: unknown stage '{written}'")
    assert f"(did you mean '{meant}'? ITIL {model[-1]} names its last step {meant.capitalize()}" in found[0]

