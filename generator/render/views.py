"""View models: what each page shows, computed from the model before templating.

Templates stay declarative (loops and escaping only); anything that needs a
rule, such as which lane an interaction belongs to or how emotions average,
lives here where it can be tested without HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..model import Indicator, Interaction, Journey, Site, average, emotion_level, felt
from .bands import EMOTION_MARK, EMOTION_WORD, MARKUP
from .charts import signed


class Links:
    """Relative URLs from one page, so the site works from file://, / and any subpath.

    Every link names ``index.html`` explicitly: browsers do not resolve a
    directory to its index file when a site is opened from disk.
    """

    def __init__(self, page: str, base: str | None = None) -> None:
        self.page = page
        self.base = base
        self._folder = page.split("/")[:-1]
        # The site's root from this page; for a page served at any depth (404), its root path.
        self.root = base if base is not None else "../" * len(self._folder)
        self._urls: dict[str, str] = {}  # a page links to the same few pages many times

    def to(self, path: str, anchor: str | None = None) -> str:
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._relative(path)
        return f"{url}#{anchor}" if anchor else url

    def _relative(self, path: str) -> str:
        if self.base is not None:  # pages served at any depth (404) link from the site's root path
            return f"{self.base}{path}"
        parts = path.split("/")
        common = 0
        for mine, theirs in zip(self._folder, parts[:-1]):
            if mine != theirs:
                break
            common += 1
        return "../" * (len(self._folder) - common) + "/".join(parts[common:])

    def home(self) -> str:
        return self.to("index.html")

    def journey(self, slug: str, anchor: str | None = None) -> str:
        return self.to(f"journeys/{slug}/index.html", anchor)

    def persona(self, slug: str) -> str:
        return self.to(f"personas/{slug}/index.html")

    def touchpoint(self, slug: str) -> str:
        return self.to(f"touchpoints/{slug}/index.html")

    def stage(self, stage_id: str) -> str:
        return self.to(f"stages/{stage_id}/index.html")

    def interaction(self, interaction: Interaction) -> str:
        return self.journey(interaction.journey, interaction.anchor)

    def static(self, name: str) -> str:
        return self.to(f"static/{name}")


@dataclass(frozen=True, slots=True)
class Feeling:
    """An emotion shown as number, mark and word (never colour alone)."""

    value: float | None
    level: int | None = field(init=False, compare=False)  # worked out once: every cell asks for it three times

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", None if self.value is None else emotion_level(self.value))

    @property
    def mark(self) -> str:
        return "" if self.level is None else EMOTION_MARK[self.level]

    @property
    def word(self) -> str:
        return "not recorded" if self.level is None else EMOTION_WORD[self.level]

    @property
    def number(self) -> str:
        return "–" if self.value is None else signed(self.value)

    @property
    def css(self) -> str:
        return "e-none" if self.level is None else f"e{self.level + 2}"


def feeling(values: Iterable[int | float | None]) -> Feeling:
    return Feeling(average(values))


@dataclass(frozen=True, slots=True)
class Lane:
    key: str
    title: str
    cells: tuple[tuple[Interaction, ...], ...]
    persona: str | None = None
    line_after: str | None = None


@dataclass(frozen=True, slots=True)
class JourneyMap:
    """The journey map grid: stages as columns, lanes as rows."""

    stages: tuple[str, ...]
    goals: tuple[str, ...]
    actions: tuple[Lane, ...]
    touchpoints: tuple[tuple[str, ...], ...]
    bands: tuple[Lane, ...]
    emotions: tuple[Feeling, ...]
    pains: tuple[tuple[Interaction, ...], ...]
    opportunities: tuple[tuple[Interaction, ...], ...]
    moments: tuple[tuple[Interaction, ...], ...]
    indicators: tuple[tuple[Indicator, ...], ...]


def journey_map(site: Site, journey: Journey) -> JourneyMap:
    stages = journey.stages
    lanes: list[Lane] = []
    for persona in journey.personas:
        cells = tuple(tuple(i for i in s.interactions if i.persona == persona) for s in stages)
        lanes.append(Lane(f"persona-{persona}", site.personas[persona].name, cells, persona))
    unnamed = tuple(tuple(i for i in s.interactions if i.persona is None) for s in stages)
    if any(unnamed):
        lanes.append(Lane("persona-none", "No persona named", unnamed))
    band_titles = (
        ("consumer", "Consumer only", "Provider's line of visibility"),
        ("shared", "Band of visibility (shared)", "Consumer's line of visibility"),
        ("provider", "Provider only", None),
    )
    bands = tuple(
        Lane(key, title, tuple(tuple(i for i in s.interactions if i.visibility == key) for s in stages), None, line)
        for key, title, line in band_titles
    )
    return JourneyMap(
        stages=tuple(s.stage for s in stages),
        goals=tuple(s.goal for s in stages),
        actions=tuple(lanes),
        touchpoints=tuple(tuple(dict.fromkeys(i.touchpoint for i in s.interactions)) for s in stages),
        bands=bands,
        emotions=tuple(Feeling(felt(s.interactions)) for s in stages),  # travellers only (model.felt)
        pains=tuple(tuple(i for i in s.interactions if i.pain) for s in stages),
        opportunities=tuple(tuple(i for i in s.interactions if i.opportunity) for s in stages),
        moments=tuple(tuple(i for i in s.interactions if i.moment_of_truth) for s in stages),
        indicators=tuple(tuple(ind for ind in journey.indicators if ind.stage == s.stage) for s in stages),
    )


@dataclass(frozen=True, slots=True)
class PersonaJourney:
    journey: Journey
    interactions: tuple[Interaction, ...]
    by_stage: tuple[tuple[str, Feeling, int], ...] = field(default=())


def persona_journeys(site: Site, slug: str, journeys: Iterable[str] | None = None) -> tuple[PersonaJourney, ...]:
    """The persona's part in each of *journeys* (all the journeys it travels by default)."""
    result = []
    for journey_slug in site.persona_journeys.get(slug, ()) if journeys is None else journeys:
        journey = site.journeys[journey_slug]
        mine = tuple(i for i in journey.interactions if i.persona == slug)
        by_stage = tuple(
            (s.stage, feeling([i.emotion for i in s.interactions if i.persona == slug]), sum(1 for i in s.interactions if i.persona == slug))
            for s in journey.stages
        )
        result.append(PersonaJourney(journey, mine, by_stage))
    return tuple(result)


