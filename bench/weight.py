"""What a page costs a person on a cold cache: bytes on the wire and requests, in Chromium.

Each page is opened in a new browser context (nothing cached, no cookie but
the session it needs), in English and in Spanish, against a running
production server. Bytes are the response headers and the (compressed)
bodies of everything the page loads, as the browser counts them. Requests
are every request the page makes: those the browser reports, and those only
the server's access log shows, such as a favicon, which Chromium fetches
outside the page. A request to any origin other than the server's is
third-party: it is counted, and refused (the browser's proxy is a port of
127.0.0.1 that accepts no connection), so nothing leaves the machine. No
request is intercepted: with interception on, Chromium asks for no favicon.

Run it alone with ``python -m bench.weight``: it starts its own server.
"""

from __future__ import annotations

import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Request, Response, sync_playwright

from bench.throughput import FULLEST_SUMMARY
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.server import HOST, ProductionServer, Visitor, production_server
from tests.walk import SAFETY, SIGN, USE, WHO

# The languages of the check, as a browser asks for them.
LOCALES: Mapping[str, str] = {"en": "en-US", "es": "es-US"}
ACCEPT_LANGUAGE: Mapping[str, str] = {"en": "en-US,en;q=0.9", "es": "es-US,es;q=0.9"}
# Requests a page makes after its load event (a favicon) are waited for this long.
SETTLE_SECONDS = 0.5

# The longest summary, as the throughput benchmark measures it.
EVERY_SIGN_ANSWERED: Mapping[str, str | list[str]] = FULLEST_SUMMARY
# Answered before the question page: nothing that shows a notice on the way.
BEFORE_THE_QUESTION: Sequence[tuple[str, str]] = (
    (WHO, "me"),
    (SAFETY, "no"),
    (USE, "as-prescribed"),
    (SIGN["shallow-breathing"], "no"),
    (SIGN["narrowed-pupils"], "no"),
    (SIGN["speech-problems"], "no"),
)


@dataclass(frozen=True)
class CheckPage:
    """A page of the check that is measured, and where it is."""

    name: str
    path: str


START = CheckPage("start", "/")
QUESTION = CheckPage("question", SIGN["pain-sensitivity"])
SUMMARY = CheckPage("summary", "/summary")
PAGES: tuple[CheckPage, ...] = (START, QUESTION, SUMMARY)


def session_cookie(server: ProductionServer, page: CheckPage) -> str:
    """The ``Cookie`` header of a person who has come as far as ``page``, over HTTP.

    Empty for the start page: a person opening it for the first time has no cookie.
    """
    if page.path == START.path:
        return ""
    person = Visitor(server)
    if page.path == SUMMARY.path:
        person.walk(EVERY_SIGN_ANSWERED)
    else:
        for path, answer in BEFORE_THE_QUESTION:
            response = person.answer(path, answer, Origin=server.url)
            if response.status != 303:
                raise RuntimeError(f"POST {path} gave {response.status}")
    if not person.cookie:
        raise RuntimeError(f"no session cookie on the way to {page.path}")
    return person.cookie


@dataclass(frozen=True)
class Load:
    """One request of a page and what its answer cost on the wire."""

    url: str
    status: int
    header_bytes: int
    body_bytes: int
    # Seen by the server only (a favicon): its bytes come from sending it again.
    replayed: bool = False

    @property
    def bytes(self) -> int:
        return self.header_bytes + self.body_bytes


@dataclass(frozen=True)
class PageWeight:
    """A page opened on a cold cache, in one language."""

    page: str
    path: str
    language: str
    loads: tuple[Load, ...]
    # Requests to any origin but the server's (refused, so they cost no bytes here).
    third_party: tuple[str, ...]

    @property
    def bytes(self) -> int:
        """Headers and compressed bodies of everything loaded from the server."""
        return sum(load.bytes for load in self.loads)

    @property
    def requests(self) -> int:
        return len(self.loads) + len(self.third_party)

    @property
    def third_party_requests(self) -> int:
        return len(self.third_party)


# gunicorn's access log line (see gunicorn.conf.py), with or without the client's address.
LOG_LINE = re.compile(r"(?:\S+ )?([A-Z]+) (/\S*) (\d{3}) \d+ms")


def log_mark(server: ProductionServer, marker: str) -> int:
    """Where the access log is once a request to ``marker`` is logged: the lines before it.

    gunicorn logs a request once it has answered it, so a request to a path
    of no page is sent and its line waited for: every request answered
    before it was sent is logged above it.
    """
    server.request("GET", marker)
    pattern = rf"(?:\S+ )?GET {re.escape(marker)} 404 \d+ms"
    lines = server.wait_for_log(pattern)
    return next(number for number, line in enumerate(lines) if re.fullmatch(pattern, line))


def server_requests(server: ProductionServer, since: int, until: int) -> list[tuple[str, str]]:
    """The (method, path) of each request logged between two marks of ``log_mark``."""
    found = []
    for line in server.log_lines()[since + 1 : until]:
        matched = LOG_LINE.fullmatch(line)
        if matched is not None:
            found.append((matched.group(1), matched.group(2)))
    return found


