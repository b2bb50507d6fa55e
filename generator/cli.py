"""The ``journeys`` command: a thin shell over the pipeline.

One exit path: every :class:`JourneydocsError` becomes its message and exit code
(1 for content and output problems, 2 for usage), so authors never see a
traceback for something they can fix.  The ``journeys`` script starts in
:mod:`generator.entry`, which imports this module where Ctrl+C is handled.
"""

from __future__ import annotations

import functools
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .build import Options, build, load
from .config import BASE_URL_RULE, is_base_url, load_config
from .diagnostics import ContentError, JourneydocsError, Report, Severity, UsageError, plural

F = TypeVar("F", bound=Callable[..., Any])


def _print_report(report: Report, stream: Any) -> None:
    for item in report.items:
        colour = "red" if item.severity is Severity.ERROR else "yellow"
        click.secho(item.format(), file=stream, fg=colour if stream.isatty() else None)


def handle_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ContentError as exc:
            _print_report(exc.report, sys.stderr)
            click.echo(exc.report.summary(exc.strict), err=True)
            sys.exit(exc.exit_code)
        except JourneydocsError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; the output was left as it was", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


site_option = click.option(
    "--site",
    "site",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder that holds site.toml and content/.",
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
drafts_option = click.option("--drafts", is_flag=True, help="Include journeys marked draft: true.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="journeydocs")
def main() -> None:
    """Build a static catalogue of customer journeys from Markdown and YAML."""
    # A terminated build must clean up like an interrupted one: raising unwinds
    # through the output's staging folder, which removes itself.
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@main.command()
@site_option
@strict_option
@drafts_option
@click.option("--links", is_flag=True, help="Also check every internal link and #anchor of the built site.")
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The built site to check with --links (default: output_dir from site.toml).",
)
@handle_errors
def check(site: Path, strict: bool, drafts: bool, links: bool, output: Path | None) -> None:
    """Validate content and report every problem as path:line:col."""
    options = Options(root=site, strict=strict, drafts=drafts, output=output)
    loaded = load(options)
    report = loaded.report
    checked_links = None
    if links:
        from .build import output_dir
        from .linkcheck import check_built_site

        built = output_dir(options, loaded.config)
        checked_links = check_built_site(built, loaded.config.base_url, report, _shown(built))
    _print_report(report, sys.stdout)
    counts = {kind: sum(1 for s in loaded.sources if s.kind == kind) for kind in ("journey", "persona", "touchpoint")}
    links_part = f", {plural(checked_links, 'link')}" if checked_links is not None else ""
    click.echo(
        f"checked {plural(counts['journey'], 'journey')}, {plural(counts['persona'], 'persona')}, "
        f"{plural(counts['touchpoint'], 'touchpoint')}{links_part}: {report.summary(strict)}"
    )
    if report.failed(strict):
        sys.exit(1)


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not is_base_url(value):
        raise click.BadParameter(BASE_URL_RULE)
    return value


@main.command(name="build")
@site_option
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Output folder (default: output_dir from site.toml, usually public/).",
)
@strict_option
@drafts_option
@click.option(
    "--base-url", default=None, callback=_check_base_url,
    help="Override base_url from site.toml (for preview deployments; '' for none).",
)
@click.option("--workers", type=click.IntRange(min=0), default=None, help="Worker processes for parsing and rendering (default: one per core).")
@click.option("--search/--no-search", default=None, help="Build the Pagefind search index (default: build.search).")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write the build cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no final line; problems are still shown.")
@handle_errors
def build_command(
    site: Path, output: Path | None, strict: bool, drafts: bool, base_url: str | None,
    workers: int | None, search: bool | None, no_cache: bool, quiet: bool,
) -> None:
    """Build the catalogue into the output folder."""
    options = Options(
        root=site, output=output, strict=strict, drafts=drafts, base_url=base_url,
        workers=workers, search=search, use_cache=not no_cache,
    )
    progress = None if quiet or not sys.stderr.isatty() else ProgressBar
    result = build(options, progress=progress)
    _print_report(result.report, sys.stderr)
    if not quiet:
        click.echo(
            f"built {plural(result.pages, 'page')} and {plural(result.diagrams, 'diagram')} into {_shown(result.output)} "
            f"in {result.seconds:.1f} s ({plural(result.rendered, 'job')} rendered, {result.reused:,} reused)"
        )


@main.command()
@click.argument("kind", type=click.Choice(["journey", "persona", "touchpoint"]))
@click.argument("name")
@site_option
@handle_errors
def new(kind: str, name: str, site: Path) -> None:
    """Create a new journey, persona or touchpoint from a commented template."""
    from .scaffold import new_document

    config = load_config(site)
    path = new_document(config, kind, name)
    draft = " (a draft: builds leave it out until you remove 'draft: true')" if kind == "journey" else ""
    click.echo(f"created {_shown(path)}{draft}")


@main.command()
@site_option
@click.option("--bind", "bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a web browser.")
@drafts_option
@strict_option
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Write the preview here (default: a temporary folder; never the publish output).",
)
@handle_errors
def serve(site: Path, bind: str, port: int, open_browser: bool, drafts: bool, strict: bool, output: Path | None) -> None:
    """Preview the catalogue with live reload while you edit."""
    try:
        from .serve import run  # inside: an interrupt while it imports stops the preview as any other

        run(Options(root=site, drafts=drafts, strict=strict, output=output), bind, port, open_browser, _say)
    except KeyboardInterrupt:  # Ctrl+C or a termination: how a preview ends; its temporary folder is gone
        click.echo("stopped", err=True)
        sys.exit(130)


def _say(message: str, err: bool = False) -> None:
    click.echo(message, err=err)


@main.command()
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "json"]), default="mermaid", show_default=True)
@site_option
@drafts_option
@handle_errors
def export(slug: str, fmt: str, site: Path, drafts: bool) -> None:
    """Print one journey as Mermaid journey text or as JSON."""
    import json

    from .diagnostics import did_you_mean
    from .render.feeds import journey_data
    from .render.mermaid import mermaid_journey

    loaded = load(Options(root=site, drafts=drafts))
    if loaded.site is None:
        raise ContentError(loaded.report)
    model = loaded.site
    if slug not in model.journeys:
        if not drafts and any(d.kind == "journey" and d.slug == slug for d in loaded.documents):
            raise UsageError(f"'{slug}' is a draft; add --drafts to export it")
        hint = did_you_mean(slug, model.journeys)
        raise UsageError(f"no journey '{slug}'{hint}" + ("" if drafts else " (drafts need --drafts)"))
    journey = model.journeys[slug]
    if fmt == "mermaid":
        click.echo(mermaid_journey(model, journey), nl=False)
    else:
        click.echo(json.dumps(journey_data(model, journey), ensure_ascii=False, indent=2))


class ProgressBar:
    """A one-line progress bar on standard error, shown only once a build has run for a second."""

    DELAY = 1.0

    def __init__(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0
        self.start = time.monotonic()

    def __call__(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.start < self.DELAY:
            return
        width = 30
        filled = int(width * self.done / self.total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,} jobs")
        if self.done >= self.total:
            sys.stderr.write("\r" + " " * (width + 40) + "\r")
        sys.stderr.flush()


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(path)


if __name__ == "__main__":  # pragma: no cover
    main()
