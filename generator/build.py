"""The pipeline: config -> load -> validate -> model -> render -> write.

Everything is gathered and validated before anything is written (as MkDocs'
``build`` does), so content with errors never reaches the output.  Between runs
the build cache skips parsing unchanged files and re-rendering outputs whose
inputs did not change; each phase is timed for the benchmark.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import code_identity
from .cache import BuildCache
from .checks import run_checks
from .config import (
    CONFIG_NAME,
    SiteConfig,
    load_config,
    setting_position,
    source_date,
)
from .deps import STATIC_KEY, Job, digests, fingerprints, plan, search_fingerprint
from .diagnostics import ContentError, JourneydocsError, OutputError, Report
from .load import Document, Source, cannot_read, discover
from .model import Site, build_site
from .parallel import meanwhile, paused_gc, worker_count
from .reader import Reader
from .render.site import Renderer, prepare, run_jobs
from .render.templates import (
    custom_templates,
    effective_templates,
    prune_compiled_templates,
    static_files,
    unused_templates,
)
from .safefile import printable
from .search import FOLDER, index_site
from .validate import validate
from .write import (
    Output,
    check_output_dir,
    clean_leftovers,
    empty_trash,
    holds_exactly,
    list_files,
    move_to,
)


@dataclass(frozen=True, slots=True)
class Options:
    root: Path = Path(".")
    output: Path | None = None
    strict: bool = False
    drafts: bool = False
    base_url: str | None = None
    search: bool | None = None
    workers: int | None = None
    use_cache: bool = True


@dataclass(slots=True)
class Timings:
    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start


@dataclass(slots=True)
class Loaded:
    """The outcome of reading a site: the report always, the model only when it is valid."""

    config: SiteConfig
    sources: list[Source]
    documents: list[Document]
    report: Report
    site: Site | None


@dataclass(slots=True)
class Result:
    site: Site
    report: Report
    output: Path
    pages: int
    diagrams: int
    reused: int
    seconds: float
    timings: Timings
    documents: list[Document] = field(default_factory=list)
    manifest: dict[Job, tuple[str, dict[str, int]]] = field(default_factory=dict)
    renderer: Renderer | None = None
    global_digest: str = ""
    static_digest: str = ""
    rendered_jobs: list[Job] = field(default_factory=list)

    @property
    def rendered(self) -> int:
        return len(self.rendered_jobs)


def cache_folder(config: SiteConfig, options: Options) -> Path | None:
    """The build cache's folder, or None when the cache is off (``--no-cache``)."""
    return config.cache_path if options.use_cache else None


def workers(config: SiteConfig, options: Options) -> int:
    """Configured processes: ``--workers``, else ``build.workers`` (0: one per core)."""
    return options.workers if options.workers is not None else config.workers


def load(
    options: Options,
    timings: Timings | None = None,
    reader: Reader | None = None,
    previous: Site | None = None,
    sources: list[Source] | None = None,
    prepare: Callable[[SiteConfig, Path | None], None] | None = None,
) -> Loaded:
    """Read, validate and model the site; raise :class:`ContentError` only for a broken site.toml.

    The dev server passes its own in-memory *reader* and the *previous* model,
    so that an edit re-parses one file and rebuilds one journey object.  A
    build passes *prepare* (settings, cache folder), run while workers parse.
    """
    timings = timings or Timings()
    with paused_gc(freeze=reader is None):
        return _load(options, timings, reader, previous, sources, prepare)


def _load(
    options: Options,
    timings: Timings,
    reader: Reader | None,
    previous: Site | None,
    sources: list[Source] | None,
    prepare: Callable[[SiteConfig, Path | None], None] | None = None,
) -> Loaded:
    with timings.phase("load"):
        config = load_config(options.root)
        if options.base_url is not None:
            config = config.with_base_url(options.base_url)
        if options.search is not None:
            config = replace(config, search=options.search)
        report = Report(ignore=config.check_ignore)
        report.extend(config.warnings)
        if sources is None:
            if not (options.root / "content").is_dir():  # a wrong --site, a submodule not checked out
                raise JourneydocsError(
                    f"no content/ folder in {options.root.resolve()}: a site keeps its journeys, "
                    "personas and touchpoints there, so there is nothing to check or build"
                )
            sources, notes = discover(options.root)
            if not sources:  # what a git submodule not checked out leaves: an empty folder
                raise JourneydocsError(
                    f"content/ in {options.root.resolve()} holds no journey, persona or touchpoint, "
                    "so there is nothing to check or build; `journeys new persona \"A name\"` starts one"
                )
            report.extend(notes)
        cache = BuildCache(cache_folder(config, options) if reader is None else None)
        reader = reader or Reader(cache.documents(), workers=workers(config, options))
        documents = reader.read(sources, report, partial(prepare, config, cache.folder) if prepare else None)
    # The parsed documents go into the build cache from another process while this one
    # validates and models them (at 10,000 journeys writing them takes 0.3 s).
    saving = reader.changed and cache.writable  # a cache restored read-only takes nothing new
    with meanwhile(partial(cache.save_documents, reader.entries, reader.previous) if saving else None):
        with timings.phase("validate"):
            loaded_paths = {d.rel for d in documents}
            unreadable = [(s.kind, s.slug) for s in sources if s.rel not in loaded_paths]
            validate(config, documents, report, unreadable)
            report.extend(unused_templates(config))  # a misspelt override is never used: say so, like unknown files
        site = None
        if not report.errors:
            with timings.phase("model"):
                site = build_site(config, documents, drafts=options.drafts, previous=previous)
            with timings.phase("validate"):
                run_checks(site, {d.key: d for d in documents}, report)
    return Loaded(config, sources, documents, report, site)


