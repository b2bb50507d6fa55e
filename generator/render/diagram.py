"""A journey's stage diagram: the model as DOT text, laid out in process by Graphviz.

The diagram is a grid.  Stages run left to right on the top row, joined by the
journey's effective flow (loops and returns arc back over the row).  Under each
stage its touchpoints sit in three bands: consumer only, the band of
visibility, provider only, separated by the two dashed, labelled lines of
visibility.

Content reaches Graphviz only inside HTML-like labels, escaped as entities,
and node names are generated, so no title can inject DOT or SVG markup.  The
whole graph is handed over as one DOT string (far faster than pygraphviz's
per-node API) and the same input always yields the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pygraphviz

from .. import __version__
from ..model import Interaction, Journey, Site, average, emotion_level
from ..write import atomic_write

FONT = "Helvetica,Arial,sans-serif"
EMOTION_FILL = {-2: "#f4a09a", -1: "#fbd0ad", 0: "#e8e8e8", 1: "#cdeab8", 2: "#94d38e"}
EMOTION_MARK = {-2: "▼▼", -1: "▼", 0: "●", 1: "▲", 2: "▲▲"}
EMOTION_WORD = {-2: "very negative", -1: "negative", 0: "neutral", 1: "positive", 2: "very positive"}
BANDS = (
    ("consumer", "Consumer only"),
    ("shared", "Band of visibility (shared)"),
    ("provider", "Provider only"),
)
LINES = {"consumer": "provider's line of visibility", "shared": "consumer's line of visibility"}


def _level(values: Iterable[int | None]) -> int | None:
    mean = average(values)
    return None if mean is None else emotion_level(mean)


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


def dot_source(site: Site, journey: Journey) -> str:
    """The DOT text of a journey's diagram; also the diagram cache's key material."""
    stages = [site.stage(s.stage) for s in journey.stages]
    lines = [
        "digraph journey {",
        f'graph [rankdir=TB, nodesep=0.25, ranksep=0.55, fontname="{FONT}", '
        'bgcolor="white", pad=0.2, id="diagram"];',
        f'node [fontname="{FONT}", fontsize=11, shape=plaintext, margin=0];',
        f'edge [fontname="{FONT}", fontsize=10, color="#444444"];',
    ]
    lane = {"stage": "Stage", "consumer": "Consumer only", "shared": "Band of visibility", "provider": "Provider only"}
    for row, text in lane.items():
        lines.append(f'L_{row} [label=<<B>{_e(text)}</B>>, id="lane-{row}"];')
    lines.append(" -> ".join(f"L_{r}" for r in lane) + " [style=invis, weight=100];")

    by_band: dict[tuple[str, str], list[Interaction]] = {}
    for entry in journey.stages:
        for interaction in entry.interactions:
            by_band.setdefault((entry.stage, interaction.visibility), []).append(interaction)

    for column, stage in enumerate(stages):
        entry = journey.stages[column]
        level = _level(i.emotion for i in entry.interactions)
        mark = f"<BR/><FONT POINT-SIZE=\"9\">{EMOTION_MARK[level]} {_e(EMOTION_WORD[level])}</FONT>" if level is not None else ""
        fill = EMOTION_FILL[level] if level is not None else "#ffffff"
        tooltip = _esc_attr(f"{stage.title}: {entry.goal or stage.purpose}")
        lines.append(
            f'S{column} [shape=box, style="rounded,filled", fillcolor="{fill}", margin="0.15,0.08", '
            f'label=<<B>{_e(stage.title)}</B>{mark}>, URL="index.html#stage-{stage.id}", '
            f'target="_top", tooltip="{tooltip}", id="stage-node-{stage.id}"];'
        )
        for band, _label in BANDS:
            lines.append(f"B{column}_{band} [label=<{_band_table(site, by_band.get((stage.id, band), []))}>, id=\"band-{stage.id}-{band}\"];")
        lines.append(f"S{column} -> B{column}_consumer -> B{column}_shared -> B{column}_provider [style=invis, weight=100];")

    lines.append("{rank=same; L_stage; " + " ".join(f"S{c};" for c in range(len(stages))) + "}")
    for band, _label in BANDS:
        lines.append(f"{{rank=same; L_{band}; " + " ".join(f"B{c}_{band};" for c in range(len(stages))) + "}")
    if stages:
        lines.append("L_stage -> S0 [style=invis];")

    column_of = {s.id: c for c, s in enumerate(stages)}
    for number, edge in enumerate(journey.flow):
        source, target = column_of[edge.source], column_of[edge.target]
        attrs = [f'id="flow-{number + 1}"', f'class="flow flow-{edge.kind}{" flow-back" if edge.back else ""}"']
        if edge.label:
            attrs.append(f"label=<{_e(edge.label)}>")
        if edge.back:
            attrs += ["constraint=false", "style=dashed", 'color="#7a3e9d"', 'fontcolor="#7a3e9d"']
        elif edge.kind == "flow":
            attrs += ["constraint=false", 'color="#1f5fa8"', 'fontcolor="#1f5fa8"']
        if edge.back or edge.kind == "flow":
            attrs.append("tailport=n, headport=n")  # arc over the stage row, clear of the bands
        lines.append(f"S{source} -> S{target} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _band_table(site: Site, interactions: list[Interaction]) -> str:
    if not interactions:
        return '<TABLE BORDER="0" CELLPADDING="2"><TR><TD WIDTH="60"> </TD></TR></TABLE>'
    groups: dict[str, list[Interaction]] = {}
    for interaction in interactions:
        groups.setdefault(interaction.touchpoint, []).append(interaction)
    rows = []
    for slug, items in groups.items():
        touchpoint = site.touchpoints[slug]
        level = _level(i.emotion for i in items)
        fill = EMOTION_FILL[level] if level is not None else "#ffffff"
        mark = f" {EMOTION_MARK[level]}" if level is not None else ""
        mot = " ★" if any(i.moment_of_truth for i in items) else ""
        feeling = f"; feels {EMOTION_WORD[level]}" if level is not None else ""
        actions = "; ".join(i.action for i in items)
        tooltip = _esc_attr(f"{touchpoint.name}{feeling}: {actions}")
        rows.append(
            f'<TR><TD BGCOLOR="{fill}" BORDER="1" COLOR="#666666" STYLE="rounded" CELLPADDING="4" '
            f'HREF="../../touchpoints/{slug}/index.html" TARGET="_top" TITLE="{tooltip}" '
            f'ID="tp-{items[0].stage}-{slug}-{items[0].visibility}">{_e(touchpoint.name)}{mark}{mot}</TD></TR>'
        )
    return '<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="0">' + "".join(rows) + "</TABLE>"


_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_NODE_TITLE_RE = re.compile(r"<title>[^<]*</title>\n?")


_STDERR_LOCK = threading.Lock()
_FONTCONFIG_NOISE = re.compile(r"^Fontconfig (warning|error):")


@contextmanager
def _filtered_stderr() -> Iterator[None]:
    """Drop the bundled fontconfig's complaints about newer system config files.

    pygraphviz's wheel ships a fontconfig older than many systems' (pygraphviz#648)
    and it prints warnings straight to file descriptor 2 whenever it (re)reads
    the configuration.  They say nothing about the diagram, so a build hides
    them; anything else Graphviz prints is passed through unchanged.
    """
    with _STDERR_LOCK, tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not _FONTCONFIG_NOISE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))


def render_svg(dot: str, columns: int, title: str, description: str) -> str:
    """Lay out *dot* (*columns* stages) and return a standalone SVG with ``<title>`` and ``<desc>``."""
    graph = pygraphviz.AGraph(string=dot)
    with _filtered_stderr():
        graph.layout(prog="dot")
        lines = _visibility_lines(graph, columns)  # before drawing releases the layout
        svg = graph.draw(format="svg").decode("utf-8")
    marker = svg.index(">", svg.index('<polygon fill="white" stroke="none"')) + 1
    svg = svg[:marker] + "\n" + lines + svg[marker:]
    svg = _COMMENT_RE.sub("", svg)
    head = f"\n<title>{html.escape(title)}</title>\n<desc>{html.escape(description)}</desc>"
    # Graphviz titles the graph and every node and edge with internal names
    # ("journey", "S0", "S0->S1") that browsers would show as tooltips; the
    # document gets a real title and description instead, as its first children.
    svg = _NODE_TITLE_RE.sub("", svg)
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[:start] + head + svg[start:]


def _visibility_lines(graph: pygraphviz.AGraph, columns: int) -> str:
    """Draw and label the two lines of visibility across the whole diagram.

    Graphviz has no edge that spans a rank, and rows of invisible nodes to fake
    one double the layout time; so each line is drawn after layout, halfway
    between the bottom of one band row and the top of the next.
    """
    right = float(graph.graph_attr["bb"].split(",")[2])

    def row_edges(band: str) -> tuple[float, float]:
        names = [f"L_{band}"] + [f"B{c}_{band}" for c in range(columns)]
        tops, bottoms = [], []
        for name in names:
            node = graph.get_node(name)
            y = float(node.attr["pos"].split(",")[1])
            half = float(node.attr["height"]) * 36
            tops.append(y + half)
            bottoms.append(y - half)
        return max(tops), min(bottoms)

    rows = {band: row_edges(band) for band, _ in BANDS}
    parts = []
    for upper, lower in (("consumer", "shared"), ("shared", "provider")):
        y = (rows[upper][1] + rows[lower][0]) / 2
        parts.append(
            f'<g id="visibility-line-{upper}" class="visibility-line">'
            f'<path fill="none" stroke="#777777" stroke-width="1.2" stroke-dasharray="6,3" '
            f'd="M4,{-y:.2f} L{right - 4:.2f},{-y:.2f}"/>'
            f'<text x="6" y="{-y - 4:.2f}" font-family="{FONT}" font-size="10" font-style="italic" '
            f'fill="#444444">{html.escape(LINES[upper])}</text></g>'
        )
    return "\n".join(parts)


class DiagramCache:
    """Finished SVGs by key; safe to delete at any time (``build.cache_dir``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.svg"

    def get(self, key: str) -> str | None:
        try:
            return self._path(key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, key: str, svg: str) -> None:
        try:
            atomic_write(self._path(key), svg)  # parallel workers never see half a file
        except OSError:
            pass  # a cache that cannot be written only costs time


def inline_svg(svg: str) -> str:
    """The ``<svg>`` element alone, for embedding in an HTML page."""
    start = svg.index("<svg")
    return svg[start:].strip()


def cache_key(dot: str, title: str, description: str) -> str:
    """Key of a diagram in the cache: everything the SVG is made from."""
    material = "\n\x00".join((__version__, pygraphviz.__version__, title, description, dot))
    return hashlib.blake2b(material.encode(), digest_size=16).hexdigest()


def describe(site: Site, journey: Journey) -> str:
    """A plain-text summary of the diagram for screen readers and the SVG ``<desc>``."""
    stages = ", ".join(site.stage(s).title for s in journey.stage_ids)
    loops = [e for e in journey.flow if e.back or e.kind == "flow"]
    extra = "; ".join(
        f"{site.stage(e.source).title} to {site.stage(e.target).title}{': ' + e.label if e.label else ''}" for e in loops
    )
    touchpoints = len({i.touchpoint for i in journey.interactions})
    noun = "touchpoint" if touchpoints == 1 else "touchpoints"
    text = f"Stages {stages}. {touchpoints} {noun} in three visibility bands."
    return text + (f" Other transitions: {extra}." if extra else "")
