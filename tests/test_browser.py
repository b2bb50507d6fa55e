"""The published catalogue in a real browser: Debian's Chromium driven by Playwright.

The sample catalogue is built once and served on loopback under a subpath
(``/catalogue/``), the way a project site on GitHub Pages is.  Screenshots land
in ``test-artifacts/``.  Without Chromium these tests skip, except in CI,
where a skip is a failure (see conftest.py).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.build import Options, build

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PREFIX = "/catalogue/"
pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make test does this when run as root)")


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "__outside__")
        return super().translate_path("/" + path[len(PREFIX):])


@pytest.fixture(scope="module")
def site(sample_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "public"
    build(Options(root=sample_site, output=out))
    return out


@contextmanager
def _served(folder: Path) -> Iterator[str]:
    """*folder* over HTTP under the subpath PREFIX, for as long as the block runs; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with _served(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@contextmanager
def _tab(browser, **options: object) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A tab in a fresh browser context (*options*: viewport, colour scheme, ...); a JavaScript error fails the test."""
    context = browser.new_context(**options)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    with _tab(browser, viewport={"width": 1280, "height": 900}) as tab:
        yield tab


def _shot(tab, name: str, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _catalogue(site: Path) -> dict:
    return json.loads((site / "catalogue.json").read_text(encoding="utf-8"))


def test_click_from_index_to_journey_to_touchpoint_to_another_journey(page, base_url: str, site: Path) -> None:
    page.goto(base_url)
    _shot(page, "index")
    page.get_by_role("link", name="Card payments fail on Black Friday").click()
    page.wait_for_url(re.compile(r"/catalogue/journeys/retail-peak-major-incident/index\.html$"))
    assert page.locator("h1").inner_text().startswith("Card payments fail on Black Friday")
    _shot(page, "journey")
    page.locator("#map").get_by_role("link", name="Status page").first.click()
    page.wait_for_url(re.compile(r"/touchpoints/status-page/index\.html$"))
    _shot(page, "touchpoint")
    page.locator("table.uses").get_by_role("link", name="Procuring managed cloud hosting for e-commerce").first.click()
    page.wait_for_url(re.compile(r"/journeys/cloud-hosting-procurement/index\.html#i-"))
    assert "Procuring managed cloud hosting" in page.locator("h1").inner_text()


def test_diagram_nodes_are_links(page, base_url: str) -> None:
    page.goto(base_url + "journeys/outsourcing-contract-renewal/index.html")
    node = page.locator("figure.diagram svg a").filter(has_text="Master services agreement").first
    node.click()
    page.wait_for_url(re.compile(r"/touchpoints/master-services-agreement/index\.html$"))
    page.go_back()
    page.locator("figure.diagram svg a").filter(has_text="Co-create").first.click()
    page.wait_for_url(re.compile(r"index\.html#stage-co-create$"))
    assert page.locator("#stage-co-create").is_visible()


def test_touchpoint_names_stage_titles_and_bridge_labels_fit_their_boxes_in_the_diagram(
    page, base_url: str, site: Path
) -> None:
    """journeydocs sizes the boxes from Helvetica's widths; the browser's own font must fit them too."""
    measured = bridge_texts = 0
    for journey in sorted((site / "journeys").glob("*/index.html")):
        page.goto(base_url + journey.relative_to(site).as_posix())
        bridge_texts += page.locator("figure.diagram g.node[id^='flow-'] text").count()
        ratios = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 "figure.diagram g.diagram-touchpoint, figure.diagram g.node")).filter(g => g.querySelector("text")).map(g => {
                 const box = g.querySelector("rect, polygon").getBBox().width;
                 return Math.max(...Array.from(g.querySelectorAll("text"), t => t.getComputedTextLength())) / box;
               })"""
        )
        assert ratios and max(ratios) < 0.97, journey.parent.name  # a little room either side of the text
        measured += len(ratios)
    assert measured > 130 and bridge_texts >= 5  # over a hundred touchpoint boxes, some forty stage boxes, the bridges


