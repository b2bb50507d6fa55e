"""Render the catalogue: assertions on the *parsed* output of whole builds.

The mini fixture (tests/fixtures/mini) is built once per module, with and
without drafts; the sample catalogue at the repository root once.  Expected
values come from the fixture's content (written out here where it matters)
and from the model (``generator.build.load``), never from snapshots of HTML.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build import Options, build, load
from generator.render.diagram import dot_source

from .conftest import MINI, SVG, clean_build, copy_site, files
from .sitecheck import (
    Element,
    active_content,
    broken_links,
    duplicate_ids,
    ids,
    links,
    pages,
    parse,
    resolve,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MINI_BASE_URL = "https://example.org/mini/"
MINI_BASE_PATH = "/mini/"

PUBLISHED = ("get-support", "order-service")
DRAFT = "draft-idea"


# -- builds and models, once per module ------------------------------------------------


def _model(root: Path, drafts: bool = False):  # type: ignore[no-untyped-def]
    loaded = load(Options(root=root, drafts=drafts))
    assert loaded.site is not None, [d.format() for d in loaded.report.items]
    assert not loaded.report.items, [d.format() for d in loaded.report.items]
    return loaded.site


@pytest.fixture(scope="module")
def model(mini_site: Path):  # type: ignore[no-untyped-def]
    return _model(mini_site)


@pytest.fixture(scope="module")
def model_drafts(mini_site: Path):  # type: ignore[no-untyped-def]
    return _model(mini_site, drafts=True)


@pytest.fixture(scope="module")
def mini(mini_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini fixture built with the Python API (no drafts)."""
    out = tmp_path_factory.mktemp("mini") / "public"
    result = build(Options(root=mini_site, output=out, strict=True))
    assert result.output == out.resolve()
    return result.output


