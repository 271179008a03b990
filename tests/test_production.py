"""The production server as a clinic runs it: gunicorn, its own config, HTTPS.

Everything here goes over the network to a real gunicorn on 127.0.0.1, so
what is tested is what a person's browser (or an attacker's script) gets.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import re
import runpy
import socket
import time
from collections.abc import Iterator, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import brotli
import pytest

from tests.server import ENGLISH, HOST, PROJECT, ProductionServer, Visitor, production_server
from tests.walk import ALARMED, QUIET, SAFETY, SIGN, SUMMARY, USE, WHO, coded

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    # includeSubDomains only when the operator asks (SELFCHECK_HSTS_INCLUDE_SUBDOMAINS).
    "Strict-Transport-Security": "max-age=63072000",
}
CSP_DIRECTIVES = {
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionServer]:
    with production_server(tmp_path_factory.mktemp("https")) as running:
        yield running


def test_an_answer_posted_from_the_site_itself_is_saved_over_https(server):
    person = Visitor(server)
    response = person.answer(WHO, "me", Origin=server.url, Referer=f"{server.url}{WHO}")
    assert response.status == 303
    # A whole URL, on the site's own origin: text browsers stop at a relative one.
    assert response.headers["Location"] == f"{server.url}{SAFETY}"
    _, page = person.send("GET", SAFETY)
    assert "<h1" in page and "Just to be safe" in page


def test_the_session_cookie_over_https_is_secure_httponly_and_lax(server):
    person = Visitor(server)
    response = person.answer(WHO, "me", Origin=server.url)
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/form"},
        {"Origin": "https://evil.example", "Referer": "{own}/question/1"},
        {},  # over HTTPS a browser always says where a form came from
    ],
    ids=["foreign-origin", "null-origin", "foreign-referer", "foreign-origin-own-referer", "none"],
)
def test_a_post_from_another_site_or_from_nowhere_is_refused_kindly(server, headers):
    person = Visitor(server)
    person.answer(WHO, "me", Origin=server.url)
    sent = {name: value.format(own=server.url) for name, value in headers.items()}
    response, page = person.post(SAFETY, "no", **sent)
    assert response.status == 400
    assert "Your last answer was not saved" in page
    assert "The answers you saved before are still here." in page
    # Nothing was saved: the person is still at the safety question.
    response, _ = person.send("GET", "/continue")
    assert response.headers["Location"] == f"{server.url}{SAFETY}"


@pytest.mark.parametrize("path", ["/", WHO, "/question/99", "/continue"])
def test_every_page_carries_the_security_headers(server, path):
    response, _ = Visitor(server).send("GET", path)
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers[name] == value, f"{path}: {name}"
    directives = {part.strip() for part in response.headers["Content-Security-Policy"].split(";")}
    assert directives >= CSP_DIRECTIVES, f"{path}: {directives}"
    assert not any("unsafe" in directive for directive in directives)
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("kind", ["healthz", "stylesheet", "script"])
def test_other_responses_carry_only_the_headers_that_mean_something_there(server, kind):
    """What a document may do means nothing on a stylesheet: it would only add weight."""
    person = Visitor(server)
    _, start = person.send("GET", "/")
    path = {
        "healthz": "/healthz",
        "stylesheet": re.search(r'href="(/static/style\.\w+\.css)"', start).group(1),
        "script": re.search(r'src="(/static/app\.\w+\.js)"', start).group(1),
    }[kind]
    response, _ = person.send("GET", path)
    assert response.status == 200, path
    for name in ["X-Content-Type-Options", "Cross-Origin-Resource-Policy", "Referrer-Policy"]:
        assert response.headers[name] == EXPECTED_HEADERS[name], f"{path}: {name}"
    assert (
        response.headers["Strict-Transport-Security"]
        == EXPECTED_HEADERS["Strict-Transport-Security"]
    )
    for name in ["Content-Security-Policy", "Permissions-Policy", "X-Frame-Options"]:
        assert name not in response.headers, f"{path}: {name}"


@pytest.mark.parametrize("path", ["/", WHO, "/question/99", "/continue", "/healthz"])
def test_pages_and_redirects_are_never_cached(server, path):
    response, _ = Visitor(server).send("GET", path)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_and_script_have_hashed_addresses_cached_for_a_year(server):
    _, page = Visitor(server).send("GET", "/")
    addresses = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert sorted(Path(address).suffix for address in addresses) == [".css", ".js"]
    for address in addresses:
        assert re.fullmatch(r"/static/\w+\.[0-9a-f]{16}\.(css|js)", address), address
        response, body = Visitor(server).send("GET", address)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert body


def decoded(raw: bytes, encoding: str | None) -> bytes:
    """A body as a browser reads it: decompressed, any padding of the encoding skipped."""
    if encoding == "br":
        return bytes(brotli.decompress(raw))
    if encoding == "gzip":
        return gzip.decompress(raw)
    return raw


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_and_assets_are_compressed_for_browsers_that_accept_it(server, encoding):
    """A page is padded to its place's size after compression (spaces after its end when
    sent as it is), so it is compared with the plain page without them; with the padding
    on both sides, the start page comes to about half its plain size, not under it."""
    _, page = Visitor(server).send("GET", "/")
    stylesheet = re.search(r'href="(/static/style[^"]+)"', page)
    assert stylesheet
    for path, share in [("/", 0.6), (stylesheet.group(1), 0.5)]:
        response, raw = server.request("GET", path, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in response.headers["Vary"], path
        plain, plain_body = server.request("GET", path)
        assert "Content-Encoding" not in plain.headers
        if path == "/":
            # Sent as it is, a page is padded with spaces after its end.
            assert decoded(raw, encoding) == plain_body.rstrip(b" ")
        else:
            assert decoded(raw, encoding) == plain_body, path
        assert len(raw) < len(plain_body) * share, f"{path}: {len(raw)} of {len(plain_body)} bytes"


def test_the_stylesheet_and_script_are_sent_as_compressed_once_at_the_best_quality(server):
    """Compressed at start-up with brotli's slowest, smallest setting, not on each request."""
    _, page = Visitor(server).send("GET", "/")
    for address in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        response, raw = server.request("GET", address, headers={"Accept-Encoding": "br"})
        stem, suffix = re.fullmatch(r"/static/(\w+)\.[0-9a-f]{16}\.(\w+)", address).groups()
        original = (PROJECT / "static" / f"{stem}.{suffix}").read_bytes()
        assert response.headers["Content-Encoding"] == "br"
        assert raw == brotli.compress(original, quality=11), address


