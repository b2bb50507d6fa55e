"""Render a whole site into an :class:`~generator.write.Output`.

This is the only place that knows the list of outputs; each output itself is
produced by a pure function of the model (pages, diagrams, feeds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..config import theme_dir
from ..model import Journey, Site
from ..validate import schema
from ..write import Output
from . import diagram
from .feeds import catalogue, sitemap
from .pages import Pages


@dataclass(slots=True)
class Stats:
    pages: int = 0
    diagrams: int = 0


def journey_outputs(site: Site, pages: Pages, journey: Journey) -> list[tuple[str, str]]:
    """The diagram and page of one journey (the unit of parallel and incremental work)."""
    dot = diagram.dot_source(site, journey)
    svg = diagram.render_svg(dot, f"Stage diagram of {journey.title}", diagram.describe(site, journey))
    folder = f"journeys/{journey.slug}"
    return [(f"{folder}/diagram.svg", svg), pages.journey(journey, diagram.inline_svg(svg))]


def render_site(site: Site, out: Output, timings: object, built: str | None = None) -> Stats:
    """Write every output of *site*; *built* is the reproducible build date, if any."""
    stats = Stats()
    pages = Pages(site)
    html_paths: list[str] = []
    for journey in site.journeys.values():
        for path, text in journey_outputs(site, pages, journey):
            out.write(path, text)
            if path.endswith(".html"):
                html_paths.append(path)
        stats.diagrams += 1
    for path, text in pages.shared():
        out.write(path, text)
        html_paths.append(path)
    out.write("catalogue.json", catalogue(site, built))
    for kind in ("journey", "persona", "touchpoint"):
        out.write(f"schema/{kind}.schema.json", json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n")
    # Drafts (in a --drafts preview) and the 404 page are not for search engines.
    unlisted = {"404.html"} | {f"journeys/{j.slug}/index.html" for j in site.journeys.values() if j.draft}
    if site.config.base_url:
        out.write("sitemap.xml", sitemap(site.config.base_url, [p for p in html_paths if p not in unlisted], built))
    static = theme_dir(site.config) / "static"
    if static.is_dir():
        for path in sorted(static.rglob("*")):
            if path.is_file():
                out.adopt(f"static/{path.relative_to(static).as_posix()}", path)
    stats.pages = len(html_paths)
    return stats
