"""Run a piece of a test in a forked child process, as a gunicorn worker runs."""

from __future__ import annotations

import os
from collections.abc import Callable


def in_a_child(work: Callable[[], bytes]) -> bytes:
    """What ``work`` returns, run in a child forked from this process (which must end well)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        status = 1
        try:
            os.close(read)
            os.write(write, work())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as said:
        told = said.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child failed"
    return told