def test_health_check_is_tiny_and_sets_no_cookie(server):
    response, body = server.request("GET", "/healthz", headers={"Cookie": "session=whatever"})
    assert response.status == 200
    # "ok", then any lines saying which release answered: still tiny.
    assert body.startswith(b"ok\n") and len(body) < 256, body
    assert response.headers.get("Set-Cookie") is None
    assert "Cookie" not in response.headers.get("Vary", "")


def test_the_access_log_has_method_path_status_and_duration_only(server):
    person = Visitor(server)
    person.answer(WHO, "other", Origin=server.url)
    person.answer(SAFETY, "no", Origin=server.url)
    person.answer(USE, "not-prescribed", Origin=server.url)
    person.answer(SIGN["shallow-breathing"], "often", Origin=server.url)
    person.send("GET", "/?answer=often&secret=1", User_Agent="Probe/1.0", Referer="https://x.test/")
    # gunicorn logs a request after answering it: wait for the line of a last, unique one.
    person.send("GET", "/last-of-the-access-log-test")
    all_lines = server.wait_for_log(r"GET /last-of-the-access-log-test 404 \d+ms")
    lines = [line for line in all_lines if re.match(r"^[A-Z]+ /", line)]
    assert any(line.startswith(f"POST {SIGN['shallow-breathing']} 303 ") for line in lines), lines
    for line in lines:
        assert re.fullmatch(r"(GET|POST|HEAD) /[^ ?]* \d{3} \d+ms", line), line
    logged = "\n".join(server.log_lines())
    secrets = ["often", "other", "not-prescribed", "answer", "Probe", "x.test", "session="]
    for secret in [*secrets, "127.0.0.1 "]:
        assert secret not in logged, secret


