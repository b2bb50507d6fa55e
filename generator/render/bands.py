"""The stage diagram's texts and band columns, drawn as SVG over the stage row Graphviz laid out.

Under each stage box, a column holds the stage's touchpoints in three bands
(consumer only, the band of visibility, provider only) separated by the two
dashed, labelled lines of visibility.  Nothing in a column needs graph
layout: its boxes stack in fixed bands, and its width follows the stage box
above it.  Graphviz laid the columns out as HTML tables for three fifths of
each diagram's time (parsing the label twice, measuring every name with
Pango, writing every cell); drawing them here costs a small fraction of that.
For the same reason the stage boxes reach Graphviz without their texts, at
the size their texts need: measuring a box's title and feeling with Pango
took a quarter of what remained of Graphviz's time per diagram.

The split of work: :func:`plan` decides, from the model alone, what each
column holds and how big its stage box must be for its texts and the widest
touchpoint name; :mod:`.diagram` gives Graphviz that size; :func:`draw`
then places the bands under the stage boxes where Graphviz put them, and
:func:`stage_texts` the texts in them.  Texts are centred
(``text-anchor="middle"``), so a reader's font a little wider or narrower
than Helvetica leaves them centred in their boxes.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape
from typing import NamedTuple

from ..model import Interaction, Journey, Site, average, emotion_level, felt

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
LABEL_LIMIT = 120  # characters of a name, title or flow label the drawing shows (see clip)
TOOLTIP_LIMIT = 400
LABEL_LINES = 4

# Geometry in points.  Every column repeats the same three bands, each as tall as
# the tallest of its kind in the journey, so the bands and lines line up across.
GAP = 22  # between two stage boxes; a column reaches halfway into the gaps either side
ROW_GAP = 18  # between the stage row and the first band
PAD = 10  # above and below the boxes of a band
SPACING = 4  # between touchpoint boxes
TOUCHPOINT_HEIGHT = 26  # a touchpoint box with one line of name
LINE = 15  # each further line of a name
TEXT_PAD = 7  # beside the text in a touchpoint box
CAPTION = 14  # the italic caption of a line of visibility, in the lane column
MIN_BOX = 90  # a stage box (and its touchpoint boxes) at its narrowest
FONT_SIZE = 11
MOOD_SIZE = 9  # the feeling under a stage's title
BRIDGE_SIZE = 10  # a bridge's label
BRIDGE_PAD = (2.88, 1.44)  # beside and above a bridge's label (0.04 and 0.02 in)
BASELINE = 0.34  # from a line's middle to its baseline, in font sizes
SPACING_FACTOR = 1.2  # a line's height, in font sizes (as Graphviz spaces lines)
STAGE_HEIGHT = 36  # a stage box at its lowest (Graphviz's default node height, half an inch)
STAGE_PAD = (11, 4)  # beside and above a stage box's texts (about the 0.15 by 0.06 in Graphviz had)

# Advance widths of Helvetica (and the metric-compatible Arial and Liberation Sans)
# in thousandths of the font size, for the printable ASCII characters from the
# space on: the Adobe font metrics that every PDF reader carries.
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_HELVETICA_BOLD = (  # the same for Helvetica Bold: the stage titles
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip
MARKUP = re.compile("[&<>\"']")  # what needs escaping in HTML and SVG text (views.py too)
SAFETY = 1.1  # readers whose sans-serif is wider than Helvetica (DejaVu Sans) still fit


def clip(text: str, limit: int = LABEL_LIMIT) -> str:
    """*text* cut to *limit* characters and LABEL_LINES lines, with an ellipsis where cut.

    A box as wide as a paragraph would push the diagram's columns apart, and
    Graphviz refuses a label over 16,384 characters; the page and
    ``journey.json`` keep the whole text, and the ellipsis says there is more.
    """
    lines = text.splitlines()
    if len(text) <= limit and len(lines) <= LABEL_LINES:
        return text
    kept = "\n".join(lines[:LABEL_LINES])
    return kept[: limit - 1].rstrip() + "…"


@functools.lru_cache(maxsize=8192)  # names recur across a catalogue's journeys and bands
def text_width(text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
    """How wide *text* is set in Helvetica (or Helvetica Bold) of *size* points, erring wide.

    Letters with accents count as their base letter; wide (East Asian)
    characters as a full em, and other characters outside ASCII (the emotion
    marks, the star) as a full em too, since fallback fonts draw them large.
    """
    widths = _HELVETICA_BOLD if bold else _HELVETICA
    total = 0
    for char in text:
        code = ord(char)
        if 32 <= code < 127:
            total += widths[code - 32]
            continue
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and 32 <= ord(base) < 127:
            total += widths[ord(base) - 32]
        elif unicodedata.combining(char):
            continue
        else:
            total += 1000
    return total * size / 1000 * SAFETY


# The lane labels' column on the left, as wide as the widest (bold) label.
LANE_WIDTH = max(text_width(label, bold=True) for _, label in BANDS) + 2 * PAD


def level(mean: float | None) -> int | None:
    return None if mean is None else emotion_level(mean)


class Box(NamedTuple):
    """A touchpoint's box in one band of one stage: the interactions there, summed up.

    Its texts are kept escaped for SVG, as they are drawn."""

    id: str
    href: str
    tooltip: str
    lines: tuple[str, ...]  # the name's lines, the emotion mark and star after the last
    fill: str
    width: float  # of the widest line
    height: int


class Column(NamedTuple):
    """A stage: its box in the row (texts escaped, as they are drawn) and the column under it."""

    stage: str  # its id
    bands: tuple[tuple[Box, ...], tuple[Box, ...], tuple[Box, ...]]  # in BANDS order
    width: float  # of its stage box, and so of its touchpoint boxes
    height: float  # of its stage box
    title: tuple[str, ...]  # the stage box's bold title, line by line
    mood: str  # the line under the title: the stage's emotion mark and word ("" when none is felt)
    fill: str  # the stage box's colour, after the same feeling


class Bridge(NamedTuple):
    """The label of a loop, return, skip or repeat: a node of its own above the row (see :mod:`.diagram`)."""

    number: int  # of its edge in the journey's flow, from 1
    lines: tuple[str, ...]  # its text, line by line, escaped (none for an edge without a label)
    colour: str  # of its text and its edges: back (a loop or return) or forward (a skip)
    width: float
    height: float


class Plan(NamedTuple):
    """Everything journeydocs draws over Graphviz's layout; its repr is part of the diagram cache key."""

    columns: tuple[Column, ...]
    heights: tuple[int, int, int]  # of each band's boxes and the spacing around them
    bridges: tuple[Bridge, ...]

    @property
    def height(self) -> float:
        return ROW_GAP + sum(h + 2 * PAD for h in self.heights)


