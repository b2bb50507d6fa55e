"""A journey's stage diagram: the stage row laid out in process by Graphviz, the bands under it.

Stages run left to right on the top row, joined by the journey's effective flow
(loops, returns, skips and repeats bridge over the row, see :func:`_nesting`).
Under each stage box, a column holds its touchpoints in three bands (consumer
only, the band of visibility, provider only).  :mod:`.bands` plans the boxes'
sizes and texts; Graphviz places boxes without texts; :mod:`.bands` then draws
the texts into them and the columns under them.

Content reaches Graphviz only as tooltips, escaped as entities, and as a label
on a default step (inside an HTML-like label, escaped the same way); node names
are generated, so no title can inject DOT or SVG markup.  Long texts are
shortened for the drawing only (:func:`.bands.clip`).  The whole row is handed
over as one DOT string (far faster than pygraphviz's per-node API; see
:mod:`.graphviz`) and the same input always yields the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import time
from pathlib import Path

from .. import code_identity
from ..model import Journey, Site
from . import bands, graphviz
from .bands import FONT, GAP, LANE_WIDTH, clip

ROUNDED = 12  # the radius of a stage box's corners, in points, as Graphviz's own style=rounded


def _e(text: str) -> str:
    """Escape text for a Graphviz HTML-like label.

    Markup becomes entities; backslashes are doubled because Graphviz applies its
    escString sequences (``\\N`` = node name, ``\\G`` = graph name) even inside
    HTML-like labels; line breaks become ``<BR/>``.
    """
    escaped = html.escape(text, quote=True).replace("\\", "\\\\")
    return "<BR/>".join(escaped.splitlines()) if "\n" in escaped or "\r" in escaped else escaped


def _esc_attr(text: str) -> str:
    """Escape text for a double-quoted DOT attribute that Graphviz copies into the SVG.

    Quotes and markup become entities (Graphviz keeps entities as they are) and
    backslashes are doubled so that DOT's escString sequences (``\\N``, ``\\G``,
    a final ``\\``) cannot act.
    """
    return html.escape(" ".join(text.split()), quote=True).replace("\\", "\\\\")


def dot_source(site: Site, journey: Journey, plan: bands.Plan | None = None) -> str:
    """The DOT text of a journey's stage row: the stage boxes, the flow and its bridges.

    One rank of boxes (and the ranks above for the bridges' labels) keeps the
    layout cheap.  Each box comes at the size *plan* (from :func:`.bands.plan`)
    gives it: wide enough for its texts and its column's widest touchpoint box,
    so what is drawn in and under the boxes afterwards fits; the gap between
    boxes is where two columns meet.
    """
    plan = plan or bands.plan(site, journey)
    stages = [site.stage(s.stage) for s in journey.stages]
    lines = [
        "digraph journey {",
        f'graph [nodesep={GAP / 72:.4f}, ranksep=0.25, pad=0.2, fontname="{FONT}", bgcolor="white", id="diagram"];',
        f'node [fontname="{FONT}", fontsize=11, shape=plaintext, margin=0];',
        f'edge [fontname="{FONT}", fontsize=10, color="#444444"];',
        # The lane column's place in the row, kept free; its "Stage" is drawn with the bands' names (bands.draw).
        f'L_stage [label="", style=invis, width={(LANE_WIDTH - GAP / 2) / 72:.4f}];',
        # What every stage box shares, said once: Graphviz reads fewer tokens and sets fewer attributes.
        # No label: the box comes at the size its texts need, and they are drawn into it afterwards.
        'node [shape=box, style=filled, label="", target="_top"];',  # rounded afterwards: see render
    ]
    for column, (stage, entry, planned) in enumerate(zip(stages, journey.stages, plan.columns)):
        tooltip = _esc_attr(clip(f"{clip(stage.title)}: {entry.goal or stage.purpose}", bands.TOOLTIP_LIMIT))
        lines.append(
            f'S{column} [fillcolor="{planned.fill}", width={planned.width / 72:.4f}, height={planned.height / 72:.4f}, '
            f'URL="index.html#stage-{stage.id}", tooltip="{tooltip}", id="stage-node-{stage.id}"];'
        )
    # The bridges' labels: boxes without a line or a text, at the size their texts need (drawn afterwards).
    lines.append('node [shape=box, style="", color=none, fixedsize=true];')
    lines.append("{rank=same; L_stage; " + " ".join(f"S{c};" for c in range(len(stages))) + "}")
    lines.append("L_stage -> S0 [style=invis];" if stages else "")  # the lane labels stay on the left

    column_of = {s.id: c for c, s in enumerate(stages)}
    bridges = {bridge.number: bridge for bridge in plan.bridges}
    spans: list[tuple[int, int, int]] = []  # (number, first column, last column) of each bridge
    for number, edge in enumerate(journey.flow, 1):
        source, target = column_of[edge.source], column_of[edge.target]
        kind = f'class="flow flow-{edge.kind}{" flow-back" if edge.back else ""}"'
        if edge.kind != "flow":  # a step of the default flow (always forward): a straight arrow
            label = f", xlabel=<{_e(clip(edge.label))}>" if edge.label else ""  # no label rank: the row stays compact
            lines.append(f'S{source} -> S{target} [id="flow-{number}", {kind}{label}];')
            continue
        bridge = bridges[number]
        colour = f'"{bridge.colour}"'
        style = "dashed" if edge.back else "solid"
        lines.append(f'F{number} [width={bridge.width / 72:.4f}, height={bridge.height / 72:.4f}, id="flow-{number}-label"];')
        # A stage that repeats itself leaves by the top right and comes back at the top left.
        up, down = (", headport=ne, weight=20", ", headport=nw, weight=20") if source == target else ("", "")
        common = f"{kind}, style={style}, color={colour}"
        lines.append(f'F{number} -> S{source} [id="flow-{number}-from", {common}, dir=none{up}];')
        lines.append(f'F{number} -> S{target} [id="flow-{number}", {common}{down}];')
        spans.append((number, min(source, target), max(source, target)))
    lines += _nesting(spans)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _nesting(spans: list[tuple[int, int, int]]) -> list[str]:
    """Invisible edges that stack overlapping bridges, the wider one above.

    Every loop, return, skip or repeat is drawn as a bridge: from its stage up
    to its label, a node of its own above the row, and down to the stage it
    leads to.  Labels are nodes, so they never overlap each other or a line;
    bridges whose spans overlap go on separate ranks, the wider above (equal
    ones in flow order), so no two of them cross.  Bridges side by side share a rank.
    """
    edges = []
    for number, low, high in spans:
        for other, low2, high2 in spans:
            overlap = low <= high2 and low2 <= high
            wider = (high - low, -number) > (high2 - low2, -other)
            if overlap and wider:
                edges.append(f"F{number} -> F{other} [style=invis];")
    return edges


def render(dot: str, plan: bands.Plan, title: str, description: str) -> str:
    """The finished SVG: Graphviz's stage row, the stage boxes' texts, and the band columns under them."""
    columns = {column.stage: column for column in plan.columns}
    svg = graphviz.render_svg(dot, title, description)
    svg, boxes = graphviz.node_boxes(
        svg, "stage-node-", rounded=ROUNDED, inside=lambda stage, box: bands.stage_texts(columns[stage], box)
    )
    if plan.bridges:
        labels = {f"{bridge.number}-label": bridge for bridge in plan.bridges}
        svg, _ = graphviz.node_boxes(svg, "flow-", inside=lambda name, box: bands.bridge_texts(labels[name], box))
    stages = {stage: (left, right) for stage, (left, _top, right, _bottom) in boxes.items()}
    if set(stages) != {c.stage for c in plan.columns}:  # not expected: every stage box has its id
        raise RuntimeError("Graphviz did not draw every stage box")
    top, bottom = min(b[1] for b in boxes.values()), max(b[3] for b in boxes.values())
    drawing, right = bands.draw(plan, stages, (top, bottom))
    return graphviz.extend(svg, drawing, right, bottom + plan.height)


class DiagramCache:
    """Finished SVGs by key; safe to delete at any time (``build.cache_dir``).

    Every edit of a journey's stages adds an entry, so entries nobody used for
    KEEP_DAYS are deleted (see :meth:`prune`): a hit marks its entry as used.
    Only a build that looked up every journey's diagram prunes, because an
    incremental build leaves most diagrams untouched but still current.
    """

    KEEP_DAYS = 30

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.svg"

    def get(self, key: str) -> str | None:
        path = self.path(key)
        try:
            svg = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        with contextlib.suppress(OSError):  # a cache we may read but not touch still serves
            os.utime(path)
        return svg

    def prune(self, now: float | None = None) -> int:
        """Delete entries unused for KEEP_DAYS, at most once a day; return how many went."""
        now = time.time() if now is None else now
        marker = self.folder / ".pruned"
        try:
            if now - marker.stat().st_mtime < 86_400:
                return 0
        except OSError:
            pass  # never pruned
        if not self.folder.is_dir():
            return 0
        gone = 0
        for path in self.folder.glob("*/*.svg"):
            try:
                if now - path.stat().st_mtime > self.KEEP_DAYS * 86_400:
                    path.unlink()
                    gone += 1
            except OSError:
                pass
        try:
            marker.touch()
        except OSError:
            pass
        return gone



def inline_svg(svg: str) -> str:
    """The ``<svg>`` element alone, for embedding in an HTML page."""
    start = svg.index("<svg")
    return svg[start:].strip()


def cache_key(dot: str, plan: bands.Plan, title: str, description: str) -> str:
    """Key of a diagram in the cache: everything the SVG is made from."""
    import pygraphviz

    material = "\n\x00".join((code_identity(), pygraphviz.__version__, title, description, dot, repr(plan)))
    return hashlib.blake2b(material.encode(), digest_size=16).hexdigest()


def describe(site: Site, journey: Journey) -> str:
    """A plain-text summary of the diagram for screen readers and the SVG ``<desc>``."""
    stages = ", ".join(site.stage(s).title for s in journey.stage_ids)
    loops = [e for e in journey.flow if e.kind == "flow"]
    extra = "; ".join(
        f"{site.stage(e.source).title} to {site.stage(e.target).title}{': ' + e.label if e.label else ''}" for e in loops
    )
    touchpoints = len({i.touchpoint for i in journey.interactions})
    noun = "touchpoint" if touchpoints == 1 else "touchpoints"
    text = f"Stages {stages}. {touchpoints} {noun} in three visibility bands."
    return text + (f" Other transitions: {extra}." if extra else "")