def test_the_access_log_holds_the_same_lines_for_any_answers(server):
    """Every journey makes the same requests in the same order, whatever its answers."""
    signs = [f"/question/{n}" for n in [*range(4, 12), 13]]
    nothing_noticed = {WHO: "me", SAFETY: "no", USE: "as-prescribed", "/question/12": ["none"]}
    every_alarm = {WHO: "other", SAFETY: "yes", USE: "not-prescribed"}
    every_alarm["/question/12"] = ["yawning", "goosebumps"]
    journeys = {}
    for name, answers, answer in [
        ("nothing-noticed", nothing_noticed, "no"),
        ("every-alarm", every_alarm, "often"),
    ]:
        start = len(server.log_lines())
        Visitor(server).walk({**answers, **dict.fromkeys(signs, answer)})
        server.request("GET", f"/end-of-{name}")
        lines = server.wait_for_log(rf"GET /end-of-{name} 404 \d+ms")[start:]
        end = lines.index(next(line for line in lines if line.startswith(f"GET /end-of-{name}")))
        # Without the time each took, which differs from one request to the next anyway.
        journeys[name] = [re.sub(r" \d+ms$", "", line) for line in lines[:end]]
    quiet, alarmed = journeys["nothing-noticed"], journeys["every-alarm"]
    # The emergency guidance and three interruptions were shown, each at the top of
    # the next question's page: no request of their own.
    assert quiet == alarmed
    assert quiet[:3] == ["GET /question/1 200", "POST /question/1 303", "GET /question/2 200"]
    assert "POST /question/3 303" in quiet and quiet[-1] == "GET /summary 200"
    assert len(quiet) == 2 * (13 + 1) + 1, quiet


class Wire:
    """A browser that asks for ``encoding`` and notes each exchange's size on the wire."""

    def __init__(self, server: ProductionServer, encoding: str) -> None:
        self.server, self.encoding, self.cookie = server, encoding, ""
        self.exchanges: list[tuple[str, str, int, int, int]] = []
        self.pages: dict[str, str] = {}

    def send(
        self, method: str, path: str, form: Mapping[str, str] | None = None
    ) -> tuple[http.client.HTTPResponse, str]:
        headers = {"Accept-Encoding": self.encoding}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.server.url,
            }
        response, raw = self.server.request(method, path, body, headers)
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            # The one cookie the check sets (its name has a prefix over HTTPS).
            (self.cookie,) = [f"{name}={morsel.value}" for name, morsel in cookie.items()]
        # Sent: the form as encoded. Received: the body as it came, and as its length said.
        assert len(raw) == int(response.headers["Content-Length"]), f"{method} {path}"
        self.exchanges.append((method, path, response.status, len(body or ""), len(raw)))
        return response, decoded(raw, response.headers.get("Content-Encoding")).decode()

    def walk(self, answers: Mapping[str, str | list[str]]) -> None:
        path = WHO
        while path != SUMMARY:
            response, page = self.send("GET", path)
            assert response.status == 200, f"GET {path} gave {response.status}"
            self.pages[path] = page
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
            assert token, f"{path}: no form token"
            fields = coded(ENGLISH, path, answers[path]) if path in answers else {}
            # As a browser sends it: with the page's hidden fields (which notices it showed).
            hidden = dict(re.findall(r'name="([\w-]+)" type="hidden" value="([^"]*)"', page))
            sent = {"csrf_token": token.group(1), **hidden, **fields}
            response, _ = self.send("POST", path, sent)
            assert response.status == 303, f"POST {path} gave {response.status}"
            path = urlsplit(response.headers["Location"]).path
        self.pages[path] = self.send("GET", path)[1]


@pytest.mark.parametrize("encoding", ["br", "gzip", "identity"])
def test_every_journey_is_the_same_on_the_wire_whatever_its_answers(server, encoding):
    """The same requests, in the same order, each the same size, with the same status:
    what TLS lets a network see cannot tell who noticed what (design: padding)."""
    quiet, alarmed = Wire(server, encoding), Wire(server, encoding)
    quiet.walk(QUIET)
    alarmed.walk(ALARMED)
    assert quiet.exchanges == alarmed.exchanges
    assert len(quiet.exchanges) == 2 * (13 + 1) + 1
    # Every notice was shown to one and not the other, at the top of the next question.
    notices = {
        path: re.findall(r'data-notice="([a-z]+)"', page) for path, page in alarmed.pages.items()
    }
    assert {path: kinds for path, kinds in notices.items() if kinds} == {
        USE: ["emergency"],
        SIGN["narrowed-pupils"]: ["interruption"],
        SIGN["speech-problems"]: ["interruption"],
        SIGN["pain-sensitivity"]: ["interruption"],
    }
    assert not any('data-notice="' in page for page in quiet.pages.values())
    assert "Goosebumps" in alarmed.pages[SUMMARY] and "Goosebumps" not in quiet.pages[SUMMARY]


