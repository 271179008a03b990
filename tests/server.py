"""The production stack, as a clinic runs it, for tests: gunicorn with the
project's own gunicorn.conf.py, serving HTTPS with a throwaway certificate.

The certificate is made at test time for 127.0.0.1 and lives only in a
temporary folder. TLS is switched on through gunicorn's own
``GUNICORN_CMD_ARGS``, exactly as DEPLOY.md tells an operator to do it.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from questionnaire.content import CONTENT_DIR, load_all_content
from tests.walk import WHO, coded

# The options' codes are the same in every language: the English content says them.
ENGLISH = load_all_content(CONTENT_DIR)["en"]

T = TypeVar("T")


def run_apart(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function`` run in a thread of its own, as the bench's command line runs it.

    The browser tests keep Playwright's synchronous API open for the whole
    session, and with it an event loop in the main thread: there, neither
    ``asyncio.run`` (the soak) nor a second synchronous Playwright (the
    page weight) may start.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(function, *args, **kwargs).result()


PROJECT = Path(__file__).parent.parent
HOST = "127.0.0.1"


def make_certificate(folder: Path, *, rsa_key: bool = False) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day.

    With ``rsa_key``, an RSA key: its signatures are always the same length,
    where an ECDSA signature is a byte or two shorter or longer at random
    (which the tests of what a network sees would otherwise have to allow for).
    """
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    """A port free right now (another process may take it before it is used)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class ProductionServer:
    """A running gunicorn, its address, and what it has logged so far."""

    url: str
    port: int
    secret_key: str
    certificate: Path
    log: Path
    tls: bool = True
    # gunicorn's master process (its workers are its children).
    pid: int = 0

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def connection(self) -> http.client.HTTPConnection:
        if not self.tls:
            return http.client.HTTPConnection(HOST, self.port, timeout=10)
        return http.client.HTTPSConnection(HOST, self.port, context=self.tls_context(), timeout=10)

    def raw(self, request: bytes) -> bytes:
        """Send bytes exactly as given (headers and body) and return all that comes back."""
        with socket.create_connection((HOST, self.port), timeout=10) as plain:
            stream: socket.socket = plain
            if self.tls:
                stream = self.tls_context().wrap_socket(plain, server_hostname=HOST)
            with stream:
                stream.sendall(request)
                received = bytearray()
                while chunk := stream.recv(65536):
                    received.extend(chunk)
                return bytes(received)

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request on a new connection; the response and its (raw) body."""
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def wait_for_log(self, pattern: str) -> list[str]:
        """The log once a line matches ``pattern``: gunicorn logs a request after answering it."""
        deadline = time.monotonic() + 10
        while True:
            lines = self.log_lines()
            if any(re.fullmatch(pattern, line) for line in lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"no log line matches {pattern!r}:\n" + "\n".join(lines))
            time.sleep(0.05)


class Visitor:
    """A person's browser, reduced to what matters here: a cookie, and where it posts from."""

    def __init__(self, server: ProductionServer) -> None:
        self.server = server
        self.cookie = ""

    def send(
        self,
        method: str,
        path: str,
        form: Mapping[str, str | list[str]] | None = None,
        **headers: str,
    ) -> tuple[http.client.HTTPResponse, str]:
        sent = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update({name.replace("_", "-"): value for name, value in headers.items()})
        response, raw = self.server.request(method, path, body, sent)
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            # The one cookie the check sets (its name has a prefix over HTTPS).
            (self.cookie,) = [f"{name}={morsel.value}" for name, morsel in cookie.items()]
        return response, raw.decode("utf-8", errors="replace")

    def token(self, path: str, **headers: str) -> str:
        _, page = self.send("GET", path, **headers)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert found, f"{path}: no form token"
        return found.group(1)

    @property
    def origin(self) -> str:
        """What the browser sends as ``Origin`` with the site's own forms."""
        return self.server.url

    def walk(
        self, answers: Mapping[str, str | list[str]], start: str = WHO, stop: str = "/summary"
    ) -> str:
        """The check from ``start`` to ``stop``, as a browser takes it: each page's form
        sent with its token and the answer for its place (said by its value, sent as
        the form's code), and each redirect followed. The page at ``stop``."""
        path = start
        while path != stop:
            response, page = self.send("GET", path)
            assert response.status == 200, f"GET {path} gave {response.status}"
            # Every hidden field of the page's form, as a browser sends them.
            form: dict[str, str | list[str]] = dict(
                re.findall(r'name="([\w-]+)" type="hidden" value="([^"]*)"', page)
            )
            if path in answers:
                form.update(coded(ENGLISH, path, answers[path]))
            response, _ = self.send("POST", path, form, Origin=self.origin)
            assert response.status == 303, f"POST {path} gave {response.status}"
            path = urlsplit(response.headers["Location"]).path
        return self.send("GET", path)[1]

    def answer(self, path: str, answer: str, **headers: str) -> http.client.HTTPResponse:
        return self.post(path, answer, **headers)[0]

    def post(self, path: str, answer: str, **headers: str) -> tuple[http.client.HTTPResponse, str]:
        fields = coded(ENGLISH, path, answer) if "/question/" in path else {"answer": answer}
        # The page is opened as its form is then sent (through the same proxy).
        opened = {name: value for name, value in headers.items() if name != "Origin"}
        token = self.token(path, **opened)
        return self.send("POST", path, {"csrf_token": token, **fields}, **headers)


