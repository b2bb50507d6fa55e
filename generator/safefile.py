"""Reading authors' files without trusting what the file system hands over.

A content folder may hold anything a file system can: a named pipe (opening it
blocks until someone writes), a link to ``/dev/zero`` (reading never ends), a
file growing while it is read, a name whose bytes are not UTF-8.  None of these
may hang a build, exhaust memory or end in a traceback, so files are opened
only when they are regular files, and read with a bound.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path


MAX_FILE_BYTES = 10 * 1024 * 1024  # a content file or site.toml: far above any real one


class NotReadable(Exception):
    """Why a file was not read, worded for the author (its path is added by the caller)."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of *path* if it is a regular file (after links) of at most *limit* bytes.

    The size is checked twice: by ``stat`` before anything is opened, and by
    the read itself, which takes at most *limit* + 1 bytes, because a size can
    change between the two or be wrong (files in ``/proc`` say 0).  The file is
    opened non-blocking and checked again, so a pipe put in its place after the
    ``stat`` cannot block the open.  Raises :class:`NotReadable` or
    :class:`OSError`.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotReadable(_not_regular(info.st_mode))
    if info.st_size > limit:
        raise NotReadable(f"file is {info.st_size:,} bytes; the limit is {_shown_limit(limit)}")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced between the stat and the open
            raise NotReadable(_not_regular(mode))
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise NotReadable(f"file is more than {limit:,} bytes; the limit is {_shown_limit(limit)}")
    return raw


def printable(name: str) -> str:
    """*name* with its bytes that are not UTF-8, and its control characters, written as ``\\xff``.

    Python hands such bytes of a file name over as lone surrogates, which
    cannot be printed, hashed as UTF-8 or written to any file, and a line break
    in a name would split its message in two: messages show both escaped, as
    ``ls -b`` would.
    """
    try:
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file system gave: not from a file name
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _not_regular(mode: int) -> str:
    kind = (
        "a folder" if stat.S_ISDIR(mode)
        else "a named pipe" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a file"
    )
    return f"not a regular file ({kind}); it was not read"


def _shown_limit(limit: int) -> str:
    megabytes, rest = divmod(limit, 1024 * 1024)
    return f"{limit:,} ({megabytes} MB)" if megabytes and not rest else f"{limit:,} bytes"