@pytest.fixture(scope="module")
def mini_drafts(mini_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini fixture built through the command line with ``--drafts``."""
    out = tmp_path_factory.mktemp("mini-drafts") / "public"
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(mini_site), "--output", str(out), "--drafts", "--strict"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "built" in run.stdout
    assert run.stderr == "", "a clean build prints nothing on stderr (no fontconfig noise)"
    return out


@pytest.fixture(scope="module")
def sample(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full sample catalogue of the repository (a copy of it)."""
    out = tmp_path_factory.mktemp("sample") / "public"
    return build(Options(root=sample_site, output=out)).output


@functools.lru_cache(maxsize=None)
def _parsed(path: str) -> Element:
    return parse(Path(path))


def page(root: Path, rel: str) -> Element:
    """A parsed page of a build (cached: module builds are never rebuilt in place)."""
    path = root / rel
    assert path.is_file(), f"{rel} is missing from the build"
    return _parsed(str(path))


def links_to(root: Path, rel: str, target: str, fragment: str | None = None) -> list[Element]:
    """Elements of page *rel* whose href/src/xlink:href resolves to *target* (and *fragment*, if given)."""
    found = []
    for el, _attr, value in links(page(root, rel)):
        where = resolve(root, root / rel, value, MINI_BASE_PATH)
        if where.target is None or where.target != (root / target).resolve():
            continue
        if fragment is None or where.fragment == fragment:
            found.append(el)
    return found


def row_of(el: Element) -> Element:
    """The table row (or list item) that holds a link: where its context is shown."""
    return el.closest("tr") or el.closest("li") or el.parent or el


def diagram_svg(tree: Element) -> Element:
    """The Graphviz diagram among a page's SVG elements (the experience curve is another)."""
    found = [svg for svg in tree.iter("svg") if any("graph" in g.classes for g in svg.iter("g"))]
    assert len(found) == 1, f"expected one stage diagram, found {len(found)}"
    return found[0]


def html_pages(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in pages(root, (".html",))]


# -- the fixture itself ----------------------------------------------------------------


def test_fixture_is_a_small_valid_site(model, model_drafts) -> None:  # type: ignore[no-untyped-def]
    assert tuple(sorted(model.journeys)) == PUBLISHED
    assert tuple(sorted(model_drafts.journeys)) == tuple(sorted((*PUBLISHED, DRAFT)))
    assert {p.role for p in model.personas.values()} == {"customer", "user", "provider"}
    assert len(model.touchpoints) == 4
    flow = {(e.source, e.target): e for e in model.journeys["order-service"].flow}
    assert flow[("realize", "explore")].label == "next cycle" and flow[("realize", "explore")].back
    assert flow[("co-create", "engage")].back
    assert len(flow) == 4 + 2  # the default path through five stages, plus the two written in flow


# -- interactions: on their journey, touchpoint, persona and stage pages -----------------


def test_interaction_anchors_are_numbered_per_stage(mini: Path) -> None:
    tree = page(mini, "journeys/order-service/index.html")
    anchors = {el.id for el in tree.iter() if el.id and el.id.startswith("i-")}
    assert anchors == {
        "i-explore-1", "i-engage-1", "i-engage-2", "i-onboard-1", "i-onboard-2",
        "i-co-create-1", "i-co-create-2", "i-realize-1",
    }
    assert "Phones because the password reset link has expired" in tree.by_id("i-onboard-2").text  # type: ignore[union-attr]


def test_every_interaction_is_on_its_journey_page(mini: Path, model) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for journey in model.journeys.values():
        tree = page(mini, f"journeys/{journey.slug}/index.html")
        for i in journey.interactions:
            assert i.anchor == f"i-{i.stage}-{i.index + 1}"
            el = tree.by_id(i.anchor)
            if el is None:
                problems.append(f"{journey.slug}: no element with id {i.anchor}")
            elif i.action not in el.text:
                problems.append(f"{journey.slug}#{i.anchor} does not show {i.action!r}: {el.text!r}")
    assert not problems, "\n".join(problems)


def test_every_interaction_links_back_from_touchpoint_persona_and_stage_pages(mini: Path, model) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for journey in model.journeys.values():
        target = f"journeys/{journey.slug}/index.html"
        for i in journey.interactions:
            where = [f"touchpoints/{i.touchpoint}/index.html", f"stages/{i.stage}/index.html"]
            if i.persona:
                where.append(f"personas/{i.persona}/index.html")
            for rel in where:
                found = links_to(mini, rel, target, i.anchor)
                if not found:
                    problems.append(f"{rel}: no link to {target}#{i.anchor}")
                elif not any(i.action in row_of(a).text for a in found):
                    problems.append(f"{rel}: the link to #{i.anchor} is not next to {i.action!r}")
            for persona in model.personas:
                if persona != i.persona and links_to(mini, f"personas/{persona}/index.html", target, i.anchor):
                    problems.append(f"personas/{persona}: lists #{i.anchor} of {journey.slug}, which is not theirs")
    assert not problems, "\n".join(problems)


def test_interaction_links_are_relative(mini: Path) -> None:
    hrefs = [a.get("href") for a in page(mini, "touchpoints/help-desk/index.html").iter("a")]
    assert "../../journeys/order-service/index.html#i-onboard-2" in hrefs
    hrefs = [a.get("href") for a in page(mini, "personas/uma-user/index.html").iter("a")]
    assert "../../journeys/get-support/index.html#i-engage-1" in hrefs


# -- the stage diagram -----------------------------------------------------------------


@pytest.mark.parametrize("where", ["inline", "diagram.svg"])
@pytest.mark.parametrize("slug", PUBLISHED)
def test_diagram_links_touchpoints_and_stages_and_draws_every_edge(mini: Path, model, slug: str, where: str) -> None:  # type: ignore[no-untyped-def]
    journey = model.journeys[slug]
    rel = f"journeys/{slug}/index.html" if where == "inline" else f"journeys/{slug}/diagram.svg"
    if where == "diagram.svg":
        ET.parse(mini / rel)  # a standalone SVG must be well-formed XML
    svg = diagram_svg(page(mini, rel))

    touchpoints, stages = set(), set()
    for el, _attr, value in links(svg):
        found = resolve(mini, mini / rel, value)
        assert found.target is not None, f"{value!r} in the diagram is not a link inside the site"
        target = found.target.relative_to(mini).as_posix()
        if match := re.fullmatch(r"touchpoints/([a-z0-9-]+)/index\.html", target):
            assert value.endswith(target) and not found.fragment
            touchpoints.add(match.group(1))
        elif target == f"journeys/{slug}/index.html" and found.fragment.startswith("stage-"):
            assert value == f"index.html#{found.fragment}"
            stages.add(found.fragment.removeprefix("stage-"))
        else:
            pytest.fail(f"unexpected link {value!r} in the diagram of {slug}")
    assert touchpoints == {i.touchpoint for i in journey.interactions}
    assert stages == set(journey.stage_ids)

    edges = [g for g in svg.iter("g") if "edge" in g.classes and re.fullmatch(r"flow-\d+", g.id or "")]
    assert len(edges) == len(journey.flow)
    assert {g.id for g in edges} == {f"flow-{n}" for n in range(1, len(journey.flow) + 1)}
    for g in edges:
        edge = journey.flow[int(g.id.removeprefix("flow-")) - 1]  # type: ignore[union-attr]
        assert ("flow-back" in g.classes) == edge.back, g.id
        groups = {n.id: n for n in svg.iter("g") if (n.id or "").startswith(f"{g.id}-")}
        if edge.back or edge.kind == "flow":  # a bridge: up to its label's node, then down to the target
            assert {f"{g.id}-from", f"{g.id}-label"} <= set(groups), g.id
        if edge.label:
            assert edge.label in groups.get(f"{g.id}-label", g).text

    # the diagram's own title and description come first (browsers and screen readers
    # read the <svg>'s first <title>); Graphviz's internal node titles are gone
    first = [c for c in svg.children if isinstance(c, Element)][:2]
    assert [c.tag for c in first] == ["title", "desc"]
    assert first[0].text == f"Stage diagram of {journey.title}"
    assert all(model.stage(s).title in first[1].text for s in journey.stage_ids)
    assert len(list(svg.iter("title"))) == 1


def test_graphviz_stderr_keeps_everything_but_fontconfig_noise(capfd: pytest.CaptureFixture[str]) -> None:
    """The filter around Graphviz drops fontconfig's lines, passes the rest, and starts afresh each time."""
    from generator.render.graphviz import _filtered_stderr

    for n in range(3):
        with _filtered_stderr():
            os.write(2, b"Fontconfig warning: \"/etc/fonts/fonts.conf\", line 5: unknown element\n")
            if n == 1:
                os.write(2, b"Warning: something Graphviz really means\n")
    assert capfd.readouterr().err == "Warning: something Graphviz really means\n"


def test_a_graphviz_session_diverts_stderr_once_and_always_gives_it_back(capfd: pytest.CaptureFixture[str]) -> None:
    """Sessions nest (a run of diagrams, each in its own): the noise goes, the rest comes out, fd 2 returns."""
    from generator.render.graphviz import session

    before = os.fstat(2).st_ino
    with pytest.raises(RuntimeError), session():
        with session():
            os.write(2, b"Fontconfig error: Cannot load default config file\n")
            os.write(2, b"Warning: kept\n")
        os.write(2, b"Fontconfig warning: ignoring UTF-8: not a valid region tag\n")
        raise RuntimeError("a diagram failed")
    assert os.fstat(2).st_ino == before
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "Warning: kept\nafter\n"


def _ys(element: Element) -> list[float]:
    """The y coordinates of an SVG element's paths, polygons and rectangles (Graphviz's y grows downwards)."""
    shapes = [e for e in element.iter() if e.tag in ("path", "polygon")]
    ys = [float(y) for e in shapes for y in re.findall(r"-?[\d.]+,(-?[\d.]+)", e.get("d") or e.get("points") or "")]
    rects = [e for e in element.iter() if e.tag == "rect"]
    return ys + [float(r.get("y") or 0) + d for r in rects for d in (0, float(r.get("height") or 0))]


def test_loops_returns_and_skips_bridge_over_the_stage_row(sample: Path) -> None:
    """Every flow edge beyond the default steps rises above the stage boxes, never runs along their tops.

    Drawn as edges between the boxes, Graphviz laid some of them flat along the row,
    depending on its length and on the journey's other loops; the sample has journeys
    with one, two and three such edges, forward and back, and a stage that repeats.
    """
    seen = 0
    for svg_file in sorted((sample / "journeys").glob("*/diagram.svg")):
        svg = diagram_svg(page(sample, svg_file.relative_to(sample).as_posix()))
        boxes = [y for g in svg.iter("g") if (g.id or "").startswith("stage-node-") for y in _ys(g)]
        for g in svg.iter("g"):
            if "edge" in g.classes and "flow-flow" in g.classes:
                path = next(g.iter("path"))
                ys = _ys(path)
                assert min(ys) < min(boxes) - 5, f"{svg_file.parent.name} {g.id}: does not rise above the boxes"
                assert max(ys) < (min(boxes) + max(boxes)) / 2, f"{svg_file.parent.name} {g.id}: runs along the row"
                seen += 1
    assert seen >= 10  # two legs a bridge


def test_every_kind_of_extra_flow_edge_arcs_above_the_stage_boxes(mini_copy: Path, tmp_path: Path) -> None:
    """Long and adjacent returns, a skip and a stage repeating itself: curves, all above the row's middle."""
    journey = mini_copy / "content/journeys/order-service.md"
    text = journey.read_text("utf-8").replace(
        '  - "realize -> explore: next cycle"\n  - "co-create -> engage"\n',
        '  - "realize -> explore: next cycle"\n  - "co-create -> onboard: retrain"\n  - "engage -> explore"\n'
        '  - "engage -> co-create: fast track"\n  - "onboard -> onboard: each sprint"\n',
    )
    journey.write_text(text, "utf-8")
    out = clean_build(mini_copy, tmp_path / "out")
    svg = diagram_svg(page(out, "journeys/order-service/diagram.svg"))
    boxes = [y for g in svg.iter("g") if (g.id or "").startswith("stage-node-") for y in _ys(g)]
    middle = (min(boxes) + max(boxes)) / 2
    edges = [g for g in svg.iter("g") if "edge" in g.classes and "flow-flow" in g.classes]
    assert len(edges) == 10  # five bridges: up to the label and down to the target
    for g in edges:
        path = _ys(next(g.iter("path")))
        assert min(path) < min(boxes) - 5, f"{g.id} does not rise above the stage boxes"
        assert max(path) < middle, f"{g.id} runs through or below the stage boxes"
    # Labels are nodes, so none overlaps another: their boxes are apart.
    labels = [g for g in svg.iter("g") if re.fullmatch(r"flow-\d+-label", g.id or "")]
    assert len(labels) == 5
    spots = [(round(float(t.attrs["y"])), float(t.attrs["x"])) for g in labels for t in g.iter("text")]
    assert len(set(spots)) == len(spots)




def _svg_numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?[\d.]+", text)]


def test_band_columns_sit_under_their_stage_boxes_and_line_up(sample: Path) -> None:
    """Each stage's touchpoints stand in their band, under their stage box and as wide as it.

    The bands are drawn after Graphviz has placed the stage boxes, so this checks
    what a reader sees: columns in stage order, side by side without overlapping,
    every touchpoint box between the lines of visibility of its band, the lines
    running under every column, and the canvas holding it all.
    """
    checked = 0
    for svg_file in sorted((sample / "journeys").glob("*/diagram.svg")):
        root = ET.parse(svg_file).getroot()
        name = svg_file.parent.name
        groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
        lanes = groups["lanes"]
        line_ends = [_svg_numbers(p.get("points", "")) for p in lanes.iter(f"{SVG}polyline")]
        lines = sorted(points[1] for points in line_ends)
        assert len(lines) == 2, name  # the provider's, then the consumer's line of visibility
        limits = {"consumer": (-1e9, lines[0]), "shared": (lines[0], lines[1]), "provider": (lines[1], 1e9)}
        previous_right = -1e9
        stages = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("stage-node-")]
        assert stages, name
        for stage_group in stages:
            stage = stage_group.get("id", "").removeprefix("stage-node-")
            box = next(stage_group.iter(f"{SVG}rect"))  # Graphviz's box, its corners rounded (see diagram.render)
            left, width = float(box.get("x", "")), float(box.get("width", ""))
            right, bottom = left + width, float(box.get("y", "")) + float(box.get("height", ""))
            assert float(box.get("rx", "")) > 0, name
            assert left > previous_right, f"{name}: column {stage} is out of order or overlaps the one before"
            previous_right = right
            column = groups[f"column-{stage}"]
            for band, (top_limit, bottom_limit) in limits.items():
                for rect in groups[f"band-{stage}-{band}"].iter(f"{SVG}rect"):
                    x, y = float(rect.get("x", "")), float(rect.get("y", ""))
                    width, height = float(rect.get("width", "")), float(rect.get("height", ""))
                    assert (x, x + width) == pytest.approx((left, right), abs=0.02), f"{name}: {stage} {band}"
                    assert top_limit < y and y + height < bottom_limit, f"{name}: {stage} {band} leaves its band"
                    assert y > bottom, f"{name}: {stage} {band} reaches into the stage row"
                    checked += 1
            assert len(list(column.iter(f"{SVG}rect"))) == sum(
                len(list(groups[f"band-{stage}-{b}"].iter(f"{SVG}rect"))) for b in limits
            )
        assert all(end[0] < 0.1 + min(end[0] for end in line_ends) for end in line_ends)
        assert all(end[2] > previous_right for end in line_ends), f"{name}: a line stops short of the last column"
        width, height = _svg_numbers(root.get("viewBox", ""))[2:]
        translate = _svg_numbers(groups["diagram"].get("transform", "").split("translate")[1])
        lowest = max(float(r.get("y", "")) + float(r.get("height", "")) for r in root.iter(f"{SVG}rect"))
        assert lowest + translate[1] < height and previous_right + translate[0] < width, f"{name}: off the canvas"
    assert checked > 50


