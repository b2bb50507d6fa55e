"""Recycled output folders: whatever happened before, a build's output equals a clean build's.

A build updates the output before last (the spare) into the new output.  These
tests take the routes by which a spare, a manifest or a search index could go
stale: drafts previews, removed journeys, a damaged output, a build killed
between swapping the folders and saving their manifests, the preview server
rewriting files, moved files and counts shown on paged lists.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from generator import cache as cache_module
from generator.build import Options, build
from generator.devserver import Broadcaster
from generator.serve import Preview

from .conftest import ROOT, clean_build, edit, tree


@pytest.fixture
def site(mini_copy: Path) -> Path:
    return mini_copy


def _index(folder: Path) -> bytes:
    """The indexed pages: Pagefind's fragments (gzipped JSON, one per page: URL, title, text)."""
    return b"".join(gzip.decompress(p.read_bytes()) for p in sorted((folder / "pagefind/fragment").iterdir()))


def _same_as_clean(site: Path, tmp_path: Path, name: str, search: bool = False) -> None:
    clean = clean_build(site, tmp_path / name, search=search)
    live = site / "public"
    if search:  # Pagefind's own files vary from run to run (its filter order); what it indexed must not
        entry = [json.loads((folder / "pagefind/pagefind-entry.json").read_text("utf-8")) for folder in (live, clean)]
        assert entry[0]["languages"] == entry[1]["languages"] or _pages(entry[0]) == _pages(entry[1])
        shutil.rmtree(live / "pagefind")
        shutil.rmtree(clean / "pagefind")
    assert tree(live) == tree(clean), name


def _pages(entry: dict) -> dict[str, int]:
    return {language: data["page_count"] for language, data in entry["languages"].items()}


@pytest.mark.slow
def test_a_drafts_preview_in_between_leaves_no_draft_in_the_search_index(site: Path) -> None:
    build(Options(root=site))
    build(Options(root=site, drafts=True))
    build(Options(root=site))  # renders nothing: every page is as two builds ago, in the spare
    index = _index(site / "public")
    assert b"draft-idea" not in index and b"Not ready to publish" not in index


@pytest.mark.slow
def test_a_removed_journey_leaves_the_search_index(site: Path, tmp_path: Path) -> None:
    extra = site / "content/journeys/lost-card.md"
    extra.write_text(
        "---\ntitle: Report a lost card\npersonas: [uma-user]\nstages:\n  engage:\n    interactions:\n"
        "      - {touchpoint: help-desk, action: Calls the desk}\n---\nA card went missing.\n",
        encoding="utf-8",
    )
    build(Options(root=site))
    extra.unlink()
    build(Options(root=site))
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    build(Options(root=site))  # recycles the folder that still has lost-card
    assert b"lost-card" not in _index(site / "public") and b"card went missing" not in _index(site / "public")
    _same_as_clean(site, tmp_path, "clean", search=True)


@pytest.mark.slow
def test_a_damaged_search_index_is_rebuilt_not_fatal(site: Path, tmp_path: Path) -> None:
    build(Options(root=site))
    fragment = next((site / "public/pagefind/fragment").iterdir())
    fragment.unlink()
    build(Options(root=site))  # the index cannot be reused: it is written again
    build(Options(root=site))
    _same_as_clean(site, tmp_path, "clean", search=True)


