"""The validated catalogue as immutable objects, with every cross-link computed once.

Objects refer to each other by slug, not by reference: that keeps them frozen,
acyclic, cheap to pickle into worker processes and easy to dump as JSON.  The
:class:`Site` holds the indexes (touchpoint -> uses, persona -> journeys, stage
-> interactions and journeys, related both ways, tags) so that no page has to search the catalogue.
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from .config import SiteConfig
from .load import Document, doc_key
from .validate import FLOW_RE

CX_ROLES = frozenset({"customer", "sponsor"})
UX_ROLES = frozenset({"user"})


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    title: str
    purpose: str
    index: int


@dataclass(frozen=True, slots=True)
class Persona:
    slug: str
    name: str
    role: str
    summary: str
    goals: tuple[str, ...]
    pains: tuple[str, ...]
    body: str
    rel: str

    @property
    def experience(self) -> str | None:
        """'cx' for customers and sponsors, 'ux' for users, None for the supply side."""
        if self.role in CX_ROLES:
            return "cx"
        if self.role in UX_ROLES:
            return "ux"
        return None


@dataclass(frozen=True, slots=True)
class Touchpoint:
    slug: str
    name: str
    channel: str
    owner: str
    summary: str
    body: str
    rel: str


class Interaction(NamedTuple):
    """One step at a touchpoint.  A named tuple, not a frozen dataclass: a
    catalogue has tens of thousands and a tuple is built five times faster."""

    journey: str
    stage: str
    index: int  # type: ignore[assignment]  # shadows tuple.index(), which nothing here calls
    touchpoint: str
    action: str
    persona: str | None
    visibility: str
    emotion: int | None
    pain: str
    opportunity: str
    moment_of_truth: bool

    @property
    def anchor(self) -> str:
        """Fragment id of this interaction on its journey page."""
        return f"i-{self.stage}-{self.index + 1}"


class JourneyStage(NamedTuple):
    stage: str
    goal: str
    narrative: str
    interactions: tuple[Interaction, ...]


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    kind: str
    stage: str | None
    target: str | None
    current: str | None


@dataclass(frozen=True, slots=True)
class FlowEdge:
    """A transition between two stages of a journey.

    ``kind`` is ``default`` for the implicit step to the next stage present and
    ``flow`` for one written in ``flow``; ``back`` marks loops and returns.
    """

    source: str
    target: str
    label: str
    kind: str
    back: bool


@dataclass(frozen=True, slots=True)
class Trust:
    capability: int | None
    commitment: int | None
    consistency: int | None


@dataclass(frozen=True, slots=True)
class Journey:
    slug: str
    title: str
    summary: str
    personas: tuple[str, ...]
    consumer: str
    provider: str
    relationship: str
    agreement: str
    owner: str
    tags: tuple[str, ...]
    draft: bool
    stages: tuple[JourneyStage, ...]
    flow: tuple[FlowEdge, ...]
    indicators: tuple[Indicator, ...]
    trust: Trust | None
    related: tuple[str, ...]
    body: str
    rel: str
    digest: str
    interactions: tuple[Interaction, ...] = field(init=False, repr=False, compare=False)
    stage_ids: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived once: pages, the build plan and checks ask for them tens of thousands of times.
        object.__setattr__(self, "interactions", tuple(i for s in self.stages for i in s.interactions))
        object.__setattr__(self, "stage_ids", tuple(s.stage for s in self.stages))


@dataclass(frozen=True, slots=True)
class Site:
    config: SiteConfig
    stages: tuple[Stage, ...]
    journeys: Mapping[str, Journey]
    personas: Mapping[str, Persona]
    touchpoints: Mapping[str, Touchpoint]
    touchpoint_uses: Mapping[str, tuple[Interaction, ...]] = field(repr=False)
    touchpoint_journeys: Mapping[str, tuple[str, ...]] = field(repr=False)  # in catalogue order
    persona_journeys: Mapping[str, tuple[str, ...]] = field(repr=False)
    stage_interactions: Mapping[str, tuple[Interaction, ...]] = field(repr=False)
    stage_indicators: Mapping[str, tuple[tuple[str, Indicator], ...]] = field(repr=False)
    stage_journeys: Mapping[str, tuple[str, ...]] = field(repr=False)  # in catalogue order
    related: Mapping[str, tuple[str, ...]] = field(repr=False)
    tags: tuple[str, ...] = ()  # every journey's tags, for the catalogue's filter
    # persona:… and touchpoint:… keys that draft journeys name when drafts are not built:
    # work in progress uses them too (practice checks JD104 and JD105)
    draft_uses: frozenset[str] = frozenset()

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:  # a handful of stages: a scan beats building an index per call
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def has(self, kind: str, slug: str) -> bool:
        """Whether the catalogue holds the document ``kind:slug`` (a journey, persona or touchpoint)."""
        return slug in {"journey": self.journeys, "persona": self.personas, "touchpoint": self.touchpoints}[kind]


def average(values: Iterable[float | None]) -> float | None:
    """Mean of the recorded emotions; None when none is recorded.

    Every page, chart, diagram and insight averages emotion this one way.  It
    is not rounded here: the pages round once, for display (rounding twice
    showed 0.245 as +0.3).
    """
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def felt(interactions: Iterable[Interaction]) -> float | None:
    """How a stage feels: the average emotion of the interactions a persona travels.

    An interaction without a persona (provider-only work in a one-persona
    journey, or one that names nobody) is nobody's experience, so it does not
    sweeten or sour a stage: the map's emotion lane, the diagram's stage boxes
    and the experience curve count the same interactions.  The JD109 check
    asks the author whose feeling such an emotion is.
    """
    return average(i.emotion for i in interactions if i.persona is not None)


_DIGITS_RE = re.compile(r"(\d+)")


def natural(text: str) -> tuple:
    """A sort key that reads numbers as numbers: "Journey 2" before "Journey 10", case aside.

    Catalogues number things ("Release 9", "Release 10"); in character order
    the tenth would come between the first and the second.
    """
    parts = _DIGITS_RE.split(text.casefold())
    return tuple(_number(p) if n % 2 else p for n, p in enumerate(parts))


def _number(digits: str) -> tuple[int, str]:
    """A run of digits as (length, digits) without leading zeros: numeric order, any length.

    ``int()`` would also read other scripts' digits ("٣" is 3) but refuses runs
    over 4,300 digits, so only short runs go through it.
    """
    value = str(int(digits)) if len(digits) <= 40 else digits.lstrip("0") or "0"
    return len(value), value


def emotion_level(value: float) -> int:
    """An average emotion as a whole level (-2..2), rounded half away from zero."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def build_site(
    config: SiteConfig, documents: Iterable[Document], drafts: bool = False, previous: Site | None = None
) -> Site:
    """Assemble the model from validated documents; drafts only when asked for.

    Journeys of a *previous* model built with the same stage model are reused
    when their file did not change (same digest), which keeps the dev server's
    rebuild after one edit fast on large catalogues.
    """
    reuse = previous.journeys if previous is not None and previous.config.stages == config.stages else {}
    stages = tuple(Stage(s.id, s.title, s.purpose, i) for i, s in enumerate(config.stages))
    order = {s.id: s.index for s in stages}
    personas: dict[str, Persona] = {}
    touchpoints: dict[str, Touchpoint] = {}
    journeys: list[Journey] = []
    left_out: list[Journey] = []  # drafts, when they are not built
    for doc in documents:
        d = doc.data
        if doc.kind == "persona":
            personas[doc.slug] = Persona(
                doc.slug, d["name"], d["role"], _text(d.get("summary")),
                tuple(d.get("goals") or ()), tuple(d.get("pains") or ()), doc.body, doc.rel,
            )
        elif doc.kind == "touchpoint":
            touchpoints[doc.slug] = Touchpoint(
                doc.slug, d["name"], _text(d.get("channel")), _text(d.get("owner")),
                _text(d.get("summary")), doc.body, doc.rel,
            )
        else:
            old = reuse.get(doc.slug)
            journey = old if old is not None and old.digest == doc.digest and old.rel == doc.rel else _journey(doc, order)
            (journeys if drafts or not journey.draft else left_out).append(journey)
    journeys.sort(key=lambda j: (natural(j.title), j.slug))
    by_slug = {j.slug: j for j in journeys}

    related: dict[str, set[str]] = {j.slug: set() for j in journeys}
    for journey in journeys:
        for other in journey.related:
            if other in by_slug:
                related[journey.slug].add(other)
                related[other].add(journey.slug)

    uses: dict[str, list[Interaction]] = {slug: [] for slug in sorted(touchpoints)}
    touchpoint_journeys: dict[str, dict[str, None]] = {slug: {} for slug in uses}
    persona_journeys: dict[str, list[str]] = {slug: [] for slug in sorted(personas)}
    stage_interactions: dict[str, list[Interaction]] = {s.id: [] for s in stages}
    stage_indicators: dict[str, list[tuple[str, Indicator]]] = {s.id: [] for s in stages}
    stage_journeys: dict[str, list[str]] = {s.id: [] for s in stages}
    for journey in journeys:
        for persona in journey.personas:
            persona_journeys[persona].append(journey.slug)
        for stage_id in journey.stage_ids:
            stage_journeys[stage_id].append(journey.slug)
        for interaction in journey.interactions:
            uses[interaction.touchpoint].append(interaction)
            touchpoint_journeys[interaction.touchpoint][journey.slug] = None
            stage_interactions[interaction.stage].append(interaction)
        for indicator in journey.indicators:
            if indicator.stage:
                stage_indicators[indicator.stage].append((journey.slug, indicator))

    frozen = MappingProxyType
    return Site(
        config=config,
        stages=stages,
        journeys=frozen(by_slug),
        personas=frozen(dict(sorted(personas.items(), key=lambda kv: (natural(kv[1].name), kv[0])))),
        touchpoints=frozen(dict(sorted(touchpoints.items(), key=lambda kv: (natural(kv[1].name), kv[0])))),
        touchpoint_uses=frozen({k: tuple(v) for k, v in uses.items()}),
        touchpoint_journeys=frozen({k: tuple(v) for k, v in touchpoint_journeys.items()}),
        persona_journeys=frozen({k: tuple(v) for k, v in persona_journeys.items()}),
        stage_interactions=frozen({k: tuple(v) for k, v in stage_interactions.items()}),
        stage_indicators=frozen({k: tuple(v) for k, v in stage_indicators.items()}),
        stage_journeys=frozen({k: tuple(v) for k, v in stage_journeys.items()}),
        related=frozen({k: tuple(sorted(v, key=lambda s: (natural(by_slug[s].title), s))) for k, v in related.items()}),
        tags=tuple(sorted({t for j in journeys for t in j.tags}, key=lambda t: (natural(t), t))),
        draft_uses=frozenset(
            [doc_key("persona", p) for j in left_out for p in j.personas]
            + [doc_key("touchpoint", i.touchpoint) for j in left_out for i in j.interactions]
        ),
    )