def listening_port(log: Path, process: subprocess.Popen[bytes]) -> int:
    """The port gunicorn chose (it was given port 0), from its "Listening at" line."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: https?://[^\s]+:(\d+) ", log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start-up:\n{log.read_text()}")
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not start listening within 30 s:\n{log.read_text()}")


def wait_until_ready(server: ProductionServer, process: subprocess.Popen[bytes]) -> None:
    # Before its workers start, gunicorn measures every page's size (gunicorn.conf.py):
    # some seconds for each language and clinic, more on a busy machine.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start-up:\n{server.log.read_text()}")
        try:
            response, _ = server.request("GET", "/healthz")
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within 120 s:\n{server.log.read_text()}")


@contextmanager
def production_server(
    folder: Path,
    environment: Mapping[str, str] | None = None,
    *,
    tls: bool = True,
    app: str | None = None,
    rsa_key: bool = False,
) -> Iterator[ProductionServer]:
    """Start gunicorn over HTTPS on a free port of 127.0.0.1, and stop it afterwards.

    With ``tls=False`` it serves plain HTTP, as it does behind a proxy that
    terminates TLS. ``app`` serves another WSGI app (``module:callable``)
    with the same settings, as the benchmark's baseline does. The secret key
    is a new one unless ``environment`` gives ``SELFCHECK_SECRET_KEY``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(folder, rsa_key=rsa_key)
    secret_key = (environment or {}).get("SELFCHECK_SECRET_KEY") or secrets.token_hex(32)
    log = folder / "gunicorn.log"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SELFCHECK_", "GUNICORN_"))
        and name not in {"PORT", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "SELFCHECK_SECRET_KEY": secret_key,
            # The journeys a test walks are counted in a file of its own, never in
            # the instance folder of the working tree.
            "SELFCHECK_TOTALS_URL": f"sqlite:///{folder}/totals.sqlite3",
            "SELFCHECK_HOST": HOST,
            # The system picks a free port; no other run can take it first.
            "PORT": "0",
            **({"GUNICORN_CMD_ARGS": f"--certfile {cert} --keyfile {key}"} if tls else {}),
            **(environment or {}),
        }
    )
    scheme = "https" if tls else "http"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(PROJECT / "gunicorn.conf.py"),
                *([app] if app else []),
            ],
            cwd=PROJECT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            port = listening_port(log, process)
            server = ProductionServer(
                f"{scheme}://{HOST}:{port}", port, secret_key, cert, log, tls, process.pid
            )
            wait_until_ready(server, process)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class FixedPageSite(ThreadingHTTPServer):
    """One fixed page over HTTPS on a free port of 127.0.0.1, standing in for another site.

    It keeps the headers of every request it gets, so tests can see what a
    site outside the check learns from it.
    """

    daemon_threads = True

    def __init__(self, folder: Path, page: str) -> None:
        super().__init__((HOST, 0), _FixedPage)
        self.page = page.encode()
        self.certificate, key = make_certificate(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, key)
        # The handshake happens in each request's own thread, not in accept().
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.received: list[dict[str, str]] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}/"

    def handle_error(self, request: object, client_address: object) -> None:
        """A failed handshake (a plain-HTTP probe, say) is expected, not worth a traceback."""


class _FixedPage(BaseHTTPRequestHandler):
    server: FixedPageSite

    def do_GET(self) -> None:
        self.server.received.append(dict(self.headers))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.page)))
        self.end_headers()
        self.wfile.write(self.server.page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def fixed_page_site(folder: Path, page: str) -> Iterator[FixedPageSite]:
    site = FixedPageSite(folder, page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()
        thread.join(timeout=10)