def test_a_stage_box_is_wide_enough_for_its_widest_touchpoint_name(model) -> None:  # type: ignore[no-untyped-def]
    from generator.render.bands import MIN_BOX, TEXT_PAD, plan, text_width

    for journey in model.journeys.values():
        planned = plan(model, journey)
        dot = dot_source(model, journey, planned)
        for n, column in enumerate(planned.columns):
            names = [html.unescape(line) for boxes in column.bands for box in boxes for line in box.lines]  # kept escaped
            width = float(re.search(rf"\nS{n} \[.*?width=([\d.]+)", dot).group(1)) * 72  # type: ignore[union-attr]
            assert width >= max([text_width(name) + 2 * TEXT_PAD for name in names] + [MIN_BOX]) - 0.01
    assert text_width("WWWW") > text_width("iiii") > 0
    assert text_width("Café") == text_width("Cafe")  # an accent adds no width
    assert text_width("会议") == 2 * text_width("M") * 1000 / 833  # a wide character is a full em
    assert text_width("Service desk ▲") > text_width("Service desk")


def test_a_stage_box_holds_its_title_and_feeling_centred_in_its_link(mini_copy: Path, tmp_path: Path) -> None:
    """Graphviz lays the stage boxes out without their texts; journeydocs sizes each box for them
    (a long title among them) and draws them into it: centred, inside the box's link."""
    from generator.render.bands import (
        BASELINE,
        EMOTION_WORD,
        FONT_SIZE,
        MOOD_SIZE,
        SPACING_FACTOR,
        STAGE_PAD,
        text_width,
    )

    titles = {
        "explore": "Explore",
        "engage": "Engage with every part of the provider, from the first call to a signed contract",
        "offer": "Offer", "agree": "Agree",
        "onboard": "Onboard & learn", "co-create": "Co-create", "realize": "Realize",
    }  # fmt: skip
    stages = "".join(f'\n[[stages]]\nid = "{s}"\ntitle = {json.dumps(t)}\n' for s, t in titles.items())
    (mini_copy / "site.toml").write_text((mini_copy / "site.toml").read_text("utf-8") + stages, "utf-8")
    out = clean_build(mini_copy, tmp_path / "out")
    boxes, seen = 0, set()
    for svg_file in sorted((out / "journeys").glob("*/diagram.svg")):
        root = ET.parse(svg_file).getroot()
        for group in root.iter(f"{SVG}g"):
            stage = (group.get("id") or "").removeprefix("stage-node-")
            if stage == group.get("id"):
                continue
            link = next(group.iter(f"{SVG}a"))
            box = next(link.iter(f"{SVG}rect"))
            left, top = float(box.get("x", "")), float(box.get("y", ""))
            width, height = float(box.get("width", "")), float(box.get("height", ""))
            texts = list(link.iter(f"{SVG}text"))
            assert texts == list(group.iter(f"{SVG}text")), "a text outside the box's link"
            lines = [titles[stage]]  # a title is one line (site.toml refuses line breaks)
            assert [t.text for t in texts[: len(lines)]] == lines
            for t in texts[: len(lines)]:
                assert t.get("font-weight") == "bold"
                assert text_width(t.text or "", bold=True) + 2 * STAGE_PAD[0] <= width + 0.01
            feelings = texts[len(lines) :]
            assert len(feelings) <= 1
            for t in feelings:
                assert (t.text or "").split(" ", 1)[1] in EMOTION_WORD.values()
                assert text_width(t.text or "") * MOOD_SIZE / FONT_SIZE + 2 * STAGE_PAD[0] <= width + 0.01
            for t in texts:
                assert float(t.get("x", "")) == pytest.approx(left + width / 2, abs=0.01)
                assert t.get("text-anchor") == "middle"
                assert top + 8 < float(t.get("y", "")) < top + height - 2, f"{svg_file.parent.name} {stage}"
            ys, sizes = [float(t.get("y", "")) for t in texts], [float(t.get("font-size", "")) for t in texts]
            half = SPACING_FACTOR / 2  # of a line's height, in font sizes: its middle to its edges
            block = (ys[0] - (half + BASELINE) * sizes[0], ys[-1] + (half - BASELINE) * sizes[-1])
            assert sum(block) / 2 == pytest.approx(top + height / 2, abs=0.05)  # the block sits in the middle
            seen.add(stage)
            boxes += 1
    assert boxes >= 8 and {"engage", "onboard"} <= seen


