"""HTML pages: one Jinja environment per build (see :mod:`.templates`), one function per page type.

Autoescaping is on for every template and content only ever reaches templates
as data, so text such as ``{{ 7 * 7 }}`` or ``<script>`` in a journey is
shown, never run.
"""

from __future__ import annotations

import json
import os
import re
from functools import cached_property
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup

from .. import __version__
from ..config import BUILTIN_THEMES, CONFIG_NAME, setting_position
from ..deps import PAGE_SIZE, PERSONA_PAGE_SIZE, page_count, page_of
from ..diagnostics import ContentError, Report, plural
from ..insights import insights
from ..model import Journey, Persona, Site, Touchpoint
from .charts import experience_curve, experience_series, signed
from .markdown import Markdown
from .templates import environment, template_dirs
from .views import (
    Links,
    card_filters,
    emotion_html,
    emotion_strip,
    feeling,
    interaction_list,
    interaction_rows,
    journey_map,
    journey_map_table,
    kind_html,
    persona_chip,
    tag_links,
    persona_journeys,
    visibility_html,
)

Page = tuple[str, str]
WIDE_DIAGRAM = 520  # points: wider than a portrait A4 page's text, so print gives it a landscape page
_WIDTH_RE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)pt"')


def _points_wide(svg: str) -> float:
    """The width Graphviz gave the diagram, in points (0 when it says none)."""
    match = _WIDTH_RE.search(svg[:2000])
    return float(match.group(1)) if match else 0.0


def paged_path(folder: str, number: int) -> str:
    """Page *number* of a list whose first page is ``<folder>/index.html``; the catalogue's is the site's root."""
    if number == 1:
        return "index.html" if folder == "catalogue" else f"{folder}/index.html"
    return f"{folder}/{number}/index.html"


def pager(folder: str, items: int, size: int = PAGE_SIZE) -> list[tuple[int, str]]:
    """Number and path of every page of a list of *items* journeys, *size* to a page."""
    return [(n, paged_path(folder, n)) for n in range(1, page_count(items, size) + 1)]


