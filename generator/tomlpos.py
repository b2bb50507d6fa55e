"""Where a setting is in the text of ``site.toml``.

``tomllib`` keeps no positions once parsing succeeds, so a light scan of the
text finds the line and column of a key for every message about it.
"""

from __future__ import annotations

import re


def decode_position(message: str) -> tuple[int, int]:
    """The line and column in a ``tomllib`` error, which only has them in its message text."""
    match = re.search(r"line (\d+), column (\d+)", message)
    if match:
        return int(match.group(1)), int(match.group(2))
    return 1, 1


_HEADER_RE = re.compile(r"^\s*\[(\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(?:#.*)?$")


def locate(text: str, table: str | None, key: str) -> tuple[int, int]:
    """Line and column of *key* inside *table* (``stages#2`` is the third ``[[stages]]``).

    Falls back to the table header, then to 1:1, so a message always has a place.
    """
    current: str | None = None
    counts: dict[str, int] = {}
    header_pos: tuple[int, int] | None = None
    key_re = re.compile(rf"^(\s*)[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.split("\n"), start=1):  # as TOML counts: not at U+2028 inside a string
        header = _HEADER_RE.match(line)
        if header:
            name = header.group(2).strip().strip("\"'")
            if header.group(1):
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = f"{name}#{index}"
            else:
                current = name
            if (table is None and name == key) or name == f"{table}.{key}":  # [site.extra] is the key 'extra'
                return number, line.index("[") + 1
            if current == table:
                header_pos = (number, line.index("[") + 1)
            continue
        if current == table:
            match = key_re.match(line)
            if match:
                return number, len(match.group(1)) + 1
    return header_pos or (1, 1)
