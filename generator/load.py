"""Content files to raw documents that remember where every value came from.

Loading does no validation beyond what is needed to read a file at all
(encoding, size, front matter, YAML syntax), so that ``validate`` can report
every content problem of a run together.  Each file is read on its own, which
keeps this phase trivially parallel and cacheable by content hash.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import not_a_slug
from .diagnostics import Diagnostic, Severity
from .safefile import MAX_FILE_BYTES, NotReadable, printable, read_regular
from .yamlload import CONTROL_RE, Positions, YamlProblem, parse

KINDS = {"journeys": "journey", "personas": "persona", "touchpoints": "touchpoint"}  # folder -> kind
FOLDERS = {kind: folder for folder, kind in KINDS.items()}  # kind -> folder under content/
MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Source:
    """A content file found on disk, before it is read."""

    kind: str
    path: Path
    rel: str  # POSIX path relative to the site root, used in every message
    slug: str


def doc_key(kind: str, slug: str) -> str:
    """How documents are named across the build: ``journey:new-laptop``."""
    return f"{kind}:{slug}"


@dataclass(frozen=True, slots=True)
class Document:
    """One content file, parsed but not yet validated.

    Positions of every value are needed only to report a problem, so they are
    computed on first use by parsing the YAML again (*source*, *offset*); a
    valid catalogue of 10,000 journeys never pays for them.
    """

    kind: str
    slug: str
    rel: str
    data: dict
    body: str
    body_line: int
    source: str
    offset: int
    digest: str
    data_digest: str  # of the front matter alone: what other pages show of the document
    is_yaml: bool
    _positions: list[Positions] = field(default_factory=list, compare=False, repr=False)

    @property
    def key(self) -> str:
        return doc_key(self.kind, self.slug)

    @property
    def positions(self) -> Positions:
        if not self._positions:
            self._positions.append(parse(self.source, line_offset=self.offset).positions)
        return self._positions[0]

    def plain(self) -> tuple:
        """The document as plain data, for :mod:`marshal` (the build cache, the parsing workers)."""
        return (
            self.kind, self.slug, self.rel, self.data, self.body, self.body_line,
            self.source, self.offset, self.digest, self.data_digest, self.is_yaml,
        )

    @classmethod
    def from_plain(cls, raw: tuple) -> Document:
        return cls(*raw)


def discover(root: Path) -> tuple[list[Source], list[Diagnostic]]:
    """Every content file under ``content/``, sorted, with notes on files that are skipped.

    Sub-folders are read (large catalogues like to group journeys) and symbolic
    links are followed, but each real directory only once, so a link loop
    cannot make a build hang.
    """
    sources: list[Source] = []
    notes: list[Diagnostic] = []
    content = root / "content"
    for folder, kind in KINDS.items():
        base = content / folder
        if not base.is_dir():
            continue
        for path in _walk(base, content):
            raw = path.relative_to(root).as_posix()
            rel = printable(raw)  # file names may be any bytes but /
            name = path.name
            if editor_file(name):
                continue
            if not name.endswith(MARKDOWN_SUFFIXES + YAML_SUFFIXES):
                notes.append(
                    Diagnostic(rel, 1, 1, Severity.WARNING, f"ignored: {kind} files end in .md or .yaml (or .markdown, .yml)")
                )
                continue
            if rel != raw:
                notes.append(Diagnostic(rel, 1, 1, Severity.ERROR, _unprintable(path)))
                continue
            sources.append(Source(kind, path, rel, path.stem))
    sources.sort(key=lambda s: s.rel)
    return sources, notes


def _unprintable(path: Path) -> str:
    """The message for a path with bytes that are not UTF-8 or with a control character.

    Such a file is never read: its name could not be a slug, a URL or one line
    of a message.
    """
    stem = printable(path.stem)
    if stem == path.stem:
        return "a folder name in this path is not valid UTF-8 or holds a control character (shown as \\xNN): rename it"
    readable = "".join(c for c in path.stem if c.isprintable() and not "\udc80" <= c <= "\udcff")
    return not_a_slug(stem, readable) + "; a byte that is not UTF-8 or a control character is shown as \\xNN"


def editor_file(name: str) -> bool:
    """Hidden, swap, backup and lock files that editors leave beside content: never content."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".tmp"))


def _walk(base: Path, content: Path) -> Iterator[Path]:
    """Files under *base*, following links to folders outside ``content/`` but never
    into an ancestor, another collection, or a folder already read."""
    seen: set[tuple[int, int]] = set()
    real_base, real_content = base.resolve(), content.resolve()
    for folder, dirs, files in os.walk(base, followlinks=True):
        try:
            info = os.stat(folder)
            real = Path(folder).resolve()
        except (OSError, RuntimeError):
            dirs[:] = []
            continue
        key = (info.st_dev, info.st_ino)
        outside_base = real != real_base and real_base not in real.parents
        if key in seen or real in real_base.parents or (outside_base and (real == real_content or real_content in real.parents)):
            dirs[:] = []
            continue
        seen.add(key)
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def read_bytes(source: Source) -> tuple[bytes | None, list[Diagnostic]]:
    """The file's bytes, or the reason it cannot be read (missing, too large, not a regular file).

    A named pipe or a link to a device is never read (see :func:`read_regular`):
    either would hang the build or fill its memory.
    """
    try:
        return read_regular(source.path, MAX_FILE_BYTES), []
    except NotReadable as exc:
        return None, [Diagnostic(source.rel, 1, 1, Severity.ERROR, str(exc))]
    except OSError as exc:
        return None, [Diagnostic(source.rel, 1, 1, Severity.ERROR, cannot_read(exc))]


def cannot_read(exc: OSError) -> str:
    """The problem with a file that exists but cannot be read (content, settings' files, templates)."""
    return f"cannot read the file: {exc.strerror or exc}"


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def parse_source(source: Source, raw: bytes) -> tuple[Document | None, list[Diagnostic]]:
    """Parse the bytes of one content file into a document with positions."""
    rel = source.rel

    def problem(line: int, col: int, message: str) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(rel, line, col, Severity.ERROR, message)]

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return problem(line, col, f"not valid UTF-8 at byte offset {exc.start}; save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return problem(1, 1, f"the file is empty; a {source.kind} needs at least its required fields")
    is_yaml = source.path.name.endswith(YAML_SUFFIXES)
    if is_yaml:
        yaml_text, body, yaml_offset, body_line = text, "", 0, 1
    else:
        split = _split_front_matter(text)
        if isinstance(split, str):
            return problem(1, 1, split)
        yaml_text, body, body_line = split
        yaml_offset = 1
    control = CONTROL_RE.search(body)
    if control:
        before = body[: control.start()]
        line = body_line + before.count("\n")
        col = control.start() - (before.rfind("\n") + 1) + 1
        return problem(line, col, f"control character U+{ord(control.group()):04X} is not allowed in text")
    try:
        parsed = parse(yaml_text, line_offset=yaml_offset, positions=False)
    except YamlProblem as exc:
        return problem(exc.line + 1, exc.col + 1, exc.message)
    diagnostics = [Diagnostic(rel, p.line + 1, p.col + 1, Severity.ERROR, p.message) for p in parsed.problems]
    if not parsed.usable:
        return None, diagnostics
    data = parsed.data
    where = "the file" if is_yaml else "the front matter"
    if data is None:
        return problem(yaml_offset + 1, 1, f"{where} is empty; a {source.kind} needs at least its required fields")
    if not isinstance(data, dict):
        line, col = parsed.positions.value(())
        return problem(line, col, f"{where} must be a mapping of fields (name: value), not a {_kind(data)}")
    if is_yaml and "body" in data:
        raw_body = data.pop("body")
        if isinstance(raw_body, str):
            body = raw_body
            body_line = parsed.positions.value(("body",))[0] + 1
        elif raw_body is not None:
            line, col = parsed.positions.value(("body",))
            diagnostics.append(
                Diagnostic(rel, line, col, Severity.ERROR, "'body' must be Markdown text (use 'body: |')")
            )
    document = Document(
        kind=source.kind,
        slug=source.slug,
        rel=rel,
        data=data,
        body=body,
        body_line=body_line,
        source=yaml_text,
        offset=yaml_offset,
        digest=digest(raw),
        data_digest=digest(yaml_text.encode()),
        is_yaml=is_yaml,
    )
    return document, diagnostics


def _split_front_matter(text: str) -> tuple[str, str, int] | str:
    """Front matter YAML, body and the body's first line; or a message saying what is wrong."""
    if not (text.startswith("---\n") or text.rstrip("\n") == "---"):
        return "a Markdown file starts with front matter: a line '---', the fields, then another '---'"
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        return "the front matter opened on line 1 is never closed: add a line '---' after the fields"
    front = text[4 : 4 + end.start()]
    rest = text[4 + end.end() :]
    body_line = front.count("\n") + 3
    rest = rest.removeprefix("\n")
    return front, rest, body_line


def _kind(value: object) -> str:
    return {list: "list", str: "single text value", int: "number", float: "number", bool: "true/false"}.get(
        type(value), type(value).__name__
    )
