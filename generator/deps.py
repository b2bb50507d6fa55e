"""Which outputs read which documents: the dependency map behind incremental builds.

Every output is produced by one *job* (a journey's page and diagram, a persona
page, the catalogue index, ...).  A job's dependencies are the documents whose
content it shows, computed from the model; its fingerprint hashes those
documents' digests together with everything global (settings, templates, theme
files, generator version).  A job whose fingerprint is unchanged since the last
build produces the same bytes, so its previous outputs can be reused as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .load import Document, doc_key
from .model import Site

Job = tuple[str, ...]  # ("journey", slug), ("persona", slug), ("index", "1"), ...
PAGE_SIZE = 200  # journeys per catalogue page: index pages must not grow with the catalogue


def page_count(journeys: int) -> int:
    return max(1, -(-journeys // PAGE_SIZE))


@dataclass(frozen=True, slots=True)
class Plan:
    """Every job of a build with the documents it reads."""

    reads: Mapping[Job, frozenset[str]]

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self.reads)


def plan(site: Site) -> Plan:
    """The jobs of *site* and, for each, the keys (``journey:slug``...) of the documents it shows."""
    reads: dict[Job, frozenset[str]] = {}
    journey_docs = {slug: _journey_reads(site, slug) for slug in site.journeys}
    for slug in site.journeys:
        related = {doc_key("journey", other) for other in site.related.get(slug, ())}
        reads[("journey", slug)] = journey_docs[slug] | related
    for slug in site.personas:
        docs = {doc_key("persona", slug)}
        for journey in site.persona_journeys.get(slug, ()):
            docs |= journey_docs[journey]
        reads[("persona", slug)] = frozenset(docs)
    for slug in site.touchpoints:
        docs = {doc_key("touchpoint", slug)}
        for use in site.touchpoint_uses.get(slug, ()):
            docs.add(doc_key("journey", use.journey))
            if use.persona:
                docs.add(doc_key("persona", use.persona))
        reads[("touchpoint", slug)] = frozenset(docs)
    everything = frozenset(
        [doc_key("journey", s) for s in site.journeys]
        + [doc_key("persona", s) for s in site.personas]
        + [doc_key("touchpoint", s) for s in site.touchpoints]
    )
    for stage in site.stages:
        docs: set[str] = set()
        for journey in site.journeys.values():
            if stage.id in journey.stage_ids:
                docs |= journey_docs[journey.slug]
        reads[("stage", stage.id)] = frozenset(docs)
    for number in range(1, page_count(len(site.journeys)) + 1):
        reads[("index", str(number))] = everything  # titles decide which journeys each page holds
    for job in (("personas",), ("touchpoints",), ("stages",), ("insights",), ("feeds",)):
        reads[job] = everything
    for job in (("not-found",), ("static",)):
        reads[job] = frozenset()
    return Plan(reads)


def _journey_reads(site: Site, slug: str) -> frozenset[str]:
    journey = site.journeys[slug]
    docs = {doc_key("journey", slug)}
    docs.update(doc_key("persona", p) for p in journey.personas)
    docs.update(doc_key("touchpoint", i.touchpoint) for i in journey.interactions)
    return frozenset(docs)


def digests(documents: Iterable[Document]) -> dict[str, str]:
    """Content hash of every document, by key: what fingerprints are made of."""
    return {d.key: d.digest for d in documents}


def fingerprints(plan: Plan, digests: Mapping[str, str], global_digest: str) -> dict[Job, str]:
    """A hash per job of everything it reads; equal fingerprints mean equal outputs."""
    result: dict[Job, str] = {}
    for job in plan.jobs:
        h = hashlib.blake2b(digest_size=16)
        h.update(global_digest.encode())
        h.update("\x00".join(job).encode())
        for key in sorted(plan.reads[job]):
            h.update(b"\x01" + key.encode() + b"=" + digests[key].encode())
        result[job] = h.hexdigest()
    return result
