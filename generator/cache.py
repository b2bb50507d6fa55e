"""What a build remembers between runs (``build.cache_dir``, safe to delete).

- parsed documents with their per-file problems, keyed by path and content hash,
  so unchanged files are neither parsed nor schema-checked again;
- the manifest of the last build of each output folder: every job's
  fingerprint and the files it wrote, so unchanged outputs are reused;
- the output before that (the *spare*) with its own manifest, which the next
  build updates instead of starting an output folder from nothing.

Other modules keep their own sub-folders here: finished diagrams
(``render.diagram``), compiled templates (``render.templates``), search bundles
(``search``) and ``trash/`` (``write``).

Entries are stored with :mod:`marshal` (plain data only, nothing executable) and
a format version; anything unreadable is treated as a cache miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import tempfile
import zlib
from pathlib import Path

from . import code_identity
from .diagnostics import Diagnostic
from .load import Document
from .reader import Entry
from .write import atomic_write

FORMAT = 5
SHARDS = 32  # files the parsed documents are spread over
Manifest = dict[tuple[str, ...], tuple[str, dict[str, int]]]  # job -> (fingerprint, {file: size})


class BuildCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @functools.cached_property
    def writable(self) -> bool:
        """Whether this build can change the cache (CI may restore one read-only).

        A cache that cannot be written still serves what cannot go stale
        (documents by content hash, diagrams by their DOT, compiled templates
        checked against their source), but not the manifests and the spare: a
        record that cannot be dropped or replaced would describe an older output.
        """
        if self.folder is None:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                return True
        except OSError:
            return False

    # -- documents -----------------------------------------------------------------
    # Kept in SHARDS files by a hash of the path, so that saving after one edit
    # rewrites one small file instead of every parsed document of the catalogue.
    def documents(self) -> dict[str, Entry]:
        """rel -> (digest, document or None, per-file problems, file stamp) from the last run."""
        result: dict[str, Entry] = {}
        for shard in range(SHARDS):
            raw = self._read(f"documents-{shard:02d}")
            for rel, (digest, doc, problems, stamp) in (raw or {}).items():
                result[rel] = (digest, Document.from_plain(doc) if doc else None, [Diagnostic.from_plain(p) for p in problems], stamp)
        return result

    def save_documents(self, entries: dict[str, Entry], previous: dict[str, Entry] | None = None) -> None:
        """Write the shards holding an entry that is not *previous*'s own (every shard without it)."""
        if previous is None:
            changed = set(range(SHARDS))
        else:
            changed = {_shard(rel) for rel, entry in entries.items() if previous.get(rel) is not entry}
            changed.update(_shard(rel) for rel in previous.keys() - entries.keys())
        shards: dict[int, dict[str, tuple]] = {n: {} for n in changed}
        for rel, (digest, doc, problems, stamp) in entries.items():
            data = shards.get(_shard(rel))
            if data is not None:
                data[rel] = (digest, doc.plain() if doc else None, [p.plain() for p in problems], stamp)
        for n, data in sorted(shards.items()):
            self._write(f"documents-{n:02d}", data)
        if self.folder is not None:
            with contextlib.suppress(OSError):  # not caching only costs time
                (self.folder / "documents.marshal").unlink(missing_ok=True)  # cache format 3 kept them in one file

    # -- manifest ------------------------------------------------------------------
    def manifest(self, target: Path) -> Manifest:
        return _manifest(self._read(_manifest_name(target)) or {}) if self.writable else {}

    def save_manifest(self, target: Path, entries: Manifest) -> None:
        self._write(_manifest_name(target), entries)
        record = self.folder / f"{_manifest_name(target)}.target" if self.folder else None
        if record is not None and not record.exists():  # whose records these are, for stale_outputs()
            try:
                atomic_write(record, str(target))
            except OSError:
                pass

    def forget(self, target: Path, spare_only: bool = False) -> None:
        """Drop what is recorded about *target*'s files (or its spare's) before they change.

        In a cache that cannot be written the records stay, but are never read
        (see :attr:`writable`), so they cannot describe files they no longer match.
        """
        names = ["spare-" + _manifest_name(target)] + ([] if spare_only else [_manifest_name(target)])
        for name in names:
            if self.folder is not None:
                with contextlib.suppress(OSError):
                    (self.folder / f"{name}.marshal").unlink(missing_ok=True)

    # -- the spare output ----------------------------------------------------------
    @property
    def trash(self) -> Path | None:
        """Where replaced outputs wait to be deleted in the background (see ``write.empty_trash``)."""
        return self.folder / "trash" if self.folder else None

    def spare_dir(self, target: Path) -> Path | None:
        return self.folder / "spare" / _manifest_name(target) if self.folder else None

    def spare(self, target: Path) -> tuple[Path, Manifest] | None:
        """The spare output of *target* and what each of its jobs wrote, if both are there."""
        folder = self.spare_dir(target)
        raw = self._read("spare-" + _manifest_name(target)) if self.writable else None
        if folder is None or raw is None or not folder.is_dir():
            return None
        return folder, _manifest(raw)

    def save_spare(self, target: Path, entries: Manifest) -> None:
        """Record the manifest of the spare output."""
        self._write("spare-" + _manifest_name(target), entries)

    def stale_outputs(self) -> list[Path]:
        """Forget output folders that are gone (a finished preview, a deleted ``--output`` folder).

        Their manifests are deleted here; their spares, which only take disk
        space now, are returned for the trash.
        """
        if self.folder is None or not self.folder.is_dir():
            return []
        live = set()
        for record in sorted(self.folder.glob("manifest-*.target")):
            name = record.name.removesuffix(".target")
            try:
                gone = not Path(record.read_text(encoding="utf-8")).is_dir()
            except (OSError, UnicodeDecodeError):
                gone = True
            if not gone:
                live.add(name)
                continue
            for leftover in (f"{name}.marshal", f"spare-{name}.marshal", record.name):
                with contextlib.suppress(OSError):  # a cache we may read but not change (restored read-only in CI)
                    (self.folder / leftover).unlink(missing_ok=True)
        spares = self.folder / "spare"
        return [p for p in sorted(spares.iterdir()) if p.name not in live] if spares.is_dir() else []

    # -- storage -------------------------------------------------------------------
    def _read(self, name: str) -> dict | None:
        if self.folder is None:
            return None
        try:
            blob = (self.folder / f"{name}.marshal").read_bytes()
            header, payload = marshal.loads(blob)
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return payload if header == (FORMAT, code_identity()) and isinstance(payload, dict) else None

    def _write(self, name: str, payload: dict) -> None:
        if self.folder is None:
            return
        try:
            atomic_write(self.folder / f"{name}.marshal", marshal.dumps(((FORMAT, code_identity()), payload)))
        except (OSError, ValueError):
            pass  # not caching only costs time


def _manifest(raw: dict) -> Manifest:
    return {tuple(job): (fp, dict(files)) for job, (fp, files) in raw.items()}


def _shard(rel: str) -> int:
    return zlib.crc32(rel.encode("utf-8")) % SHARDS  # discover() never passes a name that is not UTF-8


def _manifest_name(target: Path) -> str:
    return "manifest-" + hashlib.blake2b(str(target).encode(), digest_size=8).hexdigest()
