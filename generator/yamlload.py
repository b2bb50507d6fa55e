"""YAML text to plain data, with the position of every key and value.

PyYAML's constructors silently keep the last of two duplicate keys, build
arbitrary objects from ``!!python`` tags (even ``SafeLoader`` accepts some
exotic ones) and expand aliases without limit.  So we let libyaml only *compose*
the node graph (fast, in C) and build the data ourselves: core tags only, one
value per key, a bound on depth and on expanded size, and a position for every
path so that later phases can point at ``path:line:col``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # the C parser is ~10x faster; the pure-Python one behaves the same
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

MAX_DEPTH = 50
MAX_VALUES = 100_000

Path = tuple[str | int, ...]
_T = "tag:yaml.org,2002:"
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # not text; XML refuses most of them
# A syntax error inside one of these is reported where the construct starts: that
# is where it was left open (PyYAML's own position is where it gave up, often the file's end).
_OPENED = ("while scanning a quoted scalar", "while scanning a simple key", "while parsing a flow")


_PLAIN_TAGS: dict[str, str] = {}  # plain scalar -> the tag it resolves to
_PLAIN_TAGS_MAX = 100_000


class _Loader(_SafeLoader):
    """The safe loader, remembering how each plain scalar resolved.

    libyaml composes in C but asks this Python method for the tag of every
    scalar, and the answer (null, bool, int, float, timestamp or text) tries up
    to a dozen patterns; a catalogue repeats the same keys and values in every
    file.  The safe loader has no path resolvers, so a plain scalar's tag
    depends on its text alone and the remembered answer is the same answer.
    """

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


class YamlProblem(Exception):
    """A problem with a position (0-based line/column relative to the YAML text)."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(slots=True)
class Positions:
    """1-based (line, column) of each value and each mapping key, by data path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def value(self, path: Path) -> tuple[int, int]:
        """Where the value at *path* is, or its nearest located ancestor."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def key(self, path: Path) -> tuple[int, int]:
        """Where the key of *path* is written; list items fall back to the value."""
        if path in self.keys:
            return self.keys[path]
        return self.value(path)


@dataclass(slots=True)
class Parsed:
    data: object
    positions: Positions
    problems: list[YamlProblem]
    usable: bool = True  # False: the problems leave no document worth checking further