def test_index_filters(page, base_url: str, site: Path) -> None:
    catalogue = _catalogue(site)
    page.goto(base_url)
    cards = page.locator("#journey-list > li.card")
    assert cards.count() == len(catalogue["journeys"])
    persona = "executive-sponsor"
    page.select_option("select[name=persona]", persona)
    expected = [j for j in catalogue["journeys"] if persona in j["personas"]]
    assert page.locator("#journey-list > li.card:visible").count() == len(expected)
    page.select_option("select[name=stage]", "offer")
    expected = [j for j in expected if "offer" in j["stages"]]
    assert page.locator("#journey-list > li.card:visible").count() == len(expected)
    assert page.locator("#filter-status").inner_text() == f"{len(expected)} of {len(catalogue['journeys'])} journeys shown"
    _shot(page, "index-filtered")
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_function("document.querySelectorAll('#journey-list > li.card:not([hidden])').length > 3")


def test_a_tag_filters_the_catalogue_from_a_card_and_from_a_journey_page(page, base_url: str, site: Path) -> None:
    catalogue = _catalogue(site)
    journey = next(j for j in catalogue["journeys"] if j["tags"])
    tag = journey["tags"][0]
    expected = [j for j in catalogue["journeys"] if tag in j["tags"]]
    page.goto(base_url)
    page.evaluate("window.stayed = true")
    page.locator(f"#journey-list a.tag[data-tag='{tag}']").first.click()  # filters here, no page load
    assert page.locator("select[name=tag]").input_value() == tag
    assert page.evaluate("window.stayed === true"), "the tag filtered in place instead of loading a page"
    assert page.locator("#journey-list > li.card:visible").count() == len(expected)
    page.goto(base_url + f"journeys/{journey['slug']}/index.html")
    page.locator(f".facts a.tag:text-is('{tag}')").click()  # opens the catalogue, filtered
    page.wait_for_url(re.compile(r"index\.html\?tag="))
    assert page.locator("select[name=tag]").input_value() == tag
    assert page.locator("#journey-list > li.card:visible").count() == len(expected)


def test_index_lists_everything_without_javascript(browser, base_url: str, site: Path) -> None:
    with _tab(browser, java_script_enabled=False) as tab:
        tab.goto(base_url)
        assert tab.locator("#journey-list > li.card:visible").count() == len(_catalogue(site)["journeys"])
        assert not tab.locator("#filters").is_visible()


@pytest.mark.parametrize(
    "query, slug, title",
    [
        ("major incident bridge", "retail-peak-major-incident", "Card payments fail on Black Friday"),  # a touchpoint
        ("burst spend forecast", "cloud-hosting-procurement", "Procuring managed cloud hosting"),  # a pain's remedy
    ],
)
def test_search_finds_the_journey(page, base_url: str, query: str, slug: str, title: str) -> None:
    page.goto(base_url + "personas/index.html")
    page.locator("#search input").fill(query)
    result = page.locator(f'a.pagefind-ui__result-link[href="{PREFIX}journeys/{slug}/index.html"]')
    result.wait_for(timeout=15000)
    _shot(page, f"search-{query.split()[0]}", full_page=False)
    result.click()
    page.wait_for_url(re.compile(rf"/catalogue/journeys/{slug}/index\.html$"))
    assert title in page.locator("h1").inner_text()


def test_dark_mode_and_print_render(browser, base_url: str) -> None:
    with _tab(browser, color_scheme="dark", viewport={"width": 1280, "height": 900}) as tab:
        tab.goto(base_url + "journeys/student-enrolment/index.html")
        background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 20, 25)"
        _shot(tab, "journey-dark")
        tab.emulate_media(media="print", color_scheme="dark")  # printed from a dark screen: paper colours all the same
        assert tab.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        map_head = "getComputedStyle(document.querySelector('.journey-map thead th')).backgroundColor"
        assert tab.evaluate(map_head) == "rgb(246, 248, 250)"  # the light panel, not the dark one
        tab.emulate_media(media="print", color_scheme="light")
        assert not tab.locator(".site-header nav").is_visible()
        assert tab.locator("table.journey-map").is_visible()
        _shot(tab, "journey-print")
        pdf = tab.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        boxes = [tuple(map(float, m)) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)]
        landscape = [b for b in boxes if b[0] > b[1]]
        # the stage diagram and the journey map each fill one landscape page; the rest is portrait
        # (where they fall in the document depends on how the text before them paginates)
        assert len(landscape) == 2, f"the diagram and the journey map should each fill one landscape page, got {boxes}"
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "journey-print.pdf").write_bytes(pdf)


