"""Incremental builds: each kind of change rebuilds exactly what depends on it, and nothing else."""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import Options, build

from .conftest import ROOT, clean_build, edit, files, tree

SHARED = {("index", "1"), ("personas",), ("touchpoints",), ("stages",), ("insights",), ("feeds",)}


@pytest.fixture
def site(mini_copy: Path) -> Path:
    return mini_copy


def _build(root: Path):  # type: ignore[no-untyped-def]
    return build(Options(root=root, search=False, workers=1))


def test_every_template_global_is_either_a_setting_or_shows_the_model() -> None:
    """A site's own template is trusted to show no document only if it uses nothing beyond SETTINGS_ONLY.

    So each global the templates get must be placed on one side on purpose: a
    helper that shows documents, counted as a setting, would leave the pages of
    a custom template that uses it stale after an edit.
    """
    from jinja2 import Environment

    from generator.build import load
    from generator.render.pages import Pages
    from generator.render.templates import SETTINGS_ONLY

    site = load(Options(root=ROOT, use_cache=False)).site
    assert site is not None
    shows_documents = {"site", "persona_chip", "interaction_rows", "journey_map_table", "interaction_list", "emotion_strip"}
    ours = Pages(site).env.globals.keys() - Environment().globals.keys()
    assert ours - SETTINGS_ONLY == shows_documents
    assert not shows_documents & SETTINGS_ONLY


def test_nothing_changed_renders_nothing(site: Path) -> None:
    first = _build(site)
    second = _build(site)
    assert first.reused == 0 and first.rendered > 0  # a first build renders everything
    assert second.rendered_jobs == [] and second.reused == first.rendered


def test_a_changed_journey_rebuilds_its_dependants_only(site: Path) -> None:
    _build(site)
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    result = _build(site)
    expected = {
        ("journey", "order-service"),
        ("journey", "get-support"),  # related both ways: it shows the title
        ("persona", "pat-buyer", "1"), ("persona", "priya-provider", "1"), ("persona", "uma-user", "1"),
        ("touchpoint", "web-portal", "1"), ("touchpoint", "invoice", "1"), ("touchpoint", "help-desk", "1"),
    }
    stages = {("stage", s, "1") for s in ("explore", "onboard", "co-create", "realize", "engage")}
    rendered = set(result.rendered_jobs)
    assert expected <= rendered
    assert rendered - expected - stages - SHARED == set()
    assert ("not-found",) not in rendered and ("static",) not in rendered


def test_a_changed_persona_rebuilds_its_page_and_its_journeys(site: Path) -> None:
    _build(site)
    edit(site / "content/personas/priya-provider.md", "name: ", "name: Dr ")
    rendered = set(_build(site).rendered_jobs)
    journeys = {job for job in rendered if job[0] == "journey"}
    assert ("persona", "priya-provider", "1") in rendered
    assert journeys == {("journey", "order-service")}  # the only journey Priya travels
    assert ("persona", "pat-buyer", "1") in rendered  # shows the same journey's interactions
    assert not {job for job in rendered if job[0] == "touchpoint" and job[1] == "kickoff-meeting"}


def test_a_changed_touchpoint_rebuilds_the_journeys_that_use_it(site: Path) -> None:
    _build(site)
    edit(site / "content/touchpoints/invoice.md", "name: ", "name: Monthly ")
    rendered = set(_build(site).rendered_jobs)
    users = {("journey", "order-service")}
    assert ("touchpoint", "invoice", "1") in rendered
    assert {job for job in rendered if job[0] == "journey"} == users
    assert {job for job in rendered if job[0] == "touchpoint"} == {("touchpoint", "invoice", "1")}


@pytest.mark.parametrize("change", ["template", "site.toml"])
def test_templates_and_settings_rebuild_everything(site: Path, change: str) -> None:
    first = _build(site)
    if change == "template":
        edit(site / "templates/404.html", "Lost in the journey", "Lost on the journey")
    else:
        edit(site / "site.toml", 'title = "Mini Journeys"', 'title = "Tiny Journeys"')
    result = _build(site)
    assert set(result.rendered_jobs) == set(first.rendered_jobs)


