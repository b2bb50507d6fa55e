"""Machine-readable outputs: ``catalogue.json``, ``journey.json`` and ``sitemap.xml``.

They are the validated model with its cross-links, for other tools (dashboards,
exports) that should not have to re-implement the content format.
``catalogue.json`` lists every item with its links and stays lean at any size;
each journey in full (stages, interactions, narrative) is its own
``journeys/<slug>/journey.json``, so a changed journey rewrites one small file.
"""

from __future__ import annotations

import json
from html import escape

from .. import __version__
from ..model import Indicator, Interaction, Journey, Site


def catalogue(site: Site, built: str | None = None) -> str:
    """Every item with its cross-links; a journey in brief, pointing to its ``journey.json``."""
    config = site.config
    data = {
        "generator": f"journeydocs {__version__}",
        **({"built": built} if built else {}),
        "site": {
            "title": config.title,
            "base_url": config.base_url,
            "language": config.language,
            "stage_model": config.stage_model,
        },
        "stages": [{"id": stage.id, "title": stage.title, "purpose": stage.purpose} for stage in site.stages],
        "journeys": [
            {
                "slug": j.slug, "title": j.title, "summary": j.summary, "personas": list(j.personas),
                "tags": list(j.tags), "draft": j.draft, "stages": list(j.stage_ids), "source": j.rel,
                "page": f"journeys/{j.slug}/index.html", "data": f"journeys/{j.slug}/journey.json",
                "related": list(site.related[j.slug]),
            }
            for j in site.journeys.values()
        ],
        "personas": [
            {
                "slug": p.slug, "name": p.name, "role": p.role, "summary": p.summary, "goals": list(p.goals),
                "pains": list(p.pains), "body": p.body, "source": p.rel, "experience": p.experience,
                "journeys": list(site.persona_journeys[p.slug]),
            }
            for p in site.personas.values()
        ],
        "touchpoints": [
            {
                "slug": t.slug, "name": t.name, "channel": t.channel, "owner": t.owner, "summary": t.summary,
                "body": t.body, "source": t.rel,
                "uses": [_ref(i) for i in site.touchpoint_uses[t.slug]],
                "journeys": sorted(site.touchpoint_journeys[t.slug]),
            }
            for t in site.touchpoints.values()
        ],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def journey_json(site: Site, j: Journey) -> str:
    """``journeys/<slug>/journey.json``: one journey in full."""
    return json.dumps(journey_data(site, j), ensure_ascii=False, separators=(",", ":")) + "\n"


def journey_data(site: Site, j: Journey) -> dict:
    """One journey as plain data (``journey.json`` and ``journeys export --format json``)."""
    return {
        "slug": j.slug, "title": j.title, "summary": j.summary, "personas": list(j.personas),
        "consumer": j.consumer, "provider": j.provider, "relationship": j.relationship,
        "agreement": j.agreement, "owner": j.owner, "tags": list(j.tags), "draft": j.draft,
        "stages": [
            {"stage": s.stage, "goal": s.goal, "narrative": s.narrative, "interactions": [_interaction(i) for i in s.interactions]}
            for s in j.stages
        ],
        "flow": [
            {"source": e.source, "target": e.target, "label": e.label, "kind": e.kind, "back": e.back} for e in j.flow
        ],
        "indicators": [_indicator(i) for i in j.indicators],
        "trust": None if j.trust is None else {
            "capability": j.trust.capability, "commitment": j.trust.commitment, "consistency": j.trust.consistency,
        },
        "body": j.body,
        "source": j.rel,
        "related": list(site.related[j.slug]),
        "related_declared": [r for r in j.related if r in site.journeys],
    }


def _interaction(i: Interaction) -> dict:
    return {
        "touchpoint": i.touchpoint, "action": i.action, "persona": i.persona, "visibility": i.visibility,
        "emotion": i.emotion, "pain": i.pain, "opportunity": i.opportunity,
        "moment_of_truth": i.moment_of_truth, "anchor": i.anchor,
    }


def _indicator(i: Indicator) -> dict:
    return {"name": i.name, "kind": i.kind, "stage": i.stage, "target": i.target, "current": i.current}


def _ref(i: Interaction) -> dict:
    return {"journey": i.journey, "stage": i.stage, "index": i.index, "anchor": i.anchor}


def sitemap(base_url: str, paths: list[str], built: str | None = None) -> str:
    """Absolute URLs of every page; directory URLs for ``index.html`` pages.

    ``lastmod`` appears only when the build has a reproducible date
    (``SOURCE_DATE_EPOCH``); a wall-clock date would make every build differ.
    """
    lastmod = f"<lastmod>{built}</lastmod>" if built else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(paths):
        url = base_url + path.removesuffix("index.html")
        lines.append(f"  <url><loc>{escape(url, quote=False)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
