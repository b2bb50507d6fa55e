"""Which outputs read which documents: the dependency map behind incremental builds.

Every output is produced by one *job* (a journey's page and diagram, a persona
page, the catalogue index, ...).  A job's dependencies are the documents whose
content it shows, computed from the model; its fingerprint hashes those
documents' digests together with everything global (settings, templates, theme
files, generator version).  A job whose fingerprint is unchanged since the last
build produces the same bytes, so its previous outputs can be reused as they are.

A document's Markdown body appears only on its own page (and, for personas and
touchpoints, in ``catalogue.json``); every other page shows its front matter.
So jobs read either a whole document (``journey:x``) or only its front matter
(``journey:x#data``), and editing prose rebuilds one page.

That holds for the built-in theme's pages.  A page whose template differs from
the built-in one (the site's ``templates/`` or another theme) and uses more
than settings may show anything of the model, so its jobs read every document
whole; a layout, macros or partial of that kind makes every page do so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field

from .load import Document, doc_key
from .model import Site

Job = tuple[str, ...]  # ("journey", slug), ("persona", slug, "1"), ("index", "1"), ("stage", id, "1"), ...
STATIC_KEY = "theme:static"  # the theme's static files, read by the "static" job alone
# No page may grow with the catalogue: lists of journeys are split into pages of
# PAGE_SIZE (catalogue, stage and touchpoint pages), or PERSONA_PAGE_SIZE on persona
# pages, which show each journey with a table of its own.
PAGE_SIZE = 200
PERSONA_PAGE_SIZE = 50


def page_count(journeys: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-journeys // size))


def page_of(slugs: Sequence[str], number: int, size: int = PAGE_SIZE) -> Sequence[str]:
    """The slugs on page *number* (from 1) of a list of *size* to a page."""
    return slugs[(number - 1) * size : number * size]


def paged(slugs: Sequence[str], size: int = PAGE_SIZE) -> list[Sequence[str]]:
    """*slugs* in pages of *size*; an empty list is one empty page."""
    return [slugs[i : i + size] for i in range(0, len(slugs), size)] or [slugs]


@dataclass(frozen=True, slots=True)
class Plan:
    """Every job of a build with the documents it reads.

    ``shape`` is what else decides a paged list's output: which journeys the
    page holds and how many pages there are.  A page whose journeys did not
    change is then reused even though a journey on another page changed.

    ``groups`` names sets of documents that many jobs read together (what a
    journey shows of itself and its personas and touchpoints; everything), so
    a fingerprint hashes one digest per group instead of every member again:
    at 10,000 journeys that is the difference between 0.8 s and a tenth of it.
    """

    reads: Mapping[Job, frozenset[str]]
    shape: Mapping[Job, str] = field(default_factory=dict)
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self.reads)


TEMPLATES = {  # job kind -> the template of its page
    "journey": "journey.html", "persona": "persona.html", "touchpoint": "touchpoint.html", "stage": "stage.html",
    "index": "index.html", "personas": "personas.html", "touchpoints": "touchpoints.html",
    "stages": "stages.html", "insights": "insights.html", "not-found": "404.html",
}


def plan(site: Site, custom: frozenset[str] = frozenset()) -> Plan:
    """The jobs of *site* and, for each, the keys (``journey:slug``...) of the documents it shows.

    *custom* names the site's templates that may show more than the built-in
    theme's (see :func:`generator.render.templates.custom_templates`).
    """
    reads: dict[Job, frozenset[str]] = {}
    shape: dict[Job, str] = {}
    # Each front-matter key made once: the loops below name them about 50 times per journey.
    jkey = {slug: data_key("journey", slug) for slug in site.journeys}
    pkey = {slug: data_key("persona", slug) for slug in site.personas}
    tkey = {slug: data_key("touchpoint", slug) for slug in site.touchpoints}
    groups: dict[str, frozenset[str]] = {}
    for slug, journey in site.journeys.items():
        # What a page that shows a journey's front matter reads: it, and its personas' and touchpoints'.
        touchpoints = {i.touchpoint for i in journey.interactions}
        groups[_shows(slug)] = frozenset({jkey[slug], *(pkey[p] for p in journey.personas), *(tkey[t] for t in touchpoints)})
        related = {jkey[other] for other in site.related.get(slug, ())}
        reads[("journey", slug)] = frozenset({doc_key("journey", slug), _shows(slug), *related})
    for slug in site.personas:
        for job, chunk, where in _pages(("persona", slug), site.persona_journeys.get(slug, ()), PERSONA_PAGE_SIZE):
            own = doc_key("persona", slug) if job[2] == "1" else pkey[slug]  # the profile is on page 1
            reads[job] = frozenset({own, *(_shows(journey) for journey in chunk)})
            shape[job] = where
    for slug in site.touchpoints:
        uses = site.touchpoint_uses.get(slug, ())
        for job, chunk, where in _pages(("touchpoint", slug), site.touchpoint_journeys.get(slug, ())):
            members = set(chunk)
            docs = {doc_key("touchpoint", slug) if job[2] == "1" else tkey[slug]}
            docs.update(jkey[journey] for journey in chunk)
            docs.update(pkey[u.persona] for u in uses if u.persona and u.journey in members)
            reads[job] = frozenset(docs)
            shape[job] = f"{len(uses)}\0{where}"  # the page counts every use
    groups["personas"] = frozenset(pkey.values())  # the index's filter
    groups["touchpoints"] = frozenset(tkey.values())
    groups["everything"] = frozenset(jkey.values()) | groups["personas"] | groups["touchpoints"]
    personas, everything = frozenset({"personas"}), frozenset({"everything"})

    def shown(chunk: Iterable[str]) -> frozenset[str]:
        return frozenset(_shows(slug) for slug in chunk)

    catalogue = list(_pages(("index",), list(site.journeys)))
    counts = f"{len(site.personas)}\0{len(site.touchpoints)}\0{','.join(site.tags)}"  # shown, and the tag filter
    for job, chunk, where in catalogue:
        reads[job] = shown(chunk) | personas
        shape[job] = f"{counts}\0{where}"
    if len(catalogue) > 1:
        reads[("catalogue-index",)] = everything
    for stage in site.stages:
        for job, chunk, where in _pages(("stage", stage.id), site.stage_journeys[stage.id]):
            reads[job] = shown(chunk)
            shape[job] = where
    # The three lists show each entry's own fields and how many journeys or
    # interactions it has: a journey's edit rebuilds them only when it moves a count.
    reads[("personas",)] = personas
    shape[("personas",)] = _counts(site.persona_journeys)
    reads[("touchpoints",)] = frozenset({"touchpoints"})
    shape[("touchpoints",)] = _counts(site.touchpoint_journeys) + "\0" + _counts(site.touchpoint_uses)
    reads[("stages",)] = frozenset()
    shape[("stages",)] = _counts(site.stage_interactions) + "\0" + _counts(site.stage_indicators)
    reads[("insights",)] = everything
    reads[("feeds",)] = everything | frozenset(  # catalogue.json carries persona and touchpoint bodies
        [doc_key("persona", s) for s in site.personas] + [doc_key("touchpoint", s) for s in site.touchpoints]
    )
    reads[("not-found",)] = frozenset()
    reads[("static",)] = frozenset({STATIC_KEY})
    if custom:
        groups["whole"] = frozenset(
            doc_key(kind, slug)
            for kind, items in (("journey", site.journeys), ("persona", site.personas), ("touchpoint", site.touchpoints))
            for slug in items
        )
        shared = custom - set(TEMPLATES.values())  # a layout, macros or partial: any page may show it
        for job in reads:
            template = TEMPLATES.get(job[0])
            if template is not None and (shared or template in custom):
                reads[job] = frozenset({"whole"})
    return Plan(reads, shape, groups)


def _pages(prefix: Job, journeys: Sequence[str], size: int = PAGE_SIZE) -> Iterator[tuple[Job, Sequence[str], str]]:
    """The jobs of a paged list: each page's job, its journeys, and its shape (the list's length,
    its number of pages and the page's journeys, which decide the page whatever else changes)."""
    pages = paged(journeys, size)
    for number, chunk in enumerate(pages, start=1):
        yield (*prefix, str(number)), chunk, f"{len(journeys)}\0{len(pages)}\0{','.join(chunk)}"