def test_the_code_digest_covers_the_code_wherever_it_is_installed(tmp_path: Path) -> None:
    """Even under a folder named like one the digest leaves out (themes), every module counts."""
    import generator
    from generator import code_digest

    package = tmp_path / "themes" / "site-packages" / "generator"
    shutil.copytree(Path(generator.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_digest(package)
    assert before == code_digest(Path(generator.__file__).parent)
    (package / "render" / "views.py").write_text((package / "render" / "views.py").read_text("utf-8") + "\n# changed\n", "utf-8")
    assert code_digest(package) != before
    (package / "themes" / "default" / "templates" / "404.html").write_text("theme files are fingerprinted as templates")
    after = code_digest(package)
    (package / "themes" / "default" / "templates" / "404.html").write_text("so they do not count here")
    assert code_digest(package) == after


def test_another_journeydocs_reuses_nothing_it_made(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An install from git keeps its version number while its code changes: caches key on the code itself."""
    from generator import build as build_module
    from generator import cache, reader
    from generator.render import diagram, graphviz, templates

    first = _build(site)
    assert _build(site).rendered_jobs == []
    for module in (build_module, cache, diagram, templates):
        monkeypatch.setattr(module, "code_identity", lambda: "0.1.0+updated")
    parsed: list[str] = []
    real = reader.parse_and_check
    monkeypatch.setattr(reader, "parse_and_check", lambda item: (parsed.append(item[0].rel), real(item))[1])
    drawn: list[str] = []
    draw = graphviz.render_svg
    monkeypatch.setattr(graphviz, "render_svg", lambda dot, title, desc: (drawn.append(title), draw(dot, title, desc))[1])
    again = _build(site)
    assert set(again.rendered_jobs) == set(first.rendered_jobs)
    assert len(parsed) == len(list((site / "content").rglob("*.*")))
    assert len(drawn) == again.diagrams  # no diagram comes from the cache the old code filled


LISTS = {("personas",), ("touchpoints",), ("stages",)}


def test_the_persona_touchpoint_and_stage_lists_rebuild_only_for_what_they_show(site: Path) -> None:
    """They show each entry's own fields and its counts of journeys, interactions and indicators."""
    journey = site / "content/journeys/order-service.md"
    _build(site)
    edit(journey, "title: Order a service", "title: Order a new service")
    assert not set(_build(site).rendered_jobs) & LISTS  # no count moved
    edit(journey, "  engage:\n", "      - {touchpoint: invoice, action: Reads the price list}\n  engage:\n")
    assert set(_build(site).rendered_jobs) & LISTS == {("touchpoints",), ("stages",)}  # one more use, one more at Explore
    edit(site / "content/personas/pat-buyer.md", "name: ", "name: Dr ")
    assert set(_build(site).rendered_jobs) & LISTS == {("personas",)}
    edit(site / "content/touchpoints/invoice.md", "name: ", "name: Monthly ")
    assert set(_build(site).rendered_jobs) & LISTS == {("touchpoints",)}
    edit(journey, "personas: [pat-buyer, uma-user, priya-provider]", "personas: [pat-buyer, uma-user]")
    edit(journey, "        persona: priya-provider\n", "")
    assert set(_build(site).rendered_jobs) & LISTS == {("personas",)}  # one journey fewer for Priya
    clean = clean_build(site, site.parent / "clean")
    assert tree(_build(site).output) == tree(clean)


def test_files_whose_stamp_did_not_change_are_not_read_again(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import reader

    monkeypatch.setattr(reader, "RACY_NS", 0)  # the files were written a moment ago; trust their stamps at once
    read: list[str] = []
    real = reader.read_bytes
    monkeypatch.setattr(reader, "read_bytes", lambda source: (read.append(source.rel), real(source))[1])
    _build(site)
    assert len(read) == len(list((site / "content").rglob("*.*")))
    read.clear()
    assert _build(site).rendered_jobs == [] and read == []
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    result = _build(site)
    assert read == ["content/journeys/order-service.md"]
    assert ("journey", "order-service") in result.rendered_jobs


def test_a_same_size_edit_that_keeps_the_old_modification_time_is_seen(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Size and modification time alone can be restored by tools (``cp -p``, rsync); the change time cannot."""
    from generator import reader

    monkeypatch.setattr(reader, "RACY_NS", 0)
    journey = site / "content/journeys/order-service.md"
    _build(site)
    before = journey.stat()
    edit(journey, "title: Order a service", "title: Order a sErvice")  # same size
    os.utime(journey, ns=(before.st_atime_ns, before.st_mtime_ns))
    _build(site)
    assert "Order a sErvice" in (site / "public/journeys/order-service/index.html").read_text("utf-8")


def test_an_edit_rewrites_one_shard_of_the_parsed_documents(site: Path) -> None:
    cache = site / ".journeydocs-cache"
    _build(site)
    before = {p.name: p.stat().st_ino for p in cache.glob("documents-*.marshal")}
    assert before  # atomic_write replaces a file, so a rewritten shard has a new inode
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    result = _build(site)
    after = {p.name: p.stat().st_ino for p in cache.glob("documents-*.marshal")}
    assert after.keys() == before.keys()
    assert len([name for name in after if after[name] != before[name]]) == 1
    assert ("journey", "order-service") in result.rendered_jobs
    assert _build(site).rendered_jobs == []  # and the rewritten shard holds the edit


def test_a_page_of_the_sites_own_reads_everything(site: Path) -> None:
    """The dependency map knows what the built-in pages show; a page of the site's own may show anything."""
    builtin = ROOT / "themes/default/templates/touchpoints.html"
    own = site / "templates/touchpoints.html"
    own.parent.mkdir(exist_ok=True)
    own.write_bytes(builtin.read_bytes())  # a copy is not a page of its own
    _build(site)
    journey = site / "content/journeys/order-service.md"
    edit(journey, "title: Order a service", "title: Order a new service")
    assert ("touchpoints",) not in _build(site).rendered_jobs
    own.write_text(builtin.read_text("utf-8").replace(
        "<td>{{ t.channel }}</td>",
        "<td>{{ t.channel }} ({% for j in site.touchpoint_journeys[t.slug] %}{{ site.journeys[j].title }} {% endfor %})</td>",
    ), encoding="utf-8")
    _build(site)
    edit(journey, "title: Order a new service", "title: Order a service")
    rendered = _build(site).rendered_jobs
    assert ("touchpoints",) in rendered and ("personas",) not in rendered
    assert "(Order a service " in (site / "public/touchpoints/index.html").read_text("utf-8")


def test_a_build_with_nothing_to_do_leaves_the_output_alone(site: Path, tmp_path: Path) -> None:
    out = site / "public"
    _build(site)
    folder = out.stat().st_ino
    result = _build(site)
    assert result.rendered_jobs == [] and result.reused > 0 and result.pages > 0
    assert out.stat().st_ino == folder  # not replaced by a copy of itself
    (out / "personas/pat-buyer/index.html").unlink()  # damaged behind the build's back
    assert ("persona", "pat-buyer", "1") in _build(site).rendered_jobs
    clean = clean_build(site, tmp_path / "clean")
    assert tree(out) == tree(clean)


def test_a_layout_or_404_page_of_the_sites_own_that_shows_documents_is_rebuilt(site: Path, tmp_path: Path) -> None:
    """base.html and macros.html are in every page, 404.html is a page: what they may show decides."""
    journey = site / "content/journeys/order-service.md"
    base = site / "templates/base.html"
    builtin = (ROOT / "themes/default/templates/base.html").read_text("utf-8")
    base.write_text(builtin.replace("· built with", "· {{ config.title }} · built with"), encoding="utf-8")
    _build(site)
    edit(journey, "title: Order a service", "title: Order a new service")
    rendered = _build(site).rendered_jobs
    assert ("touchpoints",) not in rendered and ("not-found",) not in rendered  # settings only: the usual pages
    base.write_text(builtin.replace("· built with", "· {{ site.journeys | length }} journeys · built with"), encoding="utf-8")
    _build(site)
    (site / "content/journeys/lost-card.md").write_text(
        "---\ntitle: Report a lost card\npersonas: [uma-user]\nstages:\n  engage:\n    interactions:\n"
        "      - {touchpoint: help-desk, action: Calls the desk}\n---\n", encoding="utf-8")
    rendered = _build(site).rendered_jobs
    assert ("touchpoints",) in rendered and ("not-found",) in rendered and ("persona", "pat-buyer", "1") in rendered
    missing = site / "templates/404.html"
    missing.write_text(missing.read_text("utf-8") + "{% for j in site.journeys.values() %}{{ j.title }}{% endfor %}",
                       encoding="utf-8")
    base.unlink()
    _build(site)
    edit(journey, "title: Order a new service", "title: Order a service")
    rendered = _build(site).rendered_jobs
    assert ("not-found",) in rendered and ("touchpoints",) not in rendered
    clean = clean_build(site, tmp_path / "clean")
    assert tree(site / "public") == tree(clean)


def test_incremental_output_equals_a_clean_build(site: Path, tmp_path: Path) -> None:
    _build(site)
    edit(site / "content/journeys/order-service.md", "title: Order a service", "title: Order a new service")
    (site / "content/personas/uma-user.md").write_text("---\nname: Uma U.\nrole: user\n---\nUses it.\n", encoding="utf-8")
    incremental = _build(site).output
    clean = clean_build(site, tmp_path / "clean")
    assert files(incremental) == files(clean)


def test_diagram_cache_is_used_and_safe_to_delete(site: Path) -> None:
    _build(site)
    cache = site / ".journeydocs-cache"
    svgs = sorted((cache / "diagrams").rglob("*.svg"))
    assert len(svgs) == 2  # one per published journey
    before = files(site / "public")
    shutil.rmtree(cache)
    _build(site)
    assert files(site / "public") == before


@pytest.fixture
def no_hard_links(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make every hard link fail, as across file systems."""
    import generator.write

    def no_link(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    return lambda: monkeypatch.setattr(generator.write.os, "link", no_link)


def test_a_diagram_is_one_file_in_the_output_and_the_cache(site: Path, no_hard_links: Callable[[], None]) -> None:
    """diagram.svg and its cache entry are two names of one file (hard links), whichever came
    first: drawn now, or found in the cache. Where no link can be made, both are written."""
    cache = site / ".journeydocs-cache" / "diagrams"

    def shared() -> list[bool]:
        entries = {p.stat().st_ino for p in cache.glob("*/*.svg")}
        return [p.stat().st_ino in entries for p in sorted((site / "public/journeys").glob("*/diagram.svg"))]

    _build(site)
    assert shared() == [True, True]  # drawn, then linked into the cache
    before, entries = files(site / "public"), {p: p.stat().st_ino for p in cache.glob("*/*.svg")}
    shutil.rmtree(site / "public")  # as in CI, which keeps the cache but not the output
    _build(site)
    assert shared() == [True, True] and files(site / "public") == before  # found in the cache, linked out
    assert {p: p.stat().st_ino for p in cache.glob("*/*.svg")} == entries  # not written again

    no_hard_links()
    shutil.rmtree(site / "public")
    shutil.rmtree(site / ".journeydocs-cache")
    _build(site)
    assert shared() == [False, False] and len(list(cache.glob("*/*.svg"))) == 2  # both written
    assert files(site / "public") == before
    shutil.rmtree(site / "public")
    assert _build(site).renderer.diagram_seconds < 1  # type: ignore[union-attr]
    assert files(site / "public") == before


def test_the_preview_replaces_a_shared_file_without_touching_the_old_one(tmp_path: Path) -> None:
    """Files are replaced, never rewritten: the cache entry the old file shared keeps its text."""
    from generator.write import Shared, replace_file

    out, first, second = tmp_path / "out", tmp_path / "cache/ab/first.svg", tmp_path / "cache/cd/second.svg"
    replace_file(out, "journeys/a/diagram.svg", Shared("<svg>1</svg>", first, cached=False))
    diagram = out / "journeys/a/diagram.svg"
    assert diagram.stat().st_ino == first.stat().st_ino and first.read_text() == "<svg>1</svg>"
    second.parent.mkdir(parents=True)
    second.write_text("<svg>2</svg>")
    replace_file(out, "journeys/a/diagram.svg", Shared("<svg>2</svg>", second, cached=True))
    assert diagram.stat().st_ino == second.stat().st_ino and diagram.read_text() == "<svg>2</svg>"
    assert first.read_text() == "<svg>1</svg>" and first.stat().st_nlink == 1
    assert sorted(p.name for p in diagram.parent.iterdir()) == ["diagram.svg"]  # no temporary file left
    # the same diagram again (a journey's prose edited): renaming a name of a file onto another
    # name of it does nothing, which must not leave the temporary name behind
    replace_file(out, "journeys/a/diagram.svg", Shared("<svg>2</svg>", second, cached=True))
    assert sorted(p.name for p in diagram.parent.iterdir()) == ["diagram.svg"]
    assert diagram.stat().st_ino == second.stat().st_ino


def test_a_cache_hit_where_no_link_can_be_made_leaves_the_entry_alone(tmp_path: Path, no_hard_links: Callable[[], None]) -> None:
    """Across file systems (a preview folder on tmpfs), a hit writes the output and leaves the entry as it was."""
    from generator.write import Shared, replace_file, write_file

    entry = tmp_path / "cache/ab/entry.svg"
    entry.parent.mkdir(parents=True)
    entry.write_text("<svg/>")
    before = entry.stat().st_ino

    no_hard_links()
    write_file(tmp_path / "out", "journeys/a/diagram.svg", Shared("<svg/>", entry, cached=True))
    replace_file(tmp_path / "preview", "journeys/a/diagram.svg", Shared("<svg/>", entry, cached=True))
    assert (tmp_path / "out/journeys/a/diagram.svg").read_text() == "<svg/>"
    assert (tmp_path / "preview/journeys/a/diagram.svg").read_text() == "<svg/>"
    assert entry.stat().st_ino == before  # neither deleted nor written again


def test_a_renamed_touchpoint_is_redrawn_even_where_the_dot_text_stays_the_same(site: Path) -> None:
    """The band columns are drawn after Graphviz, from the diagram's plan: the cache key covers
    them too.  "Help dusk" is exactly as wide as "Help desk", so no stage box changes width
    and the DOT text Graphviz reads is the same."""
    from generator.build import load
    from generator.render import bands
    from generator.render.diagram import dot_source

    _build(site)
    before = load(Options(root=site)).site
    edit(site / "content/touchpoints/help-desk.md", "name: Help desk", "name: Help dusk")
    after = load(Options(root=site)).site
    assert before is not None and after is not None
    slug = next(j.slug for j in after.journeys.values() if any(i.touchpoint == "help-desk" for i in j.interactions))
    old, new = before.journeys[slug], after.journeys[slug]
    assert dot_source(before, old, bands.plan(before, old)) == dot_source(after, new, bands.plan(after, new))
    _build(site)
    svg = (site / "public/journeys" / slug / "diagram.svg").read_text(encoding="utf-8")
    assert "Help dusk" in svg and "Help desk" not in svg


def test_diagrams_unused_for_a_month_leave_the_cache(site: Path) -> None:
    cache = site / ".journeydocs-cache" / "diagrams"
    _build(site)
    stale = cache / "ab" / ("ab" + "0" * 30 + ".svg")  # a diagram of a journey since edited
    stale.parent.mkdir(exist_ok=True)
    stale.write_text("<svg/>", encoding="utf-8")
    month_ago = time.time() - 31 * 86_400
    for path in [*cache.glob("*/*.svg"), cache / ".pruned"]:
        os.utime(path, (month_ago, month_ago))
    journey = site / "content/journeys/order-service.md"
    journey.write_text(journey.read_text("utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert _build(site).rendered_jobs == [("journey", "order-service")]  # get-support's diagram is not looked up
    assert stale.exists()
    edit(site / "site.toml", 'title = "Mini Journeys"', 'title = "Mini journeys"')
    result = _build(site)  # renders every journey, so every current diagram is looked up (and marked)
    kept = list(cache.glob("*/*.svg"))
    assert not stale.exists()
    assert len(kept) == len({job for job in result.rendered_jobs if job[0] == "journey"})  # one per journey
    assert all(path.stat().st_mtime > month_ago + 86_400 for path in kept)
    stale.write_text("<svg/>", encoding="utf-8")
    os.utime(stale, (month_ago, month_ago))
    edit(site / "site.toml", 'title = "Mini journeys"', 'title = "Mini Journeys"')
    _build(site)
    assert stale.exists()  # pruned at most once a day


def test_output_is_identical_whatever_the_worker_count(tmp_path: Path) -> None:
    one = build(Options(root=ROOT, output=tmp_path / "one", search=False, workers=1, use_cache=False)).output
    two = build(Options(root=ROOT, output=tmp_path / "two", search=False, workers=2, use_cache=False)).output
    assert files(one) == files(two)


def test_editing_prose_rebuilds_only_the_page_that_shows_it(site: Path) -> None:
    _build(site)
    journey = site / "content/journeys/order-service.md"
    journey.write_text(journey.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert set(_build(site).rendered_jobs) == {("journey", "order-service")}
    persona = site / "content/personas/priya-provider.md"
    persona.write_text(persona.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    # a persona's body is on its page and in catalogue.json, nowhere else
    assert set(_build(site).rendered_jobs) == {("persona", "priya-provider", "1"), ("feeds",)}


def test_a_series_of_edits_equals_clean_builds(site: Path, tmp_path: Path) -> None:
    """From the third build on the output before last is recycled: it must end up exact."""
    journeys = site / "content/journeys"
    steps = [
        lambda: edit(journeys / "order-service.md", "title: Order a service", "title: Order a new service"),
        lambda: edit(journeys / "get-support.yaml", "title: Get support", "title: Get help"),
        lambda: (journeys / "lost-card.md").write_text(
            "---\ntitle: Report a lost card\npersonas: [uma-user]\nstages:\n  engage:\n    interactions:\n"
            "      - {touchpoint: help-desk, action: Calls the desk}\n---\nShort.\n", encoding="utf-8"),
        lambda: edit(journeys / "order-service.md", "title: Order a new service", "title: Order a service"),
        lambda: (journeys / "lost-card.md").unlink(),  # a journey goes: its folder must go too
        lambda: edit(journeys / "get-support.yaml", "title: Get help", "title: Get support"),
    ]
    _build(site)
    for number, step in enumerate(steps):
        step()
        incremental = _build(site).output
        clean = clean_build(site, tmp_path / f"clean-{number}")
        assert tree(incremental) == tree(clean), f"after step {number + 1}"
    assert (site / ".journeydocs-cache" / "spare").is_dir()


def test_recycling_never_writes_into_the_live_site(site: Path) -> None:
    """The spare shares unchanged files (hard links) with the live output; rewriting one in place would leak."""
    journeys = site / "content/journeys"
    _build(site)  # tree 1
    persona = site / "content/personas/priya-provider.md"
    persona.write_text(persona.read_text(encoding="utf-8") + "\nMore prose.\n", encoding="utf-8")
    assert set(_build(site).rendered_jobs) == {("persona", "priya-provider", "1"), ("feeds",)}
    # tree 2: get-support's page is tree 1's file, linked
    live = (site / "public/journeys/get-support/index.html").read_bytes()
    edit(journeys / "get-support.yaml", "title: Get support", "title: Get help")
    _build(site)  # tree 3 recycles tree 1, where get-support's page is the same file as tree 2's
    spares = [p for p in (site / ".journeydocs-cache" / "spare").iterdir() if p.is_dir()]
    assert len(spares) == 1  # tree 2, replaced by tree 3
    assert (spares[0] / "journeys/get-support/index.html").read_bytes() == live
    assert b"Get help" in (site / "public/journeys/get-support/index.html").read_bytes()


def test_a_build_without_the_cache_is_not_mistaken_for_the_last_cached_one(site: Path, tmp_path: Path) -> None:
    journey = site / "content/journeys/order-service.md"
    _build(site)  # the cache records this output
    edit(journey, "title: Order a service", "title: Order b service")  # same sizes: only content tells
    build(Options(root=site, search=False, use_cache=False))  # replaces it, unrecorded
    edit(journey, "title: Order b service", "title: Order a service")  # as recorded again
    incremental = _build(site).output
    clean = clean_build(site, tmp_path / "clean")
    assert tree(incremental) == tree(clean)


def test_a_changed_stylesheet_rebuilds_the_static_files_only(site: Path) -> None:
    shutil.copytree(ROOT / "themes/default", site / "themes/default")  # the site's own copy of the theme
    _build(site)
    css = site / "themes/default/static/journeydocs.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.extra { color: red; }\n", encoding="utf-8")
    assert set(_build(site).rendered_jobs) == {("static",)}  # pages only link to it
    assert (site / "public/static/journeydocs.css").read_text(encoding="utf-8").endswith(".extra { color: red; }\n")


def test_a_render_batch_lays_out_its_diagrams_before_its_pages(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graphviz runs faster on a run of diagrams; a batch that fails leaves none behind for the next."""
    from generator.build import load
    from generator.render import graphviz
    from generator.render import site as render_site

    loaded = load(Options(root=site, search=False))
    assert loaded.site is not None
    renderer = render_site.Renderer(loaded.site, None, None)
    monkeypatch.setattr(render_site, "_WORKER", renderer)
    events: list[str] = []
    draw, page = graphviz.render_svg, renderer.pages.journey
    monkeypatch.setattr(graphviz, "render_svg", lambda dot, title, desc: (events.append("diagram"), draw(dot, title, desc))[1])
    monkeypatch.setattr(renderer.pages, "journey", lambda journey, svg: (events.append("page"), page(journey, svg))[1])
    jobs = [("journey", slug) for slug in loaded.site.journeys]
    done, diagram_seconds, _ = render_site._work((jobs, str(tmp_path / "out")))
    assert events == ["diagram"] * len(jobs) + ["page"] * len(jobs)
    assert [job for job, _ in done] == jobs and diagram_seconds > 0
    for (_, slug), (_, written) in zip(jobs, done):
        diagram = (tmp_path / "out" / f"journeys/{slug}/diagram.svg").read_text(encoding="utf-8")
        assert f"Stage diagram of {loaded.site.journeys[slug].title}" in diagram  # its own, not a neighbour's
        assert f"journeys/{slug}/index.html" in dict(written)

    def broken(journey, svg):  # type: ignore[no-untyped-def]
        raise RuntimeError("a page that cannot be rendered")

    monkeypatch.setattr(renderer.pages, "journey", broken)
    with pytest.raises(RuntimeError):
        render_site._work((jobs, str(tmp_path / "again")))
    assert renderer._diagrams == {}  # nothing laid out for the failed batch is kept for a later one
