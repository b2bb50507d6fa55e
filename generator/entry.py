"""The ``journeys`` console script: Ctrl+C is handled from its first line on.

Importing the command line (click, Jinja2, the whole pipeline) takes a fifth
of a second, and click turns an interrupt while it reads the arguments into
"Aborted!" with exit code 1.  Both happen before any command's own handler
exists, so this tiny module imports the CLI inside ``try`` and runs click
without its standalone mode: an interrupt at any moment is exit code 130 and
one line, as it is later on (see ``cli.handle_errors``).  Python's own start-up
(the interpreter, ``site``) runs before this and is beyond its reach.

While the CLI is imported, SIGINT is held back and delivered right after: a
KeyboardInterrupt raised in the middle of an import can come out as another
error (Python wraps one raised while a class is made in RuntimeError) or be
swallowed where Python ignores exceptions (finalisers), and the preview
would then start as if no one had pressed Ctrl+C.
"""

from __future__ import annotations

import sys  # built in: importing it cannot be interrupted; everything else is imported inside the try

INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl+C


def main() -> None:
    """Run ``journeys``; an interrupt anywhere in it, imports included, is exit code 130 and one line."""
    try:
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # held back while importing
        from click import Abort, ClickException

        from .cli import main as journeys

        # Delivered here, inside the try, if it came while held back (or before this
        # process started, from a supervisor or a test that blocked it until now).
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

        try:
            result = journeys.main(standalone_mode=False)
        except ClickException as exc:  # what standalone mode does: a usage error, exit code 2
            exc.show()
            sys.exit(exc.exit_code)
        except Abort as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):
                raise KeyboardInterrupt from None
            sys.stderr.write("Aborted!\n")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
    except BrokenPipeError:  # `journeys export … | head`: the reader has what it wanted
        _silence_stdout()
        sys.exit(1)
    except OSError as exc:  # standard output on a full disk (`> /dev/full`), a closed terminal
        _silence_stdout()
        sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        sys.exit(1)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so Python's own flush at exit cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
