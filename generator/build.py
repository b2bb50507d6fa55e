"""The pipeline: config -> load -> validate -> model -> render -> write.

Everything is gathered and validated before anything is written (as MkDocs'
``build`` does), so content with errors never reaches the output.  Each phase is
timed, because the benchmark reports where a build spends its time.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from .config import SiteConfig, load_config
from .diagnostics import ContentError, Report, UsageError
from .load import Document, Source, discover, read_source
from .model import Site, build_site
from .render.site import render_site
from .validate import validate
from .write import Output, check_output_dir, clean_leftovers


@dataclass(frozen=True, slots=True)
class Options:
    root: Path = Path(".")
    output: Path | None = None
    strict: bool = False
    drafts: bool = False
    base_url: str | None = None
    search: bool | None = None


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
    files: int
    seconds: float
    timings: Timings


def load(options: Options, timings: Timings | None = None) -> Loaded:
    """Read, validate and model the site; raise :class:`ContentError` only for a broken site.toml."""
    timings = timings or Timings()
    with timings.phase("load"):
        config = load_config(options.root)
        if options.base_url is not None:
            config = config.with_base_url(options.base_url)
        if options.search is not None:
            config = replace(config, search=options.search)
        report = Report(ignore=config.check_ignore)
        report.extend(config.warnings)
        sources, notes = discover(options.root)
        report.extend(notes)
        documents: list[Document] = []
        for source in sources:
            document, problems = read_source(source)
            report.extend(problems)
            if document is not None:
                documents.append(document)
    with timings.phase("validate"):
        loaded_paths = {d.rel for d in documents}
        unreadable = [(s.kind, s.slug) for s in sources if s.rel not in loaded_paths]
        validate(config, documents, report, unreadable)
    site = None
    if not report.errors:
        with timings.phase("model"):
            site = build_site(config, documents, drafts=options.drafts)
    return Loaded(config, sources, documents, report, site)


def output_dir(options: Options, config: SiteConfig) -> Path:
    if options.output is not None:
        return options.output
    return options.root / config.output_dir


def source_date() -> str | None:
    """The build date from ``SOURCE_DATE_EPOCH`` (reproducible-builds.org), or None.

    journeydocs never writes the wall-clock time, so two builds of the same
    content are identical; a date appears only when this variable asks for one.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip():
        return None
    try:
        moment = datetime.fromtimestamp(int(raw), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {raw!r}") from None
    return moment.date().isoformat()


def build(options: Options) -> Result:
    """Build the site into its output directory, or raise without touching it."""
    start = time.perf_counter()
    timings = Timings()
    loaded = load(options, timings)
    if loaded.site is None or loaded.report.failed(options.strict):
        raise ContentError(loaded.report, options.strict)
    site = loaded.site
    target = check_output_dir(output_dir(options, loaded.config), options.root)
    clean_leftovers(target)
    built = source_date()
    with Output(target) as out:
        stats = render_site(site, out, timings, built)
        with timings.phase("write"):
            out.commit()
    return Result(
        site=site,
        report=loaded.report,
        output=target,
        pages=stats.pages,
        diagrams=stats.diagrams,
        files=len(out.written),
        seconds=time.perf_counter() - start,
        timings=timings,
    )
