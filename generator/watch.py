"""Which saves matter to the live preview, and which kind of rebuild each one needs.

Editors save in bursts (a temporary file, a rename, a change of times), so
changes are collected until the site has been quiet for a moment.  Content
edits rebuild incrementally; a theme's stylesheets are copied again alone;
settings, templates or a theme rebuild everything.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from .config import SiteConfig, load_config
from .diagnostics import JourneydocsError
from .load import editor_file
from .render.templates import theme_layers

if TYPE_CHECKING:
    from .serve import Preview

ROOT_NAMES = frozenset({"site.toml", "content", "templates"})  # what matters in the site's own folder
DEBOUNCE = 0.015  # seconds of quiet after a change before rebuilding (editors save in bursts)


class Watcher(FileSystemEventHandler):
    """Collects file changes and rebuilds after a short quiet period."""

    def __init__(self, preview: Preview, root: Path) -> None:
        self.preview = preview
        self.root = root.resolve()
        self.pending: set[Path] = set()
        self.wake = threading.Condition()
        self.stopped = False
        self.observer = Observer()
        self.on_rebuild: Callable[[set[Path]], None] | None = None
        self.themes = _themes(self.root)  # its layers; looked up again only when site.toml changes
        self.watched: dict[Path, ObservedWatch] = {}
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        folders = {self.root / "content", self.root / "templates", *self.themes}
        for folder in sorted(folders):
            self._watch(folder)
        # site.toml, and content/ or templates/ made (or made again) after the start
        self.observer.schedule(self, str(self.root), recursive=False)
        self.observer.start()
        self.thread = threading.Thread(target=self._loop, name="journeydocs-rebuild", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop watching, and wait for a rebuild in progress: it writes into the preview folder."""
        with self.wake:
            self.stopped = True
            self.wake.notify_all()
        self.observer.stop()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=30)

    WRITES = frozenset({"created", "modified", "deleted", "moved", "closed"})

    def on_any_event(self, event: FileSystemEvent) -> None:
        # Reads raise "opened"/"closed_no_write" events; a build reads every file.
        if event.event_type not in self.WRITES or (event.is_directory and event.event_type == "modified"):
            return
        paths = [Path(str(event.src_path))]
        if getattr(event, "dest_path", ""):
            paths.append(Path(str(event.dest_path)))
        relevant = [p for p in paths if self._relevant(p)]
        if relevant:
            with self.wake:
                self.pending.update(relevant)
                self.wake.notify_all()

    def _watch(self, folder: Path, again: bool = False) -> None:
        """Watch *folder* and everything in it; *again* after it was made, deleted or moved."""
        if again and folder in self.watched:
            with contextlib.suppress(KeyError):  # already gone with its folder
                self.observer.unschedule(self.watched[folder])
            del self.watched[folder]
        if folder.is_dir() and folder not in self.watched:
            self.watched[folder] = self.observer.schedule(self, str(folder), recursive=True)

    def _relevant(self, path: Path) -> bool:
        if path.parent == self.root:
            return path.name in ROOT_NAMES
        return not editor_file(path.name)  # the same files the build skips

    def _loop(self) -> None:
        while True:
            with self.wake:
                while not self.pending and not self.stopped:
                    self.wake.wait()
                if self.stopped:
                    return
                # Debounce: wait until the burst of events from one save is over.
                while True:
                    before = len(self.pending)
                    self.wake.wait(DEBOUNCE)
                    if len(self.pending) == before or self.stopped:
                        break
                changed, self.pending = self.pending, set()
            try:
                self._rebuild(changed)
            except Exception as exc:  # a preview must survive anything a save can cause
                self.preview.rebuild_failed(exc)
            if self.on_rebuild:
                self.on_rebuild(changed)

    def _rebuild(self, changed: set[Path]) -> None:
        content = self.root / "content"
        folders = {p for p in changed if p.parent == self.root and p.name != "site.toml"}
        for folder in folders:  # content/ or templates/ itself was made, deleted or moved
            self._watch(folder, again=True)
        if self.root / "site.toml" in changed:
            themes = _themes(self.root)
            if themes != self.themes:  # another theme: watch its folders from now on
                self.themes = themes
                for theme in themes:
                    self._watch(theme)
        if not folders and all(_inside(p, content) for p in changed):
            self.preview.update(changed)
        elif not folders and all(any(_inside(p, t / "static") for t in self.themes) for p in changed):
            self.preview.refresh_static(css_only=all(p.suffix == ".css" for p in changed))
        else:  # settings, templates or theme: everything may change
            self.preview.full()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _themes(root: Path) -> list[Path]:
    """The theme folders to watch, every layer (a theme and the built-in default under it).

    While site.toml is broken, the default theme's.
    """
    try:
        return theme_layers(load_config(root))
    except JourneydocsError:
        return theme_layers(SiteConfig(root=root))
