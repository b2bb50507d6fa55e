"""journeydocs: a static site generator for ITIL customer journey catalogues."""

from __future__ import annotations

import functools
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy takes the name as true)
if TYPE_CHECKING:
    from pathlib import Path

# Nothing else is imported here: the ``journeys`` script (generator.entry) must reach its
# Ctrl+C handler after as little work as possible, and importing this package comes first.

__version__ = "0.1.0"


@functools.cache
def code_identity() -> str:
    """This journeydocs: its version and a digest of its own code and schemas.

    The build cache and the output's fingerprints key on this, not on the
    version alone: an install from a git checkout (``pip install -e``, as
    ``make site`` does) keeps its version while its code changes, and a build
    after ``git pull`` must not reuse pages, diagrams or parsed documents that
    the old code made.  (The themes' files are fingerprinted as templates.)
    """
    from pathlib import Path

    try:
        return f"{__version__}+{code_digest(Path(__file__).resolve().parent)}"
    except OSError:  # an unreadable install: the version alone
        return __version__


def code_digest(package: Path) -> str:
    """A digest of the Python files and schemas under *package* (its themes are not code)."""
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package)
        if path.suffix in (".py", ".json") and not {"__pycache__", "themes"} & set(rel.parts):
            h.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