def _journey(doc: Document, order: Mapping[str, int]) -> Journey:
    d = doc.data
    personas = tuple(d["personas"])
    implied = personas[0] if len(personas) == 1 else None
    raw_stages = sorted(d["stages"].items(), key=lambda kv: order[kv[0]])
    stages: list[JourneyStage] = []
    for stage_id, entry in raw_stages:
        entry = entry or {}
        interactions = tuple(
            Interaction(
                journey=doc.slug,
                stage=stage_id,
                index=i,
                touchpoint=item["touchpoint"],
                action=item["action"],
                # A lone persona is implied where they can see the step; work
                # behind the consumer's line of visibility is never theirs.
                persona=item.get("persona") or (implied if item.get("visibility") != "provider" else None),
                visibility=item.get("visibility", "shared"),
                emotion=item.get("emotion"),
                pain=_text(item.get("pain")),
                opportunity=_text(item.get("opportunity")),
                moment_of_truth=bool(item.get("moment_of_truth", False)),
            )
            for i, item in enumerate(entry.get("interactions") or ())
        )
        stages.append(JourneyStage(stage_id, _text(entry.get("goal")), _text(entry.get("narrative")), interactions))
    trust = d.get("trust")
    return Journey(
        slug=doc.slug,
        title=d["title"],
        summary=_text(d.get("summary")),
        personas=personas,
        consumer=_text(d.get("consumer")),
        provider=_text(d.get("provider")),
        relationship=_text(d.get("relationship")),
        agreement=_text(d.get("agreement")),
        owner=_text(d.get("owner")),
        tags=tuple(d.get("tags") or ()),
        draft=bool(d.get("draft", False)),
        stages=tuple(stages),
        flow=effective_flow([s.stage for s in stages], d.get("flow") or (), order),
        indicators=tuple(
            Indicator(i["name"], i.get("kind", "kpi"), i.get("stage"), _opt(i.get("target")), _opt(i.get("current")))
            for i in d.get("indicators") or ()
        ),
        trust=Trust(trust.get("capability"), trust.get("commitment"), trust.get("consistency")) if trust else None,
        related=tuple(d.get("related") or ()),
        body=doc.body,
        rel=doc.rel,
        digest=doc.digest,
    )


def effective_flow(present: list[str], extra: Iterable[str], order: Mapping[str, int]) -> tuple[FlowEdge, ...]:
    """The default path through the stages present, in model order, plus ``flow`` edges.

    A ``flow`` edge that repeats a default step only adds its label to it.
    """
    edges: dict[tuple[str, str], FlowEdge] = {}
    for source, target in zip(present, present[1:]):
        edges[(source, target)] = FlowEdge(source, target, "", "default", False)
    for text in extra:
        match = FLOW_RE.match(text)
        if not match:
            continue
        source, target, label = match.group(1), match.group(2), match.group(3) or ""
        previous = edges.get((source, target))
        edges[(source, target)] = FlowEdge(
            source,
            target,
            label or (previous.label if previous else ""),
            previous.kind if previous else "flow",
            order[target] <= order[source],
        )
    return tuple(edges.values())