def card_filters(site: Site, journey: Journey) -> dict[str, list[str]]:
    """What the catalogue's filters match a journey on."""
    return {
        "persona": list(journey.personas),
        "stage": list(journey.stage_ids),
        "tag": list(journey.tags),
    }


# -- small HTML snippets used on many rows: Python, because Jinja macro calls are slow ----

_VISIBILITY = {"consumer": "Consumer only", "shared": "Shared", "provider": "Provider only"}
_STAR = ' <span class="mot" title="Moment of truth">★<span class="visually-hidden"> moment of truth</span></span>'
_NOT_INVOLVED = '<span class="muted">not involved</span>'

_KINDS = {
    "xla": "Experience level agreement",
    "sla": "Service level agreement",
    "ola": "Operational level agreement",
    "kpi": "Key performance indicator",
}


def emotion_html(value: float | Feeling | None) -> Markup:
    """An emotion as mark, number and (for screen readers) word."""
    if isinstance(value, int) or value is None:
        cached = _EMOTION_HTML.get(value)
        if cached is not None:
            return cached
    return _emotion_html(value if isinstance(value, Feeling) else Feeling(value))


def _emotion_html(f: Feeling) -> Markup:
    if f.value is None:
        return Markup('<span class="emotion e-none">–<span class="visually-hidden"> no emotion recorded</span></span>')
    return Markup(
        f'<span class="emotion {f.css}" title="{f.word}"><span aria-hidden="true">{f.mark}</span> {f.number}'
        f'<span class="visually-hidden"> ({f.word})</span></span>'
    )


_EMOTION_HTML: dict[int | None, Markup] = {v: _emotion_html(Feeling(v)) for v in (-2, -1, 0, 1, 2, None)}


def visibility_html(value: str) -> Markup:
    return _VISIBILITY_HTML[value]


_VISIBILITY_HTML = {value: Markup(f'<span class="band band-{value}">{text}</span>') for value, text in _VISIBILITY.items()}