def test_a_diagram_is_the_same_whatever_fonts_the_building_machine_has(
    mini_site: Path, mini_drafts: Path, tmp_path: Path
) -> None:
    """Graphviz measures no text (journeydocs sizes the boxes and draws the texts), so the fonts
    installed where a site is built cannot move anything: here, none at all."""
    config = tmp_path / "fonts.conf"
    config.write_text(f"<fontconfig><dir>{tmp_path / 'none'}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    out = tmp_path / "public"
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(mini_site), "--output", str(out), "--drafts", "--no-cache"],
        capture_output=True, text=True, cwd=REPO, timeout=120, env={**os.environ, "FONTCONFIG_FILE": str(config)},
    )
    assert run.returncode == 0, run.stderr
    drawn = sorted(p.relative_to(out) for p in out.glob("journeys/*/diagram.svg"))
    assert len(drawn) == 3
    for rel in drawn:
        assert (out / rel).read_bytes() == (mini_drafts / rel).read_bytes(), rel


def test_diagram_edge_labels_come_from_flow(mini: Path) -> None:
    svg = diagram_svg(page(mini, "journeys/order-service/index.html"))
    labelled = [g for g in svg.iter("g") if "node" in g.classes and "next cycle" in g.text]
    assert len(labelled) == 1 and labelled[0].id.endswith("-label")  # type: ignore[union-attr]
    edge = next(g for g in svg.iter("g") if g.id == labelled[0].id.removesuffix("-label"))  # type: ignore[union-attr]
    assert "flow-back" in edge.classes


