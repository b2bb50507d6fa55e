"""A catalogue of several pages: no page grows with the catalogue, and an edit rebuilds only its own pages."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bench.corpus import generate
from generator.build import Options, build
from generator.deps import PAGE_SIZE, PERSONA_PAGE_SIZE
from generator.insights import LISTED

from .sitecheck import parse, resolve

JOURNEYS = 2 * PAGE_SIZE + 50  # three pages of catalogue, and of every stage


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = generate(tmp_path_factory.mktemp("big") / "site", JOURNEYS)
    build(Options(root=root, search=False, workers=2))
    return root


def _listed(html: Path) -> list[str]:
    """Slugs of the journeys a stage page lists under "Journeys at this stage"."""
    section = html.read_text("utf-8").split('id="journeys-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="\.\./\.\./(?:\.\./)?journeys/([a-z0-9-]+)/index\.html#stage-', section)


@pytest.mark.slow
def test_stage_pages_are_paged(big: Path) -> None:
    out = big / "public"
    pages = [out / "stages/explore/index.html", out / "stages/explore/2/index.html", out / "stages/explore/3/index.html"]
    assert all(p.is_file() for p in pages) and not (out / "stages/explore/4").exists()
    listed = [_listed(p) for p in pages]
    assert [len(slugs) for slugs in listed] == [PAGE_SIZE, PAGE_SIZE, 50]
    assert len({s for slugs in listed for s in slugs}) == JOURNEYS  # every journey passes through explore once
    tree = parse(pages[1])
    pager = [a.get("href") for nav in tree.iter("nav") if "pager" in nav.classes for a in nav.iter("a")]
    assert pager and {resolve(out, pages[1], href).target for href in pager} == {p.resolve() for p in (pages[0], pages[2])}
    rows = pages[1].read_text("utf-8").split('id="interactions-title"', 1)[1].split("</section>", 1)[0]
    shown = set(re.findall(r"journeys/([a-z0-9-]+)/index\.html#i-explore-", rows))
    assert shown and shown <= set(listed[1])  # interactions of this page's journeys only


@pytest.mark.slow
def test_later_pages_have_their_own_titles_and_search_finds_a_list_once(big: Path) -> None:
    """Tabs, history and search results tell the pages of a list apart; search indexes only the first."""
    out = big / "public"
    for first, later, title in [
        ("stages/explore/index.html", "stages/explore/3/index.html", "Explore (page 3 of 3) · Stages · "),
        ("index.html", "catalogue/2/index.html", "Catalogue (page 2 of 3) · "),
    ]:
        assert parse(out / later).find("title").text.startswith(title)  # type: ignore[union-attr]
        if first != "index.html":
            assert "data-pagefind-body" in (out / first).read_text("utf-8")
            assert "data-pagefind-body" not in (out / later).read_text("utf-8")
    cards = (out / "stages/index.html").read_text("utf-8")
    assert f"{JOURNEYS} journeys · " in cards.replace(",", "")  # the stage list counts journeys too
    titles = [j["title"] for j in json.loads((out / "catalogue.json").read_text("utf-8"))["journeys"]]
    numbers = [int(m.group(1)) for t in titles if (m := re.match(r"Journey (\d+) ", t))]
    assert numbers and numbers == sorted(numbers)  # "Journey 2" before "Journey 10"


def _pager_targets(out: Path, page: Path) -> set[Path]:
    tree = parse(page)
    hrefs = [a.get("href") for nav in tree.iter("nav") if "pager" in nav.classes for a in nav.iter("a")]
    return {resolve(out, page, href).target for href in hrefs}


@pytest.mark.slow
def test_persona_pages_are_paged(big: Path) -> None:
    out = big / "public"
    journeys = json.loads((out / "catalogue.json").read_text("utf-8"))["journeys"]
    travelled = [j["slug"] for j in journeys if "persona-0" in j["personas"]]  # in catalogue order
    count = -(-len(travelled) // PERSONA_PAGE_SIZE)
    assert count >= 2
    pages = [out / "personas/persona-0/index.html"] + [out / f"personas/persona-0/{n}/index.html" for n in range(2, count + 1)]
    assert all(p.is_file() for p in pages) and not (out / f"personas/persona-0/{count + 1}").exists()
    shown = [re.findall(r'<h3 id="travel-([a-z0-9-]+)"', p.read_text("utf-8")) for p in pages]
    assert [slug for slugs in shown for slug in slugs] == travelled
    assert all(len(slugs) == PERSONA_PAGE_SIZE for slugs in shown[:-1])
    assert 'id="goals-title"' in pages[0].read_text("utf-8")  # the profile is on the first page only
    assert 'id="goals-title"' not in pages[1].read_text("utf-8")
    assert _pager_targets(out, pages[1]) == {p.resolve() for p in pages if p != pages[1]}
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    assert "personas/persona-0/2/</loc>" in sitemap


def test_touchpoint_pages_are_paged(tmp_path: Path) -> None:
    """A touchpoint that every journey uses (a service portal, say) is split like any long list."""
    root = tmp_path / "site"
    (root / "content/journeys").mkdir(parents=True)
    (root / "content/personas").mkdir()
    (root / "content/touchpoints").mkdir()
    (root / "site.toml").write_text('[site]\ntitle = "Portal"\n', encoding="utf-8")
    (root / "content/personas/user.md").write_text("---\nname: User\nrole: user\n---\n", encoding="utf-8")
    (root / "content/touchpoints/portal.md").write_text("---\nname: Portal\n---\nThe one way in.\n", encoding="utf-8")
    journeys = PAGE_SIZE + 3
    for n in range(journeys):
        (root / f"content/journeys/j{n:03d}.md").write_text(
            f"---\ntitle: Journey {n:03d}\npersonas: [user]\nstages:\n  engage:\n    interactions:\n"
            "      - {touchpoint: portal, action: Signs in}\n      - {touchpoint: portal, action: Signs out}\n---\n",
            encoding="utf-8",
        )
    out = build(Options(root=root, search=False)).output
    first, second = out / "touchpoints/portal/index.html", out / "touchpoints/portal/2/index.html"
    assert not (out / "touchpoints/portal/3").exists()
    rows = [len(re.findall(r"Signs in", p.read_text("utf-8"))) for p in (first, second)]
    assert rows == [PAGE_SIZE, 3]
    for page in (first, second):
        assert f"used {2 * journeys} times in {journeys} journeys" in page.read_text("utf-8")
    assert "The one way in." in first.read_text("utf-8") and "The one way in." not in second.read_text("utf-8")
    assert _pager_targets(out, second) == {first.resolve()}
    edit = root / "content/journeys/j202.md"  # on the second page
    edit.write_text(edit.read_text("utf-8").replace("Signs out", "Logs out"), encoding="utf-8")
    rendered = set(build(Options(root=root, search=False)).rendered_jobs)
    assert ("touchpoint", "portal", "2") in rendered and ("touchpoint", "portal", "1") not in rendered


@pytest.mark.slow
def test_insights_and_catalogue_stay_lean(big: Path) -> None:
    out = big / "public"
    insights = (out / "insights/index.html").read_text("utf-8")
    for section in ("balance", "gaps"):
        body = insights.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
        assert body.count("<tr>") == LISTED + 1  # the heading row and LISTED journeys
        assert f"The first {LISTED} of {JOURNEYS} journeys" in body
    catalogue = (out / "catalogue.json").read_text("utf-8")
    data = json.loads(catalogue)
    assert len(data["journeys"]) == JOURNEYS
    assert len(catalogue) < 2000 * JOURNEYS  # briefs; the journeys in full are in journey.json
    full = json.loads((out / data["journeys"][0]["data"]).read_text("utf-8"))
    assert full["slug"] == data["journeys"][0]["slug"] and full["body"]


def _rebuild_after(big: Path, edit) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    journey = big / "content/journeys/journey-7.md"
    original = journey.read_text("utf-8")
    journey.write_text(edit(original), encoding="utf-8")
    try:
        return set(build(Options(root=big, search=False, workers=2)).rendered_jobs)
    finally:
        journey.write_text(original, encoding="utf-8")


@pytest.mark.slow
def test_editing_prose_rebuilds_only_the_journey_page(big: Path) -> None:
    # the Markdown body appears on the journey's own page only
    assert _rebuild_after(big, lambda text: text + "\nOne more sentence.\n") == {("journey", "journey-7")}


@pytest.mark.slow
def test_editing_front_matter_rebuilds_only_the_pages_that_show_the_journey(big: Path) -> None:
    rendered = _rebuild_after(big, lambda text: text.replace("summary: ", "summary: Revised. ", 1))
    index_pages = {job for job in rendered if job[0] == "index"}
    stage_pages = {job for job in rendered if job[0] == "stage"}
    assert len(index_pages) == 1  # the one catalogue page that holds journey-7
    assert len(stage_pages) == 7 and len({job[2] for job in stage_pages}) == 1  # one page of each stage
    assert ("journey", "journey-7") in rendered and ("feeds",) in rendered and ("insights",) in rendered
    personas = {job for job in rendered if job[0] == "persona"}
    assert len(personas) == len({job[1] for job in personas})  # one page of each of its personas
    assert len([job for job in rendered if job[0] == "journey"]) < 10  # itself and journeys related to it


@pytest.mark.slow
def test_every_page_of_a_stage_shows_the_new_total(big: Path) -> None:
    extra = big / "content/journeys/zz-last.md"
    source = (big / "content/journeys/journey-7.md").read_text("utf-8")
    extra.write_text(source.replace("title: ", "title: Zz last ", 1), encoding="utf-8")  # sorts last
    try:
        rendered = _rebuild_after(big, lambda text: text)  # the new journey lands on the last page of each stage
        assert ("stage", "explore", "1") in rendered  # which the first page counts
        first = (big / "public/stages/explore/index.html").read_text("utf-8")
        assert f"{JOURNEYS + 1} journeys pass through this stage" in first
    finally:
        extra.unlink()
        build(Options(root=big, search=False, workers=2))


def test_parallel_parsing_reports_what_serial_parsing_reports(tmp_path: Path) -> None:
    """Documents and problems come back from the parsing workers as marshal data: nothing may be lost on the way."""
    from generator.build import load
    from generator.reader import PARALLEL_FROM

    root = generate(tmp_path / "site", PARALLEL_FROM)
    journeys = sorted((root / "content/journeys").glob("*.md"))
    journeys[3].write_text(journeys[3].read_text("utf-8").replace("stages:", "stages: [", 1), "utf-8")  # YAML syntax
    journeys[7].write_text(journeys[7].read_text("utf-8").replace("emotion: ", "emotion: 9", 1), "utf-8")  # schema
    journeys[9].write_text(journeys[9].read_text("utf-8").replace("title:", "title: A\ntitle:", 1), "utf-8")  # duplicate key
    # Files no earlier build knew are read by whoever parses them, the workers included.
    os.mkfifo(root / "content/touchpoints/a-pipe.md")  # not read at all (it would hang the build)
    (root / "content/personas/latin-1.md").write_bytes(b"---\nname: Jos\xe9\nrole: user\n---\n")
    asked: list[tuple[Path, Path | None]] = []
    serial = load(Options(root=root, workers=1, use_cache=False), prepare=lambda c, d: asked.append((c.root, d)))
    assert asked == []  # nothing runs "while the workers parse" when there are none
    parallel = load(Options(root=root, workers=2, use_cache=False), prepare=lambda c, d: asked.append((c.root, d)))
    assert asked == [(root, None)]  # once, with the settings and no cache folder (--no-cache)
    assert serial.report.errors >= 5
    assert "content/touchpoints/a-pipe.md:1:1: error: not a regular file (a named pipe); it was not read" in [
        d.format() for d in parallel.report.items
    ]
    assert any(d.format().startswith("content/personas/latin-1.md:2:") for d in parallel.report.items)
    assert [d.format() for d in parallel.report.items] == [d.format() for d in serial.report.items]
    assert parallel.documents == serial.documents


def test_templates_compiled_while_parsing_are_the_ones_the_pages_use(tmp_path: Path, monkeypatch) -> None:
    """prepare() compiles every template into the build cache, so rendering compiles none."""
    from jinja2 import Environment

    from generator.build import load
    from generator.render.pages import Pages
    from generator.render.site import prepare

    site = load(Options(root=Path(__file__).parent.parent, use_cache=False)).site
    assert site is not None
    prepare(site.config, tmp_path)

    def compile_again(*args, **kwargs):
        raise AssertionError("a template was compiled again")

    monkeypatch.setattr(Environment, "compile", compile_again)
    pages = Pages(site, tmp_path)
    pages.preload()
    journey = next(iter(site.journeys.values()))
    path, html = pages.journey(journey, "<svg></svg>")
    assert path == f"journeys/{journey.slug}/index.html" and journey.title in html


@pytest.mark.parametrize(("seconds", "median"), [([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 3.0, 2.0], 2.0), ([5.0], 5.0)])
def test_the_benchmark_reports_the_median_cold_build_with_its_runs_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seconds: list[float], median: float
) -> None:
    """Of an even number of runs the faster middle one: the record of a real run, phases and all."""
    import bench.__main__ as bench

    runs = iter(seconds)
    monkeypatch.setattr(bench, "settle", lambda pause: None)
    monkeypatch.setattr(
        bench, "measure", lambda mode, site: {"seconds": (s := next(runs)), "sys_seconds": s / 10, "phases": {"render": s}}
    )
    result = bench.cold(tmp_path, 0, len(seconds))
    assert result["seconds"] == median and result["phases"] == {"render": median}
    if len(seconds) > 1:
        assert result["runs"] == seconds  # every run, in the order run
        assert result["runs_sys"] == [s / 10 for s in seconds]  # and its kernel time
    else:
        assert "runs" not in result  # one run is its own record


def test_work_done_meanwhile_runs_in_another_process_and_is_done_when_the_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The build cache's documents are written by a forked process while validation runs."""
    import threading
    import time

    from generator.parallel import meanwhile

    done = tmp_path / "done"

    def work() -> None:
        time.sleep(0.2)
        done.write_text(str(os.getpid()), encoding="utf-8")

    with meanwhile(work):
        assert not done.exists()  # not run first: the block goes on while it runs
    assert done.read_text(encoding="utf-8") not in ("", str(os.getpid()))  # finished, by another process
    done.unlink()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:  # with threads (the preview server), no fork: the work runs first, here
        with meanwhile(work):
            assert done.read_text(encoding="utf-8") == str(os.getpid())
    finally:
        stop.set()
        other.join()
    done.unlink()

    def no_fork() -> int:
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    with meanwhile(work):  # no process to spare: the work runs first, here
        assert done.read_text(encoding="utf-8") == str(os.getpid())
    with meanwhile(None):
        pass

    def fails() -> None:
        raise PermissionError(13, "Permission denied")

    with meanwhile(fails):  # run here, a failure is one line, as from the forked process: the build goes on
        pass
    assert capfd.readouterr().err == "warning: the build cache was not saved: PermissionError(13, 'Permission denied')\n"


def test_work_done_meanwhile_survives_sigchld_ignored_and_keeps_signals_held_back_only_while_forking(
    tmp_path: Path,
) -> None:
    """Started with SIGCHLD ignored, the kernel reaps the child itself: waiting for it is no error."""
    import signal

    from generator.parallel import meanwhile

    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        with meanwhile(lambda: (tmp_path / "done").write_text("1", encoding="utf-8")):
            pass
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert (tmp_path / "done").read_text(encoding="utf-8") == "1"
    assert not signal.pthread_sigmask(signal.SIG_BLOCK, set()) & {signal.SIGINT, signal.SIGTERM}