def test_a_build_killed_after_the_swap_does_not_leave_a_trusted_stale_manifest(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = site / "content/journeys/order-service.md"
    build(Options(root=site, search=False))
    edit(journey, "title: Order a service", "title: Order b service")  # same sizes: only content tells

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt  # the process dies right after the folders were swapped

    with monkeypatch.context() as patch:
        patch.setattr(cache_module.BuildCache, "save_manifest", killed)
        with pytest.raises(KeyboardInterrupt):
            build(Options(root=site, search=False))
    edit(journey, "title: Order b service", "title: Order a service")
    for step in range(3):  # the next build, and the one that recycles what the killed build left
        build(Options(root=site, search=False))
        _same_as_clean(site, tmp_path, f"clean-{step}")
        if step == 0:
            edit(site / "content/personas/uma-user.md", "name: ", "name: Ms ")


def test_the_preview_server_writing_in_place_is_not_trusted_later(site: Path, tmp_path: Path) -> None:
    output = tmp_path / "preview"
    options = Options(root=site, search=False)
    preview = Preview(options, output, Broadcaster())
    assert preview.full()
    journey = site / "content/journeys/order-service.md"
    edit(journey, "title: Order a service", "title: Order b service")
    preview.update({journey})  # rewrites pages of the folder the cache recorded
    edit(site / "templates/404.html", "Lost in the journey", "Lost on the journey")
    assert preview.full()
    edit(journey, "title: Order b service", "title: Order a service")
    edit(site / "templates/404.html", "Lost on the journey", "Lost in the journey")
    assert preview.full()
    clean = clean_build(site, tmp_path / "clean")
    assert tree(output) == tree(clean)
    assert not list((site / ".journeydocs-cache").glob("spare/*"))  # the preview keeps no spare


def test_a_full_preview_build_after_an_edit_reads_every_file(site: Path, tmp_path: Path) -> None:
    """A checkout can change content and a template in one go: the full build must see both."""
    output = tmp_path / "preview"
    preview = Preview(Options(root=site, search=False), output, Broadcaster())
    assert preview.full()
    persona = site / "content/personas/pat-buyer.md"
    edit(persona, "name: ", "name: Dr ")
    preview.update({persona})
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a better service")
    edit(site / "templates/404.html", "Lost in the journey", "Lost on the journey")
    assert preview.full()
    assert "Order a better service" in (output / "journeys/order-service/index.html").read_text("utf-8")


def test_moves_and_counts_are_noticed(site: Path, tmp_path: Path) -> None:
    build(Options(root=site, search=False))
    (site / "content/touchpoints/fax.md").write_text("---\nname: Fax\n---\n", encoding="utf-8")  # used by none
    build(Options(root=site, search=False))
    _same_as_clean(site, tmp_path, "clean-count")  # the catalogue page counts touchpoints
    moved = site / "content/journeys/team"
    moved.mkdir()
    (site / "content/journeys/order-service.md").rename(moved / "order-service.md")
    build(Options(root=site, search=False))
    _same_as_clean(site, tmp_path, "clean-move")  # pages name their source file


@pytest.mark.slow
def test_a_preview_edit_keeps_the_search_index_and_removes_emptied_folders(site: Path, tmp_path: Path) -> None:
    output = tmp_path / "preview"
    preview = Preview(Options(root=site, search=True), output, Broadcaster())
    fax = site / "content/touchpoints/fax.md"
    fax.write_text("---\nname: Fax\n---\n", encoding="utf-8")
    assert preview.full()
    index = sorted(p.relative_to(output) for p in (output / "pagefind").rglob("*"))
    fax.unlink()
    preview.update({fax})
    assert sorted(p.relative_to(output) for p in (output / "pagefind").rglob("*")) == index  # kept until a full build
    assert not (output / "touchpoints/fax").exists()


def test_the_spare_of_a_deleted_output_folder_is_deleted(site: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    build(Options(root=site, output=elsewhere, search=False))
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    build(Options(root=site, output=elsewhere, search=False))  # keeps the first one's output as a spare
    spares = site / ".journeydocs-cache/spare"
    assert len([p for p in spares.iterdir() if p.is_dir()]) == 1
    shutil.rmtree(elsewhere)
    build(Options(root=site, search=False))  # any later build notices
    assert [p for p in spares.iterdir() if p.is_dir()] == []
    records = sorted(p.name for p in (site / ".journeydocs-cache").glob("*manifest-*"))
    assert len(records) == 2 and len({r.split(".")[0] for r in records}) == 1  # public's alone: none for elsewhere


def test_a_file_that_becomes_a_folder_in_the_theme(site: Path, tmp_path: Path) -> None:
    theme = site / "themes/default"
    shutil.copytree(ROOT / "themes/default", theme)
    icons = theme / "static/icons"
    icons.write_text("a file for now", encoding="utf-8")
    build(Options(root=site, search=False))
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    build(Options(root=site, search=False))  # keeps the first one's output as the spare
    icons.unlink()
    icons.mkdir()
    (icons / "star.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    build(Options(root=site, search=False))  # recycles the spare, where static/icons is a file
    assert (site / ".journeydocs-cache/spare").is_dir()
    _same_as_clean(site, tmp_path, "clean")


@pytest.mark.slow
def test_an_interrupted_copy_of_the_search_bundle_is_never_used(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.search as search

    copytree = search.shutil.copytree

    def interrupted(source: Path, destination: Path, **kwargs: object) -> None:
        if ".journeydocs-cache" in str(destination):  # into the cache: stop half-way
            Path(destination).mkdir(parents=True)
            shutil.copy(Path(source) / "pagefind-entry.json", destination)
            raise KeyboardInterrupt
        copytree(source, destination, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(search.shutil, "copytree", interrupted)
        with pytest.raises(KeyboardInterrupt):
            build(Options(root=site))
    for _ in range(2):  # the same pages: the cache must not hand out the half bundle
        build(Options(root=site))
        assert (site / "public/pagefind/pagefind.js").is_file()
        assert list((site / "public/pagefind/fragment").iterdir())


def test_a_stylesheet_refreshed_by_the_preview_is_not_trusted_later(site: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "themes/default", site / "themes/default")
    css = site / "themes/default/static/journeydocs.css"
    original = css.read_text(encoding="utf-8")
    build(Options(root=site, search=False))
    preview = Preview(Options(root=site, search=False), site / "public", Broadcaster())  # serve -o public
    assert preview.full()
    css.write_text(original.replace("#", "%", 1), encoding="utf-8")  # same size
    preview.refresh_static(css_only=True)
    css.write_text(original, encoding="utf-8")
    build(Options(root=site, search=False))
    _same_as_clean(site, tmp_path, "clean")