# -- the journey page ------------------------------------------------------------------


def test_journey_page_has_an_anchor_for_every_stage(mini: Path, model) -> None:  # type: ignore[no-untyped-def]
    for journey in model.journeys.values():
        tree = page(mini, f"journeys/{journey.slug}/index.html")
        for stage_id in journey.stage_ids:
            section = tree.by_id(f"stage-{stage_id}")
            assert section is not None, f"{journey.slug}: no #stage-{stage_id}"
            assert model.stage(stage_id).title in section.text
        absent = {s.id for s in model.stages} - set(journey.stage_ids)
        assert not {f"stage-{s}" for s in absent} & ids(tree)


def test_stage_heading_in_the_body_joins_that_stage(mini: Path) -> None:
    tree = page(mini, "journeys/order-service/index.html")
    onboard = tree.by_id("stage-onboard")
    assert onboard is not None and "The first login decides" in onboard.text
    intro = "Ordering starts long before the order form."
    assert intro in tree.text
    assert all(intro not in s.text for s in tree.iter("section") if (s.id or "").startswith("stage-"))
    # the same in a pure-YAML journey, whose body is the `body:` field
    co_create = page(mini, "journeys/get-support/index.html").by_id("stage-co-create")
    assert co_create is not None and "The fix is done together with the user." in co_create.text


def test_journey_page_has_persona_chips(mini: Path, model) -> None:  # type: ignore[no-untyped-def]
    for journey in model.journeys.values():
        rel = f"journeys/{journey.slug}/index.html"
        chips = [a for a in page(mini, rel).iter("a") if "chip" in a.classes]
        linked = {}
        for chip in chips:
            found = resolve(mini, mini / rel, chip.get("href") or "")
            assert found.target is not None
            linked[found.target.relative_to(mini).as_posix()] = chip.text
        assert set(linked) == {f"personas/{p}/index.html" for p in journey.personas}
        for p in journey.personas:
            assert model.personas[p].name in linked[f"personas/{p}/index.html"]


def _related(root: Path, slug: str) -> set[str]:
    rel = f"journeys/{slug}/index.html"
    section = page(root, rel).by_id("related")
    if section is None:
        return set()
    out = set()
    for a in section.iter("a"):
        found = resolve(root, root / rel, a.get("href") or "")
        if found.target is not None and (m := re.fullmatch(r"journeys/([a-z0-9-]+)/index\.html", found.target.relative_to(root).as_posix())):
            out.add(m.group(1))
    return out


def test_related_journeys_are_linked_both_ways(mini: Path, mini_drafts: Path) -> None:
    # order-service declares get-support; get-support declares nothing
    assert _related(mini, "order-service") == {"get-support"}
    assert _related(mini, "get-support") == {"order-service"}
    # the draft declares order-service: shown only when drafts are built
    assert _related(mini_drafts, "order-service") == {"get-support", DRAFT}
    assert _related(mini_drafts, DRAFT) == {"order-service"}


# -- drafts ----------------------------------------------------------------------------


def _index_journeys(root: Path) -> set[str]:
    out = set()
    for el, _attr, value in links(page(root, "index.html")):
        found = resolve(root, root / "index.html", value)
        if found.target is not None and (m := re.fullmatch(r"journeys/([a-z0-9-]+)/index\.html", found.target.relative_to(root).as_posix())):
            out.add(m.group(1))
    return out


def test_drafts_are_left_out_by_default(mini: Path) -> None:
    assert not (mini / "journeys" / DRAFT).exists()
    assert sorted(p.name for p in (mini / "journeys").iterdir()) == list(PUBLISHED)
    assert _index_journeys(mini) == set(PUBLISHED)
    everything = "\n".join(p.read_text("utf-8") for p in mini.rglob("*") if p.suffix in (".html", ".svg", ".xml"))
    assert DRAFT not in everything and "Draft idea" not in everything
    catalogue = json.loads((mini / "catalogue.json").read_text("utf-8"))
    assert DRAFT not in {j["slug"] for j in catalogue["journeys"]}
    # the touchpoint that only the draft uses is still published, with no uses
    assert next(t for t in catalogue["touchpoints"] if t["slug"] == "kickoff-meeting")["uses"] == []


