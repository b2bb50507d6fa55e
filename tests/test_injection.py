"""Hostile content: nothing a journey says can run in a reader's browser or escape its label."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.build import Options, build

from .conftest import SVG, XLINK

EVIL = "<script>alert(1)</script> \"quoted\" 'single' {{ 7 * 7 }} {% raw %} & <b onmouseover=x>"
DOT_EVIL = 'a"b\\c\\N\\G <TABLE><TR><TD>x</TD></TR></TABLE> ]; evil [label="y" > & \u00e9 \U0001f600'


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


HOSTILE = {
    "site.toml": '[site]\ntitle = "Evil <i>site</i> {{ 1 }}"\nbase_url = "https://example.org/x/"\n',
    "content/personas/eve.md": f"---\nname: {_q(EVIL)}\nrole: customer\nsummary: {_q(EVIL)}\n"
    f"goals: [{_q(EVIL)}]\npains: [{_q(DOT_EVIL)}]\n---\n<img src=x onerror=alert(1)> [x](javascript:alert(1))\n",
    "content/touchpoints/trap.md": f"---\nname: {_q(DOT_EVIL + chr(10) + 'second line')}\nchannel: {_q(EVIL)}\n"
    f"owner: {_q(EVIL)}\n---\n<script>alert('body')</script>\n",
    "content/journeys/attack.md": "---\n"
    f"title: {_q(EVIL)}\nsummary: {_q(EVIL)}\npersonas: [eve]\nconsumer: {_q(EVIL)}\nprovider: {_q(DOT_EVIL)}\n"
    f"owner: {_q(EVIL)}\ntags: [{_q(EVIL)}, {_q(DOT_EVIL)}]\n"
    "stages:\n  explore:\n"
    f"    goal: {_q(DOT_EVIL)}\n    narrative: {_q('<script>x</script> [a](vbscript:msgbox) ![i](data:image/png;base64,AAAA)')}\n"
    "    interactions:\n      - touchpoint: trap\n"
    f"        action: {_q(DOT_EVIL)}\n        pain: {_q(EVIL)}\n        opportunity: {_q(EVIL)}\n        emotion: -2\n        moment_of_truth: true\n"
    "  realize:\n    interactions:\n      - touchpoint: trap\n        action: x\n"
    f"flow:\n  - {_q('realize -> explore: ' + DOT_EVIL)}\n"
    f"indicators:\n  - name: {_q(EVIL)}\n    stage: realize\n    target: {_q(EVIL)}\n    current: {_q(DOT_EVIL)}\n"
    "---\n"
    "<script>alert('narrative')</script>\n\n<div onclick=\"x()\">raw html</div>\n\n"
    "[js](javascript:alert(1)) [js2](JaVaScRiPt:alert(1)) [vb](vbscript:msgbox(1)) [data](data:text/html;base64,PHNjcmlwdD4=)\n"
    "[ent](javascript&#58;alert(1)) <javascript:alert(1)> [ok](https://example.org/) [rel](../other/)\n\n"
    "![img](data:image/svg+xml;base64,PHN2Zz4=) {{ config }} {% for x in y %}\n\n## Explore\n\n`<code>` and {{ 7*7 }}\n",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "xlink:href", "action", "formaction") and value is not None:
                self.urls.append(value)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for rel, text in HOSTILE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    build(Options(root=root, output=root / "public"))
    return root / "public"


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.suffix in (".html", ".svg"))


def test_no_script_element_or_event_handler_anywhere(hostile_build: Path) -> None:
    for page in _pages(hostile_build):
        parser = _Collector()
        parser.feed(page.read_text(encoding="utf-8"))
        for script in parser.scripts:
            assert script.get("src", "") and re.search(r"(^|/)(static|pagefind)/[\w.-]+\.js$", script["src"] or ""), (page, script)
        assert parser.handlers == [], (page, parser.handlers)
        for url in parser.urls:
            scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", url)
            assert scheme is None or scheme.group(1).lower() in ("http", "https", "mailto", "tel"), (page, url)


def test_hostile_text_is_shown_as_text(hostile_build: Path) -> None:
    page = (hostile_build / "journeys/attack/index.html").read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(page)
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text  # shown, escaped in the markup
    assert "{{ 7 * 7 }}" in text and "49" not in text
    assert "<script>alert('narrative')</script>" in text
    assert '<div onclick="x()">raw html</div>' in text
    assert "{{ config }}" in text
    assert "<script>" not in page.replace("&lt;script&gt;", "")
    assert 'href="https://example.org/"' in page and 'href="../other/"' in page


def test_diagram_svg_is_well_formed_and_keeps_labels_as_text(hostile_build: Path) -> None:
    svg_path = hostile_build / "journeys/attack/diagram.svg"
    tree = ET.parse(svg_path)  # raises if content broke the markup
    ns = {"svg": "http://www.w3.org/2000/svg"}
    texts = " ".join(t.text or "" for t in tree.iterfind(".//svg:text", ns))
    assert 'a"b\\c\\N\\G' in texts  # quotes and backslashes survive, escString did not act
    assert "<TABLE>" in texts  # HTML-like label syntax stayed text
    for element in tree.iter():
        assert not element.tag.endswith("script")
        assert not any(name.lower().startswith("on") for name in element.attrib)
    links = [a.get(f"{XLINK}href") for a in tree.iterfind(".//svg:a", ns)]
    assert "../../touchpoints/trap/index.html" in links
    assert tree.getroot().find("svg:title", ns).text.startswith("Stage diagram of <script>")


def test_layout_did_not_break_on_hostile_labels(hostile_build: Path) -> None:
    tree = ET.parse(hostile_build / "journeys/attack/diagram.svg")
    classes = [g.get("class", "") for g in tree.iter(f"{SVG}g")]
    ids = {g.get("id") for g in tree.iter(f"{SVG}g")}
    nodes = {g.get("id") for g in tree.iter(f"{SVG}g") if g.get("class") == "node"}
    columns = {g.get("id") for g in tree.iter(f"{SVG}g") if g.get("class") == "diagram-column"}
    stages = {i.removeprefix("column-") for i in columns}
    assert len(stages) >= 2  # a stage box over a column of bands per stage
    bridges = {i for i in nodes if re.fullmatch(r"flow-\d+-label", i)}  # a loop's label is a node of its own
    assert bridges == {"flow-2-label"}  # realize -> explore, with the hostile label
    assert nodes == {f"stage-node-{s}" for s in stages} | bridges
    assert columns == {f"column-{s}" for s in stages} and "lanes" in ids
    assert sum(c == "node" for c in classes) == len(nodes)
    assert {"flow-1", "flow-2"} <= ids
