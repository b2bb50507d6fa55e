"""Graphviz in process: DOT text in, a standalone SVG out.

pygraphviz's wheel bundles libgraphviz, so no ``dot`` program is needed.  This
module owns everything about talking to it: one Graphviz context per process,
in-memory files for its input and messages, the bundled fontconfig's noise
kept off the terminal, and the clean-up that makes the SVG the same bytes for
the same DOT.  :mod:`.diagram` decides what the DOT says.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_NODE_TITLE_RE = re.compile(r"<title>[^<]*</title>\n?")
_NODE_RE = re.compile(r'<g id="([^"]*)" class="node">')
_SHAPE_RE = re.compile(r'(?: d| points)="([^"]*)"')  # the first outline in a node's group is its shape
_SEPARATORS = str.maketrans("MCLZ,", "     ")  # an outline's commands and commas, between its numbers
_CANVAS_RE = re.compile(
    r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\n viewBox="0\.00 0\.00 [\d.]+ [\d.]+"(.*?)'
    r'transform="scale\(1 1\) rotate\(0\) translate\(([\d.]+) ([\d.]+)\)">\n'
    r'<polygon fill="white" stroke="none" points="[^"]*"/>',
    re.DOTALL,
)


_STDERR_LOCK = threading.RLock()
_QUIET = threading.local()  # .depth: how many sessions this thread has open
_FONTCONFIG_NOISE = re.compile(r"^Fontconfig (warning|error):")
_CONTEXT: list[object] = []  # one Graphviz context per process, made on first use (forked workers inherit it)
_SCRATCH: dict[tuple[int, str], BinaryIO] = {}  # (process id, purpose) -> an in-memory file


def _scratch(purpose: str) -> BinaryIO:
    """A file of this process's for *purpose*, made once: in memory where Linux allows.

    Graphviz reads DOT from a file and writes its messages to one.  A temporary
    file per diagram (as ``AGraph(string=...)`` makes) cost file creations,
    and on ext4 every short-lived inode makes later file creations in the
    build slower.  Keyed by process: a forked worker must not share its
    parent's file offset.
    """
    key = (os.getpid(), purpose)
    if key not in _SCRATCH:
        try:
            fd = os.memfd_create(f"journeydocs-{purpose}", os.MFD_CLOEXEC)
        except (AttributeError, OSError):  # not Linux
            with tempfile.TemporaryFile() as spare:
                fd = os.dup(spare.fileno())
        _SCRATCH[key] = os.fdopen(fd, "w+b", buffering=0)
    return _SCRATCH[key]


@contextmanager
def _filtered_stderr() -> Iterator[None]:
    """Drop the bundled fontconfig's complaints about newer system config files.

    pygraphviz's wheel ships a fontconfig older than many systems' (pygraphviz#648)
    and it prints warnings straight to file descriptor 2 whenever it (re)reads
    the configuration.  They say nothing about the diagram, so a build hides
    them; anything else Graphviz prints is passed through unchanged.
    """
    capture = _scratch("stderr")
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(capture.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        if capture.tell():  # something was printed
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
            capture.seek(0)
            capture.truncate()
            kept = [line for line in text.splitlines(keepends=True) if not _FONTCONFIG_NOISE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))


@contextmanager
def session() -> Iterator[None]:
    """Keep Graphviz to this thread, its fontconfig noise off the terminal, for a run of diagrams.

    Diverting file descriptor 2 costs four system calls; a render worker
    lays out its diagrams in runs (see ``Renderer.lay_out``) and pays them
    once per run instead of once per diagram.  Sessions nest.
    """
    with _STDERR_LOCK:
        depth = getattr(_QUIET, "depth", 0)
        try:
            _QUIET.depth = depth + 1
            if depth:
                yield
            else:
                with _filtered_stderr():
                    yield
        finally:
            _QUIET.depth = depth


def render_svg(dot: str, title: str, description: str) -> str:
    """Lay out *dot* and return a standalone SVG with ``<title>`` and ``<desc>``.

    This talks to libgvc through pygraphviz's low-level bindings: one context
    per process, one layout per diagram, and the DOT read from an in-memory
    file.  ``AGraph.layout()`` followed by ``draw()`` would create two contexts
    and lay the graph out twice.
    """
    from pygraphviz import (
        graphviz as gv,  # here: a build that lays out no diagram does not load Graphviz
    )

    with session():
        source = _scratch("dot")
        source.seek(0)
        source.truncate()
        source.write(dot.encode("utf-8"))
        source.seek(0)
        try:
            graph = gv.agread(source, None)
        except ValueError:
            raise RuntimeError("Graphviz could not read the stage diagram") from None
        try:
            if not _CONTEXT:
                _CONTEXT.append(gv.gvContextWithBuiltins())
            context = _CONTEXT[0]
            if gv.gvLayout(context, graph, b"dot") != 0:
                raise RuntimeError("Graphviz could not lay out the stage diagram")
            try:
                error, data = gv.gvRenderData(context, graph, b"svg")
            finally:
                gv.gvFreeLayout(context, graph)
        finally:
            gv.agclose(graph)
    if error:
        raise RuntimeError("Graphviz could not draw the stage diagram")
    svg = _COMMENT_RE.sub("", data.decode("utf-8"))
    head = f"\n<title>{html.escape(title)}</title>\n<desc>{html.escape(description)}</desc>"
    # Graphviz titles the graph and every node and edge with internal names
    # ("journey", "S0", "S0->S1") that browsers would show as tooltips;
    # the document gets a real title and description instead, as its first children.
    svg = _NODE_TITLE_RE.sub("", svg)
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[:start] + head + svg[start:]


def node_boxes(
    svg: str,
    prefix: str,
    rounded: float = 0,
    inside: Callable[[str, tuple[float, float, float, float]], str] | None = None,
) -> tuple[str, dict[str, tuple[float, float, float, float]]]:
    """Where Graphviz drew the nodes whose ids start with *prefix*: id -> left, top, right, bottom.

    Read from the SVG itself, in Graphviz's coordinates (y grows downwards and
    the graph's bottom edge is at 0), so that what is drawn after the layout
    lines up with what Graphviz drew.  With *rounded*, the boxes (drawn as
    polygons) become rectangles with corners of that radius, as Graphviz's
    own ``style=rounded`` draws them: it writes each such corner as a curve,
    every coordinate through ``printf``, which cost a tenth of the stage row's time.
    *inside* (given the id without *prefix* and the box) returns markup to draw
    over each box, in its group (and so in its link).
    Returns the SVG, so changed, and the boxes.
    """
    boxes, parts, done = {}, [], 0
    opening = f'<g id="{prefix.replace("-", "&#45;")}'  # Graphviz writes the hyphens of ids as entities
    start = svg.find(opening)
    while start >= 0:
        found = _NODE_RE.match(svg, start)
        shape = _SHAPE_RE.search(svg, found.end()) if found else None
        if found and shape:
            numbers = list(map(float, shape.group(1).translate(_SEPARATORS).split()))
            xs, ys = numbers[0::2], numbers[1::2]
            box = min(xs), min(ys), max(xs), max(ys)
            name = found.group(1).replace("&#45;", "-").removeprefix(prefix)
            boxes[name] = box
            polygon = svg.rfind("<polygon ", found.end(), shape.start())
            if rounded and polygon >= 0:
                left, top, right, bottom = box
                radius = min(rounded, (right - left) / 3, (bottom - top) / 3)
                rect = f'<rect x="{left:.2f}" y="{top:.2f}" width="{right - left:.2f}" height="{bottom - top:.2f}" rx="{radius:.2f}"'
                parts += [svg[done:polygon], rect, svg[polygon + len("<polygon") : shape.start()]]
                done = shape.end()
            if inside is not None:
                end = svg.index(">", shape.end()) + 1  # the shape's element ends
                parts += [svg[done:end], "\n", inside(name, box).rstrip("\n")]
                done = end
        start = svg.find(opening, start + 1)
    parts.append(svg[done:])
    return "".join(parts), boxes


def extend(svg: str, drawing: str, right: float, below: float) -> str:
    """*svg* with *drawing* added over the graph and the canvas grown to hold it.

    *drawing* is in the graph's coordinates and reaches *right* across and
    *below* under the graph's bottom edge; the canvas keeps Graphviz's margin
    around it and its white background grows along.
    """
    found = _CANVAS_RE.search(svg)
    if found is None:  # not expected: Graphviz's SVG head has had this form for years
        raise RuntimeError("Graphviz's SVG does not start as expected")
    width, height = float(found.group(1)), float(found.group(2))
    pad, top = float(found.group(4)), float(found.group(5))
    width = max(width, right + 2 * pad)
    height += below
    left_x, right_x, top_y, bottom_y = -pad, width - pad, -top, height - top
    points = " ".join(f"{x:.2f},{y:.2f}" for x, y in (
        (left_x, bottom_y), (left_x, top_y), (right_x, top_y), (right_x, bottom_y), (left_x, bottom_y)
    ))  # fmt: skip
    head = (
        f'<svg width="{width:.0f}pt" height="{height:.0f}pt"\n viewBox="0.00 0.00 {width:.2f} {height:.2f}"'
        f"{found.group(3)}transform=\"scale(1 1) rotate(0) translate({found.group(4)} {found.group(5)})\">\n"
        f'<polygon fill="white" stroke="none" points="{points}"/>'
    )
    end = svg.rindex("</g>")
    return svg[: found.start()] + head + svg[found.end() : end] + drawing + svg[end:]


def warm_up(font: str) -> None:
    """Load Graphviz and the fonts for *font* now, in the process that forks the render workers.

    A process's first diagram costs some 50 ms more than the others (the
    library, the font configuration, the first font).  Done once in the main
    process, while it waits for the parsing workers, every forked worker
    inherits it instead of paying it again.
    """
    try:
        render_svg(f'digraph warm {{ node [fontname="{font}", shape=plaintext]; w [label=<<B>warm</B> up>]; }}', "", "")
    except RuntimeError:
        pass  # the real diagrams will report it, at their journeys