def test_drafts_are_built_with_drafts(mini_drafts: Path) -> None:
    assert (mini_drafts / "journeys" / DRAFT / "index.html").is_file()
    assert (mini_drafts / "journeys" / DRAFT / "diagram.svg").is_file()
    assert _index_journeys(mini_drafts) == {*PUBLISHED, DRAFT}
    h1 = page(mini_drafts, f"journeys/{DRAFT}/index.html").find("h1")
    assert h1 is not None and "Draft idea" in h1.text and "Draft" in h1.text.replace("Draft idea", "")
    kickoff = links_to(mini_drafts, "touchpoints/kickoff-meeting/index.html", f"journeys/{DRAFT}/index.html", "i-explore-1")
    assert kickoff and "Meets the account team for a kick-off" in row_of(kickoff[0]).text


def test_a_draft_named_in_related_does_not_leak_into_the_build(tmp_path: Path) -> None:
    out = _edited_mini(tmp_path, ("related: [get-support]", f"related: [get-support, {DRAFT}]"))
    assert _related(out, "order-service") == {"get-support"}
    leaks = [p.relative_to(out).as_posix() for p in sorted(out.rglob("*")) if p.is_file() and DRAFT.encode() in p.read_bytes()]
    assert leaks == []


# -- templates -------------------------------------------------------------------------


def test_site_template_overrides_the_theme(mini: Path, sample: Path) -> None:
    h1 = page(mini, "404.html").find("h1")
    assert h1 is not None and h1.text == "Lost in the journey"
    # only 404.html is overridden: other pages come from the theme
    assert page(mini, "index.html").find("h1").text == "Mini Journeys"  # type: ignore[union-attr]
    # and a site without the override keeps the theme's text
    assert page(sample, "404.html").find("h1").text == "Page not found"  # type: ignore[union-attr]


# -- links -----------------------------------------------------------------------------


def test_no_broken_links_in_the_mini_build(mini: Path) -> None:
    assert broken_links(mini, MINI_BASE_PATH) == []


def test_no_broken_links_in_the_mini_build_with_drafts(mini_drafts: Path) -> None:
    assert broken_links(mini_drafts, MINI_BASE_PATH) == []


def test_no_broken_links_in_the_sample_catalogue(sample: Path) -> None:
    base_url = tomllib.loads((REPO / "site.toml").read_text("utf-8"))["site"].get("base_url", "")
    assert broken_links(sample, urlsplit(base_url).path or "/") == []


def test_broken_links_finds_every_kind_of_problem(tmp_path: Path) -> None:
    """The checker itself: a site with one link of each kind, good and bad."""
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<p id="top"><a href="a/page.html#here">ok</a> <a href="#top">ok</a> <a href="#">ok</a> <a href="">ok</a>'
        '<a href="https://example.org/x">ext</a> <a href="mailto:x@example.org">ext</a> <a href="tel:+1">ext</a>'
        '<a href="/sub/a/page.html">ok from base</a>'
        '<a href="a/missing.html">1</a> <a href="a/page.html#nowhere">2</a> <a href="a/">3</a>'
        '<img src="../outside.png"><a href="/elsewhere/a/page.html">5</a> <a href="javascript:alert(1)">6</a>'
        '<a href="//cdn.example/x.js">7</a> <a href="style.css#x">8</a></p>',
        "utf-8",
    )
    (tmp_path / "style.css").write_text("", "utf-8")
    (tmp_path / "a" / "page.html").write_text('<h2 id="here">x</h2><a href="../index.html#top">ok</a>', "utf-8")
    (tmp_path / "a" / "pic.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<a xlink:href="page.html#here"><text>ok</text></a><a xlink:href="page.html#gone"><text>9</text></a></svg>',
        "utf-8",
    )
    problems = broken_links(tmp_path, "/sub/")
    assert len(problems) == 9, "\n".join(problems)
    for expected in ("a/missing.html", "id='nowhere'", "folder a/", "outside the site", "outside the base path",
                     "'javascript:'", "protocol-relative", "not HTML or SVG", "id='gone'"):
        assert any(expected in p for p in problems), (expected, problems)
    assert all(p.startswith(("index.html:1:", "a/pic.svg:1:")) for p in problems)


