"""A journey's stage diagram: the model as DOT text, laid out in process by Graphviz.

Stages run left to right on the top row, joined by the journey's effective flow
(loops, returns, skips and repeats bridge over the row, see :func:`_nesting`).  Under each stage, one column node
holds its touchpoints in three bands: consumer only, the band of visibility,
provider only.  The bands' dashed bottom borders join, column to column, into
the two labelled lines of visibility.

Content reaches Graphviz only inside HTML-like labels, escaped as entities,
and node names are generated, so no title can inject DOT or SVG markup.  Long
texts are shortened for the drawing only (:func:`_clip`): Graphviz refuses an
HTML-like label over 16,384 characters, and the page and ``journey.json``
carry the full text anyway.  The
whole graph is handed over as one DOT string (far faster than pygraphviz's
per-node API; see :mod:`.graphviz`) and the same input always yields the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import time
from pathlib import Path

from .. import code_identity
from ..model import Interaction, Journey, Site, average, emotion_level, felt
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
# What the drawing shows of a text at most: a name, title or flow label in a box or on an
# arrow, and a tooltip.  Shorter texts pass unchanged, so their DOT (the cache key) does too.
LABEL_LIMIT = 120  # the sample catalogue has a 93-character flow label, drawn in full
TOOLTIP_LIMIT = 400
LABEL_LINES = 4


def _clip(text: str, limit: int = LABEL_LIMIT) -> str:
    """*text* cut to *limit* characters and LABEL_LINES lines, with an ellipsis where cut.

    Graphviz refuses a label over 16,384 characters, and a box as wide as a
    paragraph would push the diagram's columns apart; the page and
    ``journey.json`` keep the whole text, and the ellipsis says there is more.
    """
    lines = text.splitlines()
    if len(text) <= limit and len(lines) <= LABEL_LINES:
        return text
    kept = "\n".join(lines[:LABEL_LINES])
    return kept[: limit - 1].rstrip() + "…"


def _level(mean: float | None) -> int | None:
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


# Band geometry in points.  Every column node repeats the same three bands, so
# they line up across the diagram only if each band has the same height in
# every column: heights are set explicitly (Graphviz treats HEIGHT as a minimum,
# and these are above what an 11 pt line needs) and short bands get a spacer.
LINE = 15  # one more line of text in a cell
TOUCHPOINT_HEIGHT = 26  # a touchpoint box with one line of name
SPACING = 4  # between touchpoint boxes
CAPTION = 14  # the italic caption of a line of visibility
PAD = 10  # around each band of a column: the gap between columns is twice this
MIN_WIDTH = 100  # of a column, leaving room for the arrows between stage boxes
CHAR_WIDTH = 8  # generous width of a bold 11 pt character, to size columns under long stage titles


def _lines(text: str) -> int:
    return len(text.splitlines()) or 1


def dot_source(site: Site, journey: Journey) -> str:
    """The DOT text of a journey's diagram; also the diagram cache's key material.

    Two ranks keep the layout cheap: the stage boxes joined by the flow, and
    under each one a single node holding its three bands, with the row labels
    on the left.  The columns touch, so the dashed bottom borders of their
    bands join into the two lines of visibility, drawn by Graphviz itself.
    Edges attach to whole stage nodes: ports on HTML cells cost Graphviz more
    than the rest of the layout together.
    """
    stages = [site.stage(s.stage) for s in journey.stages]
    titles = [_clip(s.title) for s in stages]
    columns = []
    for entry in journey.stages:
        bands: dict[str, dict[str, list[Interaction]]] = {band: {} for band, _ in BANDS}
        for interaction in entry.interactions:
            bands[interaction.visibility].setdefault(interaction.touchpoint, []).append(interaction)
        columns.append(bands)
    used = [{band: _band_used(site, groups) for band, groups in c.items()} for c in columns]
    band_height = {band: max([u[band] for u in used] + [TOUCHPOINT_HEIGHT + 2 * SPACING]) for band, _ in BANDS}

    lines = [
        "digraph journey {",
        f'graph [nodesep=0.02, ranksep=0.25, pad=0.2, fontname="{FONT}", bgcolor="white", id="diagram"];',
        f'node [fontname="{FONT}", fontsize=11, shape=plaintext, margin=0];',
        f'edge [fontname="{FONT}", fontsize=10, color="#444444"];',
        'L_stage [label=<<B>Stage</B>>, id="lane-stage"];',
    ]
    rows = []
    for band, label in BANDS:
        caption = (
            f'<TR><TD HEIGHT="{CAPTION}" ALIGN="LEFT" VALIGN="BOTTOM"><I><FONT POINT-SIZE="9" COLOR="#444444">'
            f"{_e(LINES[band])}</FONT></I></TD></TR>"
            if band in LINES
            else ""
        )
        inner = band_height[band] - (CAPTION if caption else 0)
        rows.append(
            f'<TR><TD {_band_cell(band)}><TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">'
            f'<TR><TD HEIGHT="{inner}"><B>{_e(label)}</B></TD></TR>{caption}</TABLE></TD></TR>'
        )
    lines.append(f'L_bands [label=<{_table(rows)}>, id="lanes"];')
    lines.append("L_stage -> L_bands [style=invis, weight=100];")

    for column, (stage, title, entry, bands, heights) in enumerate(zip(stages, titles, journey.stages, columns, used)):
        level = _level(felt(entry.interactions))  # the stage's travellers only, as the map and the curve
        mark = f'<BR/><FONT POINT-SIZE="9">{EMOTION_MARK[level]} {_e(EMOTION_WORD[level])}</FONT>' if level is not None else ""
        fill = EMOTION_FILL[level] if level is not None else "#ffffff"
        tooltip = _esc_attr(_clip(f"{title}: {entry.goal or stage.purpose}", TOOLTIP_LIMIT))
        lines.append(
            f'S{column} [shape=box, style="rounded,filled", fillcolor="{fill}", margin="0.15,0.06", '
            f'label=<<B>{_e(title)}</B>{mark}>, URL="index.html#stage-{stage.id}", '
            f'target="_top", tooltip="{tooltip}", id="stage-node-{stage.id}"];'
        )
        width = max(MIN_WIDTH, max(map(len, title.splitlines() or [""])) * CHAR_WIDTH + 50)
        rows = [
            f'<TR><TD {_band_cell(band)} WIDTH="{width}" ID="band-{stage.id}-{band}">'
            f"{_band_table(site, bands[band], band_height[band] - heights[band])}</TD></TR>"
            for band, _label in BANDS
        ]
        lines.append(f'C{column} [label=<{_table(rows)}>, id="column-{stage.id}"];')
        lines.append(f"S{column} -> C{column} [style=invis, weight=100];")
        previous = f"C{column - 1}" if column else "L_bands"
        lines.append(f"{previous} -> C{column} [style=invis];")  # columns in order, whatever the flow

    lines.append("{rank=same; L_stage; " + " ".join(f"S{c};" for c in range(len(stages))) + "}")
    lines.append("{rank=same; L_bands; " + " ".join(f"C{c};" for c in range(len(stages))) + "}")

    column_of = {s.id: c for c, s in enumerate(stages)}
    spans: list[tuple[int, int, int]] = []  # (number, first column, last column) of each bridge
    for number, edge in enumerate(journey.flow, 1):
        source, target = column_of[edge.source], column_of[edge.target]
        kind = f'class="flow flow-{edge.kind}{" flow-back" if edge.back else ""}"'
        if edge.kind != "flow":  # a step of the default flow (always forward): a straight arrow
            label = f", xlabel=<{_e(_clip(edge.label))}>" if edge.label else ""  # no label rank: the row stays compact
            lines.append(f'S{source} -> S{target} [id="flow-{number}", {kind}{label}];')
            continue
        colour = '"#7a3e9d"' if edge.back else '"#1f5fa8"'
        style = "dashed" if edge.back else "solid"
        text = _e(_clip(edge.label)) if edge.label else ""
        lines.append(
            f'F{number} [shape=plaintext, margin="0.04,0.02", width=0, height=0, fontsize=10, '
            f'fontcolor={colour}, label=<{text}>, id="flow-{number}-label"];'
        )
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


def _table(rows: list[str]) -> str:
    return '<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">' + "".join(rows) + "</TABLE>"


def _band_cell(band: str) -> str:
    """Attributes of a band's cell; the bottom border of the upper two is a line of visibility."""
    line = 'BORDER="1" SIDES="B" STYLE="dashed" COLOR="#777777"' if band in LINES else 'BORDER="1" SIDES="B" COLOR="#ffffff"'
    return f'CELLPADDING="{PAD}" {line}'


