"""``site.toml`` and the stage model.

Configuration is data (TOML), never code.  Problems are reported with the line
and column of the offending key, found by a light scan of the text because
``tomllib`` keeps no positions once parsing succeeds.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from .config_rules import (  # the rules for setting values; is_base_url and its rule are used from here too
    BASE_URL_RULE,
    LANGUAGE_RE,
    LANGUAGE_RULE,
    STAGE_ID_RE,
    STAGE_ID_RULE,
    control_problems,
    is_base_url,
    normalise_base_url,
)
from .diagnostics import (
    CHECKS,
    ContentError,
    Diagnostic,
    JourneydocsError,
    Report,
    UsageError,
    did_you_mean,
    one_of,
)
from .safefile import MAX_FILE_BYTES, NotReadable, printable, read_regular
from .tomlpos import decode_position as _decode_position
from .tomlpos import locate as _locate

CONFIG_NAME = "site.toml"
SLUG_RE = re.compile(r"^[a-z0-9-]+\Z")  # as the content format says: lower-case [a-z0-9-] (\Z: no final line break)
SLUG_RULE = "lower-case letters a-z, digits 0-9 and hyphens"


def not_a_slug(shown: str, stem: str) -> str:
    """The message for a file name that is not a slug: the rule, and a name made from *stem* that follows it."""
    return f"file name '{shown}' is not a valid slug: use {SLUG_RULE} (e.g. '{slugify(stem) or 'my-file'}')"


def slugify(text: str, max_length: int = 0) -> str:
    """ASCII, lower-case, hyphenated, for heading ids and new file names (python-slugify).

    Other scripts are transliterated rather than dropped: "Straße" is
    ``strasse`` and "日本語" ``ri-ben-yu``.  With *max_length* the slug is cut
    at a word boundary.  The transliteration is text-unidecode's, always:
    python-slugify would use the Unidecode package instead wherever that is
    installed, and the two disagree on some letters, so ids and file names
    would depend on the machine.
    """
    # Imported here: only headings other than stages and `journeys new` need them.
    from slugify import slugify as hyphenate
    from text_unidecode import unidecode

    return hyphenate(unidecode(text), max_length=max_length, word_boundary=bool(max_length))


@dataclass(frozen=True, slots=True)
class StageDef:
    id: str
    title: str
    purpose: str


_ITIL_STAGES = (
    StageDef("explore", "Explore", "Understand markets and stakeholders"),
    StageDef("engage", "Engage", "Foster relationships"),
    StageDef("offer", "Offer", "Shape demand and service offerings"),
    StageDef("agree", "Agree", "Align expectations and agree service"),
    StageDef("onboard", "Onboard", "Get on board or leave the journey"),
    StageDef("co-create", "Co-create", "Provide and consume"),
)
PRESETS: dict[str, tuple[StageDef, ...]] = {
    "itil4": _ITIL_STAGES + (StageDef("realize", "Realize", "Capture value and improve"),),
    "itil5": _ITIL_STAGES
    + (StageDef("reflect", "Reflect", "Evaluate value and feed continual improvement"),),
}


@dataclass(frozen=True, slots=True)
class SiteConfig:
    root: Path
    title: str = "Service journeys"
    base_url: str = ""
    language: str = "en"
    theme: str = "default"
    output_dir: str = "public"
    stage_model: str = "itil4"
    stages: tuple[StageDef, ...] = PRESETS["itil4"]
    check_ignore: tuple[str, ...] = ()
    cache_dir: str = ".journeydocs-cache"
    search: bool = True
    workers: int = 0
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False, repr=False)
    # site.toml as it was read: later positions and the build's fingerprint use this text,
    # not the file again (which an editor may have changed in between).
    text: str = field(default="", compare=False, repr=False)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def cache_path(self) -> Path:
        """Where ``build.cache_dir`` points (whether or not a build uses the cache)."""
        return (self.root / self.cache_dir).resolve()

    def with_base_url(self, base_url: str) -> SiteConfig:
        return replace(self, base_url=normalise_base_url(base_url))


_DEFAULTS = {"title": "Service journeys", "language": "en", "theme": "default",
             "output_dir": "public", "cache_dir": ".journeydocs-cache"}
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "site": {
        "title": str,
        "base_url": str,
        "language": str,
        "theme": str,
        "output_dir": str,
        "stage_model": str,
    },
    "build": {"cache_dir": str, "search": bool, "workers": int},
    "check": {"ignore": list},
}
_STAGE_KEYS = {"id": str, "title": str, "purpose": str}


def load_config(root: Path) -> SiteConfig:
    """Read ``site.toml`` under *root*; raise :class:`ContentError` listing every problem."""
    path = root / CONFIG_NAME
    report = Report()
    rel = CONFIG_NAME
    try:
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8-sig")  # a pipe or a device would hang here
    except FileNotFoundError:  # no file, so no position in it: a plain error (exit 1)
        folder = printable(os.path.abspath(root))
        raise JourneydocsError(f"no {CONFIG_NAME} in {folder}: run journeys in a site folder, or pass --site") from None
    except UnicodeDecodeError as exc:
        report.error(rel, 1, 1, f"not valid UTF-8 at byte {exc.start}")
        raise ContentError(report) from None
    except (OSError, NotReadable) as exc:
        report.error(rel, 1, 1, f"cannot read: {exc.strerror if isinstance(exc, OSError) else exc}")
        raise ContentError(report) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, col = _decode_position(str(exc))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        report.error(rel, line, col, f"invalid TOML: {message}")
        raise ContentError(report) from None

    values: dict[str, object] = {}
    for table, value in data.items():
        if table == "stages":
            continue
        if table not in _SCHEMA:
            line, col = _locate(text, None, table)
            if isinstance(value, dict):
                hint = did_you_mean(table, [*_SCHEMA, "stages"])
                report.warning(rel, line, col, f"unknown table [{table}]{hint}")
            else:  # a setting above the first table: which table would have it?
                owners = [t for t, keys in _SCHEMA.items() if table in keys]
                belongs = f"; it belongs under [{owners[0]}]" if owners else "; settings go under [site], [build] or [check]"
                report.warning(rel, line, col, f"unknown setting '{table}' outside any table{belongs}")
            continue
        if not isinstance(value, dict):
            line, col = _locate(text, None, table)
            report.error(rel, line, col, f"'{table}' must be a table, like [{table}]")
            continue
        for key, item in value.items():
            expected = _SCHEMA[table].get(key)
            line, col = _locate(text, table, key)
            if expected is None:
                hint = did_you_mean(key, _SCHEMA[table])
                report.warning(rel, line, col, f"unknown setting '{key}' in [{table}]{hint}")
            elif not isinstance(item, expected) or (expected is int and isinstance(item, bool)):
                report.error(rel, line, col, f"'{key}' must be {_type_name(expected)}")
            else:
                values[f"{table}.{key}"] = item
    controlled: set[tuple[str | None, str]] = set()  # reported once, here; otherwise left at their defaults
    for where, key, problem in control_problems(data):
        line, col = _locate(text, where, key)
        report.error(rel, line, col, f"{key}: {problem}")
        controlled.add((where, key))
        values.pop(f"{where}.{key}", None)

    stage_model = str(values.get("site.stage_model", "itil4"))
    stages = PRESETS.get(stage_model)
    if stages is None:
        line, col = _locate(text, "site", "stage_model")
        hint = did_you_mean(stage_model, PRESETS)
        report.error(rel, line, col, f"stage_model must be one of {one_of(list(PRESETS))}{hint}")
        stages = PRESETS["itil4"]
    if "stages" in data:
        stages = _custom_stages(data["stages"], text, report, controlled)

    base_url = str(values.get("site.base_url", ""))
    if not is_base_url(base_url):
        line, col = _locate(text, "site", "base_url")
        report.error(rel, line, col, f"base_url {BASE_URL_RULE}")
    language = str(values.get("site.language", _DEFAULTS["language"]))
    if not LANGUAGE_RE.fullmatch(language):  # it is <html lang>: a space or a quote would break the page
        line, col = _locate(text, "site", "language")
        report.error(rel, line, col, f"language {LANGUAGE_RULE}, not {language!r}")

    ignore = values.get("check.ignore", [])
    assert isinstance(ignore, list)
    if not all(isinstance(code, str) for code in ignore):
        line, col = _locate(text, "check", "ignore")
        report.error(rel, line, col, "'ignore' must be a list of check codes such as \"JD101\"")
        ignore = []
    for code in ignore:
        if code not in CHECKS:  # a misspelt code would silently silence nothing
            line, col = _locate(text, "check", "ignore")
            report.warning(rel, line, col, f"ignore: there is no check '{code}'{did_you_mean(code, CHECKS)}")

    for key in ("site.title", "site.theme", "site.output_dir", "build.cache_dir"):  # a blank title: an empty <title>
        if key in values and not str(values[key]).strip():
            table, name = key.split(".")
            line, col = _locate(text, table, name)
            report.error(rel, line, col, f"'{name}' must not be empty")
    workers = values.get("build.workers", 0)
    if isinstance(workers, int) and workers < 0:
        line, col = _locate(text, "build", "workers")
        report.error(rel, line, col, "'workers' must be 0 (one per CPU core) or more")

    theme = str(values.get("site.theme", _DEFAULTS["theme"]))
    found_theme = _find_theme(root, theme) if theme.strip() else None
    if theme.strip() and found_theme is None:
        line, col = _locate(text, "site", "theme")
        builtin = sorted(p.name for p in BUILTIN_THEMES.iterdir() if p.is_dir()) if BUILTIN_THEMES.is_dir() else []
        report.error(
            rel, line, col,
            f"theme '{theme}' not found: looked in themes/{theme}/ and the built-in themes ({', '.join(builtin)})"
            + did_you_mean(theme, builtin),
        )
    elif found_theme is not None and not any((found_theme / part).is_dir() for part in ("templates", "static")):
        line, col = _locate(text, "site", "theme")  # only a site's own theme can lack both
        message = "has no templates/ or static/ folder (a theme holds what it changes from the built-in 'default')"
        report.error(rel, line, col, f"theme '{theme}': themes/{theme}/ {message}")

    if report.errors:
        raise ContentError(report)
    return SiteConfig(
        root=root,
        title=str(values.get("site.title", _DEFAULTS["title"])),
        base_url=normalise_base_url(base_url),
        language=str(values.get("site.language", _DEFAULTS["language"])),
        theme=theme,
        output_dir=str(values.get("site.output_dir", _DEFAULTS["output_dir"])),
        stage_model=stage_model if "stages" not in data else "custom",
        stages=stages,
        check_ignore=tuple(str(c) for c in ignore),
        cache_dir=str(values.get("build.cache_dir", _DEFAULTS["cache_dir"])),
        search=bool(values.get("build.search", True)),
        workers=int(workers) if isinstance(workers, int) else 0,
        warnings=tuple(report.items),
        text=text,
    )


BUILTIN_THEMES = Path(__file__).resolve().parent / "themes"


def _find_theme(root: Path, name: str) -> Path | None:
    """``themes/<name>`` of the site, else a built-in theme; a folder lacking parts too, so errors can say what."""
    for base in (root / "themes", BUILTIN_THEMES):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    return None


def theme_dir(config: SiteConfig) -> Path:
    """The folder of the configured theme: the site's own ``themes/<name>`` first, then built-in."""
    found = _find_theme(config.root, config.theme)
    if found is None:  # load_config already reported it; this guards direct callers
        raise FileNotFoundError(f"theme {config.theme!r} not found")
    return found


