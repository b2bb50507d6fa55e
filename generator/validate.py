"""Every content problem of a run, each at ``path:line:col``.

Two passes: the JSON Schema of each document kind (the same schemas that the
site publishes for editors), then the references between documents, which no
per-file schema can see.  A compiled validator answers the common case (a
valid document) quickly; ``jsonschema`` runs only on documents that fail, to
list each problem with the path that locates it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import fastjsonschema

from .config import SLUG_RE, SLUG_RULE, SiteConfig, not_a_slug
from .diagnostics import Report, did_you_mean, one_of, surely_meant
from .load import FOLDERS, Document

if TYPE_CHECKING:
    import jsonschema

NOT_BLANK = "\\S"  # the schemas' pattern for required texts: at least one visible character
# The last step of each ITIL preset, which the other calls differently: no spelling hint finds it.
COUNTERPART = {"realize": ("reflect", "ITIL 5"), "reflect": ("realize", "ITIL 4")}
FLOW_RE = re.compile(r"^\s*([a-z0-9-]+)\s*->\s*([a-z0-9-]+)\s*(?::\s*(.*?))?\s*$")


@cache
def schema(kind: str) -> dict:
    """The JSON Schema of a document kind, as shipped in the package."""
    text = resources.files("generator").joinpath(f"schemas/{kind}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _fast(kind: str):  # type: ignore[no-untyped-def]
    return fastjsonschema.compile(schema(kind))


@cache
def _full(kind: str) -> jsonschema.protocols.Validator:
    import jsonschema  # here: only documents with problems need it, and importing it takes 40 ms

    return jsonschema.Draft202012Validator(schema(kind))


def validate(
    config: SiteConfig,
    documents: Iterable[Document],
    report: Report,
    unreadable: Iterable[tuple[str, str]] = (),
) -> None:
    """Report the problems between documents: slugs, then cross-references.

    Each document's own problems (schema) come from :func:`check_document`,
    which a build runs only for files that changed.

    *unreadable* lists (kind, slug) of files that exist but could not be parsed:
    they already have their own error, so references to them are not reported
    as unknown on top of it.
    """
    docs = list(documents)
    _check_slugs(docs, report)
    slugs = {kind: {d.slug for d in docs if d.kind == kind} for kind in FOLDERS}
    for kind, slug in unreadable:
        slugs[kind].add(slug)
    stage_ids = [s.id for s in config.stages]
    for doc in docs:
        if doc.kind == "journey":
            _check_journey(doc, slugs, stage_ids, report)


def _check_slugs(docs: list[Document], report: Report) -> None:
    seen: dict[tuple[str, str], Document] = {}
    # Well-formed slugs first, so a clash is reported on the file that breaks the rule.
    for doc in sorted(docs, key=lambda d: (not SLUG_RE.match(d.slug), d.rel)):
        if not SLUG_RE.match(doc.slug):
            report.error(doc.rel, 1, 1, not_a_slug(doc.slug, doc.slug))
        key = (doc.kind, doc.slug.lower())
        if key in seen:
            other = seen[key]
            how = "differs only by case from" if other.slug != doc.slug else "is also used by"
            report.error(
                doc.rel, 1, 1, f"slug '{doc.slug}' {how} {other.rel}; each {doc.kind} needs its own slug"
            )
        else:
            seen[key] = doc


def check_document(doc: Document) -> list:
    """One document's own problems (its schema), independent of every other file."""
    report = Report()
    check_schema(doc, report)
    return report.items


def check_schema(doc: Document, report: Report, compiled: bool = True) -> None:
    """Check one document against its kind's schema; unknown fields are warnings.

    *compiled* False goes straight to ``jsonschema`` (tests compare the two).
    """
    if not doc.is_yaml and "body" in doc.data:
        line, col = doc.positions.key(("body",))
        report.warning(doc.rel, line, col, "unknown field 'body': in a Markdown file the text after the front matter is the body")
    if compiled:
        try:
            _fast(doc.kind)(doc.data)
            return
        except fastjsonschema.JsonSchemaException:
            pass
    for error in _full(doc.kind).iter_errors(doc.data):
        _report_schema_error(doc, error, report)


