"""Reading content files, reusing the parse of every file that did not change.

A cold build reads and parses every file; that work is independent per file,
so above a few hundred files it is spread over forked worker processes.  Warm builds and
the dev server parse only what changed.  A file whose size, times and inode
are those recorded last time is not even read (as git trusts its index); a
file modified within two seconds of being read is always read again, because
a second change inside one clock tick would not show in its times.
"""

from __future__ import annotations

import marshal
import os
import time
from collections.abc import Callable

from .diagnostics import Diagnostic, Report
from .load import Document, Source, digest, parse_source, read_bytes
from .parallel import forked_pool, worker_count
from .validate import check_document

Stamp = tuple[int, int, int, int]  # size, modification and change times (ns), inode
Entry = tuple[str, Document | None, list[Diagnostic], Stamp | None]  # (content digest, document, its own problems, stamp)
RACY_NS = 2_000_000_000  # a file changed this recently is read again next time, whatever its stamp
PARALLEL_FROM = 300  # files to parse; below this, worker processes cost more than they save
PARSE_CHUNK = 100  # files a parsing worker takes at a time


def parse_and_check(item: tuple[Source, bytes | None]) -> tuple[str | None, Document | None, list[Diagnostic]]:
    """Parse one file and check it against its schema: everything that needs no other file.

    Without its bytes (a file no earlier run knew, so nothing to compare them
    with), the file is read here first: in a cold build that spreads the
    reading over the parsing workers too.  Returns the content digest (None
    for a file that cannot be read), the document and the file's problems.
    """
    source, raw = item
    if raw is None:
        raw, unreadable = read_bytes(source)
        if raw is None:
            return None, None, unreadable
    document, problems = parse_source(source, raw)
    if document is None:
        return digest(raw), None, problems
    return document.digest, document, problems + check_document(document)


class Reader:
    """*previous* maps a file's path to its :data:`Entry` from the last run.

    Builds keep it in the build cache, the dev server in memory.  *only*, when
    given, names the files known to have changed (the dev server's watcher):
    the others are trusted without being read.
    """

    def __init__(self, previous: dict[str, Entry] | None = None, only: set[str] | None = None, workers: int = 1) -> None:
        self.previous = previous or {}
        self.only = only
        self.workers = workers
        self.entries: dict[str, Entry] = {}
        self.changed = False

    def read(self, sources: list[Source], report: Report, meanwhile: Callable[[], None] | None = None) -> list[Document]:
        """The documents of *sources*, in their order; every file's problems go to *report*.

        *meanwhile*, if given, runs in this process while worker processes
        parse: work that would otherwise wait until the documents are in.
        """
        pending: list[tuple[Source, bytes | None, Stamp | None]] = []
        trusted_before = time.time_ns() - RACY_NS
        for source in sources:
            cached = self.previous.get(source.rel)
            if self.only is not None and cached is not None and source.rel not in self.only:
                self.entries[source.rel] = cached
                continue
            stamp = _stamp(source, trusted_before)
            if cached is None:  # nothing to compare its bytes with: whoever parses it reads it
                pending.append((source, None, stamp))
                continue
            if stamp is not None and cached[3] == stamp:
                self.entries[source.rel] = cached
                continue
            raw, problems = read_bytes(source)
            if raw is None:
                report.extend(problems)
                continue
            if cached[0] == digest(raw):
                if stamp == cached[3]:
                    self.entries[source.rel] = cached
                else:  # remembered, so that the next build need not read it
                    self.entries[source.rel] = (*cached[:3], stamp)
                    self.changed = True
            else:
                pending.append((source, raw, stamp))
        if pending:
            for (source, _, stamp), (key, document, problems) in zip(
                pending, self._parse([(s, r) for s, r, _ in pending], meanwhile)
            ):
                if key is None:  # could not be read: nothing to remember
                    report.extend(problems)
                else:
                    self.entries[source.rel] = (key, document, problems, stamp)
                    self.changed = True
        self.changed = self.changed or self.entries.keys() != self.previous.keys()
        documents: list[Document] = []
        for source in sources:  # in file order, whatever order the work finished in
            entry = self.entries.get(source.rel)
            if entry is None:
                continue
            report.extend(entry[2])
            if entry[1] is not None:
                documents.append(entry[1])
        return documents

    def _parse(
        self, items: list[tuple[Source, bytes | None]], meanwhile: Callable[[], None] | None
    ) -> list[tuple[str | None, Document | None, list[Diagnostic]]]:
        global _PENDING
        workers = worker_count(self.workers, len(items) // 100)
        _PENDING = items  # before the fork: the workers find the files (or their bytes) in memory, not in a pipe
        try:
            pool = forked_pool(workers) if len(items) >= PARALLEL_FROM else None
            if pool is None:
                return [parse_and_check(item) for item in items]
            # Small chunks, so that no worker is left with a long one while the
            # other idles at the end; results are unpacked as they arrive.
            chunk = max(1, min(PARSE_CHUNK, len(items) // (workers * 4)))
            with pool:
                results = pool.imap(_parse_pending, range(len(items)), chunksize=chunk)
                if meanwhile is not None:
                    meanwhile()
                return [_unpack(result) for result in results]
        finally:
            _PENDING = []


_PENDING: list[tuple[Source, bytes | None]] = []  # what the forked parsing workers work on, by index


def _parse_pending(index: int) -> bytes:
    """Parse one pending file in a worker; the result travels as marshal data.

    A document is plain data (YAML gives only dicts, lists, text, numbers,
    booleans and nulls), and marshal writes and reads it in half the time of
    pickle: at 10,000 journeys the main process spent more than a second
    unpickling what the workers sent.
    """
    key, document, problems = parse_and_check(_PENDING[index])
    return marshal.dumps((key, document.plain() if document else None, [p.plain() for p in problems]))


def _unpack(sent: bytes) -> tuple[str | None, Document | None, list[Diagnostic]]:
    key, document, problems = marshal.loads(sent)
    return key, Document.from_plain(document) if document else None, [Diagnostic.from_plain(p) for p in problems]


def _stamp(source: Source, trusted_before: int) -> Stamp | None:
    """The file's stamp, or None when it is missing or too recent to be trusted next time."""
    try:
        st = os.stat(source.path)
    except OSError:
        return None
    if max(st.st_mtime_ns, st.st_ctime_ns) >= trusted_before:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino
