"""``journeys new``: a valid, commented starting file for each document kind.

A new file must pass ``journeys check`` as written, so authors start from
something that works and replace the placeholders; every placeholder refers
only to stages, personas and touchpoints that exist in the site.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .config import SLUG_RE, SiteConfig, slugify
from .diagnostics import UsageError
from .load import FOLDERS, Source, discover

MAX_SLUG = 80  # characters of a new file's name, cut at a word: file systems allow 255 bytes


def _yaml_text(value: str) -> str:
    """A double-quoted YAML scalar: safe for any display name."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _yaml_slug(slug: str) -> str:
    """A slug as YAML reads it back as text: ``no``, ``on`` or ``123`` need quotes."""
    plain = yaml.resolver.Resolver().resolve(yaml.ScalarNode, slug, (True, False)) == "tag:yaml.org,2002:str"
    return slug if plain else _yaml_text(slug)


def _existing(sources: list[Source], kind: str) -> dict[str, Path]:
    """Slug (lower-case) -> file of every document of *kind*."""
    return {s.slug.lower(): s.path for s in sources if s.kind == kind}


def new_document(config: SiteConfig, kind: str, name: str) -> Path:
    """Write a new document of *kind* called *name*; refuse to overwrite anything."""
    name = " ".join(name.split())
    slug = slugify(name, max_length=MAX_SLUG)
    if not slug:
        raise UsageError(f"cannot make a file name from {name!r}: use letters or digits")
    sources, _ = discover(config.root)  # the files the build would find
    existing = _existing(sources, kind).get(slug)
    if existing is not None:
        raise UsageError(f"{existing.relative_to(config.root).as_posix()} already exists with the slug '{slug}'; not overwriting it")
    if kind == "persona":
        text = _persona(name)
    elif kind == "touchpoint":
        text = _touchpoint(name)
    else:
        text = _journey(config, name, sources)
    folder = config.root / "content" / FOLDERS[kind]
    path = folder / f"{slug}.md"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{path.relative_to(config.root).as_posix()} already exists; not overwriting it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path.relative_to(config.root).as_posix()}: {exc.strerror or exc}") from None
    return path


def _persona(name: str) -> str:
    return f"""---
# A persona: an archetype whose eyes a journey is followed through.
name: {_yaml_text(name)}
# customer, user, sponsor (consumer side), provider or partner (supply side).
# customer and sponsor feed customer experience (CX); user feeds user experience (UX).
role: user
summary: One line that says who this is.
goals:
  - What they want to achieve
pains:
  - What gets in their way
---
Describe {name}: their context, what they care about and how they judge the service.
"""


def _touchpoint(name: str) -> str:
    return f"""---
# A touchpoint: a place where consumer and provider meet. Many journeys share it.
name: {_yaml_text(name)}
channel: web        # e.g. web, phone, email, chat, in-person, api, document
owner: Owning team
summary: One line that says what happens here.
---
Describe {name}: who runs it, when it is open, what it offers.
"""


def _newest(sources: list[Source], kind: str) -> str | None:
    """The slug of the document of *kind* written last (by file time; then by name).

    Authors make the personas and touchpoints first and the journey next (as
    the README shows), so the new journey starts from the ones just made
    rather than from whichever sorts first in a large catalogue.
    """
    stamped = []
    for slug, path in _existing(sources, kind).items():
        if SLUG_RE.match(slug):  # valid slugs only
            try:
                stamped.append((-path.stat().st_mtime_ns, slug))
            except OSError:
                continue
    return min(stamped)[1] if stamped else None


def _journey(config: SiteConfig, name: str, sources: list[Source]) -> str:
    first, last = config.stages[0], config.stages[-1]
    persona = _newest(sources, "persona")
    touchpoint = _newest(sources, "touchpoint")
    persona_line = f"personas: [{_yaml_slug(persona)}]" if persona else "personas: [] # add persona slugs from content/personas/"
    lines = [
        "---",
        "# A customer journey. Field reference: README.md, \"Writing a journey\".",
        f"title: {_yaml_text(name)}",
        "summary: One line shown on the catalogue card.",
        persona_line,
        "consumer: Who consumes the service",
        "provider: Who provides it",
        "relationship: cooperative   # basic, cooperative or partnership",
        "agreement: agreement        # obligation, agreement, promise or social",
        "owner: Journey owner",
        "tags: []",
        "draft: true                 # remove when ready to publish",
        f"# Stage ids: {', '.join(s.id for s in config.stages)}",
        "stages:",
        f"  {_yaml_slug(first.id)}:",
        "    goal: What the consumer wants from this stage.",
    ]
    if touchpoint:
        lines += [
            "    interactions:",
            f"      - touchpoint: {_yaml_slug(touchpoint)}",
            "        action: What happens at this touchpoint",
            "        visibility: shared    # consumer, shared or provider",
            "        emotion: 0            # -2 (very bad) to 2 (very good)",
        ]
    if last.id != first.id:
        lines += [f"  {_yaml_slug(last.id)}:", "    goal: How value is captured and judged."]
    lines += [
        "# flow:                     # extra transitions: loops, returns, skips",
        f'#   - "{last.id} -> {first.id}: next cycle"',
        "indicators:",
        "  - name: What you measure",
        "    kind: kpi                # xla, sla, ola or kpi",
        f"    stage: {_yaml_slug(last.id)}",
        '    target: "to agree"',
        "---",
        f"Introduce {name}: who travels it and why it matters.",
        "",
        f"## {first.title}",
        "",
        "What happens at this stage.",
        "",
    ]
    return "\n".join(lines)