def test_the_client_address_is_logged_only_when_the_operator_asks(tmp_path):
    with production_server(tmp_path, {"SELFCHECK_LOG_CLIENT_ADDRESS": "true"}) as server:
        server.request("GET", "/")
        server.wait_for_log(r"127\.0\.0\.1 GET / 200 \d+ms")


def test_a_forged_forwarded_proto_is_ignored_without_a_configured_proxy(tmp_path):
    """Behind no proxy, X-Forwarded-Proto comes from whoever sends it: it changes nothing."""
    with production_server(tmp_path, tls=False) as server:
        response, _ = server.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(("proxies", "saved"), [("1", True), ("0", False), ("2", False)])
def test_behind_a_proxy_answers_are_saved_only_with_the_right_proxy_count(tmp_path, proxies, saved):
    """As behind Caddy: plain HTTP to gunicorn, the visitor's HTTPS in X-Forwarded-Proto.

    The browser's Origin is https://, so a wrong count (the app then thinks it
    is served over plain HTTP) refuses every answer, as DEPLOY.md warns.
    """
    environment = {"SELFCHECK_PROXY_COUNT": proxies}
    with production_server(tmp_path, environment, tls=False) as server:
        person = Visitor(server)
        visitor_origin = server.url.replace("http://", "https://")
        forwarded = {"X_Forwarded_Proto": "https", "X_Forwarded_For": "203.0.113.7"}
        response, _ = person.send("GET", "/", **forwarded)
        hsts = response.headers.get("Strict-Transport-Security")
        response = person.answer(WHO, "me", Origin=visitor_origin, **forwarded)
    assert (hsts is not None) is saved
    assert response.status == (303 if saved else 400)


def raw_request(server: ProductionServer, head: str, body: bytes = b"") -> tuple[int, bytes]:
    answer = server.raw(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
    status = int(answer.split(b" ", 2)[1])
    return status, answer


CHUNKED_POST = (
    "POST /question/1 HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked\n"
    "Content-Type: application/x-www-form-urlencoded\nConnection: close\n"
)


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n"],
    ids=["bad-chunk-size", "missing-chunk-terminator"],
)
def test_a_malformed_chunked_body_gets_the_friendly_400(server, body):
    status, answer = raw_request(server, CHUNKED_POST, body)
    assert status == 400, answer[:200]
    assert b"Sorry, something did not work" in answer
    assert b"Content-Security-Policy" in answer


def test_a_chunked_body_over_the_size_limit_gets_the_friendly_413(server):
    form = b"csrf_token=x&answer=" + b"m" * 40_000
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(form[i : i + 1000]), form[i : i + 1000])
        for i in range(0, len(form), 1000)
    )
    status, answer = raw_request(server, CHUNKED_POST, chunks + b"0\r\n\r\n")
    assert status == 413, answer[:200]
    assert b"Sorry, something did not work" in answer


@pytest.mark.parametrize(
    "host",
    ["a..b", "a" * 64 + ".example", "-.-", "ex ample"],
    ids=["empty-label", "long-label", "dashes", "space"],
)
def test_a_broken_host_header_gets_an_answer_with_the_security_headers(server, host):
    status, answer = raw_request(server, f"GET /nope HTTP/1.1\nHost: {host}\nConnection: close\n")
    assert status in {400, 404}, answer[:300]
    assert b"Internal Server Error" not in answer
    assert b"Content-Security-Policy: default-src 'none'" in answer
    assert b"Sorry, something did not work" in answer or b"Page not found" in answer