def test_pages_link_to_the_stylesheet_relatively(mini: Path) -> None:
    css = mini / "static" / "journeydocs.css"
    assert css.is_file() and (mini / "static" / "journeydocs.js").is_file()
    problems = []
    for rel in html_pages(mini):
        tree = page(mini, rel)
        sheets = [el for el in tree.iter("link") if "stylesheet" in (el.get("rel") or "").split()]
        hrefs = [el.get("href") or "" for el in sheets]
        if rel == "404.html":
            if not hrefs or hrefs[0] != f"{MINI_BASE_PATH}static/journeydocs.css":
                problems.append(f"{rel}: stylesheet {hrefs}")
        elif not hrefs or resolve(mini, mini / rel, hrefs[0]).target != css or any(
            h.startswith(("/", "http:", "https:")) or not resolve(mini, mini / rel, h).target.is_file() for h in hrefs
        ):
            problems.append(f"{rel}: stylesheet {hrefs}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("build_name", ["mini", "sample"])
def test_links_work_from_file_root_and_subpath(build_name: str, request: pytest.FixtureRequest) -> None:
    """No root-relative links (except 404.html) and no assets from another host."""
    root: Path = request.getfixturevalue(build_name)
    problems = []
    for path in pages(root):
        rel = path.relative_to(root).as_posix()
        for el, attr, value in links(page(root, rel)):
            absolute = value.startswith(("http:", "https:", "//"))
            asset = attr == "src" or (el.tag == "link" and not {"canonical", "alternate"} & set((el.get("rel") or "").split()))
            if value.startswith("/") and not value.startswith("//") and rel != "404.html":
                problems.append(f"{rel}:{el.line}: root-relative {attr}={value!r}")
            if absolute and asset:
                problems.append(f"{rel}:{el.line}: asset from another host {attr}={value!r}")
    assert not problems, "\n".join(problems)


def test_404_links_from_the_base_path(mini: Path, mini_site: Path, tmp_path: Path) -> None:
    """404.html is served at any depth, so it links from the site's path on its host."""
    values = [value for _el, _attr, value in links(page(mini, "404.html")) if not value.startswith("#")]
    assert values and all(v.startswith(MINI_BASE_PATH) for v in values), values
    moved = build(
        Options(root=mini_site, output=tmp_path / "out", base_url="https://preview.example/deep/path", search=True)
    ).output
    values = [value for _el, _attr, value in links(parse(moved / "404.html")) if not value.startswith("#")]
    assert values and all(v.startswith("/deep/path/") for v in values), values
    assert broken_links(moved, "/deep/path/") == []
    # the search box finds the index from the site's root, not from wherever the 404 is shown
    assert parse(moved / "404.html").by_id("search").attrs["data-root"] == "/deep/path/"  # type: ignore[union-attr]


# -- active content --------------------------------------------------------------------


def test_scripts_come_only_from_the_theme_and_no_inline_handlers(mini: Path) -> None:
    problems = []
    for path in pages(mini):
        rel = path.relative_to(mini).as_posix()
        found = active_content(page(mini, rel))
        for script in found.scripts:
            src = script.get("src")
            if not src or script.text:
                problems.append(f"{rel}:{script.line}: inline script")
            elif resolve(mini, path, src, MINI_BASE_PATH).target not in {
                (mini / "static" / "journeydocs.js").resolve(),
                (mini / "static" / "search.js").resolve(),
                (mini / "pagefind" / "pagefind-ui.js").resolve(),
            }:
                problems.append(f"{rel}:{script.line}: script from {src!r}")
        for el, name, _value in found.handlers:
            problems.append(f"{rel}:{el.line}: event handler {name} on <{el.tag}>")
    assert not problems, "\n".join(problems)


def test_no_duplicate_ids_in_the_mini_build(mini: Path) -> None:
    problems = [f"{rel}: {sorted(d)}" for rel in (p.relative_to(mini).as_posix() for p in pages(mini))
                if (d := duplicate_ids(page(mini, rel)))]
    assert not problems, "\n".join(problems)


def _edited_mini(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """A copy of the mini fixture with text replaced in order-service.md, built; returns the output."""
    site = copy_site(MINI, tmp_path / "site")
    journey = site / "content" / "journeys" / "order-service.md"
    text = journey.read_text("utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    journey.write_text(text, "utf-8")
    return build(Options(root=site, output=tmp_path / "out", strict=True)).output


def test_markdown_in_stage_narratives_does_not_duplicate_ids(tmp_path: Path) -> None:
    """Stage narratives and the body are separate Markdown fragments of one page: their
    heading and footnote ids must not repeat each other or the page's stage-<id> sections."""
    out = _edited_mini(
        tmp_path,
        (
            "      The onboarding **checklist** is sent a week before the start.\n",
            "      The onboarding **checklist** is sent a week before the start.[^1]\n\n"
            "      ## Explore\n\n      Looking back at the start.\n\n"
            "      ## Notes\n\n      Stage notes.\n\n"
            "      [^1]: A footnote in the stage narrative.\n",
        ),
        (
            "Anything that is not a stage keeps its own heading.",
            "Anything that is not a stage keeps its own heading.[^1]\n\n[^1]: A footnote in the body.",
        ),
    )
    tree = parse(out / "journeys" / "order-service" / "index.html")
    assert duplicate_ids(tree) == set()
    assert broken_links(out, MINI_BASE_PATH) == []


def test_numbered_heading_ids_do_not_collide_with_a_heading_ending_in_a_number(tmp_path: Path) -> None:
    out = _edited_mini(
        tmp_path,
        (
            "Anything that is not a stage keeps its own heading.",
            "Anything that is not a stage keeps its own heading.\n\n## Notes\n\nMore.\n\n## Notes 2\n\nEven more.",
        ),
    )
    tree = parse(out / "journeys" / "order-service" / "index.html")
    headings = [h for h in tree.iter() if h.tag in ("h3", "h4") and h.text.startswith("Notes")]
    assert [h.text for h in headings] == ["Notes", "Notes", "Notes 2"]
    assert duplicate_ids(tree) == set()


# -- the build as a whole --------------------------------------------------------------


@pytest.mark.parametrize("build_name", ["mini", "sample"])
def test_builds_are_byte_identical(build_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    first: Path = request.getfixturevalue(build_name)
    site = request.getfixturevalue("mini_site" if build_name == "mini" else "sample_site")
    one = files(first)
    # Without the first build's cache nothing is reused: no parsed document, diagram or
    # compiled template.  Pagefind's own index varies from run to run (upstream #638), so
    # a build without the cache is compared outside pagefind/ ...
    fresh = files(build(Options(root=site, output=tmp_path / "fresh" / "site", use_cache=False)).output)
    pages = {rel for rel in one if not rel.startswith("pagefind/")}
    assert pages == {rel for rel in fresh if not rel.startswith("pagefind/")}
    differ = sorted(rel for rel in pages if one[rel] != fresh[rel])
    assert not differ, f"differ between two builds: {differ}"
    # ... and a build with it, which reuses the search bundle, is identical to the byte.
    cached = files(build(Options(root=site, output=tmp_path / "elsewhere" / "site")).output)
    assert sorted(one) == sorted(cached)
    differ = sorted(rel for rel in one if one[rel] != cached[rel])
    assert not differ, f"differ between two builds: {differ}"


def test_stale_files_and_staging_leftovers_disappear(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(Options(root=mini_site, output=out))
    (out / "stale.html").write_text("<p>old</p>", "utf-8")
    (out / "journeys" / "renamed-journey").mkdir()
    (out / "journeys" / "renamed-journey" / "index.html").write_text("<p>old</p>", "utf-8")
    killed = tmp_path / ".journeydocs-tmp-public-k1lled_x"  # what a killed build leaves behind (mkdtemp's 8)
    killed.mkdir()
    (killed / "index.html").write_text("half", "utf-8")
    sibling = tmp_path / ".journeydocs-tmp-public-2-abcd1234"  # a build into public-2, running at this moment
    sibling.mkdir()
    fresh = {p.relative_to(out).as_posix() for p in out.rglob("*")} - {"stale.html", "journeys/renamed-journey",
                                                                       "journeys/renamed-journey/index.html"}

    build(Options(root=mini_site, output=out))
    assert not (out / "stale.html").exists()
    assert not (out / "journeys" / "renamed-journey").exists()
    assert {p.relative_to(out).as_posix() for p in out.rglob("*")} == fresh
    # no .journeydocs-tmp-* / -old-* of its own beside it; another folder's are not its business
    assert sorted(p.name for p in tmp_path.iterdir()) == [sibling.name, "public"]


def test_sitemap_lists_every_page_as_an_absolute_url(mini: Path) -> None:
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text or "" for loc in ET.parse(mini / "sitemap.xml").getroot().findall("sm:url/sm:loc", ns)]
    assert locs and all(loc.startswith(MINI_BASE_URL) for loc in locs)
    assert len(locs) == len(set(locs))
    expected = {
        MINI_BASE_URL + (rel.removesuffix("index.html"))
        for rel in html_pages(mini) if rel != "404.html"
    }
    assert set(locs) == expected
    assert MINI_BASE_URL in locs and MINI_BASE_URL + "journeys/order-service/" in locs
    # each page names the same URL as canonical
    for rel in html_pages(mini):
        canonical = [el.get("href") for el in page(mini, rel).iter("link") if el.get("rel") == "canonical"]
        assert canonical == ([] if rel == "404.html" else [MINI_BASE_URL + rel.removesuffix("index.html")]), rel


def test_catalogue_json_has_every_journey_and_touchpoint_cross_links(mini: Path, model) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((mini / "catalogue.json").read_text("utf-8"))
    assert data["site"]["base_url"] == MINI_BASE_URL
    journeys = {j["slug"]: j for j in data["journeys"]}
    assert set(journeys) == set(PUBLISHED) == set(model.journeys)
    touchpoints = {t["slug"]: t for t in data["touchpoints"]}
    assert set(touchpoints) == {"web-portal", "help-desk", "invoice", "kickoff-meeting"}

    expected: dict[str, set[tuple[str, str, str]]] = {slug: set() for slug in touchpoints}
    for slug, brief in journeys.items():
        assert brief["page"] == f"journeys/{slug}/index.html" and (mini / brief["page"]).is_file()
        j = json.loads((mini / brief["data"]).read_text("utf-8"))  # the journey in full
        assert j["slug"] == slug and [s["stage"] for s in j["stages"]] == brief["stages"]
        assert j["related"] == brief["related"]
        page_ids = ids(page(mini, f"journeys/{slug}/index.html"))
        for stage in j["stages"]:
            for n, i in enumerate(stage["interactions"], start=1):
                assert i["touchpoint"] in touchpoints
                anchor = f"i-{stage['stage']}-{n}"
                assert anchor in page_ids
                expected[i["touchpoint"]].add((slug, stage["stage"], anchor))
    for slug, t in touchpoints.items():
        uses = {(u["journey"], u["stage"], u["anchor"]) for u in t["uses"]}
        assert uses == expected[slug], slug
        assert t["journeys"] == sorted({u[0] for u in uses}), slug
    assert ("order-service", "onboard", "i-onboard-2") in expected["help-desk"]
    assert journeys["order-service"]["related"] == ["get-support"]
    assert journeys["get-support"]["related"] == ["order-service"]


def test_journey_schema_is_published(mini: Path) -> None:
    for kind in ("journey", "persona", "touchpoint"):
        schema = json.loads((mini / "schema" / f"{kind}.schema.json").read_text("utf-8"))
        assert isinstance(schema, dict) and schema.get("type") == "object", kind
    schema = json.loads((mini / "schema" / "journey.schema.json").read_text("utf-8"))
    spec_fields = {"title", "summary", "personas", "consumer", "provider", "relationship", "agreement", "owner",
                   "tags", "draft", "stages", "flow", "indicators", "trust", "related"}
    assert spec_fields <= set(schema["properties"])
    assert {"title", "personas", "stages"} <= set(schema["required"])
