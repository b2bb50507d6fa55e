"""Machine-readable outputs: ``catalogue.json`` and ``sitemap.xml``.

``catalogue.json`` is the validated model with its cross-links, for other tools
(dashboards, exports) that should not have to re-implement the content format.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from xml.sax.saxutils import escape

from .. import __version__
from ..model import Site


def catalogue(site: Site, built: str | None = None) -> str:
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
        "stages": [
            {
                **asdict(stage),
                "interactions": [_ref(i) for i in site.stage_interactions[stage.id]],
                "indicators": [{"journey": j, **asdict(ind)} for j, ind in site.stage_indicators[stage.id]],
            }
            for stage in site.stages
        ],
        "journeys": [
            {
                **{k: v for k, v in asdict(j).items() if k not in ("rel", "digest")},
                "source": j.rel,
                "related": list(site.related[j.slug]),
                "related_declared": [r for r in j.related if r in site.journeys],
            }
            for j in site.journeys.values()
        ],
        "personas": [
            {**asdict(p), "source": p.rel, "experience": p.experience, "journeys": list(site.persona_journeys[p.slug])}
            for p in site.personas.values()
        ],
        "touchpoints": [
            {
                **asdict(t),
                "source": t.rel,
                "uses": [_ref(i) for i in site.touchpoint_uses[t.slug]],
                "journeys": sorted({i.journey for i in site.touchpoint_uses[t.slug]}),
            }
            for t in site.touchpoints.values()
        ],
    }
    for section in ("personas", "touchpoints"):
        for item in data[section]:
            item.pop("rel", None)
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _ref(interaction: object) -> dict:
    i = interaction
    return {"journey": i.journey, "stage": i.stage, "index": i.index, "anchor": i.anchor}  # type: ignore[attr-defined]


def sitemap(base_url: str, paths: list[str], built: str | None = None) -> str:
    """Absolute URLs of every page; directory URLs for ``index.html`` pages.

    ``lastmod`` appears only when the build has a reproducible date
    (``SOURCE_DATE_EPOCH``); a wall-clock date would make every build differ.
    """
    lastmod = f"<lastmod>{built}</lastmod>" if built else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(paths):
        url = base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
