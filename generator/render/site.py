"""Render a whole site: jobs, run in parallel, reusing what has not changed.

This is the only place that knows the list of outputs.  Each job (see
:mod:`generator.deps`) is a pure function of the model, so jobs can run in any
order, in any number of worker processes, and produce the same bytes; a job
whose fingerprint matches the previous build reuses its previous files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..config import SiteConfig
from ..deps import PAGE_SIZE, PERSONA_PAGE_SIZE, Job
from ..diagnostics import ContentError, Report
from ..model import Site
from ..parallel import forked_pool
from ..validate import schema
from ..write import Shared, write_file
from . import bands, diagram, graphviz
from .feeds import catalogue, journey_json, sitemap
from .markdown import Markdown
from .mermaid import mermaid_journey
from .pages import Pages, pager
from .templates import compile_templates, static_files

Output = list[tuple[str, str | bytes | Shared]]
SMALL_BUILD = 24  # jobs; below this, worker processes cost more than they save


def prepare(config: SiteConfig, cache_dir: Path | None) -> None:
    """Do now, once, what the render workers would otherwise each do first.

    A build calls this while its parsing workers run and its own process only
    waits: the templates compile into the build cache (the main process would
    otherwise compile them just before forking the render workers), and the
    Markdown parser and Graphviz load, Graphviz with its fonts, for the
    workers to inherit.
    """
    if cache_dir is not None:
        compile_templates(config, cache_dir)
    Markdown(())  # imports the Markdown parser and its plugins
    graphviz.warm_up(bands.FONT)


class Renderer:
    """Everything one process needs to run jobs; created once per process."""

    def __init__(self, site: Site, built: str | None, cache_dir: Path | None) -> None:
        self.site = site
        self.built = built
        self.pages = Pages(site, cache_dir)
        self.cache = diagram.DiagramCache(cache_dir / "diagrams") if cache_dir else None
        self.diagram_seconds = 0.0
        self.page_seconds = 0.0
        self._diagrams: dict[str, str | Shared] = {}  # journey slug -> its SVG, laid out ahead of its page

    def lay_out(self, slugs: list[str]) -> None:
        """Draw the diagrams of the journeys *slugs* now, one after another, ahead of their pages.

        Graphviz runs some eight per cent faster on a run of diagrams than on
        diagrams taken one at a time between pages, whose Python work evicts
        its data from the processor's caches.
        """
        with graphviz.session():
            for slug in slugs:
                self._diagrams[slug] = self._diagram(slug)

    def discard_diagrams(self) -> None:
        self._diagrams.clear()

    def run(self, job: Job) -> Output:
        kind = job[0]
        site, pages = self.site, self.pages
        start, drawing = time.perf_counter(), self.diagram_seconds
        try:
            if kind == "journey":
                return self._journey(job[1])
            if kind == "persona":
                return [pages.persona(site.personas[job[1]], int(job[2]))]
            if kind == "touchpoint":
                return [pages.touchpoint(site.touchpoints[job[1]], int(job[2]))]
            if kind == "stage":
                return [pages.stage(job[1], int(job[2]))]
            if kind == "index":
                return [pages.index(int(job[1]))]
            if kind == "catalogue-index":
                return [pages.catalogue_index()]
            simple: dict[str, Callable[[], tuple[str, str]]] = {
                "personas": pages.personas,
                "touchpoints": pages.touchpoints,
                "stages": pages.stages_index,
                "not-found": pages.not_found,
                "insights": pages.insights,
            }
            if kind in simple:
                return [simple[kind]()]
            if kind == "feeds":
                return self._feeds()
            if kind == "static":
                return self._static()
            raise ValueError(f"unknown job {job!r}")
        finally:  # a diagram drawn for this job counts as diagram time, not page time
            self.page_seconds += time.perf_counter() - start - (self.diagram_seconds - drawing)

    def _journey(self, slug: str) -> Output:
        site = self.site
        journey = site.journeys[slug]
        svg = self._diagrams.pop(slug, None) or self._diagram(slug)
        folder = f"journeys/{slug}"
        return [
            (f"{folder}/diagram.svg", svg),
            (f"{folder}/journey.mmd", mermaid_journey(site, journey)),
            (f"{folder}/journey.json", journey_json(site, journey)),
            self.pages.journey(journey, diagram.inline_svg(svg.text if isinstance(svg, Shared) else svg)),
        ]

    def _diagram(self, slug: str) -> str | Shared:
        """The SVG of a journey's diagram, from the cache or laid out now.

        With a cache, the SVG comes as :class:`Shared`: ``diagram.svg`` and the
        cache's entry are then one file on disk.
        """
        site = self.site
        journey = site.journeys[slug]
        start = time.perf_counter()
        plan = bands.plan(site, journey)
        dot = diagram.dot_source(site, journey, plan)
        title, description = f"Stage diagram of {journey.title}", diagram.describe(site, journey)
        key = diagram.cache_key(dot, plan, title, description)
        svg = self.cache.get(key) if self.cache else None
        cached = svg is not None
        if svg is None:
            try:
                svg = diagram.render(dot, plan, title, description)
            except RuntimeError as exc:  # not expected for any content, but then it names the journey
                report = Report()
                report.error(journey.rel, 1, 1, f"stage diagram: {exc}")
                raise ContentError(report) from None
        self.diagram_seconds += time.perf_counter() - start
        return Shared(svg, self.cache.path(key), cached) if self.cache else svg

    def _feeds(self) -> Output:
        site = self.site
        out: Output = [("catalogue.json", catalogue(site, self.built))]
        if site.config.base_url:
            out.append(("sitemap.xml", sitemap(site.config.base_url, listed_pages(site), self.built)))
        return out

    def _static(self) -> Output:
        out: Output = [
            (f"schema/{kind}.schema.json", json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n")
            for kind in ("journey", "persona", "touchpoint")
        ]
        for rel, path in static_files(self.site.config).items():  # the default theme's, the theme's over them
            out.append((f"static/{rel}", path.read_bytes()))
        return out


def listed_pages(site: Site) -> list[str]:
    """Pages for the sitemap: everything but drafts (in a --drafts preview) and the 404 page."""
    pages = ["personas/index.html", "touchpoints/index.html", "stages/index.html", "insights/index.html"]
    pages += [f"journeys/{j.slug}/index.html" for j in site.journeys.values() if not j.draft]
    lists = [("catalogue", len(site.journeys), PAGE_SIZE)]
    lists += [(f"personas/{s}", len(js), PERSONA_PAGE_SIZE) for s, js in site.persona_journeys.items()]
    lists += [(f"touchpoints/{s}", len(js), PAGE_SIZE) for s, js in site.touchpoint_journeys.items()]
    lists += [(f"stages/{s}", len(js), PAGE_SIZE) for s, js in site.stage_journeys.items()]
    for folder, items, size in lists:
        pages += [path for _, path in pager(folder, items, size)]
    return pages


# -- running jobs ---------------------------------------------------------------------

_WORKER: Renderer | None = None


def _work(args: tuple[list[Job], str]) -> tuple[list[tuple[Job, list[tuple[str, int]]]], float, float]:
    jobs, staging = args
    assert _WORKER is not None
    before_d, before_p = _WORKER.diagram_seconds, _WORKER.page_seconds
    done = []
    try:
        _WORKER.lay_out([job[1] for job in jobs if job[0] == "journey"])
        for job in jobs:
            files = [(rel, write_file(Path(staging), rel, data)) for rel, data in _WORKER.run(job)]
            done.append((job, files))
    finally:
        _WORKER.discard_diagrams()  # none of a failed batch may be taken for a later one
    return done, _WORKER.diagram_seconds - before_d, _WORKER.page_seconds - before_p


def run_jobs(
    renderer: Renderer,
    jobs: list[Job],
    staging: Path,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Job, list[tuple[str, int]]]]:
    """Run *jobs*, writing into *staging*; yield each job with the files it wrote."""
    global _WORKER
    _WORKER = renderer
    pool = None
    if len(jobs) >= SMALL_BUILD and workers > 1:
        renderer.pages.preload()  # before the fork, so workers share the compiled templates
        pool = forked_pool(workers)
    if pool is None:
        for job in jobs:
            done, _, _ = _work(([job], str(staging)))
            if progress:
                progress(1)
            yield from done
        return
    chunk = max(1, min(32, len(jobs) // (workers * 8)))
    if len(jobs) < 200:
        chunk = 1  # few jobs: balance them one by one (a stage page can outweigh fifty journeys)
    batches = [(jobs[i : i + chunk], str(staging)) for i in range(0, len(jobs), chunk)]
    with pool:
        for done, d_seconds, p_seconds in pool.imap_unordered(_work, batches):
            renderer.diagram_seconds += d_seconds
            renderer.page_seconds += p_seconds
            if progress:
                progress(len(done))
            yield from done