def test_journey_map_on_a_phone_scrolls_sideways_under_its_lane_names(browser, base_url: str) -> None:
    """At phone width the map keeps readable stage columns and swipes sideways; the lane names stay."""
    with _tab(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True) as tab:
        tab.goto(base_url + "journeys/student-enrolment/index.html")
        page_width = tab.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 390, "the page itself never scrolls sideways; only the map does"
        scroller = tab.locator(".map-scroll")
        scroller.scroll_into_view_if_needed()
        stage_cell = "document.querySelector('.journey-map tbody tr td').getBoundingClientRect()"
        assert tab.evaluate(f"{stage_cell}.width") >= 170, "stage columns about 11rem wide, so text is not one word a line"
        lane = "document.querySelector('.journey-map tbody th').getBoundingClientRect().left"
        left_before = tab.evaluate(lane)
        tab.evaluate("document.querySelector('.map-scroll').scrollLeft = 400")
        assert tab.evaluate("document.querySelector('.map-scroll').scrollLeft") == 400
        assert abs(tab.evaluate(lane) - left_before) <= 1, "the lane names stay put while the stages scroll"
        # and they keep their own border: a collapsed border belongs to the table's grid and scrolls
        # away from a sticky cell, letting the scrolled cells show through its width
        head = "getComputedStyle(document.querySelector('.journey-map tbody th'))"
        assert tab.evaluate("getComputedStyle(document.querySelector('.journey-map')).borderCollapse") == "separate"
        assert tab.evaluate(f"{head}.borderLeftWidth") == "1px"
        _shot(tab, "journey-map-phone", full_page=False)


def test_site_works_from_disk(page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    page.get_by_role("link", name="A householder applies for planning permission").click()
    page.wait_for_url(re.compile(r"journeys/householder-planning-application/index\.html$"))
    page.locator("#map").get_by_role("link", name="Duty planner call").first.click()
    page.wait_for_url(re.compile(r"touchpoints/duty-planner-call/index\.html$"))
    assert "Search works when the catalogue is served" in page.locator("#search").inner_text()


PAGE_TYPES = [
    "index.html",
    "journeys/outsourcing-contract-renewal/index.html",
    "personas/index.html",
    "personas/executive-sponsor/index.html",
    "touchpoints/index.html",
    "touchpoints/status-page/index.html",
    "stages/index.html",
    "stages/co-create/index.html",
    "insights/index.html",
    "404.html",
]
WIDTHS = {"desktop": 1280, "phone": 390}  # at phone width wide figures and tables scroll in their own boxes


@pytest.mark.parametrize("width", WIDTHS.values(), ids=list(WIDTHS))
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_accessibility_violations(browser, base_url: str, path: str, width: int) -> None:
    """axe finds nothing moderate, serious or critical (such as two landmarks of one name, or a
    scrolling box that a keyboard cannot reach) on any page type, on a desktop and on a phone."""
    from axe_playwright_python.sync_playwright import Axe

    with _tab(browser, viewport={"width": width, "height": 900}) as tab:
        tab.goto(base_url + path)
        results = Axe().run(tab)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("moderate", "serious", "critical")
    ]
    assert not found, "\n".join(found)