def _h(text: str) -> str:
    """*text* escaped as Jinja escapes it, as plain text for building a larger snippet.

    ``markupsafe.escape`` makes a ``Markup`` object of every piece, which cost
    more than the escaping itself: list pages escape thousands of names a page.
    """
    return str(escape(text)) if MARKUP.search(text) else text


def kind_html(kind: str) -> Markup:
    return Markup(f'<abbr class="kind kind-{kind}" title="{_KINDS[kind]}">{kind.upper()}</abbr>')


@pass_context
def persona_chip(context: Context, slug: str) -> Markup:
    persona = context["site"].personas[slug]
    href = context["links"].persona(slug)
    return Markup(
        f'<a class="chip role-{persona.role}" href="{href}">{_h(persona.name)} '
        f'<span class="chip-role">{persona.role}</span></a>'
    )


@pass_context
def tag_links(context: Context, tags: Sequence[str]) -> Markup:
    """A journey's tags, each a link to the catalogue filtered by it (the catalogue's script filters in place)."""
    home = context["links"].home()
    return Markup(" ").join(
        Markup('<a class="tag" href="{0}?tag={1}" data-tag="{2}" title="Journeys tagged {2}">{2}</a>').format(
            home, quote(tag, safe=""), tag
        )
        for tag in tags
    )


@pass_context
def interaction_rows(
    context: Context,
    items: Sequence[Interaction],
    show_journey: bool = True,
    show_stage: bool = True,
    show_touchpoint: bool = True,
    show_persona: bool = True,
) -> Markup:
    """Table rows for interactions (stage, touchpoint and persona pages).

    These tables hold every interaction of a stage across the catalogue, so the
    rows are built here rather than in a Jinja macro, which is several times slower.
    """
    site, links = context["site"], context["links"]
    stage_titles = context["stage_titles"]
    rows: list[str] = []
    for i in items:
        href = links.interaction(i)
        cells = ["<tr>"]
        if show_journey:
            cells.append(f'<td><a href="{href}">{_h(site.journeys[i.journey].title)}</a></td>')
        if show_stage:
            cells.append(f'<td><a href="{links.stage(i.stage)}">{_h(stage_titles[i.stage])}</a></td>')
        if show_persona:
            if i.persona:
                cells.append(f'<td><a href="{links.persona(i.persona)}">{_h(site.personas[i.persona].name)}</a></td>')
            else:
                cells.append('<td><span class="muted">—</span></td>')
        action = _h(i.action) if show_journey else Markup(f'<a href="{href}">{_h(i.action)}</a>')
        cells.append(f"<td>{action}{_STAR if i.moment_of_truth else ''}</td>")
        if show_touchpoint:
            cells.append(f'<td><a href="{links.touchpoint(i.touchpoint)}">{_h(site.touchpoints[i.touchpoint].name)}</a></td>')
        cells.append(f"<td>{visibility_html(i.visibility)}</td><td>{emotion_html(i.emotion)}</td><td>")
        if i.pain:
            cells.append(f'<span class="pain">{_h(i.pain)}</span> ')
        if i.opportunity:
            cells.append(f'<span class="opportunity">{_h(i.opportunity)}</span>')
        cells.append("</td></tr>")
        rows.append("".join(cells))
    return Markup("\n".join(rows))


def _cell(items: Iterable[str]) -> str:
    inner = "".join(items)
    return f"<td><ul>{inner}</ul></td>" if inner else "<td></td>"


def _lane(css: str, head: str, cells: Iterable[str], tall: bool = False) -> str:
    """One row of the journey map; the lanes of actions and bands start their cells on a line of their own."""
    if tall:
        return f'      <tr class="{css}"><th scope="row">{head}</th>\n{"".join(cells)}      </tr>\n'
    return f'      <tr class="{css}"><th scope="row">{head}</th>{"".join(cells)}</tr>\n'


