"""Checks on a built site, reusable by any test: parsing, ids, links, active content.

Everything here uses the standard library only (``html.parser``), so tests can
assert on the *parsed* output rather than on snapshots of it.

* :func:`parse` turns an HTML or SVG file into a small element tree.
* :func:`ids` lists the ``id`` values of a document (the targets of ``#fragment``);
  :func:`duplicate_ids` the ones that occur more than once.
* :func:`resolve` resolves a link the way a browser does when the site is opened
  from disk (``file://``), so a site that passes works from ``/`` and any subpath.
* :func:`broken_links` walks a whole build and reports every link that leads nowhere.
* :func:`active_content` lists ``<script>`` elements and ``on*`` event-handler
  attributes, for security tests.

Tag and attribute names are lower-cased by ``html.parser`` (``viewBox`` becomes
``viewbox``); attribute values have their character references decoded
(``lane&#45;stage`` becomes ``lane-stage``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

__all__ = [
    "Element",
    "ActiveContent",
    "parse",
    "parse_text",
    "ids",
    "duplicate_ids",
    "links",
    "resolve",
    "Resolved",
    "broken_links",
    "active_content",
    "pages",
    "EXTERNAL_SCHEMES",
    "LINK_ATTRIBUTES",
]

EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel")
LINK_ATTRIBUTES = ("href", "src", "xlink:href")

# HTML elements that never have content or an end tag.
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)


@dataclass(eq=False)
class Element:
    """One element of a parsed document; the document itself is ``tag == "#document"``."""

    tag: str
    attrs: dict[str, str]
    line: int = 0
    parent: Element | None = field(default=None, repr=False)
    children: list[Element | str] = field(default_factory=list, repr=False)
    # every attribute in source order, duplicates included (``attrs`` keeps the first)
    raw_attrs: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        """All text inside the element, whitespace collapsed."""
        return " ".join("".join(self._texts()).split())

    def _texts(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._texts()

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        """This element and every element below it, in document order (optionally one tag only)."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter(tag)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Descendants (and self) with *tag* whose attributes equal *attrs*.

        ``class_="x"`` matches elements that have the class ``x``; other keyword
        names have ``_`` read as ``-`` (``aria_current="page"``).
        """
        wanted_class = attrs.pop("class_", None)
        found = []
        for el in self.iter(tag):
            if wanted_class is not None and wanted_class not in el.classes:
                continue
            if all(el.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                found.append(el)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, value: str) -> Element | None:
        for el in self.iter():
            if el.attrs.get("id") == value:
                return el
        return None

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tag: str) -> Element | None:
        """The nearest ancestor (or self) with *tag*."""
        if self.tag == tag:
            return self
        return next((a for a in self.ancestors() if a.tag == tag), None)


class _TreeBuilder(HTMLParser):
    """A forgiving tree builder: void and self-closed elements have no children,
    an end tag closes the nearest open element of its name (and any left open
    inside it), and a stray end tag is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> Element:
        raw = [(name, "" if value is None else value) for name, value in attrs]
        first: dict[str, str] = {}
        for name, value in raw:
            first.setdefault(name, value)
        parent = self.stack[-1]
        el = Element(tag, first, self.getpos()[0], parent, [], raw)
        parent.children.append(el)
        return el

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = self._element(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_text(text: str) -> Element:
    """Parse HTML or SVG text into an element tree; returns the ``#document`` element."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def parse(path: Path) -> Element:
    """Parse an HTML or SVG file into an element tree; returns the ``#document`` element."""
    return parse_text(Path(path).read_text(encoding="utf-8"))


def ids(path: Path | Element) -> set[str]:
    """Every ``id`` in a document (a file path or an already parsed tree)."""
    tree = path if isinstance(path, Element) else parse(path)
    return {el.attrs["id"] for el in tree.iter() if "id" in el.attrs}


def duplicate_ids(path: Path | Element) -> set[str]:
    """The ``id`` values that occur more than once in a document."""
    tree = path if isinstance(path, Element) else parse(path)
    seen: set[str] = set()
    dupes: set[str] = set()
    for el in tree.iter():
        value = el.attrs.get("id")
        if value is not None:
            (dupes if value in seen else seen).add(value)
    return dupes


def links(tree: Element) -> Iterator[tuple[Element, str, str]]:
    """Every (element, attribute name, value) of a link attribute: href, src, xlink:href."""
    for el in tree.iter():
        for name, value in el.raw_attrs:
            if name in LINK_ATTRIBUTES:
                yield el, name, value


def pages(root: Path, suffixes: tuple[str, ...] = (".html", ".svg")) -> list[Path]:
    """Every file of the build with one of *suffixes*, sorted."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file() and p.suffix in suffixes)


def _scheme(url: str) -> str | None:
    scheme = urlsplit(url).scheme
    return scheme.lower() if scheme else None


class Resolved(NamedTuple):
    """Where a link leads: ``target`` is None for external links; ``problem`` says why it cannot work."""

    target: Path | None
    fragment: str
    external: bool = False
    problem: str | None = None


def resolve(root: Path, page: Path, url: str, base_path: str = "/") -> Resolved:
    """Resolve *url* found in *page* as a browser would from ``file://``.

    Relative URLs resolve against the page's folder; absolute paths (``/x``)
    resolve from the site root when they start with *base_path* (the site's
    path on its host, as used by 404.html).  External links (http, https,
    mailto, tel) are not followed.
    """
    return _resolve_in(Path(root).resolve(), Path(page).resolve(), url, base_path)


def _resolve_in(root: Path, page: Path, url: str, base_path: str) -> Resolved:
    """:func:`resolve` for a *root* and *page* already resolved (a site's 80,000 links each resolved them again)."""
    url = url.strip()
    scheme = _scheme(url)
    if scheme in EXTERNAL_SCHEMES:
        return Resolved(None, "", external=True)
    if scheme is not None:
        return Resolved(None, "", problem=f"'{scheme}:' URL")
    if url.startswith("//"):
        return Resolved(None, "", problem="protocol-relative URL (does not work from file://)")
    parts = urlsplit(url)
    fragment = unquote(parts.fragment)
    path = unquote(parts.path)
    if not path:
        return Resolved(page, fragment)
    if path.startswith("/"):
        base = base_path if base_path.endswith("/") else base_path + "/"
        if not path.startswith(base):
            return Resolved(None, fragment, problem=f"absolute path outside the base path {base!r}")
        target = Path(os.path.normpath(root / path[len(base):]))
    else:
        target = Path(os.path.normpath(page.parent / path))
    if target != root and root not in target.parents:
        return Resolved(None, fragment, problem="leads outside the site")
    return Resolved(target, fragment)


def broken_links(root: Path, base_path: str = "/") -> list[str]:
    """Every internal link of a built site that leads nowhere, as readable messages.

    Walks every ``.html`` and ``.svg`` file under *root*, reads every ``href``,
    ``src`` and ``xlink:href``, and checks that the file it leads to exists
    (a folder does not count: from ``file://`` a browser does not open its
    ``index.html``) and, for ``#fragment`` links, that the target document has
    an element with that ``id``.  An empty fragment (``page.html#`` or ``#``)
    is fine.  Links to http(s), mailto and tel are not followed.
    """
    root = Path(root).resolve()
    trees: dict[Path, Element] = {}
    id_sets: dict[Path, set[str]] = {}

    def tree_of(path: Path) -> Element:
        if path not in trees:
            trees[path] = parse(path)
        return trees[path]

    def ids_of(path: Path) -> set[str]:
        if path not in id_sets:
            id_sets[path] = ids(tree_of(path))
        return id_sets[path]

    problems: list[str] = []
    for page in pages(root):
        rel = page.relative_to(root).as_posix()
        for el, attr, value in links(tree_of(page)):
            where = f"{rel}:{el.line}: <{el.tag} {attr}={value!r}>"
            found = _resolve_in(root, page, value, base_path)  # pages() walks the resolved root
            if found.external:
                continue
            if found.problem:
                problems.append(f"{where}: {found.problem}")
                continue
            target = found.target
            assert target is not None
            shown = target.relative_to(root).as_posix() if target != root else "."
            if target.is_dir():
                problems.append(f"{where}: leads to the folder {shown}/, not a file (add index.html)")
                continue
            if not target.is_file():
                problems.append(f"{where}: no file {shown}")
                continue
            if not found.fragment:
                continue
            if target.suffix not in (".html", ".svg"):
                problems.append(f"{where}: fragment #{found.fragment} on {shown}, which is not HTML or SVG")
            elif found.fragment not in ids_of(target):
                problems.append(f"{where}: {shown} has no element with id={found.fragment!r}")
    return problems


class ActiveContent(NamedTuple):
    """What could run code in a page: ``<script>`` elements and ``on*`` attributes."""

    scripts: list[Element]
    handlers: list[tuple[Element, str, str]]  # (element, attribute name, value)


def active_content(path: Path | Element) -> ActiveContent:
    """Every ``<script>`` element and every event-handler attribute (name starting with ``on``)."""
    tree = path if isinstance(path, Element) else parse(path)
    scripts = list(tree.iter("script"))
    handlers = [(el, name, value) for el in tree.iter() for name, value in el.raw_attrs if name.startswith("on")]
    return ActiveContent(scripts, handlers)
