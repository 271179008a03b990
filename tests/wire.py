"""What a network sees of a journey: the TLS records each way, and nothing else.

``Relay`` stands where a school's, an employer's or a café's network stands:
between the browser and the server, passing every byte on, reading none of
it (it holds no key), and noting what TLS leaves visible: each record's
type and length, on each connection, in order. ``Journey`` walks the check
through it as a browser does (each page's form sent with the answers chosen,
each redirect followed) and keeps, for each exchange, its method, address,
status and the bytes sent and received.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

HOST = "127.0.0.1"

# (direction, TLS content type, length): ">" from the browser, "<" from the server.
Record = tuple[str, int, int]


class Relay:
    """A TCP relay on a free port of 127.0.0.1 that notes every TLS record passing through."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server((HOST, 0))
        self.port = int(self.listener.getsockname()[1])
        # Each connection's records, in the order the connections were opened.
        self.connections: list[list[Record]] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection((HOST, self.target))
            records: list[Record] = []
            with self._lock:
                self.connections.append(records)
            # Both ways done: close this connection's two sockets (bound now, not
            # looked up when it runs, by when they may be the next connection's).
            done = threading.Barrier(2, action=lambda c=client, s=server: _close(c, s))
            for source, sink, direction in ((client, server, ">"), (server, client, "<")):
                thread = threading.Thread(
                    target=_pump, args=(source, sink, direction, records, self._lock, done)
                )
                thread.daemon = True
                thread.start()
                self._threads.append(thread)

    def take(self) -> list[list[Record]]:
        """The connections seen so far (each finished), and forget them."""
        for thread in self._threads:
            thread.join(timeout=10)
        with self._lock:
            taken, self.connections = self.connections, []
            self._threads = []
        return taken

    def close(self) -> None:
        self.listener.close()


def _close(*sockets: socket.socket) -> None:
    for each in sockets:
        with suppress(OSError):
            each.close()


def _pump(
    source: socket.socket,
    sink: socket.socket,
    direction: str,
    records: list[Record],
    lock: threading.Lock,
    done: threading.Barrier,
) -> None:
    """Pass bytes on, noting each TLS record's header (5 bytes: type, version, length)."""
    pending = b""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
            pending += chunk
            while len(pending) >= 5:
                kind, length = pending[0], int.from_bytes(pending[3:5], "big")
                if len(pending) < 5 + length:
                    break
                with lock:
                    records.append((direction, kind, length))
                pending = pending[5 + length :]
    except OSError:
        pass
    finally:
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with suppress(threading.BrokenBarrierError):
            done.wait(timeout=10)


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    sent: int  # request line, headers and body, as sent (before TLS)
    received: int  # headers and body, as received (before decoding)
    headers: list[tuple[str, str]] = field(default_factory=list, compare=False)


@dataclass
class Journey:
    """A browser's walk through the check, each request on a new connection to ``port``."""

    port: int
    context: ssl.SSLContext
    language: str = "en"
    cookie: str = ""
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.port}"

    def send(self, method: str, path: str, body: str = "") -> tuple[int, str, bytes]:
        headers = {
            "Host": f"{HOST}:{self.port}",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36",
            "Accept": "text/html,application/xhtml+xml",
            "Accept-Encoding": "gzip, deflate, br, zstd",
            "Accept-Language": "en-US,en;q=0.9",
        }
        if self.cookie:
            headers["Cookie"] = self.cookie
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPSConnection(HOST, self.port, context=self.context)
        try:
            connection.request(method, path, body=body.encode() or None, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        if method == "POST":
            head += f"Content-Length: {len(body.encode())}\r\n"
        received = sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + len(raw)
        self.exchanges.append(
            Exchange(
                method,
                path,
                response.status,
                len(head) + 2 + len(body.encode()),
                received,
                response.getheaders(),
            )
        )
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self.cookie = value.split(";", 1)[0]
        location = response.getheader("Location") or ""
        return response.status, urlsplit(location).path, _decoded(response, raw)

    def walk(self, choose: Callable[[str, str, list[str]], str]) -> None:
        """From the start page to the summary, each radio group answered by ``choose``."""
        first = "/question/1" + ("?language=" + self.language if self.language != "en" else "")
        self.send("GET", "/")
        status, _, page = self.send("GET", first)
        path = "/question/1"
        while path != "/summary":
            assert status == 200, f"GET {path} gave {status}"
            text = page.decode()
            fields = _hidden_fields(text)
            for name, values in _radio_groups(text).items():
                fields[name] = choose(path, name, values)
            status, path, _ = self.send("POST", path, urlencode(fields))
            assert status == 303, f"POST gave {status}"
            status, _, page = self.send("GET", path)
        assert status == 200


def _decoded(response: http.client.HTTPResponse, raw: bytes) -> bytes:
    encoding = response.getheader("Content-Encoding")
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(raw))
    if encoding == "gzip":
        import gzip

        return gzip.decompress(raw)
    return raw


def _hidden_fields(page: str) -> dict[str, str]:
    """The page's hidden fields (its form token, the notices it shows, the check it was
    made for), sent back with its form as a browser does."""
    found = dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', page))
    assert {"csrf_token", "shown", "layout"} <= found.keys(), f"hidden fields: {sorted(found)}"
    return found


def _radio_groups(page: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([^"]+)" type="radio" value="([^"]*)"', page):
        groups.setdefault(name, []).append(value)
    return groups


def random_answers(seed: int) -> Callable[[str, str, list[str]], str]:
    """Any answer to anything, chosen by a seeded random number generator."""
    chance = random.Random(seed)
    return lambda _path, _name, values: chance.choice(values)


def calm(path: str, name: str, values: list[str]) -> str:
    """Someone else, "No" to the safety question and every sign, "No" on the checklist."""
    if path == "/question/1":
        return values[1]
    return values[1] if path == "/question/2" or name.startswith("sign") else values[0]


def every_alarm(path: str, name: str, values: list[str]) -> str:
    """Me, "Yes" to the safety question, the last (most alarming) answer to every sign."""
    if path == "/question/1":
        return values[0]
    if path == "/question/2" or name.startswith("sign"):
        return values[0]
    return values[-2] if len(values) == 4 else values[-1]


@contextmanager
def relay_to(port: int) -> Iterator[Relay]:
    relay = Relay(port)
    try:
        yield relay
    finally:
        relay.close()
