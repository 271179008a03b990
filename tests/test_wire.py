"""Every journey looks the same to the network, within a language.

A network between a person and the check (a school's, an employer's, a
café's Wi-Fi) cannot read what is sent, but sees how many connections there
are and the length of every TLS record each way. These tests put a relay
where that network stands (``tests.wire``), walk the check through the
production server over TLS with every kind of answer, and require one and
the same trace for all of them: the same requests in the same order, and
every record the same length. The control runs the same comparison on a
build that sends its options' values and does not pad its pages, as the
check did before, and must find the differences.
"""

from __future__ import annotations

import secrets
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from questionnaire.web import forms, padding
from tests.server import ProductionServer, make_certificate, production_server
from tests.wire import Journey, Record, calm, every_alarm, random_answers, relay_to

JOURNEYS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionServer]:
    with production_server(tmp_path_factory.mktemp("wire"), rsa_key=True) as running:
        yield running


def trace(server_port: int, context: ssl.SSLContext, language: str, choose) -> tuple:
    """One journey's trace: each exchange as sent, and each connection's TLS records."""
    with relay_to(server_port) as relay:
        journey = Journey(relay.port, context, language)
        journey.walk(choose)
        connections = relay.take()
    exchanges = [(e.method, e.path, e.status, e.sent, e.received) for e in journey.exchanges]
    # Each way on its own: how the two ways interleave is a matter of timing.
    return exchanges, [
        tuple(record for record in records if record[0] == way)
        for records in connections
        for way in "><"
    ]


def first_difference(one: tuple, other: tuple) -> str | None:
    """Where two traces first differ, said plainly; None when they are the same."""
    for index, (a, b) in enumerate(zip(one[0], other[0], strict=False)):
        if a != b:
            return f"exchange {index}: {a} against {b}"
    if len(one[0]) != len(other[0]):
        return f"{len(one[0])} exchanges against {len(other[0])}"
    for index, (a, b) in enumerate(zip(one[1], other[1], strict=False)):
        if a != b:
            return f"connection {index}: {_records(a)} against {_records(b)}"
    if len(one[1]) != len(other[1]):
        return f"{len(one[1])} connections against {len(other[1])}"
    return None


def _records(records: tuple[Record, ...]) -> str:
    return " ".join(f"{d}{length}" for d, _kind, length in records)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_journey_is_the_same_on_the_wire_within_a_language(server, language):
    context = server.tls_context()
    reference = trace(server.port, context, language, calm)
    alarming = trace(server.port, context, language, every_alarm)
    assert first_difference(reference, alarming) is None
    for seed in range(JOURNEYS):
        other = trace(server.port, context, language, random_answers(seed))
        assert first_difference(reference, other) is None, f"journey {seed}"
    exchanges, connections = reference
    # One request per connection (the sync worker closes each), none for a notice:
    # the start page and the first question, then a POST at each of the 13
    # questions and check your answers, each followed by the GET of the next place.
    assert len(exchanges) == len(connections) // 2 == 2 + 2 * 14
    assert [e[0] for e in exchanges[2:]] == ["POST", "GET"] * 14
    assert exchanges[-1][:3] == ("GET", "/summary", 200)
    # No page was larger than its place's size (it would be sent larger, and logged).
    assert not [line for line in server.log_lines() if "more than its place's" in line]
    assert all(records for records in connections)


def test_the_languages_may_differ_and_do(server):
    """What a network may still tell, it does: the language (so the test can see)."""
    context = server.tls_context()
    english = trace(server.port, context, "en", calm)
    spanish = trace(server.port, context, "es", calm)
    assert first_difference(english, spanish) is not None


@pytest.fixture
def old_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The check as it was: options sent as their values, pages not padded, over TLS here."""
    monkeypatch.setattr(forms, "codes", lambda values: {value: value for value in values})
    monkeypatch.setattr(padding.Padding, "pad", lambda self, response: response)
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": True})
    certificate, key = make_certificate(tmp_path, rsa_key=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, key)
    served = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=tls)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(
        "tests.test_wire.control_context", ssl.create_default_context(cafile=str(certificate))
    )
    try:
        yield served.server_port
    finally:
        served.shutdown()
        thread.join(timeout=10)


control_context: ssl.SSLContext | None = None


def test_the_control_the_same_comparison_finds_the_old_builds_differences(old_build):
    assert control_context is not None
    reference = trace(old_build, control_context, "en", calm)
    alarming = trace(old_build, control_context, "en", every_alarm)
    assert first_difference(reference, alarming) is not None
    # The first answer already shows: "other" and "me" are bodies of different lengths.
    assert reference[0][2][3] != alarming[0][2][3]
    posts = [(a, b) for a, b in zip(reference[0], alarming[0], strict=True) if a[0] == "POST"]
    assert sum(a[3] != b[3] for a, b in posts) >= 10, "request bodies that tell the answers"
    gets = [(a, b) for a, b in zip(reference[0], alarming[0], strict=True) if a[0] == "GET"]
    assert sum(a[4] != b[4] for a, b in gets) >= 5, "pages whose sizes tell the answers"
