"""The only module that writes the published output.

A build renders into a staging directory beside the target and swaps it in
only when everything succeeded, so a failed or interrupted build leaves the
previous site exactly as it was and readers never see half a catalogue.

The staging directory is either fresh (unchanged files hard-linked from the
current output) or *recycled*: the output of the build before last, kept as a
spare in the build cache, updated file by file.  Recycling touches only what
changed since then, instead of linking and later deleting every file.  Files
are never rewritten in place (a spare's files share inodes with the live
site): a file is replaced by removing it and writing a new one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .diagnostics import OutputError

_T = TypeVar("_T")
TEMP_PREFIX = ".journeydocs-tmp-"
OLD_PREFIX = ".journeydocs-old-"


def check_output_dir(output: Path, site_root: Path) -> Path:
    """Resolve *output* and refuse places where a swap would destroy something precious."""
    target = output.expanduser().resolve()
    root = site_root.resolve()
    home = Path.home().resolve()
    content = (root / "content").resolve()
    reasons = {
        Path(target.anchor): "the file system root",
        home: "your home directory",
        root: "the site's own folder",
    }
    if target in reasons:
        raise OutputError(f"refusing to build into {target}: it is {reasons[target]}; choose a folder such as 'public'")
    if target == content or _inside(content, target):
        raise OutputError(f"refusing to build into {target}: it contains the site's content folder")
    if _inside(target, content):
        raise OutputError(f"refusing to build into {target}: it is inside the content folder")
    for folder in ("templates", "themes"):
        guarded = (root / folder).resolve()
        if target == guarded or _inside(guarded, target) or _inside(target, guarded):
            raise OutputError(f"refusing to build into {target}: it overlaps the site's {folder}/ folder")
    if target.exists() and not target.is_dir():
        raise OutputError(f"refusing to build into {target}: it is a file, not a folder")
    if target.is_dir() and (target / "site.toml").exists():
        raise OutputError(f"refusing to build into {target}: it holds a site.toml, so it looks like a site, not output")
    return target


def _inside(child: Path, parent: Path) -> bool:
    return child != parent and parent in child.parents


def _inside_output(root: Path, rel: str) -> Path:
    """The path of output *rel* under *root*; every write and removal goes through this check."""
    return root / _checked(rel)


def _checked(rel: str) -> str:
    """*rel* if it is a relative POSIX path that stays inside the output folder."""
    if not rel or rel.startswith("/") or "\\" in rel or ".." in rel.split("/"):
        raise OutputError(f"internal error: output path {rel!r} escapes the output folder")
    return rel


def _create(path: str, payload: bytes) -> None:
    """Write *payload* to *path* as a new file, making its folder only when it is missing.

    A file already there is removed first, never truncated: in a recycled
    staging directory it may be a hard link to a file of the live site.
    Plain system calls: a build writes thousands of files, most into a folder
    the previous file already made, and Python's buffered file objects cost
    several more calls per file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    fd = _fresh(path, lambda: os.open(path, flags, 0o666))
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Shared:
    """An output file's text that the build cache keeps too (a diagram): one copy on disk for both.

    *entry* is the cache's file for it, which already holds the text when
    *cached*.  The output file and the entry become one file with two names
    (hard links), whichever way round is needed: a cold build of 10,000
    journeys writes 10,000 files and 180 MB less.  Where a link cannot be made
    (the cache on another file system), both are written.  Neither name is
    ever rewritten in place (see the module's docstring), so sharing is safe.
    """

    text: str
    entry: Path
    cached: bool


def _fresh(path: str, make: Callable[[], _T]) -> _T:
    """Run *make*, which creates *path*: again after making its folder, when that is missing, or after
    removing the file already there (replaced, never truncated: it may be a hard link to a file of
    the live site)."""
    try:
        return make()
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except FileExistsError:
        os.unlink(path)
    return make()


def _link(source: Path, path: str) -> None:
    """*path* as a new name of *source* (see :func:`_fresh`)."""
    _fresh(path, lambda: os.link(source, path))


def _write_shared(path: str, shared: Shared, replace: bool = False) -> int:
    """Write *shared* to *path* (with *replace*, in one step, as :func:`atomic_write`); return its size."""
    payload = shared.text.encode("utf-8")

    def write() -> None:
        if replace:
            atomic_write(Path(path), payload)
        else:
            _create(path, payload)

    if shared.cached:
        try:
            _link_in(shared.entry, path, replace)
        except OSError:  # another file system, or the entry was pruned meanwhile: the output alone is written
            write()
        return len(payload)
    write()
    try:
        _link(Path(path), str(shared.entry))  # an entry already there (the same diagram twice) is replaced
    except OSError:  # another file system; a race with another worker over the same entry
        with contextlib.suppress(OSError):  # a cache that cannot take it only costs time
            atomic_write(shared.entry, payload)
    return len(payload)


