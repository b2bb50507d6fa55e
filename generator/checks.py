"""ITIL-aware checks: practice advice as warnings with stable codes (JD101 ...).

They run on the model after validation, so they only ever see valid content.
Each can be silenced per site with ``[check] ignore = ["JD104"]``; ``--strict``
turns them into errors like any other warning.  The README lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from .diagnostics import Report, surely_meant
from .load import Document, doc_key
from .model import Site

if TYPE_CHECKING:
    from .render.markdown import Markdown


def run_checks(site: Site, documents: Mapping[str, Document], report: Report) -> None:
    """Add a warning for every practice problem; *documents* are keyed ``kind:slug``."""
    last = site.stages[-1].id if site.stages else None
    stage_ids = {s.id for s in site.stages}
    titles = {s.title.casefold(): s.title for s in site.stages}
    parsers: list[Markdown] = []  # made the first time a near miss needs the Markdown parser
    for slug, journey in site.journeys.items():
        doc = documents[doc_key("journey", slug)]

        def warn(code: str, path: tuple, message: str, key: bool = False, doc: Document = doc) -> None:
            line, col = doc.positions.key(path) if key else doc.positions.value(path)
            report.warning(doc.rel, line, col, message, code)

        if last and not any(i.stage == last for i in journey.indicators):
            where: tuple[str, ...] = ("indicators",) if "indicators" in doc.data else ("title",)
            warn("JD101", where, f"no indicator at the last stage '{last}': add one to show the value realised", key=True)
        for stage in journey.stages:
            if stage.interactions and not any(i.visibility == "shared" for i in stage.interactions):
                warn("JD102", ("stages", stage.stage), f"stage '{stage.stage}' has interactions but none in the shared band of visibility", key=True)
            for i in stage.interactions:
                if i.emotion is not None and i.persona is None:  # stage feelings leave it out (model.felt)
                    warn(
                        "JD109", ("stages", stage.stage, "interactions", i.index, "emotion"),
                        f"emotion on '{_short(i.action)}', an interaction no persona travels: whose feeling is it? "
                        "name the persona or drop the emotion",
                    )
                if i.moment_of_truth and i.emotion is not None and i.emotion < 0 and not i.opportunity:
                    warn(
                        "JD103", ("stages", stage.stage, "interactions", i.index),
                        f"moment of truth '{_short(i.action)}' feels negative ({i.emotion}) but names no opportunity",
                    )
        if len(journey.personas) > 1 and journey.interactions and not any(
            doc_persona(doc, i.stage, i.index) for i in journey.interactions
        ):
            warn("JD106", ("personas",), "several personas but no interaction names its persona: whose step is each?", key=True)
        if journey.relationship == "partnership" and "co-create" in stage_ids:
            shared = [i for i in journey.interactions if i.stage == "co-create" and i.visibility == "shared"]
            if not shared:
                where = ("stages", "co-create") if "co-create" in journey.stage_ids else ("relationship",)
                warn("JD107", where, "a partnership needs shared work at co-create, but none is in the band of visibility", key=True)
        for number, col, heading, meant in _top_level(near_stage_headings(journey.body, titles), journey.body, site, parsers):
            line, col = _body_position(doc, number, col)
            report.warning(
                doc.rel, line, col,
                f"heading '{heading}' is not a stage title (did you mean '{meant}'?): "
                "what follows it stays in the section before",
                "JD108",
            )
    used_personas = {p for j in site.journeys.values() for p in j.personas}
    for slug in site.personas:
        if slug not in used_personas and doc_key("persona", slug) not in site.draft_uses:
            doc = documents[doc_key("persona", slug)]
            line, col = doc.positions.key(("name",))
            report.warning(doc.rel, line, col, f"persona '{slug}' is not in any journey", "JD104")
    for slug, uses in site.touchpoint_uses.items():
        if not uses and doc_key("touchpoint", slug) not in site.draft_uses:
            doc = documents[doc_key("touchpoint", slug)]
            line, col = doc.positions.key(("name",))
            report.warning(doc.rel, line, col, f"touchpoint '{slug}' is not used by any journey", "JD105")


_HEADING = re.compile(r"( {0,3})#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?(`{3,}|~{3,})(.*)")  # also a list item's
_MARKED_LINE = re.compile(r"\n[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?[#`~]")
_INLINE_MARKUP = re.compile(r"[*_`\\]")


def near_stage_headings(body: str, titles: Mapping[str, str]) -> Iterator[tuple[int, int, str, str]]:
    """ATX headings of *body* that nearly spell a stage title: (line in body, column, heading, the title).

    A heading whose text is exactly a stage's title starts that stage's part of
    the narrative; ``## Realise`` or ``## Onboarding`` does not, and the text
    under it silently stays with the stage before.  A quick scan of the lines
    that can open a heading or a code fence (this runs for every journey on
    every check; the Markdown parser runs only when pages are rendered): fenced
    code is skipped as CommonMark closes it (same character, at least as long,
    no info string), and emphasis or code marks in a heading do not count, as
    the page does not count them either.
    """
    text = "\n" + body.replace("\r\n", "\n")
    fence = ""  # the opening fence of the code block we are in
    for hit in _MARKED_LINE.finditer(text):
        start = hit.start() + 1
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        opening = _FENCE.match(line)
        if opening:
            marks, info = opening.group(1), opening.group(2).strip()
            if not fence:
                fence = marks
            elif marks[0] == fence[0] and len(marks) >= len(fence) and not info:
                fence = ""
            continue
        match = None if fence else _HEADING.match(line)
        if match is None:
            continue
        heading = _INLINE_MARKUP.sub("", match.group(2)).strip()
        meant = surely_meant(heading.casefold(), titles) if heading.casefold() not in titles else None
        if meant is not None:
            yield text.count("\n", 0, start) - 1, len(match.group(1)) + 1, heading, titles[meant]


def _top_level(
    near: Iterator[tuple[int, int, str, str]], body: str, site: Site, parsers: list[Markdown]
) -> list[tuple[int, int, str, str]]:
    """The near misses that are headings outside quotes and lists, as the page decides.

    Only those could start a stage's part of the narrative; a nested heading is an
    ordinary one whatever its text.  The line scan cannot tell an indented heading
    inside a list item from a top-level one, so the page's own parser settles the
    (rare) near misses it finds.
    """
    found = list(near)
    if not found:
        return found
    if not parsers:
        from .render.markdown import Markdown  # here: a check without near misses never loads it

        parsers.append(Markdown(site.stages))
    top = parsers[0].top_level_headings(body.replace("\r\n", "\n"))
    return [hit for hit in found if hit[0] in top]


def _body_position(doc: Document, number: int, col: int) -> tuple[int, int]:
    """Where line *number* (0-based) of the body, at *col*, is in the file.

    A Markdown file's body follows its front matter line for line.  In a pure
    YAML journey only a literal block (``body: |``) keeps the lines, indented;
    any other body (quoted, folded, flow style) is pointed at as a whole.
    """
    if not doc.is_yaml:
        return doc.body_line + number, col
    line, column = doc.positions.value(("body",))
    lines = doc.source.splitlines()

    def source(n: int) -> str | None:  # file line n (1-based), if the source holds it
        index = n - 1 - doc.offset
        return lines[index] if 0 <= index < len(lines) else None

    if (source(line) or "")[column - 1 : column] == "|" and (raw := source(line + 1 + number)) is not None:
        return line + 1 + number, len(raw) - len(raw.lstrip(" ")) + 1
    return line, column


def doc_persona(doc: Document, stage: str, index: int) -> bool:
    """Whether the interaction names a persona in the file (not only by implication)."""
    try:
        return bool(doc.data["stages"][stage]["interactions"][index].get("persona"))
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