def setting_position(config: SiteConfig, table: str, key: str) -> tuple[int, int]:
    """Line and column of a setting in ``site.toml``, for problems found after loading it."""
    return _locate(config.text, table, key)


def _custom_stages(
    raw: object, text: str, report: Report, controlled: set[tuple[str | None, str]]
) -> tuple[StageDef, ...]:
    """The ``[[stages]]``; a stage with a problem is reported and left out.

    Titles are checked as carefully as ids: a title is a Graphviz label (empty,
    it breaks the diagram) and how narrative headings find their stage, so two
    stages may not share one, whatever its case.
    """
    rel = CONFIG_NAME
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        line, col = _locate(text, None, "stages")
        report.error(rel, line, col, "stages must be one or more [[stages]] tables")
        return PRESETS["itil4"]
    result: list[StageDef] = []
    seen: set[str] = set()
    titles: dict[str, str] = {}  # casefolded title -> the stage that has it
    for index, entry in enumerate(raw):
        table = f"stages#{index}"
        for key in entry:
            if key not in _STAGE_KEYS:
                line, col = _locate(text, table, key)
                report.warning(rel, line, col, f"unknown setting '{key}' in [[stages]]{did_you_mean(key, _STAGE_KEYS)}")
        if any((table, key) in controlled for key in entry):
            continue  # reported with the control character
        stage_id = entry.get("id")
        line, col = _locate(text, table, "id")
        if not isinstance(stage_id, str) or not STAGE_ID_RE.fullmatch(stage_id):
            got = f"; got {stage_id!r}" if isinstance(stage_id, str) else ""
            report.error(rel, line, col, f"each [[stages]] needs an id made of {STAGE_ID_RULE}{got}")
            continue
        if stage_id in seen:
            report.error(rel, line, col, f"stage id '{stage_id}' is defined twice")
            continue
        seen.add(stage_id)
        title = entry.get("title", stage_id.replace("-", " ").capitalize())
        purpose = entry.get("purpose", "")
        wrong = [key for key, value in (("title", title), ("purpose", purpose)) if not isinstance(value, str)]
        for key in wrong:
            line, col = _locate(text, table, key)
            report.error(rel, line, col, f"'{key}' of stage '{stage_id}' must be a string")
        if wrong:
            continue
        line, col = _locate(text, table, "title")
        other = titles.setdefault(title.strip().casefold(), stage_id)
        if not title.strip():
            report.error(rel, line, col, f"'title' of stage '{stage_id}' must not be empty")
        elif other != stage_id:
            message = f"stage '{stage_id}' has the title {title!r} of stage '{other}'; titles must differ"
            report.error(rel, line, col, message)
        else:
            result.append(StageDef(stage_id, title.strip(), purpose))  # headings find their stage by this title
    return tuple(result) or PRESETS["itil4"]


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a whole number", list: "a list"}
    return names.get(expected, "a value") if isinstance(expected, type) else "a value"


def source_date() -> str | None:
    """The build date from ``SOURCE_DATE_EPOCH`` (reproducible-builds.org), or None.

    journeydocs never writes the wall-clock time, so two builds of the same
    content are identical; a date appears only when this variable asks for one.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip():
        return None
    try:
        moment = datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {raw!r}") from None
    return moment.date().isoformat()
