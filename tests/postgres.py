"""A throwaway PostgreSQL server for tests: Debian's own, nothing downloaded.

``postgres_server()`` makes a new cluster in a temporary folder (initdb),
starts it on a free port of 127.0.0.1 (no other address, no Unix socket)
with trust authentication, and at the end stops it and deletes the folder.
PostgreSQL refuses to run as root: as root, the folder belongs to the
``postgres`` system user and the server runs as that user.

Where PostgreSQL is not installed (``apt-get install postgresql``; ``make
test`` does it as root), the tests that need it are skipped with a loud
reason, except under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.required import need

# The one address the server listens on.
HOST = "127.0.0.1"
# Where Debian installs each major version's binaries: /usr/lib/postgresql/<major>/bin.
INSTALLED = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
HOW_TO_INSTALL = (
    "Install it with `apt-get install postgresql` (make test does this as root): "
    "the tests of the totals store run against a throwaway server of it"
)
START_SECONDS = 30


def free_port() -> int:
    """A port free right now (another process may take it first: then another is tried)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = [
        folder / "bin"
        for folder in INSTALLED.glob("*")
        if (folder / "bin" / "postgres").is_file() and (folder / "bin" / "initdb").is_file()
    ]

    def major(path: Path) -> tuple[int, str]:
        name = path.parent.name
        return (int(name) if name.isdigit() else 0, name)

    return max(found, key=major) if found else None


@dataclass
class PostgresServer:
    """A running server: its port, and a fresh database for each test that asks."""

    port: int
    folder: Path
    log: Path
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = SUPERUSER) -> str:
        """SQLAlchemy's address of ``database``, with psycopg 3."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def connect(self, database: str = SUPERUSER) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=HOST,
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            connect_timeout=5,
            autocommit=True,
        )

    def new_database(self) -> str:
        """A new, empty database's address: no test sees another's tables."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_postgres_user() -> list[str]:
    """The command prefix that runs the server's programs as a user it accepts."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam(SUPERUSER)
    except KeyError:
        user = None
    need(user is not None, f"PostgreSQL cannot run as root, and there is no {SUPERUSER} user")
    need(shutil.which("setpriv") is not None, "setpriv (util-linux) is needed to change user")
    assert user is not None
    return [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--no-new-privs",
    ]


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, env=_environment()
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"


def _environment() -> dict[str, str]:
    """The server's environment: none of the test run's PG* settings, a C locale."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"LC_ALL": "C", "LANG": "C"})
    return env


def _ready(server: PostgresServer, process: subprocess.Popen[bytes]) -> bool:
    """Whether the server answers; False when it stopped (its port taken, say)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with server.connect():
                return True
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise AssertionError(
        f"PostgreSQL did not answer within {START_SECONDS} s:\n{server.log.read_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        # Fast shutdown: running sessions are ended, the cluster closed cleanly.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A new PostgreSQL cluster on 127.0.0.1, stopped and deleted afterwards."""
    bin_folder = binaries()
    need(
        bin_folder is not None,
        f"PostgreSQL is not installed (no {INSTALLED}/*/bin/postgres). {HOW_TO_INSTALL}",
    )
    assert bin_folder is not None
    user = _as_postgres_user()
    # Under /tmp, which the postgres user may enter (pytest's own folders are root's alone).
    folder = Path(tempfile.mkdtemp(prefix="selfcheck-postgres-"))
    try:
        if user:
            account = pwd.getpwnam(SUPERUSER)
            os.chown(folder, account.pw_uid, account.pw_gid)
        data = folder / "data"
        _run(
            [
                *user,
                str(bin_folder / "initdb"),
                f"--pgdata={data}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            cwd=folder,
        )
        log = folder / "postgres.log"
        for _attempt in range(3):
            port = free_port()
            server = PostgresServer(port, folder, log)
            with log.open("ab") as output:
                process = subprocess.Popen(
                    [
                        *user,
                        str(bin_folder / "postgres"),
                        "-D",
                        str(data),
                        "-p",
                        str(port),
                        # TCP on 127.0.0.1 alone: no other address, no Unix socket.
                        "-c",
                        f"listen_addresses={HOST}",
                        "-c",
                        "unix_socket_directories=",
                        # A test's data need not survive a crash: no waiting for the disk.
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                        "-c",
                        "max_connections=200",
                    ],
                    cwd=folder,
                    env=_environment(),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                if _ready(server, process):
                    yield server
                    return
            finally:
                _stop(process)
        raise AssertionError(f"PostgreSQL did not start:\n{log.read_text()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