def parse(text: str, line_offset: int = 0, positions: bool = True) -> Parsed:
    """Parse one YAML document; *line_offset* is added to reported lines (front matter).

    Syntax errors raise :class:`YamlProblem`; content problems that still leave
    usable data (duplicate keys) are returned in ``problems`` so that one run
    reports them all.  With ``positions=False`` only top-level keys are located:
    a valid document never needs more, and recording every position costs
    time and memory on large catalogues (see :class:`generator.load.Document`).
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, text, line_offset) from None
    except yaml.reader.ReaderError as exc:  # characters YAML does not allow
        before = text[: exc.position]
        line, col = before.count("\n"), exc.position - (before.rfind("\n") + 1)
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise YamlProblem(
            f"character U+{ord(character):04X} is not allowed in YAML", line + line_offset, col
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every libyaml error is one of the above
        raise YamlProblem(f"YAML error: {' '.join(str(exc).split())}", line_offset, 0) from None
    builder = _Builder(line_offset, positions, text if _OTHER_BREAKS_RE.search(text) else None)
    if node is None:
        return Parsed(None, builder.positions, [])
    data = builder.build(node, (), 0, frozenset())
    return Parsed(data, builder.positions, builder.problems, usable=not builder.refused)


_OTHER_BREAKS_RE = re.compile("[\x85\u2028\u2029]")  # line breaks to libyaml, not to editors


def _at(mark: yaml.Mark, text: str | None) -> tuple[int, int]:
    """A mark's 0-based line and column as an editor counts them.

    libyaml also ends a line at U+0085, U+2028 and U+2029, which editors show
    inside a line; *text* is given only when it holds one of them (rare, and
    then the character index decides), so ordinary files cost nothing.
    """
    if text is None:
        return mark.line, mark.column
    start = text.rfind("\n", 0, mark.index) + 1
    return text.count("\n", 0, start), mark.index - start


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, line_offset: int) -> YamlProblem:
    problem, context = exc.problem or "invalid YAML", exc.context or ""
    other = text if _OTHER_BREAKS_RE.search(text) else None
    found = _at(exc.problem_mark, other) if exc.problem_mark is not None else None
    opened = _at(exc.context_mark, other) if exc.context_mark is not None else None
    if opened is not None and context.startswith(_OPENED):
        where = f" (line {found[0] + line_offset + 1})" if found is not None and found[0] != opened[0] else ""
        return YamlProblem(f"YAML syntax error: {problem}{where} {context} that starts here", opened[0] + line_offset, opened[1])
    line, col = found or opened or (0, 0)
    message = "; ".join(p for p in (context, problem) if p)
    lines = text.split("\n")
    source = lines[line] if line < len(lines) else ""
    above = _line_above(lines, line, col, line_offset)
    return YamlProblem(f"YAML syntax error: {message}{_hint(problem, context, source, col, above)}", line + line_offset, col)


def _line_above(lines: list[str], line: int, col: int, line_offset: int) -> str:
    """The nearest line above *line* with content, when it is indented differently: "13, at column 7".

    A key indented too far is noticed only at the next key, so a message about
    this line should also name the one above: either may be the culprit.
    """
    for number in range(min(line, len(lines)) - 1, -1, -1):
        text = lines[number]
        stripped = text.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            indent = len(text) - len(stripped)
            return f"{number + line_offset + 1}, at column {indent + 1}" if indent != col else ""
    return ""


def _hint(problem: str, context: str, line: str, col: int, above: str = "") -> str:
    """What usually causes libyaml's message, for someone who writes content rather than YAML."""
    if line[col : col + 1] == "\t":
        return " (a tab: YAML indents with spaces)"
    before = line[:col].rstrip()[-1:]  # what ends just before the spot libyaml stopped at
    if problem.startswith("mapping values are not allowed"):
        if ": " in line[:col]:
            return " (a text with ': ' in it: put the whole text in double quotes)"
        return (
            " (a text with ': ' in it goes in double quotes; if this is a key, is it indented deeper"
            " than the key above it, or does the line above lack the space after its ':'?)"
        )
    if "expected '-' indicator" in problem:
        return " (check the indentation: an item's keys line up under its first key, and items' '-' under each other)"
    if problem.startswith("did not find expected key"):
        if before == "'":
            return " (the quoted text ends at the ' before this: put all of it inside the quotes, and write '' for a ' in it)"
        if before == '"':
            return ' (the quoted text ends at the " before this: put all of it inside the quotes, and write \\" for a " in it)'
        if above:
            return (
                f" (check the indentation: the keys of one mapping line up under each other; this key is at"
                f" column {col + 1} and the line above, {above}: is one of them indented too far?)"
            )
        return " (check the indentation: the keys of one mapping line up under each other)"
    if context.startswith(("while scanning an alias", "while scanning an anchor")) or "cannot start any token" in problem:
        return " (a text starting with * & @ % or `: put the whole text in double quotes)"
    return ""


