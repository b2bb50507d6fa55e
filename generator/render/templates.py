"""The theme side of a site: where its templates and static files come from, how templates are compiled and cached.

Templates are looked up in the site's ``templates/`` folder, then the theme's,
then the built-in default theme's; static files are the default's with the
theme's over them.  So a site or a theme overrides any file by giving one of
the same name and holds only what it changes.  Compiled templates are kept in
the build cache, one folder per journeydocs code, and compiled ahead while the
parsing workers run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    meta,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from .. import code_identity
from ..config import BUILTIN_THEMES, SiteConfig, theme_dir
from ..diagnostics import Diagnostic, Severity, did_you_mean
from ..load import editor_file


def theme_layers(config: SiteConfig) -> list[Path]:
    """The theme folders a site draws on, the one that wins first: its theme, then the built-in default.

    A theme is layered over the built-in default theme (as MkDocs' ``custom_dir``
    is over its theme), so it needs only the templates and static files it
    changes, and a template or script that journeydocs adds later reaches
    every theme instead of being missing from it.
    """
    found, default = theme_dir(config), BUILTIN_THEMES / "default"
    return [found] if found.resolve() == default.resolve() else [found, default]


def template_dirs(config: SiteConfig) -> list[Path]:
    """Where templates come from, in priority order: the site's, the theme's, the built-in default's."""
    dirs = [config.root / "templates"] + [layer / "templates" for layer in theme_layers(config)]
    return [folder for folder in dirs if folder.is_dir()]


def static_files(config: SiteConfig) -> dict[str, Path]:
    """The theme's static files by their path under ``static/``: the default's, with the theme's over them.

    A theme's file also hides a folder of the same name below it, and its
    folder a file: both could not be written.
    """
    found: dict[str, Path] = {}
    for layer in reversed(theme_layers(config)):
        folder = layer / "static"
        mine = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}
        folders = {parent.as_posix() for rel in mine for parent in PurePosixPath(rel).parents}
        for rel in list(found):
            if rel in folders or any(parent.as_posix() in mine for parent in PurePosixPath(rel).parents):
                del found[rel]
        found.update(mine)
    return dict(sorted(found.items()))


def effective_templates(config: SiteConfig) -> dict[str, Path]:
    """Each template name with the file that serves it (the first folder of :func:`template_dirs` holding it).

    Fingerprints hash these files, not whole folders: a page depends on the
    file Jinja will load, so an edit to a shadowed template changes nothing,
    and one that starts or stops shadowing another changes everything.
    """
    found: dict[str, Path] = {}
    for folder in template_dirs(config):
        for path in folder.rglob("*"):
            if path.is_file():
                found.setdefault(path.relative_to(folder).as_posix(), path)
    return dict(sorted(found.items()))


def unused_templates(config: SiteConfig) -> list[Diagnostic]:
    """A warning for each template of the site (or of its own theme) that no page can use: most likely misspelt.

    A template is used when the built-in default theme has one of its name (so
    it replaces that one) or when a template names it in an ``include``,
    ``import``, ``from`` or ``extends`` (a partial of the site's own).  The
    names are read with Jinja's parser (``meta.find_referenced_templates``) from
    every template in use, without rendering anything, and only when there is a
    file to judge: a site without such files pays nothing.  A template that
    names another by a variable, or does not parse (the build reports it),
    makes the references unknown, so then nothing is reported.
    """
    default = BUILTIN_THEMES / "default" / "templates"
    known = sorted(p.relative_to(default).as_posix() for p in default.rglob("*.html"))
    candidates: dict[str, Path] = {}
    for folder in template_dirs(config):
        if folder.resolve() == default.resolve():
            break
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            if name not in known and not editor_file(path.name):
                candidates.setdefault(name, path)
    if not candidates:
        return []
    env, referenced = Environment(), set()
    for path in effective_templates(config).values():
        try:
            text = "" if editor_file(path.name) else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # no template (an image, say), or one the build reports
            continue
        try:
            names = set(meta.find_referenced_templates(env.parse(text)))
        except TemplateSyntaxError:
            return []
        if None in names:  # a name made at run time: any template might be the one
            return []
        referenced |= {name for name in names if name is not None}
    return [
        Diagnostic(
            os.path.relpath(path, config.root), 1, 1, Severity.WARNING,
            f"template '{name}' is never used: the theme has no template of that name and no template"
            f" includes, imports or extends it{did_you_mean(name, known)}",
        )
        for name, path in candidates.items()
        if name not in referenced
    ]