def replay(server: ProductionServer, path: str, cookie: str, language: str) -> Load:
    """A request the browser made but did not report, sent again as a browser sends it."""
    head = [
        f"GET {path} HTTP/1.1",
        f"Host: {urlsplit(server.url).netloc}",
        "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        "Accept-Encoding: gzip, deflate, br, zstd",
        f"Accept-Language: {ACCEPT_LANGUAGE[language]}",
        *([f"Cookie: {cookie}"] if cookie else []),
        "Connection: close",
    ]
    answer = server.raw(("\r\n".join(head) + "\r\n\r\n").encode())
    headers, _, body = answer.partition(b"\r\n\r\n")
    status = int(headers.split(b" ", 2)[1])
    return Load(f"{server.url}{path}", status, len(headers) + 4, len(body), replayed=True)


Launch = Callable[[], Browser]


def measure_page(
    browser: Browser, server: ProductionServer, page: CheckPage, language: str
) -> PageWeight:
    """Open ``page`` in a new context of a new ``browser``, with the session it needs,
    and weigh it."""
    cookie = session_cookie(server, page)
    origin = urlsplit(server.url).netloc
    context = browser.new_context(
        locale=LOCALES[language],
        viewport={"width": 360, "height": 800},
        # The certificate is made for this run and trusted by no one else.
        ignore_https_errors=True,
    )
    try:
        if cookie:
            name, _, value = cookie.partition("=")
            context.add_cookies([{"name": name, "value": value, "url": server.url}])
        third_party: list[str] = []

        def count(request: Request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != origin:
                third_party.append(request.url)

        context.on("request", count)
        responses: list[Response] = []
        tab = context.new_page()
        tab.on("response", lambda response: responses.append(response))
        since = log_mark(server, f"/weight-begins-{time.monotonic_ns()}")
        shown = tab.goto(f"{server.url}{page.path}", wait_until="load")
        time.sleep(SETTLE_SECONDS)
        if shown is None or shown.status != 200 or urlsplit(tab.url).path != page.path:
            status = shown.status if shown else None
            raise RuntimeError(f"{page.path} ({language}) showed {tab.url} ({status})")
        loads = []
        for response in responses:
            if urlsplit(response.url).netloc != origin:
                continue
            sizes = response.request.sizes()
            loads.append(
                Load(
                    response.url,
                    response.status,
                    sizes["responseHeadersSize"],
                    sizes["responseBodySize"],
                )
            )
        until = log_mark(server, f"/weight-ends-{time.monotonic_ns()}")
        reported = [urlsplit(load.url).path for load in loads]
        for method, path in server_requests(server, since, until):
            if path in reported:
                reported.remove(path)
            elif method == "GET":
                loads.append(replay(server, path, cookie, language))
            else:
                raise RuntimeError(f"{page.path} ({language}): {method} {path} unexpected")
    finally:
        context.close()
    return PageWeight(page.name, page.path, language, tuple(loads), tuple(third_party))


@contextmanager
def chromium(server: ProductionServer, executable: Path = CHROMIUM) -> Iterator[Launch]:
    """Launches the system's Chromium, driven by Playwright (nothing is downloaded),
    reaching ``server`` only: every other address goes to a proxy that refuses it."""
    if not executable.exists():
        raise FileNotFoundError(f"Chromium not found at {executable} (apt-get install chromium)")
    with socket.socket() as refusing, sync_playwright() as driver:
        # Bound but not listening: every connection to it is refused.
        refusing.bind((HOST, 0))
        arguments = [
            *CHROMIUM_ARGS,
            f"--proxy-server=http://{HOST}:{refusing.getsockname()[1]}",
            f"--proxy-bypass-list={urlsplit(server.url).netloc}",
        ]

        def launch() -> Browser:
            return driver.chromium.launch(executable_path=str(executable), args=arguments)

        yield launch


def measure(
    server: ProductionServer,
    pages: Sequence[CheckPage] = PAGES,
    languages: Sequence[str] = tuple(LOCALES),
    executable: Path = CHROMIUM,
) -> list[PageWeight]:
    """Each page in each language, on a cold cache, against a running production server.

    Each is opened in a browser of its own: Chromium remembers a missing
    favicon from one context to the next, and would not ask for it again.
    """
    weights = []
    with chromium(server, executable) as launch:
        for page in pages:
            for language in languages:
                browser = launch()
                try:
                    weights.append(measure_page(browser, server, page, language))
                finally:
                    browser.close()
    return weights


def table(weights: Sequence[PageWeight]) -> str:
    """The measurements as a Markdown table."""
    rows = [
        "| page | language | bytes on the wire | requests | third-party requests |",
        "|---|---|--:|--:|--:|",
    ]
    rows += [
        f"| {weight.page} (`{weight.path}`) | {weight.language} | {weight.bytes:,} "
        f"| {weight.requests} | {weight.third_party_requests} |"
        for weight in weights
    ]
    return "\n".join(rows)


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="weight-") as folder,
        production_server(Path(folder)) as server,
    ):
        weights = measure(server)
    print(table(weights))
    for weight in weights:
        where = f"{weight.page} {weight.language}"
        for load in weight.loads:
            replayed = " (replayed)" if load.replayed else ""
            print(f"{where}: {load.url} {load.status} {load.bytes} B{replayed}")
        for url in weight.third_party:
            print(f"{where}: third-party {url}")


if __name__ == "__main__":
    main()