def plan(site: Site, journey: Journey) -> Plan:
    """What each stage's box and column hold, and the band heights that keep the columns aligned.

    A stage box is as wide as its widest text or touchpoint name needs (and
    MIN_BOX at least), and as high as its texts need (STAGE_HEIGHT at least).
    """
    columns = []
    for entry in journey.stages:
        groups: dict[str, dict[str, list[Interaction]]] = {band: {} for band, _ in BANDS}
        for interaction in entry.interactions:
            groups[interaction.visibility].setdefault(interaction.touchpoint, []).append(interaction)
        bands = tuple(tuple(_box(site, slug, items) for slug, items in groups[band].items()) for band, _ in BANDS)
        widest = max([box.width for boxes in bands for box in boxes], default=0)
        title = _lines(site.stage(entry.stage).title)
        mood = level(felt(entry.interactions))  # the stage's travellers only, as the map and the curve
        feeling = f"{EMOTION_MARK[mood]} {EMOTION_WORD[mood]}" if mood is not None else ""
        texts = [text_width(line, bold=True) for line in title] + [text_width(feeling, size=MOOD_SIZE)]
        sizes = [FONT_SIZE] * len(title) + ([MOOD_SIZE] if feeling else [])
        columns.append(Column(
            entry.stage, bands,  # type: ignore[arg-type]
            width=max(MIN_BOX, widest + 2 * TEXT_PAD, max(texts) + 2 * STAGE_PAD[0]),
            height=max(STAGE_HEIGHT, SPACING_FACTOR * sum(sizes) + 2 * STAGE_PAD[1]),
            title=tuple(map(_x, title)),
            mood=_x(feeling),
            fill=_fill(mood),
        ))  # fmt: skip
    used = [[SPACING + sum(box.height + SPACING for box in boxes) for boxes in c.bands] for c in columns]
    least = TOUCHPOINT_HEIGHT + 2 * SPACING
    heights = tuple(max([least] + [u[n] for u in used]) for n in range(len(BANDS)))
    bridges = []
    for number, edge in enumerate(journey.flow, 1):
        if edge.kind == "flow":  # written in the journey's flow: a bridge (the default steps are arrows)
            lines = _lines(edge.label) if edge.label else ()
            bridges.append(Bridge(
                number, tuple(map(_x, lines)), "#7a3e9d" if edge.back else "#1f5fa8",
                width=max([text_width(line, size=BRIDGE_SIZE) for line in lines], default=0) + 2 * BRIDGE_PAD[0],
                height=SPACING_FACTOR * BRIDGE_SIZE * len(lines) + 2 * BRIDGE_PAD[1],
            ))  # fmt: skip
    return Plan(tuple(columns), heights, tuple(bridges))  # type: ignore[arg-type]


