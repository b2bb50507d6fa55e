"""Full-text search: Pagefind indexes the finished pages inside the staging folder.

Pagefind (from PyPI, binary included) writes its index and its search UI into
``pagefind/`` of the output, so the site keeps working without any CDN.  Pages
mark what is indexed (``data-pagefind-body``) and what can be filtered on (page
type, persona, stage) with ``data-pagefind-filter`` attributes in the templates.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from .diagnostics import OutputError

FOLDER = "pagefind"
KEEP = 4  # search bundles kept in the build cache


def index_site(staging: Path, language: str, key: str, cache: Path | None = None) -> None:
    """Index every page under *staging* and write the search bundle to ``staging/pagefind``.

    Pagefind writes its filter and metadata indexes in an unstable order
    (Pagefind issue #638), so the same pages can give different bytes.  The
    bundle is therefore cached by *key*, the fingerprint of the pages it
    indexes: building the same pages again reuses the same bundle, keeping
    builds byte-identical.
    """
    stored = cache / key if cache is not None else None
    if stored is not None and all((stored / name).is_file() for name in ("pagefind-entry.json", "pagefind.js")):
        shutil.copytree(stored, staging / FOLDER)
        return
    _run_pagefind(staging, language)
    if cache is not None and stored is not None:
        try:
            # Keep the few most recent bundles (a drafts preview and the published build, say).
            older = sorted((p for p in cache.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime) if cache.is_dir() else []
            for old in older[: max(0, len(older) - KEEP + 1)]:
                shutil.rmtree(old, ignore_errors=True)
            # Copied under a temporary name and renamed: an interrupted copy is never taken
            # for a whole bundle (it has pagefind-entry.json before the files it lists).
            partial = cache / f".{key}.{os.getpid()}.tmp"
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(staging / FOLDER, partial)
            os.replace(partial, stored)
        except OSError:
            pass


def _run_pagefind(staging: Path, language: str) -> None:
    import asyncio  # here, not at the top: only a build that indexes pays for importing them
    import concurrent.futures

    try:
        from pagefind.index import PagefindIndex
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise OutputError(f"search needs the 'pagefind' package: {exc}; or build with --no-search") from None

    async def run() -> None:
        config = {
            "keep_index_url": True,
            "force_language": language.split("-")[0] or "en",
            # Leaving the context writes the index to output_path (relative to the
            # working directory when unset), so it must point into the staging folder.
            "output_path": str(staging / FOLDER),
        }
        async with PagefindIndex(config=config) as index:  # type: ignore[arg-type]
            await index.add_directory(path=str(staging))

    logging.getLogger("pagefind").setLevel(logging.ERROR)
    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(run())
        else:  # called from inside an event loop (a notebook, a test driver): use a thread of its own
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, run()).result()
    except (OSError, FileNotFoundError) as exc:
        raise OutputError(f"search indexing failed: {exc}; build with --no-search to skip it") from None
