"""Problems found in a site, and the one way they leave the program.

Every phase reports into a :class:`Report` instead of raising, so that one run
shows the author every mistake at once (as MkDocs does in strict mode).  Only
:class:`JourneydocsError` crosses phase boundaries; the CLI turns it into an
exit code, which keeps tracebacks for genuine bugs only.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


# C0 and C1 controls and the Unicode line and paragraph separators: printed raw, a text from
# content (a key, a file name) could start a new line that reads like a diagnostic of its own.
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem, located as precisely as the source allows.

    Ordering is by path, line and column so that output reads like a compiler's
    and does not depend on the order in which checks happened to run.
    """

    path: str
    line: int
    col: int
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    code: str | None = field(default=None, compare=False)

    def format(self) -> str:
        """One line, always: control characters from content are shown escaped (``\\n``, ``\\x07``)."""
        code = f" [{self.code}]" if self.code else ""
        text = f"{self.path}:{self.line}:{self.col}: {self.severity.value}: {self.message}{code}"
        return _UNPRINTABLE_RE.sub(_escaped, text) if _UNPRINTABLE_RE.search(text) else text

    def plain(self) -> tuple:
        """The problem as plain data, for :mod:`marshal` (the build cache, the parsing workers)."""
        return (self.path, self.line, self.col, self.severity.value, self.message, self.code)

    @classmethod
    def from_plain(cls, raw: tuple) -> Diagnostic:
        path, line, col, severity, message, code = raw
        return cls(path, line, col, Severity(severity), message, code)


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


class Report:
    """Collects diagnostics from every phase of one run."""

    def __init__(self, ignore: Iterable[str] = ()) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[tuple[str, int, int, str]] = set()
        self.ignore = frozenset(ignore)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.code and diagnostic.code in self.ignore:
            return
        key = (diagnostic.path, diagnostic.line, diagnostic.col, diagnostic.message)
        if key in self._seen:  # the same fact found by two checks is one problem
            return
        self._seen.add(key)
        self._items.append(diagnostic)

    def error(self, path: str, line: int, col: int, message: str, code: str | None = None) -> None:
        self.add(Diagnostic(path, line, col, Severity.ERROR, message, code))

    def warning(self, path: str, line: int, col: int, message: str, code: str | None = None) -> None:
        self.add(Diagnostic(path, line, col, Severity.WARNING, message, code))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)

    @property
    def items(self) -> list[Diagnostic]:
        return sorted(self._items)

    @property
    def errors(self) -> int:
        return sum(1 for d in self._items if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self._items if d.severity is Severity.WARNING)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)

    def summary(self, strict: bool = False) -> str:
        errors, warnings = self.errors, self.warnings
        parts = [plural(errors, "error"), plural(warnings, "warning")]
        if strict and warnings and not errors:
            return f"{', '.join(parts)} (warnings are errors with --strict)"
        return ", ".join(parts)


def plural(number: int, noun: str) -> str:
    """``1 journey``, ``2 journeys``, ``1,000 journeys``: a count with its noun (nouns here take an s)."""
    return f"{number:,} {noun if number == 1 else noun + 's'}"


def surely_meant(value: str, choices: Iterable[str]) -> str | None:
    """What a misspelling certainly meant (one letter off in a short word, a few in a long one).

    Stricter than :func:`did_you_mean`, which only suggests: its answer is acted
    on (references to a misspelt persona are not reported again; a heading that
    nearly spells a stage title is warned about), so a persona not written yet
    must not pass for another one with a similar slug.
    """
    close = difflib.get_close_matches(value, sorted(set(choices)), n=1, cutoff=0.8)
    return close[0] if close else None


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """A hint for a misspelt id or slug, or an empty string when nothing is close."""
    if not isinstance(value, str):
        return ""
    options = sorted(set(choices))
    matches = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not matches and len(value) >= 3:
        matches = [o for o in options if o.startswith(value)][:1]
    if not matches:
        lowered = {o.lower(): o for o in options}
        if value.lower() in lowered:
            matches = [lowered[value.lower()]]
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def one_of(choices: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in choices)


# The practice checks (generator.checks), by the code that [check] ignore names.
CHECKS = {
    "JD101": "no indicator at the last stage (realize / reflect): value realised is not measured",
    "JD102": "a stage with interactions but none in the band of visibility (shared)",
    "JD103": "a moment of truth with negative emotion and no opportunity",
    "JD104": "a persona that no journey uses",
    "JD105": "a touchpoint that no journey uses",
    "JD106": "a journey with several personas whose interactions name none of them",
    "JD107": "a partnership journey with no shared interaction at co-create",
    "JD108": "a narrative heading that nearly spells a stage title, so its text is not that stage's",
    "JD109": "an emotion on an interaction that no persona travels (stage feelings leave it out)",
}


class JourneydocsError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class ContentError(JourneydocsError):
    """The site's content or configuration has problems; the report says which."""

    def __init__(self, report: Report, strict: bool = False) -> None:
        super().__init__(report.summary(strict))
        self.report = report
        self.strict = strict

    def __reduce__(self) -> tuple[type, tuple[Report, bool]]:
        return (ContentError, (self.report, self.strict))  # raised in a render worker, reported by the CLI


class OutputError(JourneydocsError):
    """The output directory is unsafe or could not be written."""


class UsageError(JourneydocsError):
    """The command line asked for something impossible."""

    exit_code = 2