def _box(site: Site, slug: str, items: list[Interaction]) -> Box:
    """A touchpoint's box sums up exactly the interactions it holds (its tooltip lists
    them), persona or not: one band's box never mixes in another band's work."""
    name = site.touchpoints[slug].name
    mood = level(average(i.emotion for i in items))
    mark = f" {EMOTION_MARK[mood]}" if mood is not None else ""
    star = " ★" if any(i.moment_of_truth for i in items) else ""
    feeling = f"; feels {EMOTION_WORD[mood]}" if mood is not None else ""
    actions = "; ".join(i.action for i in items)
    lines = list(_lines(name))
    lines[-1] += mark + star
    return Box(
        id=f"tp-{items[0].stage}-{slug}-{items[0].visibility}",
        href=f"../../touchpoints/{slug}/index.html",
        tooltip=_x(clip(" ".join(f"{clip(name)}{feeling}: {actions}".split()), TOOLTIP_LIMIT)),
        lines=tuple(_x(line) for line in lines),
        fill=_fill(mood),
        width=max(map(text_width, lines)),
        height=TOUCHPOINT_HEIGHT + LINE * (len(lines) - 1),
    )


def _fill(mood: int | None) -> str:
    return EMOTION_FILL[mood] if mood is not None else "#ffffff"


@functools.lru_cache(maxsize=4096)  # a catalogue's touchpoints and stages recur in journey after journey
def _lines(text: str) -> tuple[str, ...]:
    return tuple(clip(text).splitlines()) or ("",)


def _n(value: float) -> str:
    """A coordinate, to a hundredth of a point as Graphviz writes them."""
    return f"{value:.2f}"


def _x(text: str) -> str:
    """Text for SVG content or an attribute, markup escaped.  (YAML and site.toml already
    refuse the control characters XML forbids.)"""
    return escape(text, quote=True) if MARKUP.search(text) else text


def draw(plan: Plan, stages: Mapping[str, tuple[float, float]], row: tuple[float, float]) -> tuple[str, float]:
    """The lane labels and columns, under a stage row whose boxes span *stages* (id -> left, right)
    and reach from *row*'s top to its bottom.

    Coordinates are Graphviz's: y grows downwards, to the row's bottom edge.
    Each column reaches halfway into the gaps beside its stage box, so the
    columns meet, and the lines of visibility run under all of them.
    Returns the SVG and the right edge of the last column.
    """
    spans = [stages[c.stage] for c in plan.columns]
    edges = [spans[0][0] - GAP / 2]
    edges += [(left_box[1] + right_box[0]) / 2 for left_box, right_box in itertools.pairwise(spans)]
    edges.append(spans[-1][1] + GAP / 2)
    tops, top = [], row[1] + ROW_GAP
    for height in plan.heights:
        tops.append(top)
        top += height + 2 * PAD
    out = [_lanes(plan, sum(row) / 2, tops, edges[0] - LANE_WIDTH, edges[0], edges[-1])]
    for n, column in enumerate(plan.columns):
        out.append(_column(column, spans[n], tops))
    return "\n".join(out) + "\n", edges[-1]


def baselines(sizes: Sequence[float], middle: float) -> list[float]:
    """Where the lines of a block of text, of these font *sizes*, sit to be centred on *middle*."""
    y = middle - SPACING_FACTOR * sum(sizes) / 2  # the block's top
    out = []
    for size in sizes:
        out.append(y + (SPACING_FACTOR / 2 + BASELINE) * size)
        y += SPACING_FACTOR * size
    return out


