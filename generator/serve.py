"""``journeys serve``: a live preview that rebuilds what an edit affects.

The preview keeps the parsed documents and the model in memory.  After an
edit it re-reads only files whose bytes changed, renders the edited
document's own page first and tells the browser at once, then renders every
other page that depends on the edit (from the dependency map) and tells the
browser again.  Content with errors leaves the last good site in place and
shows the problems over every page until they are fixed.
"""

from __future__ import annotations

import gc
import ipaddress
import shutil
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .build import SEARCH_JOB, Options, build, cache_folder, load
from .cache import BuildCache
from .config import load_config
from .deps import STATIC_KEY, Job, digests, fingerprints, plan
from .devserver import Broadcaster, PreviewServer
from .diagnostics import ContentError, JourneydocsError, Report, Severity, UsageError
from .reader import Reader
from .render.site import Renderer
from .render.templates import custom_templates
from .watch import Watcher
from .write import check_output_dir, remove_file, replace_file

PLACEHOLDER = (
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>journeydocs preview</title></head>"
    "<body><main><h1>The catalogue has errors</h1><p>Fix them and this page reloads.</p></main></body></html>"
)


class Preview:
    """The in-memory state of a preview and the rebuild logic."""

    def __init__(self, options: Options, output: Path, broadcaster: Broadcaster) -> None:
        self.options = replace(options, output=output)
        self.output = output
        self.events = broadcaster
        self.reader = Reader()
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.renderer: Renderer | None = None
        # Settings or templates changed but the site could not be built with them: until
        # a full build succeeds, the renderer is the old settings' and may not be used.
        self.outdated = False
        self.prints: dict[Job, str] = {}
        self.files: dict[Job, list[str]] = {}
        self.digests: dict[str, str] = {}
        self.global_digest = ""
        self.static_digest = ""
        self.custom: frozenset[str] = frozenset()
        self.lock = threading.Lock()
        self.sources: list | None = None

    # -- whole builds ----------------------------------------------------------------
    def full(self) -> bool:
        """Build everything (start-up, settings or templates changed); False if content is broken."""
        with self.lock:
            # A reader of its own: the last edit's reader trusts every file but the ones it was told
            # of, and a full build may follow a burst (a checkout) that changed content too.
            self.reader = Reader(self.reader.entries)
            self.outdated = True  # until this build succeeds, whatever stops it
            try:
                result = build(self.options, reader=self.reader, keep_spare=False)  # a throw-away folder
            except ContentError as exc:
                self._show_errors(_problems(exc))
                if not (self.output / "index.html").exists():
                    replace_file(self.output, "index.html", PLACEHOLDER)
                    replace_file(self.output, "404.html", PLACEHOLDER)
                return False
            # The preview rewrites its files in place from now on: no later build may trust this record.
            BuildCache(cache_folder(result.site.config, self.options)).forget(self.output)
            self.renderer = result.renderer
            self.outdated = False
            self.warnings = _warnings(result.report)
            self.prints = {job: fp for job, (fp, _) in result.manifest.items()}
            self.files = {job: list(files) for job, (_, files) in result.manifest.items()}
            self.global_digest = result.global_digest
            self.static_digest = result.static_digest
            self.custom = custom_templates(result.site.config)  # a template edit runs full() again
            self.sources = None
            gc.collect()
            gc.freeze()  # the model is long-lived: keep the collector from rescanning it on every edit
            self.digests = digests(result.documents)
            self._show_errors([])
            self._send("reload", ["*"])
            return True

    # -- incremental updates ---------------------------------------------------------------
    def update(self, changed_files: set[Path] | None = None) -> None:
        """Rebuild after content changed: the edited pages first, then their dependants.

        *changed_files* (from the watcher) limits re-reading to those files.
        """
        if self.renderer is None or self.outdated:  # no build with the current settings yet: build them all
            self.full()
            return
        with self.lock:
            only: set[str] | None = None
            if changed_files is not None:
                root = self.options.root.resolve()
                inside: set[str] = set()
                for path in changed_files:
                    try:
                        inside.add(path.resolve().relative_to(root).as_posix())
                    except ValueError:
                        break  # a file outside the site (a linked folder): read everything
                else:
                    only = inside
            reader = Reader(self.reader.entries, only)
            # Edits of files the site already has leave the list of files as it was.
            known = self.sources is not None and only is not None and only <= {s.rel for s in self.sources}
            same_files = known and all((self.options.root / rel).is_file() for rel in only or ())
            try:
                loaded = load(
                    self.options, reader=reader, previous=self.renderer.site,
                    sources=self.sources if same_files else None,
                )
            except JourneydocsError as exc:  # site.toml broke
                self._show_errors(_problems(exc))
                return
            self.reader = reader
            self.sources = loaded.sources if not same_files else self.sources
            if loaded.site is None or loaded.report.failed(self.options.strict):
                self._show_errors(_failing(loaded.report, self.options.strict))
                return
            self.warnings = _warnings(loaded.report)
            site = loaded.site
            current = digests(loaded.documents)
            changed = {k for k, v in current.items() if self.digests.get(k) != v} | (self.digests.keys() - current.keys())
            self.digests = current
            renderer = self.renderer
            renderer.site = site
            renderer.pages.rebind(site)
            self._show_errors([])

            primary: list[Job] = []
            for key in sorted(changed):
                if "#" in key:  # a part of a document (its front matter): the document itself is listed too
                    continue
                kind, slug = key.split(":", 1)
                if site.has(kind, slug):
                    primary.append((kind, slug) if kind == "journey" else (kind, slug, "1"))  # its own (first) page
            done = self._render(primary)
            if done:
                self._send("reload", done)

            the_plan = plan(site, self.custom)
            prints = fingerprints(the_plan, {**current, STATIC_KEY: self.static_digest}, self.global_digest)
            rest = [job for job in the_plan.jobs if job not in primary and prints[job] != self.prints.get(job)]
            gone = [job for job in self.prints if job not in prints and job != SEARCH_JOB]  # the index stays
            paths = self._render(rest)
            for job in gone:
                for rel in self.files.pop(job, []):
                    remove_file(self.output, rel)
                    paths.append(rel)
            self.prints = prints
            if paths:
                self._send("reload", paths)

    def refresh_static(self, css_only: bool) -> None:
        """Copy the theme's static files again; stylesheets alone do not need a reload."""
        if self.renderer is None or self.outdated:  # the renderer may be another theme's
            self.full()
            return
        with self.lock:
            self._render([("static",)])
        self._send("css" if css_only else "reload", [] if css_only else ["*"])

    def _render(self, jobs: list[Job]) -> list[str]:
        assert self.renderer is not None
        written: list[str] = []
        for job in jobs:
            outputs = self.renderer.run(job)
            for rel, data in outputs:
                replace_file(self.output, rel, data)
                written.append(rel)
            self.files[job] = [rel for rel, _ in outputs]
        return written

    def rebuild_failed(self, exc: Exception) -> None:
        """Show what a rebuild raised over every page: a template's mistake at its line, anything else as it is."""
        self._show_errors(_problems(exc))

    def _show_errors(self, errors: list[str]) -> None:
        if errors != self.errors:
            self.errors = errors
            self._send("errors", errors)

    def _send(self, event: str, data: object) -> None:
        self.events.send(event, data)


