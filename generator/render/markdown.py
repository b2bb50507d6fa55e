"""Markdown for narratives and descriptions: CommonMark, safe by construction.

Raw HTML is off, so content can only produce the markup Markdown itself
produces; link and image URLs are limited to a small set of schemes, so no
``javascript:``, ``vbscript:`` or ``data:`` URL survives.  Headings are shifted
one level down (the page's own ``h1``/``h2`` come first) and get stable ids;
a heading that names a stage (``## Onboard``) becomes that stage's section.

Nesting is bounded, never lossy: markdown-it stops parsing at ``maxNesting``
and drops the rest of the document, which lost text without a word.  Blocks
nested :data:`DEEPEST` levels deep (a list and its item count two, a quote
one) are shown as a plain paragraph of their text instead, and the parser's
own limit sits above that, low enough that Python's recursion (about two
frames a block level, three an inline one) stays far from its limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import slugify
from ..model import Stage

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock
    from markdown_it.token import Token

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
DEEPEST = 96  # block levels (48 nested lists, 96 quotes) before the rest shows as plain text
MAX_NESTING = DEEPEST + 8  # markdown-it's backstop, also the limit of nested inline links


def safe_link(url: str) -> bool:
    """True for relative URLs, fragments and http(s)/mailto/tel; false for anything else."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", url)
    match = _SCHEME_RE.match(cleaned)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


@dataclass(frozen=True, slots=True)
class Narrative:
    """A journey body split at its stage headings."""

    intro: str
    stages: dict[str, str]


class Markdown:
    """One configured parser for a site (its stage titles decide the anchors)."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        # Imported here: a build that renders no page (nothing changed) does not need them.
        from markdown_it import MarkdownIt
        from mdit_py_plugins.deflist import deflist_plugin
        from mdit_py_plugins.footnote import footnote_plugin
        from mdit_py_plugins.tasklists import tasklists_plugin

        # The options markdown-it's rules only look up, with their defaults: a missing
        # one raises and catches a KeyError each time, some twenty times a journey.
        looked_up = ("alerts", "inline_definitions", "store_labels", "strikethrough_single_tilde", "tasklists")
        options = {"html": False, "typographer": False, "maxNesting": MAX_NESTING, **dict.fromkeys(looked_up, False)}
        md = MarkdownIt("commonmark", options)
        md.enable(["table", "strikethrough"])
        md.block.ruler.before("table", "too_deep", _too_deep)
        md.disable(["html_block", "html_inline"])  # with raw HTML off they only ever decline, on every line
        md.use(footnote_plugin).use(deflist_plugin).use(tasklists_plugin)
        md.validateLink = safe_link  # type: ignore[method-assign]
        self._md = md
        self._stage_by_title = {s.title.casefold(): s.id for s in stages}

    def render(self, text: str, ids: dict[str, int] | None = None, doc_id: str | None = None) -> str:
        """Render Markdown as an HTML fragment.

        Fragments that share a page share *ids* (id -> times used) and get distinct
        *doc_id* values, so headings and footnotes never repeat an id on the page.
        """
        if not text.strip():
            return ""
        env: dict = {"docId": doc_id} if doc_id else {}
        tokens = self._prepare(self._md.parse(text, env), {} if ids is None else ids)
        return self._md.renderer.render(tokens, self._md.options, env)

    def narrative(
        self, text: str, present: Sequence[str], ids: dict[str, int] | None = None, doc_id: str | None = None
    ) -> Narrative:
        """Split a journey body into an intro and one fragment per stage present.

        A heading whose text is the title of a stage in *present* starts that
        stage's part; the page renders its own heading there, anchored
        ``stage-<id>``.  Headings naming other stages keep their anchor inline.
        """
        if not text.strip():
            return Narrative("", {})
        env: dict = {"docId": doc_id} if doc_id else {}
        tokens = self._prepare(self._md.parse(text, env), {} if ids is None else ids, skip=frozenset(present))
        parts: dict[str | None, list[Token]] = {None: []}
        current: str | None = None
        index = 0
        while index < len(tokens):
            token = tokens[index]
            stage = token.meta.get("stage_section") if token.type == "heading_open" else None
            if stage:
                current = stage
                parts.setdefault(stage, [])
                index += 3  # heading_open, inline, heading_close
                continue
            parts[current].append(token)
            index += 1
        render = self._md.renderer.render
        stages = {k: render(v, self._md.options, env) for k, v in parts.items() if k is not None}
        return Narrative(render(parts[None], self._md.options, env), stages)

    def top_level_headings(self, text: str) -> set[int]:
        """The 0-based lines of *text* that start a heading outside any quote, list or footnote.

        Only those can start a stage's part of a narrative; the JD108 check asks
        here, with the very parser the pages use, about the few headings it doubts.
        """
        return {t.map[0] for t in self._md.parse(text) if t.type == "heading_open" and t.level == 0 and t.map}

    def _prepare(self, tokens: list[Token], used: dict[str, int], skip: frozenset[str] = frozenset()) -> list[Token]:
        for index, token in enumerate(tokens):
            if token.type not in ("heading_open", "heading_close"):
                continue
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
            if token.type == "heading_close":
                continue
            inline = tokens[index + 1]
            title = "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline")).strip()
            # Only a heading outside quotes and lists starts a stage's part: a nested one
            # would open its container in one section and close it in the next.
            stage = self._stage_by_title.get(title.casefold()) if token.level == 0 else None
            if stage is not None and stage in skip:
                token.meta["stage_section"] = stage
                continue
            base = f"stage-{stage}" if stage else f"section-{slugify(title) or 'heading'}"
            anchor, n = base, used.get(base, 0)
            while anchor in used:  # "Notes", "Notes", "Notes 2" must not share section-notes-2
                n += 1
                anchor = f"{base}-{n}"
            used[base] = max(n, 1)
            used[anchor] = 1
            token.attrSet("id", anchor)
        return tokens


def _too_deep(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Block rule: at DEEPEST levels, the rest of the container as one plain paragraph.

    It takes the lines that markdown-it's own loop would still give to this
    container (up to one indented less than it), so the text after the
    container parses as usual.
    """
    if state.level < DEEPEST:
        return False
    if silent:
        return True
    stop = start + 1
    while stop < end and (state.isEmpty(stop) or state.sCount[stop] >= state.blkIndent):
        stop += 1
    while stop > start + 1 and state.isEmpty(stop - 1):
        stop -= 1
    state.line = stop
    token = state.push("paragraph_open", "p", 1)
    token.map = [start, stop]
    token = state.push("inline", "", 0)
    token.content = state.getLines(start, stop, state.blkIndent, False).strip()
    token.map = [start, stop]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True