@pytest.mark.parametrize("next_path", ["/a%0d%0ab", "/%0aSet-Cookie:x=1", "/%09/evil.example"])
def test_the_language_switch_with_control_characters_goes_to_a_page_of_the_check(server, next_path):
    status, answer = raw_request(
        server, f"GET /language/es?next={next_path} HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n"
    )
    assert status == 303, answer[:300]
    assert b"\r\nLocation: https://127.0.0.1/\r\n" in answer
    assert b"Set-Cookie: x=1" not in answer


def test_a_path_cannot_write_a_line_of_its_own_into_the_access_log(server):
    forged = "GET /summary 200 1ms"
    raw_request(
        server, "GET /x%0AGET%20/summary%20200%201ms%1b HTTP/1.1\nHost: h\nConnection: close\n"
    )
    lines = server.wait_for_log(r"GET /x\\nGET /summary 200 1ms\\x1b 404 \d+ms")
    assert forged not in lines
    assert not any("\x1b" in line for line in lines)


def test_gunicorns_warning_about_a_malformed_request_names_no_address_or_query(server):
    too_long = "/language/es?next=/" + "a" * 5000 + "&answer=often"
    status, answer = raw_request(server, f"GET {too_long} HTTP/1.1\nHost: h\nConnection: close\n")
    assert status == 414
    status, _ = raw_request(
        server, "GET /question/1?answer=often HTTP/1.1 junk\nConnection: close\n"
    )
    assert status == 400
    lines = server.wait_for_log(r".*Invalid request: .*'\.\.\.'.*")
    warnings = [line for line in lines if "Invalid request" in line]
    assert len(warnings) >= 2, warnings
    for line in warnings:
        assert "127.0.0.1" not in line and "often" not in line and "aaaa" not in line, line


def test_a_json_body_is_not_a_form_and_gets_the_friendly_415(server):
    person = Visitor(server)
    token = person.token(WHO)
    for body in ["5", "[1, 2]", '"ab"', "true", '{"answer": "me"}']:
        response, raw = server.request(
            "POST",
            WHO,
            body,
            {
                "Cookie": person.cookie,
                "Origin": server.url,
                "X-CSRFToken": token,
                "Content-Type": "application/json",
            },
        )
        assert response.status == 415, body
        assert b"Sorry, something did not work" in raw


CLINICS_FILE = PROJECT / "clinics.example.toml"


@pytest.fixture(scope="module")
def clinic_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionServer]:
    folder = tmp_path_factory.mktemp("clinics")
    with production_server(folder, {"SELFCHECK_CONFIG": str(CLINICS_FILE)}) as running:
        yield running


@pytest.mark.parametrize("host", ["xn--", ".", "a" * 64 + ".example", "xn--a"])
@pytest.mark.parametrize(
    "path", ["/continue", "/language/es?next=/", "/c/riverside", "/c/riverside/", "/"]
)
def test_a_host_that_is_no_name_gets_a_400_on_every_redirect_and_no_traceback(
    clinic_server, host, path
):
    status, answer = raw_request(
        clinic_server, f"GET {path} HTTP/1.1\nHost: {host}\nConnection: close\n"
    )
    assert status == 400, answer[:300]
    assert b"Sorry, something did not work" in answer
    assert b"Content-Security-Policy: default-src 'none'" in answer
    assert b"Cache-Control: no-store" in answer
    assert b"\r\nLocation:" not in answer
    clinic_server.request("GET", "/end-of-broken-host")
    lines = clinic_server.wait_for_log(r"GET /end-of-broken-host 404 \d+ms")
    assert not any("Traceback" in line or "Error handling request" in line for line in lines)


def test_the_clinic_redirect_carries_the_headers_and_the_log_names_the_clinics_paths(
    clinic_server,
):
    response, _ = clinic_server.request("GET", "/c/riverside?from=newsletter")
    assert response.status == 308
    assert response.headers["Location"] == f"{clinic_server.url}/c/riverside/"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response, _ = clinic_server.request("GET", "/c/riverside/embed")
    assert response.status == 200
    lines = clinic_server.wait_for_log(r"GET /c/riverside/embed 200 \d+ms")
    # The path asked for, as it was asked for: no query string, nor the app's view of it.
    assert any(re.fullmatch(r"GET /c/riverside 308 \d+ms", line) for line in lines), lines
    assert not any(re.match(r"GET /embed ", line) for line in lines), lines
    assert not any("newsletter" in line for line in lines)