# What a template may use and still show nothing of the documents: settings and pure helpers.
SETTINGS_ONLY = frozenset({
    "config", "generator", "links", "page_path", "section", "page_number", "pages", "stages", "stage_titles",
    "emotion", "visibility", "indicator_kind", "feeling", "signed", "counted", "tag_links",
})


def custom_templates(config: SiteConfig) -> frozenset[str]:
    """The templates of this site that differ from the built-in theme's and may show documents.

    Incremental builds know what the built-in pages show.  A template of the
    site's own (or another theme's) that uses anything beyond settings and
    pure helpers may show more, so the dependency map makes its page, or for a
    layout, macros or partial every page, read every document.
    """
    builtin = BUILTIN_THEMES / "default" / "templates"
    env = Environment()
    allowed = SETTINGS_ONLY | env.globals.keys()
    seen: set[str] = set()
    custom: set[str] = set()
    for folder in template_dirs(config):  # the first folder holding a name is the one used
        if folder.resolve() == builtin.resolve():
            break
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            if name in seen:
                continue
            seen.add(name)
            try:
                text = path.read_bytes()
                if (builtin / name).is_file() and text == (builtin / name).read_bytes():
                    continue
                uses = meta.find_undeclared_variables(env.parse(text.decode("utf-8")))
            except (OSError, UnicodeDecodeError, TemplateSyntaxError):
                custom.add(name)  # the build reports a broken template; until then assume the worst
                continue
            if not uses <= allowed:
                custom.add(name)
    return frozenset(custom)


def environment(
    config: SiteConfig, cache_dir: Path | None, markdown: Callable[[str | None], Markup] | None = None
) -> Environment:
    """The Jinja environment for a site's templates, with its filters but not the model (see :class:`Pages`).

    Compiling the templates costs more than rendering a journey page, so with
    a build cache Jinja keeps the compiled code there, checked against each
    template's source.  Without *markdown* the environment can compile
    templates (which only checks that filters exist) but not render them.
    """
    bytecode = None
    if cache_dir is not None:
        folder = cache_dir / f"{_COMPILED}{code_identity()}"  # compiled by this code, with its settings
        with contextlib.suppress(OSError):  # a cache restored read-only still serves what it holds
            folder.mkdir(parents=True, exist_ok=True)
            os.utime(folder)  # in use: see prune_compiled_templates
        bytecode = _BytecodeCache(str(folder)) if folder.is_dir() else None
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(config)]),
        bytecode_cache=bytecode,
        # A build renders with the templates it started with; the preview makes a new
        # environment when a template changes.  Jinja would otherwise look at the file
        # of every template a page uses (three or four) each time it renders a page.
        auto_reload=False,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown or _compile_only
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    return env


_COMPILED = "templates-"  # + the code identity: a folder of compiled templates in the build cache
_UNUSED_DAYS = 7


class _BytecodeCache(FileSystemBytecodeCache):
    """Jinja's compiled templates; like every cache here, one that cannot be written only costs time.

    (Another journeydocs, a preview of the code before a ``git pull`` say, may
    prune this folder while it is in use.)
    """

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def prune_compiled_templates(cache_dir: Path, now: float | None = None) -> None:
    """Delete the compiled templates of other journeydocs code that no build used for a week."""
    now = time.time() if now is None else now
    mine = f"{_COMPILED}{code_identity()}"
    for folder in cache_dir.glob(f"{_COMPILED}*"):
        with contextlib.suppress(OSError):
            if folder.name != mine and folder.is_dir() and now - folder.stat().st_mtime > _UNUSED_DAYS * 86_400:
                shutil.rmtree(folder, ignore_errors=True)


def _compile_only(text: str | None) -> Markup:
    raise RuntimeError("this template environment compiles templates; it cannot render Markdown")


def compile_templates(config: SiteConfig, cache_dir: Path) -> None:
    """Compile the site's templates into the build cache, before the model exists.

    A cold build calls this while the parsing workers run and its own process
    would only wait, so :meth:`Pages.preload` later finds the compiled code
    instead of compiling on the build's critical path.  A template that does
    not compile is left for the build to report, at its line.
    """
    try:
        env = environment(config, cache_dir)
        names = env.list_templates(extensions=["html"])
    except OSError:  # no cache folder to compile into: the build will say why, if it matters
        return
    for name in names:
        try:
            env.get_template(name)
        except (OSError, UnicodeDecodeError, TemplateError):
            continue