def output_dir(options: Options, config: SiteConfig) -> Path:
    if options.output is not None:
        return options.output
    return options.root / config.output_dir


def _setting_error(config: SiteConfig, table: str, key: str, message: str) -> ContentError:
    """A problem with a path set in ``site.toml``, reported at that setting."""
    line, col = setting_position(config, table, key)
    report = Report()
    report.error(CONFIG_NAME, line, col, f"{key}: {message}")
    return ContentError(report)


def global_digest(config: SiteConfig, options: Options, built: str | None) -> str:
    """Everything every page depends on: settings, templates, version.

    The templates are hashed as pages use them: each name with the file that
    serves it from the site's, the theme's or the default theme's folder, so an
    edit in any layer, or a file that starts or stops shadowing another, counts.
    The theme's static files are not in it: pages only link to them, so a
    changed stylesheet rebuilds the ``static`` job alone (see :func:`static_digest`).
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{code_identity()}\0{options.drafts}\0{config.base_url}\0{config.search}\0{built}\0".encode())
    h.update(config.text.encode())
    _hash_files(h, effective_templates(config), config.root)
    return h.hexdigest()


def static_digest(config: SiteConfig) -> str:
    """The static files the ``static`` job copies: the default theme's with the theme's over them."""
    h = hashlib.blake2b(digest_size=16)
    _hash_files(h, static_files(config), config.root)
    return h.hexdigest()


def _hash_files(h: hashlib.blake2b, files: dict[str, Path], root: Path) -> None:
    """Hash each name and content, lengths first, so no two sets of files hash the same bytes.

    A theme file that cannot be read is the site's problem, reported at the
    file like any other (not as the output that could not be written), all of
    them at once.
    """
    report = Report()
    for rel, path in files.items():
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.error(printable(os.path.relpath(path, root)), 1, 1, cannot_read(exc))
            continue
        name = rel.encode()
        h.update(b"%d\0%d\0" % (len(name), len(data)) + name + data)
    if report.errors:
        raise ContentError(report)


# Heaviest first so the workers finish together: catalogue-wide pages (tens of ms), journeys, the rest.
ORDER = {"feeds": 0, "insights": 0, "persona": 1, "index": 1, "stage": 1, "catalogue-index": 1, "journey": 2}
ProgressFactory = Callable[[int], Callable[[int], None]]
SEARCH_JOB: Job = ("search",)  # runs after every other job, over the finished pages


def build(
    options: Options,
    progress: ProgressFactory | None = None,
    reader: Reader | None = None,
    keep_spare: bool = True,
) -> Result:
    """Build the site into its output directory, or raise without touching it.

    *keep_spare* False (the dev server's throw-away preview folder) deletes the
    replaced output instead of keeping it in the cache for the next build.
    """
    start = time.perf_counter()
    timings = Timings()
    loaded = load(options, timings, reader=reader, prepare=prepare)
    if loaded.site is None or loaded.report.failed(options.strict):
        raise ContentError(loaded.report, options.strict)
    site, config = loaded.site, loaded.config
    try:
        target = check_output_dir(output_dir(options, config), options.root)
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if options.output is not None:
            raise OutputError(f"cannot build into {options.output}: {exc.strerror or exc}") from None
        raise _setting_error(config, "site", "output_dir", f"cannot create its folder: {exc.strerror or exc}") from None
    except OutputError as exc:
        if options.output is not None:
            raise
        raise _setting_error(config, "site", "output_dir", str(exc)) from None
    configured = config.cache_path
    if configured == target or target in configured.parents or configured in target.parents:
        raise _setting_error(config, "build", "cache_dir", f"{configured} overlaps the output folder {target}")
    if configured.exists() and not configured.is_dir():
        raise _setting_error(config, "build", "cache_dir", f"{configured} is a file, not a folder")
    clean_leftovers(target)
    built = source_date()
    cache = BuildCache(configured if options.use_cache else None)
    if cache.folder is None:  # the manifests would describe files this build replaces
        BuildCache(configured).forget(target)
    trash = cache.trash
    if trash:
        for stale in cache.stale_outputs():
            move_to(stale, trash)
        empty_trash(trash)  # outputs replaced by earlier builds, deleted while this one works

    with timings.phase("plan"), paused_gc():
        the_plan = plan(site, custom_templates(config))
        everything = global_digest(config, options, built)
        static = static_digest(config)
        prints = fingerprints(the_plan, {**digests(loaded.documents), STATIC_KEY: static}, everything)
        if config.search:  # runs after the others, over the finished pages
            prints[SEARCH_JOB] = search_fingerprint(prints, config.language)
        previous = cache.manifest(target) if target.is_dir() else {}

    renderer = Renderer(site, built, cache.folder)
    with timings.phase("reuse"):
        recorded = {rel: size for _, files in previous.values() for rel, size in files.items()}
        as_recorded = previous.keys() == prints.keys() and all(previous[job][0] == prints[job] for job in prints)
        as_recorded = as_recorded and holds_exactly(target, recorded)
    if as_recorded:  # nothing to render, and the output is what its manifest says: leave it and the spare alone
        todo: list[Job] = []
        manifest, reused, written = previous, len(prints), set(recorded)
    else:
        try:
            manifest, todo, reused, written = _write_output(
                target, cache, renderer, prints, previous, timings, keep_spare=keep_spare,
                processes=workers(config, options), progress=progress,
            )
        except OSError as exc:  # a full disk, a folder without write permission: the old output stays
            raise OutputError(f"cannot write the site into {target}: {exc.strerror or exc}") from None
    if renderer.cache is not None and sum(job[0] == "journey" for job in todo) == len(site.journeys):
        renderer.cache.prune()  # once a day, after looking up every diagram: those unused for a month go
    if cache.folder is not None:
        prune_compiled_templates(cache.folder)
    pages = sum(1 for rel in written if rel.endswith(".html"))
    return Result(
        site=site,
        report=loaded.report,
        output=target,
        pages=pages,
        diagrams=len(site.journeys),
        reused=reused,
        seconds=time.perf_counter() - start,
        timings=timings,
        documents=loaded.documents,
        manifest=manifest,
        renderer=renderer,
        global_digest=everything,
        static_digest=static,
        rendered_jobs=todo,
    )


def _write_output(
    target: Path,
    cache: BuildCache,
    renderer: Renderer,
    prints: dict[Job, str],
    previous: dict[Job, tuple[str, dict[str, int]]],
    timings: Timings,
    keep_spare: bool,
    processes: int,
    progress: ProgressFactory | None,
) -> tuple[dict[Job, tuple[str, dict[str, int]]], list[Job], int, set[str]]:
    """Prepare the new output in a staging folder (the recycled spare, if any) and swap it in.

    Returns the new manifest, the jobs rendered, how many were reused and every file written."""
    trash = cache.trash
    manifest: dict[Job, tuple[str, dict[str, int]]] = {}
    spare = cache.spare(target) if target.is_dir() and keep_spare else None
    cache.forget(target, spare_only=True)  # from here on the spare is being changed
    with timings.phase("reuse"):
        out = Output(target, spare[0] if spare else None)  # recycling a spare lists its files
    with out:
        with timings.phase("reuse"):
            todo: list[Job] = []
            kept = spare[1] if spare and out.recycled else {}
            for job in prints:
                old, mine = previous.get(job), kept.get(job)
                if mine and mine[0] == prints[job] and out.keep(mine[1]):
                    manifest[job] = mine
                elif old and old[0] == prints[job] and out.reuse(old[1]):
                    manifest[job] = old
                else:
                    todo.append(job)
            out.prune()  # the spare's other files go before rendering: a file may become a folder
        reused = len(prints) - len(todo)
        index = SEARCH_JOB in todo
        todo = [job for job in todo if job != SEARCH_JOB]
        todo.sort(key=lambda job: ORDER.get(job[0], len(ORDER)))
        processes = worker_count(processes, len(todo))
        tick = progress(len(prints)) if progress else None
        if tick and reused:
            tick(reused)
        with timings.phase("render"):
            for job, files in run_jobs(renderer, todo, out.staging, processes, tick):
                for rel, _size in files:
                    out.claim(rel)
                manifest[job] = (prints[job], dict(files))
        timings.phases["diagrams"] = renderer.diagram_seconds
        timings.phases["pages"] = renderer.page_seconds
        if index:
            with timings.phase("search"):
                out.clear(FOLDER)
                bundles = cache.folder / "search" if cache.folder else None
                index_site(out.staging, renderer.site.config.language, prints[SEARCH_JOB], bundles)
                indexed = {f"{FOLDER}/{rel}": size for rel, size in list_files(out.staging / FOLDER).items()}
                for rel in indexed:
                    out.claim(rel)
                manifest[SEARCH_JOB] = (prints[SEARCH_JOB], indexed)
                if tick:
                    tick(1)
        with timings.phase("write"):
            # Until the new manifests are saved, none may describe the swapped folders:
            # a build killed in between then simply renders everything again.
            cache.forget(target)
            became_spare = out.commit(cache.spare_dir(target) if keep_spare else None, trash)
    cache.save_manifest(target, manifest)
    if became_spare:
        cache.save_spare(target, previous)  # the replaced output is what the previous manifest describes
    return manifest, todo, reused, out.written