def _counts(lists: Mapping[str, Sized]) -> str:
    return ",".join(f"{key}={len(value)}" for key, value in lists.items())


def _shows(slug: str) -> str:
    """The group a page reads to show a journey: its front matter, its personas' and touchpoints'."""
    return f"shows:{slug}"


def data_key(kind: str, slug: str) -> str:
    """The key of a document's front matter alone: ``journey:new-laptop#data``."""
    return doc_key(kind, slug) + "#data"


def digests(documents: Iterable[Document]) -> dict[str, str]:
    """Content hashes by key, of whole documents and of their front matter: what fingerprints are made of."""
    result = {}
    for d in documents:  # the path too: pages show where each document comes from
        result[d.key] = f"{d.digest}:{d.rel}"
        result[data_key(d.kind, d.slug)] = f"{d.data_digest}:{d.rel}"
    return result


def search_fingerprint(prints: Mapping[Job, str], language: str) -> str:
    """The search index's fingerprint: every page it indexes, by its job's fingerprint."""
    h = hashlib.blake2b(language.encode(), digest_size=16)
    for job in sorted(prints):
        h.update(("\x00".join(job) + "=" + prints[job] + "\x01").encode())
    return h.hexdigest()


def fingerprints(plan: Plan, digests: Mapping[str, str], global_digest: str) -> dict[Job, str]:
    """A hash per job of everything it reads; equal fingerprints mean equal outputs."""
    entry = {key: f"\x01{key}={value}".encode() for key, value in digests.items()}  # encoded once
    for name, members in plan.groups.items():
        group = hashlib.blake2b(b"".join([entry[key] for key in sorted(members)]), digest_size=16).hexdigest()
        entry[name] = f"\x01{name}={group}".encode()
    prefix = global_digest.encode()
    result: dict[Job, str] = {}
    for job in plan.jobs:
        h = hashlib.blake2b(prefix, digest_size=16)
        h.update(("\x00".join(job) + "\x02" + plan.shape.get(job, "")).encode())
        h.update(b"".join([entry[key] for key in sorted(plan.reads[job])]))
        result[job] = h.hexdigest()
    return result
