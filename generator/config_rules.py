"""What the values of ``site.toml`` settings must look like.

Settings end up where less is tolerated than on a page: file paths (a NUL byte
cannot be in one), ``<html lang>`` (a quote would end the attribute), Graphviz
labels (an empty stage title or a control character makes Graphviz fail), URLs.
Each rule returns the problem in words, or nothing, so that
:mod:`generator.config` reports it at the setting's line like any other problem
of the file; they are kept here so that module stays about reading the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from .yamlload import CONTROL_RE

# One-line settings (paths, ids, titles, the language) take no tab or line break
# either; only a stage's purpose is free text, held to the rule of content text.
LINE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")
FREE_TEXT_KEYS = frozenset({"purpose"})

LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
LANGUAGE_RULE = "must be a language tag (BCP 47) such as 'en', 'de-CH' or 'pt-BR'"

# Stage ids become folders (stages/<id>/) and anchors, so a lone or doubled
# hyphen, which names nothing, is refused: the slug alphabet, in words.
STAGE_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STAGE_ID_RULE = "lower-case letters a-z and digits 0-9, words joined by single hyphens (like 'co-create')"

BASE_URL_RULE = (
    "must be an absolute http(s) URL without spaces, backslashes, query or fragment, "
    "and with a port, if any, from 1 to 65535, like 'https://example.org/journeys/'"
)


def control_problems(data: dict) -> Iterator[tuple[str | None, str, str]]:
    """(table, key, problem) for each setting whose text holds a control character.

    *table* is named as :func:`generator.config._locate` finds it (``stages#2``
    for the third ``[[stages]]``, None for a key outside any table); every
    string is looked at, in known and unknown settings alike.
    """
    for name, value in data.items():
        if isinstance(value, dict):
            for key, item in value.items():
                yield from _controlled(name, key, item)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, entry in enumerate(value):
                for key, item in entry.items():
                    yield from _controlled(f"{name}#{index}", key, item)
        else:
            yield from _controlled(None, name, value)


def _controlled(table: str | None, key: str, value: object) -> Iterator[tuple[str | None, str, str]]:
    """The first control character in a setting's name or text: reported once per setting.

    Names count too: a quoted TOML key may hold a line break, and a name is
    printed in messages (unknown settings) just as a value reaches pages.
    """
    found = LINE_CONTROL_RE.search(key)
    if found:
        yield table, key, f"control character U+{ord(found.group()):04X} in the setting's name is not allowed"
        return
    pattern = CONTROL_RE if key in FREE_TEXT_KEYS else LINE_CONTROL_RE
    for text in _strings(value):
        found = pattern.search(text)
        if found:
            yield table, key, f"control character U+{ord(found.group()):04X} is not allowed"
            return


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def normalise_base_url(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"


def is_base_url(url: str) -> bool:
    """An absolute http(s) URL that page paths can follow, as ``base_url`` must be (or empty: none).

    Page paths are appended to it, so a query or fragment would end up in the
    middle of every URL, and a space would have to be encoded.  A backslash is
    read as a slash by browsers but not by others, and a port out of range
    names no address at all.
    """
    if not url:
        return True
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError:  # such as an unclosed [ of an IPv6 host
        return False
    plain = not any(c in "?#\\" or c.isspace() or not c.isprintable() for c in url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0 and plain
