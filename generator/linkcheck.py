"""``journeys check --links``: every internal link of a built site, resolved as a browser would.

Each ``href``/``src`` (and SVG ``xlink:href``) of every HTML and SVG file is
resolved relative to its file, as when the site is opened from disk; the
target must exist, a folder is not enough (``file://`` shows no
``index.html``), and a ``#fragment`` must name an element id.  Absolute paths
(only the 404 page has them) resolve from the path of the ``base_url`` the site
was built with: ``catalogue.json`` records it, and a preview build's
``--base-url`` differs from ``site.toml``'s.
"""

from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .config import is_base_url
from .diagnostics import Report

_EXTERNAL = re.compile(r"^(https?|mailto|tel):", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
LINK_ATTRIBUTES = ("href", "src", "xlink:href")


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in LINK_ATTRIBUTES:
                self.links.append((value, line, col + 1))

    handle_startendtag = handle_starttag


def check_built_site(output: Path, base_url: str, report: Report, shown: str) -> int | None:
    """Check the links of the site built in *output*; None (and an error) when there is none.

    *shown* is how the output folder is named in messages (relative to the site).
    """
    if not (output / "index.html").is_file():
        report.error(shown, 1, 1, f"no built site in {shown}: run journeys build first")
        return None
    return check_links(output, urlsplit(built_base_url(output, base_url, report, shown)).path or "/", report, shown)


def built_base_url(output: Path, configured: str, report: Report, shown: str) -> str:
    """The ``base_url`` the site in *output* was built with (its ``catalogue.json`` says), else *configured*."""
    where = f"{shown}/catalogue.json"
    try:
        value = json.loads((output / "catalogue.json").read_text("utf-8"))["site"]["base_url"]
    except (OSError, ValueError, KeyError, TypeError):
        value = None
    if not isinstance(value, str) or not is_base_url(value):
        report.warning(where, 1, 1, "no base_url recorded by the build; absolute links are resolved from site.toml's")
        return configured
    return value


def check_links(output: Path, base_path: str, report: Report, shown: str) -> int:
    """Report every broken internal link under *output*; return how many links were checked.

    *shown* is how the output folder is named in messages (relative to the site).
    """
    scans: dict[Path, _Scanner] = {}

    def scan(path: Path) -> _Scanner:
        if path not in scans:
            scanner = _Scanner()
            scanner.feed(path.read_text(encoding="utf-8", errors="replace"))
            scanner.close()
            scans[path] = scanner
        return scans[path]

    checked = 0
    pages = sorted(p for p in output.rglob("*") if p.suffix in (".html", ".svg") and "pagefind" not in p.parts)
    for page in pages:
        rel = f"{shown}/{page.relative_to(output).as_posix()}"
        for url, line, col in scan(page).links:
            if _EXTERNAL.match(url) or url.startswith("data:image/"):
                continue
            checked += 1
            problem = _problem(output, page, url, base_path, scan)
            if problem:
                report.error(rel, line, col, f"{problem}: {url}")
    return checked


def _problem(output: Path, page: Path, url: str, base_path: str, scan) -> str | None:  # type: ignore[no-untyped-def]
    if _SCHEME.match(url) or url.startswith("//"):
        return "link with an unsafe or external scheme"
    parts = urlsplit(url)
    path, fragment = unquote(parts.path), unquote(parts.fragment)
    if not path:
        target = page
    elif path.startswith("/"):
        if not path.startswith(base_path):
            return f"absolute link outside the site's base path {base_path}"
        target = output / path[len(base_path):]
    else:
        joined = posixpath.normpath(posixpath.join(page.parent.relative_to(output).as_posix(), path))
        if joined.startswith(".."):
            return "link leads outside the site"
        target = output / joined
    if path.endswith("/") or target.is_dir():
        return "link to a folder (opened from disk, browsers show no index.html)"
    if not target.is_file():
        return "broken link, no such file"
    if fragment and target.suffix in (".html", ".svg") and fragment not in scan(target).ids:
        return f"broken link, no id '{fragment}' in {target.relative_to(output).as_posix()}"
    return None