def _link_in(source: Path, path: str, replace: bool) -> None:
    """*path* as a name of *source*; with *replace*, swapped in over the old file in one step."""
    if not replace:
        _link(source, path)
        return
    temp = _temp_name(path)
    try:
        _link(source, temp)
        os.replace(temp, path)
    finally:  # already a name of *source*, *path* stays, and renaming onto it left the temporary name
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _temp_name(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.{os.getpid()}.tmp")


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace *path* in one step: a reader (a browser, another worker) sees the old or the new file."""
    temp = _temp_name(str(path))
    _create(temp, data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(temp, path)


def write_file(staging: Path, rel: str, data: bytes | str | Shared) -> int:
    """Write one output file under *staging* (main process and render workers alike); return its size."""
    path = str(_inside_output(staging, rel))
    if isinstance(data, Shared):
        return _write_shared(path, data)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    _create(path, payload)
    return len(payload)


class Output:
    """A staging directory that becomes the output on :meth:`commit`.

    It refuses to write one path twice (two pages claiming the same URL is a
    bug worth failing on) and any path that would escape the directory.
    """

    def __init__(self, target: Path, spare: Path | None = None) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + target.name + "-", dir=target.parent))
        self.present: dict[str, int] = {}  # files of a recycled spare, with their sizes
        self.recycled = False
        if spare is not None and spare.is_dir():
            try:
                os.rmdir(self.staging)
                os.rename(spare, self.staging)  # fails across file systems: then start fresh
            except OSError:
                self.staging.mkdir(exist_ok=True)
            else:
                try:
                    self.present = list_files(self.staging)
                    self.recycled = True
                except OSError:  # an unreadable spare: start from an empty folder after all
                    shutil.rmtree(self.staging, ignore_errors=True)
                    self.staging.mkdir()
        self.written: set[str] = set()
        self._target, self._staging = str(target), str(self.staging)
        self._folders: set[str] = {self._staging}  # made already: a warm build links thousands of files

    def keep(self, files: dict[str, int]) -> bool:
        """Keep a job's files as the recycled spare has them, if all are there at their recorded sizes."""
        if not self.recycled or any(self.present.get(rel) != size for rel, size in files.items()):
            return False
        for rel in files:
            self.claim(rel)
        return True

    def clear(self, folder: str) -> None:
        """Empty a folder a tool is about to fill again (the search index): a spare's, or a failed reuse's."""
        shutil.rmtree(_inside_output(self.staging, folder), ignore_errors=True)
        self.present = {rel: size for rel, size in self.present.items() if not rel.startswith(folder + "/")}

    def prune(self) -> None:
        """Remove what a recycled spare had and this build did not claim, and folders left empty."""
        if not self.recycled:
            return
        emptied: set[str] = set()
        for rel in self.present.keys() - self.written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self._staging, rel))
            emptied.add(os.path.dirname(rel))
        self.present = {rel: size for rel, size in self.present.items() if rel in self.written}
        for folder in sorted(emptied, key=lambda f: f.count("/"), reverse=True):
            _remove_empty(self._staging, folder)  # a deleted journey leaves no empty folder behind

    def claim(self, rel: str) -> None:
        """Record that *rel* was written (by this process or a worker); once only."""
        if rel in self.written:
            raise OutputError(f"internal error: two outputs claim {rel}")
        self.written.add(rel)

    def reuse(self, files: dict[str, int]) -> bool:
        """Take a job's files unchanged from the current output, if all are there at their recorded sizes.

        Each is hard-linked (the old output is never modified in place, only
        replaced), else copied.  Nothing is claimed unless every file matched.
        Plain strings, not Paths: a warm build links thousands of files.
        """
        linked: list[str] = []
        try:
            for rel, size in files.items():
                source, destination = os.path.join(self._target, _checked(rel)), os.path.join(self._staging, rel)
                folder = os.path.dirname(destination)
                if folder not in self._folders:
                    os.makedirs(folder, exist_ok=True)
                    self._folders.add(folder)
                if rel in self.present:  # the spare's older copy
                    os.unlink(destination)
                    del self.present[rel]
                try:
                    os.link(source, destination)
                except OSError:
                    shutil.copy2(source, destination)  # no hard links here; a missing file fails here too
                linked.append(destination)
                if os.stat(destination).st_size != size:
                    raise FileNotFoundError(rel)  # changed behind the build's back: render it again
        except OSError:
            for path in linked:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            return False
        for rel in files:
            self.claim(rel)
        return True

    def commit(self, spare: Path | None = None, trash: Path | None = None) -> bool:
        """Swap the staging directory in place of the target; return True if the old output became *spare*.

        Where the system can exchange two folders in one step (Linux), readers
        never see a moment without a site; elsewhere the old output is renamed
        away first.  The replaced output is kept as the next build's *spare*
        when one is given, else moved to *trash* (deleted in the background),
        else deleted here.
        """
        self.prune()
        os.chmod(self.staging, 0o755)  # mkdtemp creates it private; published sites are world-readable
        if not self.target.exists():
            os.rename(self.staging, self.target)
            return False
        if spare is not None and spare.exists() and trash is not None:
            move_to(spare, trash)  # an unused spare (a --no-cache build came between)
        if _exchange(self.staging, self.target):
            old, kept = _move_aside(self.staging, trash, spare)  # the staging name now holds the old site
        else:
            old, kept = _move_aside(self.target, trash, spare)
            try:
                os.rename(self.staging, self.target)
            except OSError:
                os.rename(old, self.target)
                raise
        if not kept:
            if trash is not None and old.parent == trash:
                empty_trash(trash)
            else:
                shutil.rmtree(old, ignore_errors=True)
        return kept

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> Output:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None or self.staging.exists():
            self.discard()