def _band_used(site: Site, groups: dict[str, list[Interaction]]) -> int:
    """Height of a band's touchpoint boxes and the spacing around them."""
    return SPACING + sum(_box_height(_clip(site.touchpoints[slug].name)) + SPACING for slug in groups)


def _box_height(name: str) -> int:
    return TOUCHPOINT_HEIGHT + LINE * (_lines(name) - 1)


def _band_table(site: Site, groups: dict[str, list[Interaction]], spare: int) -> str:
    """A band's touchpoint boxes, and *spare* points of spacer that make it as tall as its row."""
    rows = []
    for slug, items in groups.items():
        name = _clip(site.touchpoints[slug].name)
        # A touchpoint's box sums up exactly the interactions it holds (its tooltip lists
        # them), persona or not: one band's box never mixes in another band's work.
        level = _level(average(i.emotion for i in items))
        fill = EMOTION_FILL[level] if level is not None else "#ffffff"
        mark = f" {EMOTION_MARK[level]}" if level is not None else ""
        mot = " ★" if any(i.moment_of_truth for i in items) else ""
        feeling = f"; feels {EMOTION_WORD[level]}" if level is not None else ""
        actions = "; ".join(i.action for i in items)
        tooltip = _esc_attr(_clip(f"{name}{feeling}: {actions}", TOOLTIP_LIMIT))
        rows.append(
            f'<TR><TD HEIGHT="{_box_height(name)}" BGCOLOR="{fill}" BORDER="1" COLOR="#666666" '
            f'CELLPADDING="4" HREF="../../touchpoints/{slug}/index.html" TARGET="_top" '
            f'TITLE="{tooltip}" ID="tp-{items[0].stage}-{slug}-{items[0].visibility}">'
            f"{_e(name)}{mark}{mot}</TD></TR>"
        )
    if spare:
        # keeps every column's band the same height, so the rows and lines of visibility align
        rows.append(f'<TR><TD HEIGHT="{spare - SPACING}" WIDTH="60" CELLPADDING="0"></TD></TR>')
    return f'<TABLE BORDER="0" CELLSPACING="{SPACING}" CELLPADDING="0">' + "".join(rows) + "</TABLE>"


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

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.svg"

    def get(self, key: str) -> str | None:
        path = self._path(key)
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
    import pygraphviz

    material = "\n\x00".join((code_identity(), pygraphviz.__version__, title, description, dot))
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