class _Builder:
    def __init__(self, line_offset: int, record: bool = True, text: str | None = None) -> None:
        self.offset = line_offset
        self.record = record
        # Only for a text with U+0085, U+2028 or U+2029, which libyaml counts as line breaks
        # and editors do not: positions then come from the character index instead.
        self.text = text
        self.positions = Positions()
        self.problems: list[YamlProblem] = []
        self.refused = False  # a value was refused: report every such value, then drop the document
        self.count = 0

    def _at(self, node: Node) -> tuple[int, int]:
        return _at(node.start_mark, self.text)

    def _pos(self, node: Node) -> tuple[int, int]:
        line, col = self._at(node)
        return line + self.offset + 1, col + 1

    def _fail(self, message: str, node: Node) -> YamlProblem:
        line, col = self._at(node)
        return YamlProblem(message, line + self.offset, col)

    def build(self, node: Node, path: Path, depth: int, active: frozenset[int]) -> object:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self._fail(
                f"the document expands to more than {MAX_VALUES:,} values "
                "(an alias expansion bomb?); refusing to load it",
                node,
            )
        if depth > MAX_DEPTH:
            raise self._fail(f"nested more than {MAX_DEPTH} levels deep", node)
        if self.record or len(path) <= 1:
            self.positions.values[path] = self._pos(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if id(node) in active:
            raise self._fail("a recursive alias refers to itself", node)
        inner = active | {id(node)}
        if isinstance(node, SequenceNode):
            if node.tag != _T + "seq":
                self._refuse(node)
                return None
            return [self.build(item, path + (i,), depth + 1, inner) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _T + "map":
                self._refuse(node)
                return None
            return self._mapping(node, path, depth, inner)
        raise self._fail("unsupported YAML node", node)  # pragma: no cover

    def _mapping(
        self, node: MappingNode, path: Path, depth: int, active: frozenset[int], skip: frozenset[str] = frozenset()
    ) -> dict:
        """A mapping's data; *skip* names keys already set where this mapping is merged in (they win)."""
        result: dict[str, object] = {}
        first_seen: dict[str, Node] = {}  # where each key was written: a position is worked out only when needed
        merges: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _T + "merge":
                merges.append((key_node, value_node))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _T + "str":
                # Reported, and the search goes on: `yes:`, `on:`, `1:` in one file are all named at once.
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a list or mapping"
                self.problems.append(self._fail(f"keys must be text, not {shown!s:.40} (quote the key)", key_node))
                self.refused = True
                continue
            key = key_node.value
            if key in skip:
                continue
            self._check_text(key_node)
            if key in first_seen:
                line, col = self._pos(key_node)
                self.problems.append(
                    YamlProblem(
                        f"duplicate key '{key}' (first at line {self._pos(first_seen[key])[0]}); "
                        "YAML would silently keep only the last one",
                        line - 1,
                        col - 1,
                    )
                )
                continue
            first_seen[key] = key_node
            if self.record or not path:
                self.positions.keys[path + (key,)] = self._pos(key_node)
            result[key] = self.build(value_node, path + (key,), depth + 1, active)
        for key_node, value_node in merges:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self._fail("'<<' merges a mapping or a list of mappings", key_node)
                # Keys already set win (YAML's rule) and keep their own positions, also
                # over a merge inside the merged mapping.
                result.update(self._mapping(source, path, depth + 1, active | {id(source)}, skip | frozenset(result)))
        return result

    def _check_text(self, node: ScalarNode) -> None:
        """Control characters are no text: they would reach pages and break the SVG's XML.

        YAML refuses them written as they are, so only a double-quoted escape
        can make one: ``"C:\\apps\\build"`` holds ``\\a`` and ``\\b``.
        """
        if node.style != '"':
            return
        bad = CONTROL_RE.search(node.value)
        if bad:
            line, col = self._pos(node)
            self.problems.append(
                YamlProblem(
                    f"control character U+{ord(bad.group()):04X} is not allowed in text (in double quotes a "
                    "backslash starts an escape: write \\\\ for a backslash, or use single quotes)",
                    line - 1,
                    col - 1,
                )
            )

    def _scalar(self, node: ScalarNode) -> object:
        """A plain value.  Only plain whole numbers (``95``, ``-2``) are numbers: dates, and
        numbers YAML 1.1 would rewrite (a fraction, base-60 colons, a leading zero, ``0x``,
        ``_``), stay as written.  The format has no such numbers, and an indicator's
        ``99.90``, ``4:00`` or ``010`` means exactly that text (YAML: 99.9, 240 and 8)."""
        tag, text = node.tag, node.value
        if tag == _T + "str":
            self._check_text(node)
            return text
        if tag == _T + "int":
            digits = text.lstrip("+-")
            if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
                return text
            if len(digits) > 4000:  # Python refuses to read longer ones
                raise self._fail(f"cannot read the number {text!s:.40} (quote it to keep it as text)", node)
            return int(text)
        if tag == _T + "timestamp" or tag == _T + "float":
            return text
        if tag == _T + "null":
            return None
        if tag == _T + "bool":
            return text.lower() in ("true", "yes", "on", "y")
        self._refuse(node)
        return None

    def _refuse(self, node: Node) -> None:
        """A tagged value (``!!python/...``, ``!custom``): an error, and the search goes on for more."""
        self.problems.append(self._fail(f"unsupported YAML tag '{node.tag}' (only plain values, lists and mappings)", node))
        self.refused = True