def test_experience_curve_on_a_phone_scrolls_in_a_focusable_region(browser, base_url: str) -> None:
    """The curve keeps readable labels and scrolls in its own region, which the keyboard can reach and scroll."""
    with _tab(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True) as tab:
        tab.goto(base_url + "journeys/student-enrolment/index.html")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        region = tab.get_by_role("region", name="Experience curve chart, scrolls sideways")
        assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the chart is wider than the phone"
        region.focus()
        tab.keyboard.press("ArrowRight")
        tab.wait_for_function("document.querySelector('.curve-scroll').scrollLeft > 0")
        names = tab.evaluate(
            "[...document.querySelectorAll('section, [role=region]')]"
            ".map(el => el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))"
        )
        assert len(names) == len(set(names)), f"every region has a name of its own: {names}"


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue large enough to be split into pages (the benchmark's generator)."""
    from bench.corpus import generate

    root = generate(tmp_path_factory.mktemp("large") / "site", 260, seed=7)
    build(Options(root=root, search=False))
    return root / "public"


def test_large_catalogue_is_paged_and_filters_search_every_page(browser, large: Path) -> None:
    from .sitecheck import broken_links

    assert (large / "catalogue/2/index.html").is_file() and not (large / "catalogue/3").exists()
    assert broken_links(large, "/") == []
    index = _index(large)
    persona = "persona-2"
    expected = sum(1 for row in index["journeys"] if persona in row[3])
    with _tab(browser) as tab:
        tab.goto((large / "catalogue/2/index.html").as_uri())  # works from disk too
        assert tab.locator("#journey-list > li.card").count() == 60
        tab.select_option("select[name=persona]", persona)
        tab.wait_for_function(f"document.querySelectorAll('#filter-results > li.card').length === {expected}")
        assert tab.locator("#filter-status").inner_text() == f"{expected} of 260 journeys shown"
        first = tab.locator("#filter-results a").first
        first.click()
        tab.wait_for_url(re.compile(r"journeys/journey-\d+/index\.html$"))


def _index(site: Path) -> dict:
    """catalogue-index.js: every journey's row (slug, title, summary, personas, stages, tags, relationship, draft)."""
    text = (site / "catalogue-index.js").read_text(encoding="utf-8")
    return json.loads(text.split("=", 1)[1].strip().rstrip(";"))


@pytest.fixture(scope="module")
def large_url(large: Path) -> Iterator[str]:
    """The paged catalogue served under the subpath, so a test can hold back or break catalogue-index.js."""
    with _served(large) as url:
        yield url


def _held(tab) -> list:  # type: ignore[no-untyped-def]
    """Requests for catalogue-index.js, held until the test lets each go on or fail."""
    held: list = []
    tab.route("**/catalogue-index.js", lambda route: held.append(route))
    return held


def _until(tab, held: list, count: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        if len(held) >= count:
            return
        tab.wait_for_timeout(20)
    raise AssertionError(f"expected {count} request(s) for catalogue-index.js, saw {len(held)}")


def _visible(tab, selector: str) -> int:  # type: ignore[no-untyped-def]
    return tab.evaluate(f"[...document.querySelectorAll({selector!r})].filter(el => el.offsetParent !== null).length")


def test_paged_filters_load_the_index_once(browser, large: Path, large_url: str) -> None:
    rows = _index(large)["journeys"]
    expected = [r for r in rows if "persona-2" in r[3] and "offer" in r[4]]
    with _tab(browser) as tab:
        held = _held(tab)
        tab.goto(large_url)
        tab.select_option("select[name=persona]", "persona-2")
        _until(tab, held, 1)
        assert tab.locator("#filter-status").inner_text().startswith("Loading")
        tab.select_option("select[name=stage]", "offer")  # while the index is on its way
        tab.wait_for_timeout(200)
        assert len(held) == 1 and tab.locator("script[src$='catalogue-index.js']").count() == 1
        held[0].continue_()
        tab.wait_for_function(f"document.querySelectorAll('#filter-results > li.card').length === {len(expected)}")
        assert tab.locator("#filter-status").inner_text() == f"{len(expected)} of 260 journeys shown"
        tab.select_option("select[name=persona]", "persona-3")
        tab.wait_for_timeout(100)
        assert len(held) == 1 and tab.locator("script[src$='catalogue-index.js']").count() == 1


def test_paged_filters_fall_back_to_the_page_when_the_index_fails(browser, large: Path, large_url: str) -> None:
    page_rows = _index(large)["journeys"][:200]
    with _tab(browser) as tab:
        held = _held(tab)
        tab.goto(large_url)
        tab.select_option("select[name=persona]", "persona-2")
        _until(tab, held, 1)
        held[0].abort()  # a network error, or a deploy that left the file out
        tab.wait_for_function("document.getElementById('filter-status').textContent.includes('could not be loaded')", timeout=5000)
        expected = sum(1 for r in page_rows if "persona-2" in r[3])
        assert _visible(tab, "#journey-list > li.card") == expected
        assert tab.locator("#filter-status").inner_text() == (
            f"The whole catalogue could not be loaded, so only this page is filtered: {expected} of its 200 journeys shown."
        )
        tab.select_option("select[name=stage]", "offer")  # later changes filter this page, with no new request
        expected = sum(1 for r in page_rows if "persona-2" in r[3] and "offer" in r[4])
        assert _visible(tab, "#journey-list > li.card") == expected
        assert len(held) == 1


def test_paged_filters_hide_the_pager(browser, large_url: str) -> None:
    with _tab(browser) as tab:
        tab.goto(large_url + "catalogue/2/index.html")
        assert _visible(tab, "nav.pager") == 2 and tab.locator("#page-note").is_visible()
        tab.select_option("select[name=persona]", "persona-2")
        tab.locator("#filter-results > li.card").first.wait_for()
        # the results span every page and the pager's links carry no filter: out of sight and out of the tab order
        assert tab.evaluate("[...document.querySelectorAll('#page-note, nav.pager')].every(el => el.hidden)")
        assert _visible(tab, "nav.pager a") == 0 and not tab.locator("#page-note").is_visible()
        tab.get_by_role("button", name="Clear filters").click()
        tab.wait_for_function("document.querySelectorAll('nav.pager:not([hidden])').length === 2")
        assert tab.locator("#page-note").is_visible()


def test_cards_from_the_index_read_like_the_page_cards(browser, large: Path, large_url: str) -> None:
    card_text = """sel => Object.fromEntries([...document.querySelectorAll(sel)].map(card => [
        card.querySelector('h2 a').href,
        {text: card.innerText, links: [...card.querySelectorAll('a')].map(a => [a.className, a.href, a.dataset.tag || ''])},
    ]))"""
    with _tab(browser) as tab:
        tab.goto(large_url + "catalogue/2/index.html")  # one folder down: every link is relative
        own = tab.evaluate(card_text, "#journey-list > li.card")
        tab.select_option("select[name=persona]", "persona-2")
        tab.locator("#filter-results > li.card").first.wait_for()
        built = tab.evaluate(card_text, "#filter-results > li.card")
        shared = set(own) & set(built)
        assert len(shared) >= 5 and len(built) > len(shared)  # results from other pages too
        for href in shared:
            assert built[href] == own[href]  # title, summary, personas, stages, relationship, tags and their links
        sample = next(iter(built.values()))
        assert "Relationship" in sample["text"] and any(cls == "tag" and tag for cls, _, tag in sample["links"])
        tag = tab.locator("#filter-results a.tag[data-tag]").first
        name = tag.get_attribute("data-tag")
        tag.click()  # filters here, like a tag on the page's own cards
        assert tab.locator("select[name=tag]").input_value() == name
        expected = sum(1 for r in _index(large)["journeys"] if "persona-2" in r[3] and name in r[5])
        tab.wait_for_function(f"document.querySelectorAll('#filter-results > li.card').length === {expected}")


def test_paged_counts_say_what_they_count_with_thousands_separators(browser, large_url: str) -> None:
    rows = [[f"j{n}", f"Journey {n}", "", ["persona-2"] if n < 1100 else [], ["offer"], [], "", n == 1] for n in range(1200)]
    rows[0][1] = '<img src=x onerror="window.injected = true">'
    script = "window.JOURNEYDOCS_INDEX = " + json.dumps({"journeys": rows, "personas": {}}) + ";"
    with _tab(browser) as tab:
        tab.goto(large_url + "catalogue/2/index.html")
        assert tab.locator("#filter-status").inner_text() == "260 journeys; this page shows 60"
        tab.route("**/catalogue-index.js", lambda route: route.fulfill(body=script, content_type="text/javascript"))
        tab.goto(large_url)
        assert tab.locator("#filter-status").inner_text() == "260 journeys; this page shows 200"
        tab.select_option("select[name=persona]", "persona-2")
        tab.wait_for_function("document.querySelectorAll('#filter-results > li.card').length === 1100")
        assert tab.locator("#filter-status").inner_text() == "1,100 of 1,200 journeys shown"
        assert tab.locator("#filter-results img").count() == 0 and not tab.evaluate("window.injected === true")
        assert tab.locator("#filter-results h2 a").first.inner_text() == rows[0][1]  # text, never markup
        assert tab.locator("#filter-results .badge.draft").count() == 1  # only row 1 is a draft
        tab.get_by_role("button", name="Clear filters").click()
        tab.wait_for_function("document.getElementById('filter-status').textContent === '260 journeys; this page shows 200'")


def test_back_to_a_filtered_catalogue_on_disk_keeps_the_filter(browser, large: Path) -> None:
    """From file:// the address keeps no query; the form the browser restores is what gets applied."""
    expected = sum(1 for r in _index(large)["journeys"] if "persona-2" in r[3])
    shown = f"document.querySelectorAll('#filter-results > li.card:not([hidden])').length === {expected}"
    with _tab(browser) as tab:
        tab.goto((large / "index.html").as_uri())
        tab.select_option("select[name=persona]", "persona-2")
        tab.wait_for_function(shown)
        tab.locator("#filter-results a").first.click()
        tab.wait_for_url(re.compile(r"journeys/journey-\d+/index\.html$"))
        tab.go_back()
        tab.wait_for_url(re.compile(r"/index\.html$"))
        assert tab.locator("select[name=persona]").input_value() == "persona-2"
        tab.wait_for_function(shown + " && !document.getElementById('filter-results').hidden", timeout=5000)
        assert tab.locator("#filter-status").inner_text() == f"{expected} of 260 journeys shown"
        assert _visible(tab, "#journey-list > li.card") == 0 and _visible(tab, "nav.pager") == 0


def test_back_on_disk_keeps_the_filters_chosen_after_a_tag_link(browser, large: Path) -> None:
    """From file:// the address keeps the tag link's query forever: coming back, the form's filters win."""
    rows = _index(large)["journeys"]
    first = next(r for r in rows if r[5])
    tag, other = first[5][0], next(t for r in rows for t in r[5] if t != first[5][0])
    with _tab(browser) as tab:
        tab.goto((large / f"journeys/{first[0]}/index.html").as_uri())
        tab.locator(f".facts a.tag:text-is('{tag}')").click()
        tab.wait_for_url(re.compile(r"index\.html\?tag="))
        tab.select_option("select[name=tag]", other)
        expected = sum(1 for r in rows if other in r[5])
        tab.wait_for_function(f"document.querySelectorAll('#filter-results > li.card:not([hidden])').length === {expected}")
        tab.locator("#filter-results h2 a").first.click()
        tab.wait_for_url(re.compile(r"journeys/journey-\d+/index\.html$"))
        tab.go_back()
        tab.wait_for_url(re.compile(r"/index\.html\?tag="))
        tab.wait_for_function(f"document.querySelectorAll('#filter-results > li.card:not([hidden])').length === {expected}")
        assert tab.locator("select[name=tag]").input_value() == other


def test_search_clear_button_is_no_tab_stop_while_the_box_is_empty(page, base_url: str) -> None:
    page.goto(base_url + "personas/index.html")
    field = page.locator("#search input.pagefind-ui__search-input")
    clear = page.locator("#search .pagefind-ui__search-clear")
    field.focus()
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.matches('.pagefind-ui__search-clear')"), "an invisible tab stop"
    assert clear.evaluate("el => getComputedStyle(el).visibility") == "hidden"
    field.fill("status")
    field.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.pagefind-ui__search-clear')")
    clear.click()
    assert clear.evaluate("el => getComputedStyle(el).visibility") == "hidden"