def _move_aside(target: Path, trash: Path | None, spare: Path | None = None) -> tuple[Path, bool]:
    """Rename the current output out of the way: to *spare*, into *trash*, or else beside it.

    Returns where it went and whether that is *spare*.  Renames fail across
    file systems; then the next choice is tried.
    """
    if spare is not None:
        try:
            spare.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target, spare)
            return spare, True
        except OSError:
            pass
    if trash is not None:
        trashed = _into_trash(target, trash)
        if trashed is not None:
            return trashed, False
    return _rename_free(target, target.parent, OLD_PREFIX + target.name + "-"), False


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where unsupported."""
    if _RENAMEAT2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return _RENAMEAT2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def _renameat2() -> Callable[..., int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not glibc 2.28+ on Linux
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def _remove_empty(root: str, folder: str) -> None:
    """Remove *folder* under *root* and then its parents, as long as they are empty."""
    while folder:
        try:
            os.rmdir(os.path.join(root, folder))
        except OSError:
            return
        folder = os.path.dirname(folder)


def list_files(root: str | Path) -> dict[str, int]:
    """Every file under *root* by relative POSIX path, with its size."""
    found: dict[str, int] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel)) as entries:
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append(path)
                elif entry.is_file(follow_symlinks=False):
                    found[path] = entry.stat(follow_symlinks=False).st_size
    return found


def holds_exactly(folder: Path, files: dict[str, int]) -> bool:
    """Whether *folder* holds exactly *files* (paths and sizes); False when it cannot be read."""
    try:
        return list_files(folder) == files
    except OSError:  # unreadable, or changing while it is read
        return False


def move_to(folder: Path, trash: Path) -> None:
    """Move *folder* into *trash* (deleted in the background), or delete it here if it cannot move there."""
    if _into_trash(folder, trash) is None:
        shutil.rmtree(folder, ignore_errors=True)


def _into_trash(folder: Path, trash: Path) -> Path | None:
    """Rename *folder* to a free name in *trash*; None if it cannot go there (another file system)."""
    try:
        trash.mkdir(parents=True, exist_ok=True)
        return _rename_free(folder, trash, folder.name + "-")
    except OSError:
        return None


def _rename_free(folder: Path, into: Path, prefix: str) -> Path:
    """Rename *folder* into *into* under a name of *prefix* and 8 free characters (as ``mkdtemp`` picks)."""
    new = Path(tempfile.mkdtemp(prefix=prefix, dir=into))
    os.rmdir(new)
    os.rename(folder, new)
    return new


def empty_trash(trash: Path) -> None:
    """Delete replaced outputs in *trash* on a background thread (one at a time per process)."""
    if not trash.is_dir():
        return

    def work() -> None:
        with _TRASH_LOCK:
            for path in sorted(trash.iterdir()):
                shutil.rmtree(path, ignore_errors=True)

    threading.Thread(target=work, name="journeydocs-trash", daemon=True).start()


_TRASH_LOCK = threading.Lock()


def clean_leftovers(target: Path) -> None:
    """Remove staging folders that a killed build (SIGKILL, power loss) left beside *target*."""
    parent = target.parent
    if not parent.is_dir():
        return
    for prefix in (TEMP_PREFIX, OLD_PREFIX):
        # mkdtemp adds exactly 8 characters: "public-2"'s folders are not "public"'s.
        for path in parent.glob(f"{prefix}{target.name}-" + "?" * 8):
            shutil.rmtree(path, ignore_errors=True)


def replace_file(root: Path, rel: str, data: bytes | str | Shared) -> None:
    """Replace one file of a live output folder atomically (the dev server's preview).

    A reader requesting the file at the same moment gets the old or the new
    version, never half of one.
    """
    if isinstance(data, Shared):
        _write_shared(str(_inside_output(root, rel)), data, replace=True)
    else:
        atomic_write(_inside_output(root, rel), data)


def remove_file(root: Path, rel: str) -> None:
    """Delete an output that no longer exists in the site (a journey was deleted), and its emptied folders."""
    with contextlib.suppress(OSError):
        _inside_output(root, rel).unlink()
    _remove_empty(str(root), os.path.dirname(rel))