class Pages:
    """Renders every page type of one site."""

    def __init__(self, site: Site, cache_dir: Path | None = None) -> None:
        self.site = site
        self.env = environment(site.config, cache_dir, lambda text: Markup(self.markdown.render(text or "")))
        self.env.globals.update(
            site=site,
            config=site.config,
            stages=site.stages,
            stage_titles={s.id: s.title for s in site.stages},
            generator=f"journeydocs {__version__}",
            feeling=feeling,
            signed=signed,
            counted=plural,
            emotion=emotion_html,
            visibility=visibility_html,
            indicator_kind=kind_html,
            persona_chip=persona_chip,
            tag_links=tag_links,
            interaction_rows=interaction_rows,
            journey_map_table=journey_map_table,
            interaction_list=interaction_list,
            emotion_strip=emotion_strip,
        )

    @cached_property
    def markdown(self) -> Markdown:
        """Made on first use: a build that renders no page never imports the parser."""
        return Markdown(self.site.stages)

    def preload(self) -> None:
        """Load every template now: forked workers then share them instead of each compiling them."""
        _ = self.markdown  # and the Markdown parser
        for name in self.env.list_templates(extensions=["html"]):
            try:
                self.env.get_template(name)
            except Exception as exc:
                problem = self._template_problem(exc)
                if problem is None:
                    raise
                raise problem from None

    def rebind(self, site: Site) -> None:
        """Point this environment at a new model (the dev server keeps compiled templates)."""
        self.site = site
        self.env.globals.update(site=site, config=site.config, stages=site.stages)

    def _render(self, template: str, path: str, base: str | None = None, **context: object) -> Page:
        links = Links(path, base)
        try:
            html = self.env.get_template(template).render(links=links, page_path=path, **context)
        except Exception as exc:
            problem = self._template_problem(exc)
            if problem is None:
                raise
            raise problem from None
        return path, html

    def _template_problem(self, exc: Exception) -> ContentError | None:
        """A mistake in a template (the site's own or a theme's) as ``path:line:col: message``.

        Jinja reports syntax errors with their line, and runs templates as code
        whose frames carry the template's file and line, so the last such frame
        is where an undefined name, a bad filter or an include of a missing
        template was used.  (Jinja's ``TemplateNotFound`` is an ``OSError``: let
        through, a build would call it a folder it cannot write.)  A page
        template missing from every folder is the theme's fault, so it is
        reported at the ``theme`` setting.
        """
        config = self.site.config
        where: tuple[str, int] | None = None
        if isinstance(exc, TemplateSyntaxError) and exc.filename:
            where = (exc.filename, exc.lineno)
        else:
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename.endswith(".html"):
                    where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
                tb = tb.tb_next
        message = exc.message if isinstance(exc, TemplateError) and exc.message else str(exc) or type(exc).__name__
        if isinstance(exc, TemplateNotFound):
            names = " or ".join(f"'{name}'" for name in exc.templates)
            places = ", ".join(
                "the built-in default theme" if folder.resolve().is_relative_to(BUILTIN_THEMES.resolve())
                else os.path.relpath(folder, config.root) + "/"
                for folder in template_dirs(config)
            )
            message = f"template {names} not found (looked in {places})"
        report = Report()
        if where is None and isinstance(exc, TemplateNotFound):
            line, col = setting_position(config, "site", "theme")
            report.error(CONFIG_NAME, line, col, f"theme: {message}")
            return ContentError(report)
        if where is None:
            return None
        filename, line = where
        report.error(os.path.relpath(filename, config.root), line, 1, f"template error: {message}")
        return ContentError(report)

    # -- pages -------------------------------------------------------------
    def index(self, number: int = 1) -> Page:
        """One page of the catalogue: every journey when they fit on one page.

        Large catalogues are split into pages of PAGE_SIZE journeys, so each page
        stays small; the filters then search all journeys through
        ``catalogue-index.js`` (a script, so it also loads from ``file://``).
        """
        site = self.site
        chosen = list(islice(site.journeys.values(), (number - 1) * PAGE_SIZE, number * PAGE_SIZE))
        cards = [(j, card_filters(site, j)) for j in chosen]
        return self._render(
            "index.html", paged_path("catalogue", number), cards=cards, tags=site.tags, page_number=number,
            pages=pager("catalogue", len(site.journeys)), total=len(site.journeys),
        )

    def catalogue_index(self) -> tuple[str, str]:
        """Every journey's card data as a script, for the filters of a paged catalogue."""
        site = self.site
        rows = [
            [j.slug, j.title, j.summary, list(j.personas), list(j.stage_ids), list(j.tags), j.relationship, j.draft]
            for j in site.journeys.values()
        ]
        payload = json.dumps({"journeys": rows}, ensure_ascii=False, separators=(",", ":"))  # persona names: the form has them
        safe = payload.replace("</", "<\\/")  # no "</script>" can end the script early
        return "catalogue-index.js", f"window.JOURNEYDOCS_INDEX = {safe};\n"

    def journey(self, journey: Journey, svg: str) -> Page:
        site = self.site
        # The page's own stage sections own the stage-<id> anchors.
        ids = {f"stage-{s}": 1 for s in journey.stage_ids}
        narrative = self.markdown.narrative(journey.body, journey.stage_ids, ids, "body")
        series = experience_series(site, journey)
        titles = [site.stage(s).title for s in journey.stage_ids]
        curve = experience_curve(titles, series, f"Experience curve of {journey.title}")
        return self._render(
            "journey.html",
            f"journeys/{journey.slug}/index.html",
            journey=journey,
            diagram=Markup(svg),
            diagram_wide=_points_wide(svg) > WIDE_DIAGRAM,
            journey_map=journey_map(site, journey),
            curve=Markup(curve),
            series=series,
            narrative=narrative,
            stage_narratives={
                s.stage: Markup(self.markdown.render(s.narrative, ids, f"stage-{s.stage}")) for s in journey.stages
            },
            intro=Markup(narrative.intro),
            stage_bodies={k: Markup(v) for k, v in narrative.stages.items()},
            related=[site.journeys[s] for s in site.related.get(journey.slug, ())],
        )

    def personas(self) -> Page:
        return self._render("personas.html", "personas/index.html", personas=list(self.site.personas.values()))

    def persona(self, persona: Persona, number: int = 1) -> Page:
        """One page of a persona: its profile (on the first page) and PERSONA_PAGE_SIZE of its journeys."""
        through = self.site.persona_journeys.get(persona.slug, ())
        chosen = page_of(through, number, PERSONA_PAGE_SIZE)
        folder = f"personas/{persona.slug}"
        return self._render(
            "persona.html",
            paged_path(folder, number),
            persona=persona,
            travels=persona_journeys(self.site, persona.slug, chosen),
            page_number=number,
            pages=pager(folder, len(through), PERSONA_PAGE_SIZE),
            total=len(through),
        )

    def touchpoints(self) -> Page:
        return self._render("touchpoints.html", "touchpoints/index.html", touchpoints=list(self.site.touchpoints.values()))

    def touchpoint(self, touchpoint: Touchpoint, number: int = 1) -> Page:
        """One page of a touchpoint: its description (on the first page) and its uses in PAGE_SIZE journeys."""
        site = self.site
        through = site.touchpoint_journeys[touchpoint.slug]
        chosen = set(page_of(through, number))
        uses = site.touchpoint_uses[touchpoint.slug]
        folder = f"touchpoints/{touchpoint.slug}"
        return self._render(
            "touchpoint.html",
            paged_path(folder, number),
            touchpoint=touchpoint,
            uses=[u for u in uses if u.journey in chosen],
            use_count=len(uses),
            journey_count=len(through),
            page_journeys=len(chosen),
            page_number=number,
            pages=pager(folder, len(through)),
        )

    def stages_index(self) -> Page:
        return self._render("stages.html", "stages/index.html")

    def stage(self, stage_id: str, number: int = 1) -> Page:
        """One page of a stage: PAGE_SIZE of the journeys through it, with their interactions there."""
        site = self.site
        stage = site.stage(stage_id)
        through = site.stage_journeys[stage_id]
        chosen = [site.journeys[slug] for slug in page_of(through, number)]
        entries = [(j, s) for j in chosen for s in j.stages if s.stage == stage_id]
        folder = f"stages/{stage_id}"
        return self._render(
            "stage.html",
            paged_path(folder, number),
            stage=stage,
            interactions=[i for _, s in entries for i in s.interactions],
            indicators=[(j.slug, ind) for j in chosen for ind in j.indicators if ind.stage == stage_id],
            journeys=[(j, s.goal) for j, s in entries],
            page_number=number,
            pages=pager(folder, len(through)),
            total=len(through),
        )

    def insights(self) -> Page:
        return self._render("insights.html", "insights/index.html", data=insights(self.site))

    def not_found(self) -> Page:
        """Hosts serve 404.html at any depth, so its links start from the site's root path.

        Without a base_url the page links relatively, which works at the top level
        and when the site is opened from disk.
        """
        base_url = self.site.config.base_url
        return self._render("404.html", "404.html", base=urlsplit(base_url).path if base_url else None)