def test_a_refused_form_is_logged_with_its_reason_only(server):
    person = Visitor(server)
    response, _ = person.post(WHO, "me", Origin="https://evil.example")
    assert response.status == 400
    lines = server.wait_for_log(
        r".*\[INFO\] Form refused: The form was sent from a different site\."
    )
    refused = [line for line in lines if "Form refused" in line]
    assert all("evil.example" not in line and "csrf" not in line.lower() for line in refused)


def private_logger() -> logging.Logger:
    """gunicorn.conf.py's logger, as gunicorn makes it, writing to stderr (captured)."""
    from gunicorn.config import Config

    settings = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))
    config = Config()
    config.set("errorlog", "-")
    config.set("loglevel", "info")
    logger: logging.Logger = settings["PrivateLogger"](config)
    return logger


def test_gunicorns_error_lines_name_the_path_without_its_query_string(capsys):
    log = private_logger()
    try:
        raise UnicodeError("label empty or too long")
    except UnicodeError:
        log.exception("Error handling request %s %s", "GET", "/language/es?next=/&answer=often")
    written = capsys.readouterr().err
    assert "Error handling request GET /language/es\n" in written, written
    assert "next=" not in written and "often" not in written


def test_a_worker_stopped_after_its_timeout_is_not_said_to_be_out_of_memory(capsys):
    log = private_logger()
    log.critical("WORKER TIMEOUT (pid:%s)", 4242)
    log.error("Worker (pid:%s) was sent %s! Perhaps out of memory?", 4242, "SIGKILL")
    log.error("Worker (pid:%s) was sent %s! Perhaps out of memory?", 4343, "SIGKILL")
    written = capsys.readouterr().err
    assert "Worker (pid:4242) was sent SIGKILL! It had timed out." in written
    assert "Worker (pid:4343) was sent SIGKILL! Perhaps out of memory?" in written


def test_idle_connections_do_not_stop_the_server(server):
    """Connections that send nothing, not even a TLS handshake, as an attacker's do: a sync
    worker spent itself on each until gunicorn's 30 s timeout (two stopped the server)."""
    idle = [socket.create_connection((HOST, server.port), timeout=30) for _ in range(6)]
    try:
        time.sleep(0.5)
        for _ in range(3):
            began = time.monotonic()
            response, body = server.request("GET", "/healthz")
            assert response.status == 200 and body.startswith(b"ok\n")
            assert time.monotonic() - began < 5
    finally:
        for connection in idle:
            connection.close()


def test_the_server_checks_at_start_up_that_the_words_served_are_the_signed_ones(server):
    """Made once, before the workers start: every worker's /healthz knows, and the log says."""
    log = "\n".join(server.log_lines())
    for language in ("en", "es"):
        assert f"Content: {language}: the content served has not been signed" in log
    response, body = server.request("GET", "/healthz")
    # "(passed)" after the due date.
    assert re.search(
        r"^review-en version 1\.2; reviewed 2026-12-06; next review due 2027-12-06"
        r"( \(passed\))?; signed no$",
        body.decode(),
        re.M,
    )
    assert re.search(r"Made the review copy's hashes in \d+\.\d s", log)
    # The copy's own refused forms (its error pages) are not logged as people's.
    start_up = log.split("Made the review copy's hashes", 1)[0]
    assert "Form refused" not in start_up


def test_a_failure_to_make_the_review_copys_hashes_is_logged_and_the_server_starts(monkeypatch):
    """The sign-off check is a warning to the operator: it never keeps people from the check."""
    from questionnaire.web import padding, release

    def fails(app):
        raise RuntimeError("no copy")

    monkeypatch.setattr(padding, "warm_up", lambda app: None)
    monkeypatch.setattr(release, "check_sign_off", fails)
    logged: list[str] = []

    class Log:
        def info(self, message, *args):
            logged.append(message % args)

        def warning(self, message, *args):
            logged.append(message % args)

        def exception(self, message, *args):
            logged.append("exception: " + message % args)

    class Server:
        log = Log()

        class app:
            @staticmethod
            def wsgi():
                return object()

    settings = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))
    settings["when_ready"](Server())
    assert "exception: Content: could not make the review copy's hashes" in logged
