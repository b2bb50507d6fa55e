"""Analysis across journeys, computed from the model for the insights page.

Hosted journey tools sell these views; here they come from the same text files
in the same build.  Everything is a plain number or list, so tests can pin the
figures and templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Indicator, Interaction, Site, average

HOTSPOTS = 12
TOP_TOUCHPOINTS = 10
LISTED = 50  # rows per per-journey list: the page stays the same size at 10,000 journeys


@dataclass(frozen=True, slots=True)
class Cell:
    count: int
    emotion: float | None

    @property
    def gap(self) -> bool:
        return self.count == 0


@dataclass(frozen=True, slots=True)
class Balance:
    journey: str
    consumer: float
    shared: float
    provider: float
    total: int


@dataclass(frozen=True, slots=True)
class Gap:
    journey: str
    cx: float | None
    ux: float | None

    @property
    def difference(self) -> float | None:
        return None if self.cx is None or self.ux is None else round(self.cx - self.ux, 2)


@dataclass(frozen=True, slots=True)
class Reuse:
    touchpoint: str
    interactions: int
    journeys: int


@dataclass(frozen=True, slots=True)
class Insights:
    coverage: dict[str, dict[str, Cell]]  # persona -> stage -> cell
    hotspots: tuple[Interaction, ...]
    moments: tuple[Interaction, ...]
    most_used: tuple[Reuse, ...]
    single_use: tuple[Reuse, ...]
    balance: tuple[Balance, ...]
    gaps: tuple[Gap, ...]
    incomplete: tuple[tuple[str, Indicator], ...]  # (journey, indicator) lacking a target or a current value
    totals: dict[str, int]  # the full length of each list cut to LISTED rows


def insights(site: Site) -> Insights:
    interactions = [i for j in site.journeys.values() for i in j.interactions]

    cells: dict[tuple[str, str], list[Interaction]] = {}
    for i in interactions:  # one pass: personas x stages x interactions would be quadratic
        if i.persona:
            cells.setdefault((i.persona, i.stage), []).append(i)
    coverage: dict[str, dict[str, Cell]] = {}
    for persona in site.personas:
        row = {}
        for stage in site.stages:
            found = cells.get((persona, stage.id), [])
            row[stage.id] = Cell(len(found), average(i.emotion for i in found))
        coverage[persona] = row

    order = {slug: n for n, slug in enumerate(site.journeys)}
    stage_order = {s.id: s.index for s in site.stages}

    def position(i: Interaction) -> tuple[int, int, int]:
        return order[i.journey], stage_order[i.stage], i.index

    felt = [i for i in interactions if i.emotion is not None and i.emotion < 0]
    hotspots = tuple(sorted(felt, key=lambda i: (i.emotion, not i.pain, position(i)))[:HOTSPOTS])
    moments = tuple(sorted((i for i in interactions if i.moment_of_truth), key=position))

    reuse = [
        Reuse(slug, len(uses), len(site.touchpoint_journeys[slug]))
        for slug, uses in site.touchpoint_uses.items()
    ]
    most_used = tuple(sorted((r for r in reuse if r.interactions), key=lambda r: (-r.journeys, -r.interactions, r.touchpoint))[:TOP_TOUCHPOINTS])
    single_use = tuple(sorted((r for r in reuse if r.journeys == 1), key=lambda r: r.touchpoint))

    balance = []
    gaps = []
    for slug, journey in site.journeys.items():
        items = journey.interactions
        total = len(items)
        if total:
            share = {v: round(100 * sum(1 for i in items if i.visibility == v) / total, 1) for v in ("consumer", "shared", "provider")}
            balance.append(Balance(slug, share["consumer"], share["shared"], share["provider"], total))
        by_kind: dict[str, list[int]] = {"cx": [], "ux": []}
        for i in items:
            if i.emotion is None or i.persona is None:
                continue
            kind = site.personas[i.persona].experience
            if kind in by_kind:
                by_kind[kind].append(i.emotion)
        gaps.append(Gap(slug, average(by_kind["cx"]), average(by_kind["ux"])))

    incomplete = tuple(
        (slug, indicator)
        for slug, journey in site.journeys.items()
        for indicator in journey.indicators
        if indicator.target is None or indicator.current is None
    )
    # Long lists keep the rows that most need attention, in a stable order.
    balance.sort(key=lambda b: (b.shared, -b.provider, order[b.journey]))  # least seen by both sides first
    gaps.sort(key=lambda g: (g.difference is None, -abs(g.difference or 0.0), order[g.journey]))  # widest first
    totals = {
        "moments": len(moments), "single_use": len(single_use), "balance": len(balance),
        "gaps": len(gaps), "incomplete": len(incomplete),
    }
    return Insights(
        coverage=coverage,
        hotspots=hotspots,
        moments=moments[:LISTED],
        most_used=most_used,
        single_use=single_use[:LISTED],
        balance=tuple(balance[:LISTED]),
        gaps=tuple(gaps[:LISTED]),
        incomplete=incomplete[:LISTED],
        totals=totals,
    )