def _report_schema_error(doc: Document, error: jsonschema.ValidationError, report: Report) -> None:
    path = tuple(error.absolute_path)
    where = _dotted(path)
    name = f"'{where}'" if where else "the document"
    validator, expected, value = error.validator, error.validator_value, error.instance
    line, col = doc.positions.value(path)
    if validator == "additionalProperties":
        allowed = [k for k in error.schema.get("properties", {}) if doc.is_yaml or k != "body"]
        for key in sorted(set(value) - set(allowed)):
            kline, kcol = doc.positions.key(path + (key,))
            parent = f" in '{where}'" if where else ""
            hint = did_you_mean(key, allowed) or f" (known fields: {', '.join(allowed)})"
            report.warning(doc.rel, kline, kcol, f"unknown field '{key}'{parent}{hint}")
        return
    if validator == "required":
        missing = [k for k in expected if k not in value]
        for key in missing:
            report.error(doc.rel, line, col, f"{name} is missing the required field '{key}'")
        return
    if validator == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(t, str(t)) for t in wanted)
        hint = " (quote it to keep it as text)" if "string" in wanted and isinstance(value, (int, float, bool)) else ""
        if "array" in wanted and not isinstance(value, list):
            hint = " (one '- item' per line under it, or [first, second] on its line)"
        bounds = error.schema
        if "minimum" in bounds and "maximum" in bounds:  # emotion, trust: say the range in the same breath
            words += f" from {bounds['minimum']} to {bounds['maximum']}"
        report.error(doc.rel, line, col, f"{name} must be {words}, not {_describe(value)}{hint}")
        return
    if validator == "enum":
        hint = did_you_mean(value, [str(e) for e in expected])
        report.error(doc.rel, line, col, f"{name} must be one of {one_of([str(e) for e in expected])}; got {_show(value)}{hint}")
        return
    if validator in ("minimum", "maximum"):
        low = error.schema.get("minimum")
        high = error.schema.get("maximum")
        report.error(doc.rel, line, col, f"{name} must be a whole number from {low} to {high}; got {_show(value)}")
        return
    if validator == "pattern":
        if expected == NOT_BLANK:
            if value != "":  # the empty text already has its own error (minLength)
                report.error(doc.rel, line, col, f"{name} must not be blank: it holds only spaces")
            return
        if len(path) >= 2 and path[-2] == "flow":
            message = f"{name} must read \"from -> to\" or \"from -> to: label\" with stage ids; got {_show(value)}"
        else:
            message = f"{name} must be a slug made of {SLUG_RULE}; got {_show(value)}"
        report.error(doc.rel, line, col, message)
        return
    if validator == "uniqueItems":  # at each repeat, which is the entry to delete
        for index, item in enumerate(value):
            if item in value[:index]:
                iline, icol = doc.positions.value(path + (index,))
                first, fcol = doc.positions.value(path + (value.index(item),))
                report.error(doc.rel, iline, icol, f"{name} lists {json.dumps(item)} more than once (first at {first}:{fcol})")
        return
    if validator in ("minItems", "minProperties", "minLength"):
        report.error(doc.rel, line, col, f"{name} must not be empty")
        return
    report.error(doc.rel, line, col, f"{name}: {error.message}")  # pragma: no cover - schema uses the above


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
    "null": "empty",
}


# Text that reads like a number: the YAML loader keeps 1.0, 4:00 and .inf as written, and the
# author may have quoted "3"; either way the message shows it as it is, without calling it text.
_NUMBER_LIKE = re.compile(r"[-+]?(?:\.(?:inf|nan)|[0-9._:]*[0-9][0-9._:eE+-]*)", re.IGNORECASE)