@pass_context
def journey_map_table(context: Context, m: JourneyMap) -> Markup:
    """The journey map of a journey page: its grid of about a hundred cells.

    Built here rather than in the template: as Jinja loops the grid took half
    of the page's templating time, and a catalogue has a journey page per journey.
    """
    site, links, titles = context["site"], context["links"], context["stage_titles"]
    names = {t: _h(site.touchpoints[t].name) for cell in m.touchpoints for t in cell}  # each shown twice
    stages = "".join(f'<th scope="col"><a href="{links.stage(s)}">{_h(titles[s])}</a></th>' for s in m.stages)
    rows = [_lane("lane-goal", "Goal", (f"<td>{_h(g)}</td>" for g in m.goals))]
    for lane in m.actions:
        title = f'<a href="{links.persona(lane.persona)}">{_h(lane.title)}</a>' if lane.persona else _h(lane.title)
        cells = (
            _cell(
                f'<li id="{i.anchor}" class="e{"-none" if i.emotion is None else i.emotion + 2}">{_h(i.action)}'
                f'{_STAR if i.moment_of_truth else ""} {emotion_html(i.emotion)}</li>'
                for i in cell
            )
            for cell in lane.cells
        )
        rows.append(_lane("lane-actions", f"Actions: {title}", cells, tall=True))
    rows.append(_lane(
        "lane-touchpoints", "Touchpoints",
        (_cell(f'<li><a href="{links.touchpoint(t)}">{names[t]}</a></li>' for t in cell) for cell in m.touchpoints),
    ))
    for band in m.bands:
        label = f'<span class="line-label">{_h(band.line_after)} below</span>' if band.line_after else ""
        cells = (
            _cell(
                f'<li><a href="{links.touchpoint(i.touchpoint)}">{names[i.touchpoint]}</a>'
                f'<span class="band-action">: {_h(i.action)}</span></li>'
                for i in cell
            )
            for cell in band.cells
        )
        css = f"lane-band band-row-{band.key}{' line-below' if band.line_after else ''}"
        rows.append(_lane(css, f"{_h(band.title)}{label}", cells, tall=True))
    rows += [
        _lane("lane-emotion", "Emotion (average)", (f'<td class="{f.css}">{emotion_html(f)}</td>' for f in m.emotions)),
        _lane("lane-pains", "Pains", (_cell(f"<li>{_h(i.pain)}</li>" for i in cell) for cell in m.pains)),
        _lane(
            "lane-opportunities", "Opportunities",
            (_cell(f"<li>{_h(i.opportunity)}</li>" for i in cell) for cell in m.opportunities),
        ),
        _lane("lane-moments", "Moments of truth", (_cell(f"<li>★ {_h(i.action)}</li>" for i in cell) for cell in m.moments)),
        _lane(
            "lane-indicators", "Indicators",
            (_cell(f"<li>{kind_html(ind.kind)} {_h(ind.name)}</li>" for ind in cell) for cell in m.indicators),
        ),
    ]
    return Markup(
        '<table class="journey-map">\n    <thead><tr><th scope="col" class="lane-head">Lane</th>'
        f'{stages}</tr></thead>\n    <tbody>\n{"".join(rows)}    </tbody>\n  </table>'
    )


@pass_context
def interaction_list(context: Context, items: Sequence[Interaction]) -> Markup:
    """A journey stage's interactions as the list under its narrative: who does what, where, how it feels."""
    site, links = context["site"], context["links"]
    rows = ['<ul class="interactions">\n']
    for i in items:
        who = f'<a href="{links.persona(i.persona)}">{_h(site.personas[i.persona].name)}</a>: ' if i.persona else ""
        rows.append(
            f'      <li>{who}{_h(i.action)} <span class="muted">at</span> '
            f'<a href="{links.touchpoint(i.touchpoint)}">{_h(site.touchpoints[i.touchpoint].name)}</a> '
            f"{visibility_html(i.visibility)} {emotion_html(i.emotion)}{_STAR if i.moment_of_truth else ''}</li>\n"
        )
    rows.append("    </ul>")
    return Markup("".join(rows))


@pass_context
def emotion_strip(context: Context, travel: PersonaJourney) -> Markup:
    """Head and body of a persona page's emotion strip for one journey: a link and a feeling per stage."""
    links, titles = context["links"], context["stage_titles"]
    slug = travel.journey.slug
    head = "".join(
        f'<th scope="col"><a href="{links.journey(slug, f"stage-{stage_id}")}">{_h(titles[stage_id])}</a></th>'
        for stage_id, _, _ in travel.by_stage
    )
    cells = "".join(
        f'<td class="{f.css}">{emotion_html(f) if n else _NOT_INVOLVED}</td>' for _, f, n in travel.by_stage
    )
    return Markup(f"<thead><tr>{head}</tr></thead>\n      <tbody><tr>{cells}</tr></tbody>")