def _problems(exc: Exception) -> list[str]:
    """What a failed build or rebuild shows: its problems at their lines, anything else as it is."""
    if isinstance(exc, ContentError):
        return _failing(exc.report, exc.strict)
    if isinstance(exc, JourneydocsError):
        return [f"error: {exc}"]
    return [f"error: rebuilding failed: {exc!r}"]  # not expected: said as it is, the preview goes on


def _warnings(report: Report) -> list[str]:
    return [d.format() for d in report.items if d.severity is Severity.WARNING]


def _failing(report: Report, strict: bool) -> list[str]:
    """What stops the preview: the errors, and with ``--strict`` the warnings too."""
    return [d.format() for d in report.items if strict or d.severity is Severity.ERROR]


def preview_folder(options: Options) -> tuple[Path, bool]:
    """Where the preview is written, and whether it is a temporary folder to remove at the end.

    ``--output`` is checked like any output folder; otherwise the preview goes to a
    private temporary folder, never to the publish output (``output_dir``).
    """
    if options.output is not None:
        return check_output_dir(options.output, options.root), False
    return Path(tempfile.mkdtemp(prefix="journeydocs-preview-")), True


def listen_address(bind: str) -> str:
    """The address to listen on as given to ``--bind``: ``[::1]`` as URLs write it is ``::1``;
    nothing at all is every IPv4 interface, as ``0.0.0.0`` says."""
    return bind.strip().removeprefix("[").removesuffix("]") or "0.0.0.0"


def run(options: Options, bind: str, port: int, open_browser: bool, say: Callable[..., None]) -> None:
    """Serve a live preview until interrupted; *say(message, err=False)* talks to the author.

    The preview is written to ``options.output`` when given (checked like any
    output folder), else to a private temporary folder removed at the end.
    """
    bind = listen_address(bind)
    load_config(options.root)  # a broken site.toml stops here, with its position
    folder, temporary = preview_folder(options)
    broadcaster = Broadcaster()
    preview = Preview(options, folder, broadcaster)
    shown: list[str] = []

    def tell() -> None:
        """The errors after every rebuild; warnings (which do not stop the preview) when they change."""
        nonlocal shown
        if not preview.errors and preview.warnings != shown:
            for message in preview.warnings:
                say(message, err=True)
            shown = preview.warnings
        for message in preview.errors:
            say(message, err=True)

    try:
        preview.full()
        tell()
        host = f"[{bind}]" if ":" in bind else bind  # the address as a browser (and a reader) takes it
        try:
            server = PreviewServer((bind, port), folder, broadcaster, lambda: preview.errors)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        watcher = Watcher(preview, options.root)

        def rebuilt(changed: set[Path]) -> None:
            tell()
            if not preview.errors:
                say(f"rebuilt {time.strftime('%H:%M:%S')}", err=True)

        watcher.on_rebuild = rebuilt
        watcher.start()
        try:
            loopback = ipaddress.ip_address(bind).is_loopback
        except ValueError:
            loopback = bind == "localhost"
        if not loopback:
            say(f"warning: serving on {bind}, which other machines can reach; the preview is for authors", err=True)
        url = f"http://{host}:{server.server_address[1]}/"
        say(f"serving {url} (Ctrl+C to stop)")
        if open_browser:
            webbrowser.open(url)
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.stopping.set()
            broadcaster.close()
            watcher.stop()
            server.server_close()
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


