"""A database address that accepts connections and never answers: a server hung, or
blackholed, as the check's counting must survive it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


@contextmanager
def blackhole_postgresql() -> Iterator[str]:
    """A PostgreSQL address (``postgresql+psycopg://``) on a port of 127.0.0.1 that
    listens and never reads: connections are made, and nothing is ever answered."""
    with socket.socket() as listening:
        listening.bind((HOST, 0))
        listening.listen(64)
        port = listening.getsockname()[1]
        yield f"postgresql+psycopg://selfcheck@{HOST}:{port}/totals"
