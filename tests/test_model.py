"""The model's cross-links are computed once and agree with the content."""

from __future__ import annotations

from generator.build import Options, load
from generator.model import FlowEdge, effective_flow

from .conftest import ROOT


def _sample():
    loaded = load(Options(root=ROOT, use_cache=False))
    assert loaded.site is not None
    return loaded.site


def test_touchpoint_uses_list_every_interaction() -> None:
    site = _sample()
    for journey in site.journeys.values():
        for interaction in journey.interactions:
            assert interaction in site.touchpoint_uses[interaction.touchpoint]
            assert interaction in site.stage_interactions[interaction.stage]
    total = sum(len(j.interactions) for j in site.journeys.values())
    assert sum(len(v) for v in site.touchpoint_uses.values()) == total
    assert sum(len(v) for v in site.stage_interactions.values()) == total


def test_persona_journeys_and_related_both_ways() -> None:
    site = _sample()
    for slug, journey in site.journeys.items():
        for persona in journey.personas:
            assert slug in site.persona_journeys[persona]
        for other in journey.related:
            if other in site.journeys:
                assert other in site.related[slug] and slug in site.related[other]


def test_drafts_only_on_request() -> None:
    without = load(Options(root=ROOT, use_cache=False)).site
    with_drafts = load(Options(root=ROOT, drafts=True, use_cache=False)).site
    assert without is not None and with_drafts is not None
    drafts = set(with_drafts.journeys) - set(without.journeys)
    assert drafts and all(with_drafts.journeys[s].draft for s in drafts)


def test_effective_flow_adds_loops_returns_and_labels() -> None:
    order = {s: i for i, s in enumerate(["explore", "engage", "offer", "agree", "onboard", "co-create", "realize"])}
    flow = effective_flow(
        ["explore", "engage", "co-create", "realize"],
        ["realize -> explore: next cycle", "co-create -> engage", "explore -> engage: first contact"],
        order,
    )
    assert flow == (
        FlowEdge("explore", "engage", "first contact", "default", False),
        FlowEdge("engage", "co-create", "", "default", False),
        FlowEdge("co-create", "realize", "", "default", False),
        FlowEdge("realize", "explore", "next cycle", "flow", True),
        FlowEdge("co-create", "engage", "", "flow", True),
    )


def test_single_persona_is_implied_except_behind_the_consumers_line(make_site) -> None:
    site_root = make_site(
        {
            "content/journeys/solo.md": "---\ntitle: Solo\npersonas: [pat]\nstages:\n  explore:\n    interactions:\n"
            "      - {touchpoint: portal, action: Looks}\n"
            "      - {touchpoint: desk, action: Back office, visibility: provider}\n---\n",
        }
    )
    site = load(Options(root=site_root)).site
    assert site is not None
    looks, back = site.journeys["solo"].interactions
    assert looks.persona == "pat" and back.persona is None


def test_natural_order_reads_numbers_as_numbers_of_any_length() -> None:
    from generator.model import natural

    names = ["Release 10", "release 9", "Release 2", "Batch " + "7" * 5000, "Batch 8", "Alpha"]
    assert sorted(names, key=natural) == ["Alpha", "Batch 8", "Batch " + "7" * 5000, "Release 2", "release 9", "Release 10"]