def stage_texts(column: Column, box: tuple[float, float, float, float]) -> str:
    """The texts of a stage box that Graphviz placed at *box* (left, top, right, bottom): its
    bold title and, under it, the stage's feeling, centred as one block."""
    lines = [(line, FONT_SIZE, ' font-weight="bold"') for line in column.title]
    if column.mood:
        lines.append((column.mood, MOOD_SIZE, ""))
    middle = _n((box[0] + box[2]) / 2)
    ys = baselines([size for _, size, _ in lines], (box[1] + box[3]) / 2)
    return "".join(
        f'<text text-anchor="middle" x="{middle}" y="{_n(y)}" font-family="{FONT}"{weight} font-size="{size}">{text}</text>\n'
        for (text, size, weight), y in zip(lines, ys)
    )


def bridge_texts(bridge: Bridge, box: tuple[float, float, float, float]) -> str:
    """The text of a bridge's label, in the node Graphviz placed at *box*."""
    middle = _n((box[0] + box[2]) / 2)
    ys = baselines([BRIDGE_SIZE] * len(bridge.lines), (box[1] + box[3]) / 2)
    return "".join(
        f'<text text-anchor="middle" x="{middle}" y="{_n(y)}" font-family="{FONT}" font-size="{BRIDGE_SIZE}" '
        f'fill="{bridge.colour}">{line}</text>\n'
        for line, y in zip(bridge.lines, ys)
    )


def _line(band: str, left: float, right: float, y: float) -> str:
    if band not in LINES:
        return ""
    return f'<polyline fill="none" stroke="#777777" stroke-dasharray="5,2" points="{_n(left)},{_n(y)} {_n(right)},{_n(y)}"/>\n'


def _lanes(plan: Plan, middle: float, tops: Sequence[float], left: float, right: float, end: float) -> str:
    """The row labels on the left (the stage row's, level with its *middle*; each band's name,
    each line of visibility's caption above it) and the lines of visibility themselves, from
    the labels to the last column's *end*.

    The labels are centred over the lane column's node in the row, which
    Graphviz places without a text, ending GAP / 2 short of *right*.
    """
    x = _n((left + right - GAP / 2) / 2)
    out = ['<g id="lanes" class="diagram-lanes">\n']
    rows = [("Stage", middle)]
    for (band, label), top, height in zip(BANDS, tops, plan.heights):
        inner = height - (CAPTION if band in LINES else 0)
        rows.append((label, top + PAD + inner / 2))
    for label, y in rows:
        out.append(
            f'<text text-anchor="middle" x="{x}" y="{_n(baselines([FONT_SIZE], y)[0])}" font-family="{FONT}" '
            f'font-weight="bold" font-size="{FONT_SIZE}">{_x(label)}</text>\n'
        )
    for (band, _label), top, height in zip(BANDS, tops, plan.heights):
        line = top + height + 2 * PAD
        if band in LINES:
            out.append(
                f'<text x="{_n(left + PAD + 1)}" y="{_n(line - PAD - 4)}" font-family="{FONT}" font-style="italic" '
                f'font-size="9" fill="#444444">{_x(LINES[band])}</text>\n'
            )
        out.append(_line(band, left, end, line))
    out.append("</g>")
    return "".join(out)


def _column(column: Column, box: tuple[float, float], tops: Sequence[float]) -> str:
    """A stage's column: its touchpoint boxes in their bands, as wide as its stage box."""
    out = [
        f'<g id="column-{column.stage}" class="diagram-column" font-family="{FONT}" font-size="{FONT_SIZE}" text-anchor="middle">\n'
    ]
    middle, across = _n((box[0] + box[1]) / 2), f'x="{_n(box[0])}" width="{_n(box[1] - box[0])}"'
    for (band, _label), boxes, top in zip(BANDS, column.bands, tops):
        out.append(f'<g id="band-{column.stage}-{band}" class="diagram-band diagram-band-{band}">\n')
        y = top + PAD + SPACING
        for tp in boxes:  # ids and links are made of slugs: nothing in them to escape
            ys = baselines([FONT_SIZE] * len(tp.lines), y + tp.height / 2)
            texts = "".join(f'<text x="{middle}" y="{_n(line_y)}">{text}</text>\n' for text, line_y in zip(tp.lines, ys))
            out.append(
                f'<g id="{tp.id}" class="diagram-touchpoint"><a xlink:href="{tp.href}" xlink:title="{tp.tooltip}" '
                f'target="_top">\n<rect {across} y="{_n(y)}" height="{tp.height}" fill="{tp.fill}" stroke="#666666"/>\n'
                f"{texts}</a>\n</g>\n"
            )
            y += tp.height + SPACING
        out.append("</g>\n")
    out.append("</g>")
    return "".join(out)