def _describe(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return _show(value) if _NUMBER_LIKE.fullmatch(value) else f"the text {_show(value)}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _show(value: object) -> str:
    if not isinstance(value, str):
        return json.dumps(value)[:60]
    return repr(value[:60] + "…" if len(value) > 60 else value)


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _counterpart(stage: str, stage_ids: list[str]) -> tuple[str | None, str]:
    """The stage model's name for the last step and a hint, when *stage* is the other preset's name.

    'realize' and 'reflect' are too far apart for a spelling hint, yet one is
    what a journey written for the other ITIL version meant.
    """
    other, model = COUNTERPART.get(stage, ("", ""))
    if other not in stage_ids:
        return None, ""
    return other, (
        f" (did you mean '{other}'? {model} names its last step {other.capitalize()}, not {stage.capitalize()}; "
        "stage_model in site.toml chooses the ITIL version)"
    )


def _check_journey(doc: Document, slugs: Mapping[str, set[str]], stage_ids: list[str], report: Report) -> None:
    data = doc.data

    def ref_error(path: tuple, message: str, choices: Iterable[str], value: object) -> None:
        line, col = doc.positions.value(path)
        report.error(doc.rel, line, col, message + did_you_mean(value, choices))

    listed = data.get("personas")
    personas = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
    for i, persona in enumerate(personas):
        if persona not in slugs["persona"]:
            ref_error(("personas", i), f"unknown persona '{persona}' (no content/personas/{persona}.md)", slugs["persona"], persona)
    # What a misspelt entry of 'personas' or key of 'stages' most likely meant: a reference to
    # it elsewhere in the journey is then no error of its own, the misspelling's error covers it.
    meant_personas = {surely_meant(p, slugs["persona"]) for p in personas if p not in slugs["persona"]}

    raw_stages = data.get("stages")
    stages: dict = raw_stages if isinstance(raw_stages, dict) else {}
    meant_stages = {surely_meant(s, stage_ids) or _counterpart(s, stage_ids)[0] for s in stages if s not in stage_ids}
    valid_stages = [s for s in stages if s in stage_ids]
    for stage_id, entry in stages.items():
        if stage_id not in stage_ids:
            line, col = doc.positions.key(("stages", stage_id))
            report.error(
                doc.rel, line, col,
                f"unknown stage '{stage_id}'; the stage model has {one_of(stage_ids)}"
                + (_counterpart(stage_id, stage_ids)[1] or did_you_mean(stage_id, stage_ids)),
            )
        interactions = entry.get("interactions") if isinstance(entry, dict) else None
        if not isinstance(interactions, list):
            continue
        for i, item in enumerate(interactions):
            if not isinstance(item, dict):
                continue
            base = ("stages", stage_id, "interactions", i)
            touchpoint = item.get("touchpoint")
            if isinstance(touchpoint, str) and touchpoint not in slugs["touchpoint"]:
                ref_error(base + ("touchpoint",), f"unknown touchpoint '{touchpoint}' (no content/touchpoints/{touchpoint}.md)", slugs["touchpoint"], touchpoint)
            named = item.get("persona")
            if isinstance(named, str) and personas and named not in personas and named not in meant_personas:
                known = named in slugs["persona"]
                message = (
                    f"persona '{named}' is not one of this journey's personas ({', '.join(personas)}); add it to 'personas'"
                    if known
                    else f"unknown persona '{named}'; this journey's personas are {', '.join(personas)}"
                )
                ref_error(base + ("persona",), message, [p for p in personas if p in slugs["persona"]], named)

    raw_flow = data.get("flow")
    edges: dict[tuple[str, str], int] = {}  # (from, to) -> index of its first entry
    for i, flow in enumerate(raw_flow if isinstance(raw_flow, list) else []):
        match = FLOW_RE.match(flow) if isinstance(flow, str) else None
        if not match:
            continue  # the schema already said the syntax is wrong
        edge = (match.group(1), match.group(2))
        if edge in edges:  # the model keeps one edge per pair: a second entry would lose a label
            first, fcol = doc.positions.value(("flow", edges[edge]))
            ref_error(
                ("flow", i),
                f"flow edge {edge[0]} -> {edge[1]} is given twice (first at {first}:{fcol}); "
                "keep one entry, with one label",
                (), None,
            )
            continue
        edges[edge] = i
        for end in (match.group(1), match.group(2)):
            if end not in stages and end not in meant_stages:
                if end in stage_ids:
                    message = f"flow goes to or from '{end}', which is not one of this journey's stages"
                else:
                    message = f"flow names unknown stage '{end}'"
                ref_error(("flow", i), message, valid_stages if end in stage_ids else stage_ids, end)

    raw_indicators = data.get("indicators")
    indicators: list = raw_indicators if isinstance(raw_indicators, list) else []
    for i, indicator in enumerate(indicators):
        stage = indicator.get("stage") if isinstance(indicator, dict) else None
        if isinstance(stage, str) and stage not in stages and stage not in meant_stages:
            message = (
                f"indicator stage '{stage}' is not one of this journey's stages; add '{stage}' under 'stages'"
                if stage in stage_ids
                else f"indicator names unknown stage '{stage}'"
            )
            ref_error(("indicators", i, "stage"), message, () if stage in stage_ids else stage_ids, stage)

    raw_related = data.get("related")
    related: list = raw_related if isinstance(raw_related, list) else []
    for i, other in enumerate(related):
        if not isinstance(other, str):
            continue
        if other == doc.slug:
            ref_error(("related", i), "a journey cannot be related to itself", (), other)
        elif other not in slugs["journey"]:
            ref_error(("related", i), f"unknown journey '{other}' in related", slugs["journey"] - {doc.slug}, other)
