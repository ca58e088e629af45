"""How a command ends: its exit code and, on failure, one readable line on stderr.

0 success, 1 a runtime failure (a source that failed, a database that cannot be opened), 2 a usage
or configuration mistake. A traceback is shown only with ``-v``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Coroutine
from typing import Any

from knowledge.errors import ConfigurationError, NewsdeskError

log = logging.getLogger(__name__)

PROG = "newsdesk"


def fail(message: str, code: int) -> int:
    """Print ``newsdesk: message`` as one line on stderr and return ``code``."""
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    """The reader of our output went away (``| head``): drop what is still buffered, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass


def run_command(command: Coroutine[Any, Any, int], *, verbose: bool) -> int:
    """Run one command's coroutine and turn whatever it raises into an exit code."""
    try:
        code = asyncio.run(command)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Python's advice for SIGPIPE: stop writing, exit 1, and print nothing (the reader has gone)
        _silence_stdout()
        return 1
    except ConfigurationError as error:
        return fail(str(error), 2)
    except NewsdeskError as error:
        return fail(str(error), 1)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if verbose:
            raise
        log.debug("unexpected error", exc_info=True)
        detail = " ".join(str(error).split())[:300]
        return fail(
            f"unexpected error: {type(error).__name__}{': ' + detail if detail else ''} "
            "(run again with -v for the traceback)",
            1,
        )
