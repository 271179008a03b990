"""Nothing a person answers is kept on the server, logged, or put in a URL."""

from __future__ import annotations

import base64
import contextlib
import logging
import time
import zlib
from http.cookies import SimpleCookie

import pytest
from flask.sessions import SecureCookieSessionInterface

from app import ConfigurationError, create_app
from questionnaire.content import load_all_content
from tests.conftest import TEST_CONFIG
from tests.pages import soup, text_of
from tests.walk import redirected_to, submit, walk

ANSWERS = {"shallow-breathing": "often", "sweating": "sometimes", "headaches": "not-sure"}


def session_cookie(response) -> SimpleCookie:
    headers = response.headers.getlist("Set-Cookie")
    assert headers, f"{response.request.path}: no cookie was set"
    cookie = SimpleCookie()
    cookie.load(headers[-1])
    return cookie


def test_the_session_cookie_is_httponly_lax_secure_and_ends_with_the_browser(client):
    response = submit(client, "/who", answer="me")
    raw = response.headers.getlist("Set-Cookie")[-1]
    morsel = session_cookie(response)["session"]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"] == "Lax"
    # No Expires or Max-Age: the browser drops it when it closes.
    assert not morsel["expires"] and not morsel["max-age"]
    assert "Expires" not in raw and "Max-Age" not in raw


def test_the_cookie_is_secure_everywhere_but_in_development():
    development = create_app({"TESTING": True, "DEVELOPMENT": True})
    assert development.config["SESSION_COOKIE_SECURE"] is False
    assert create_app(TEST_CONFIG).config["SESSION_COOKIE_SECURE"] is True


def test_the_start_page_sets_no_cookie(client):
    response = client.get("/")
    assert response.headers.getlist("Set-Cookie") == []


def test_the_only_cookie_is_the_session_cookie(client):
    walk(client, answers=ANSWERS)
    names = {cookie.key for cookie in client._cookies.values()}
    assert names == {"session"}


@pytest.mark.parametrize(
    "path",
    [
        "/who",
        "/safety",
        "/signs/shallow-breathing",
        "/signs/shallow-breathing/help-now",
        "/check-answers",
        "/summary",
    ],
)
def test_pages_that_show_answers_are_never_cached(client, path):
    walk(client, answers=ANSWERS)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_keep_the_pages_to_themselves(client):
    response = client.get("/")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Over plain HTTP there is no HSTS: browsers ignore it there, and it would mislead.
    assert "Strict-Transport-Security" not in response.headers


def test_answers_never_appear_in_a_url(client):
    walk(client, audience="other", safety="yes", answers=ANSWERS)
    client.get("/summary")
    assert client.urls, "the client recorded no URLs"
    values = {"often", "sometimes", "not-sure", "yes", "other", "answer"}
    for url in client.urls:
        assert "?" not in url, url
        assert not any(value in url.split("/") for value in values), url


def test_answers_never_appear_in_a_log_line(client, caplog):
    caplog.set_level(logging.DEBUG)
    walk(client, audience="other", answers=ANSWERS)
    client.get("/summary")
    client.post("/signs/sweating", data={"answer": "often"})  # refused: no form token
    assert caplog.records, "nothing was logged, so this test would prove nothing"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in ["often", "sometimes", "not-sure", "answer"]:
        assert value not in logged


def test_the_cookie_holds_no_more_than_the_answers(client, app):
    walk(client, answers=ANSWERS)
    cookie = client.get_cookie("session")
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(cookie.value)
    assert set(data) <= {"progress", "last_seen", "csrf_token", "_flashes", "language"}


def every_reading(value: str) -> list[bytes]:
    """The cookie as it is, and decoded every way a person copying it might try."""
    readings = [value.encode()]
    for part in [value, *value.split(".")]:
        padded = part + "=" * (-len(part) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(padded)
            except ValueError:
                continue
            readings.append(raw)
            for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS, zlib.MAX_WBITS | 16):
                with contextlib.suppress(zlib.error):
                    readings.append(zlib.decompress(raw, wbits))
    return readings


# Words of five letters or more: a shorter one could turn up in random bytes.
SECRETS_OF_A_JOURNEY = [
    *(sign.id for sign in load_all_content()["en"].signs),
    "often",
    "sometimes",
    "not-sure",
    "not-prescribed",
    "yawning",
    "goosebumps",
    "progress",
    "answers",
    "emergency",
]


def test_a_copied_cookie_reads_as_nothing_decoded_any_way(client):
    """The cookie is encrypted: neither an answer nor a sign can be read from it."""
    walk(
        client,
        audience="other",
        safety="not-sure",
        use="not-prescribed",
        answers={sign.id: "often" for sign in load_all_content()["en"].signs},
        checklist=("yawning", "goosebumps"),
    )
    value = client.get_cookie("session").value
    readings = every_reading(value)
    assert len(readings) > 2, "nothing was decoded, so this test would prove nothing"
    for reading in readings:
        for secret in SECRETS_OF_A_JOURNEY:
            assert secret.encode() not in reading.lower(), secret


def test_the_readings_would_find_an_answer_in_a_signed_cookie(app):
    """The check above can fail: Flask's own signed cookie gives the answers away."""
    signed = SecureCookieSessionInterface().get_signing_serializer(app)
    value = signed.dumps({"progress": {"answers": {"sweating": "often"}}})
    assert any(b"sweating" in reading for reading in every_reading(value))


def test_the_cookie_is_as_long_whatever_the_answers(app):
    lengths = set()
    for answer in ["no", "often", "not-sure"]:
        client = app.test_client()
        every_sign = {sign.id: answer for sign in load_all_content()["en"].signs}
        walk(client, answers=every_sign, checklist=("not-sure",))
        lengths.add(len(client.get_cookie("session").value))
    # The longest answers there are: every sign not sure, every box ticked.
    checklist = load_all_content()["en"].checklist
    client = app.test_client()
    every_sign = {sign.id: "not-sure" for sign in load_all_content()["en"].signs}
    every_box = tuple(item.value for item in checklist.items)
    walk(client, "other", "not-sure", every_sign, "not-as-prescribed", checklist=every_box)
    lengths.add(len(client.get_cookie("session").value))
    assert len(lengths) == 1, lengths


@pytest.mark.parametrize(
    "change",
    [
        lambda value: value[:-2] + ("xx" if not value.endswith("xx") else "yy"),
        lambda value: value[:20] + value[21:],
        lambda value: "a." + base64.urlsafe_b64encode(b'{"progress": {}}').decode(),
        lambda value: "not a cookie at all",
    ],
    ids=["changed", "cut", "forged", "garbage"],
)
def test_a_tampered_cookie_is_a_fresh_start(client, change):
    walk(client, answers=ANSWERS)
    client.set_cookie("session", change(client.get_cookie("session").value))
    assert redirected_to(client.get("/summary")) == "/who"
    page = client.get("/who")
    assert page.status_code == 200
    assert not soup(page).select("input[checked]")


def test_answers_are_cleared_after_an_hour_without_activity(client, monkeypatch):
    walk(client, answers=ANSWERS, stop_at="/check-answers")
    later = time.time() + 61 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/check-answers")
    assert redirected_to(response) == "/who"
    page = soup(client.get("/who"))
    assert "cleared your answers after 60 minutes without use" in text_of(
        page.select_one(".notice")
    )
    assert not page.select("input[checked]")


def test_answers_are_kept_while_the_person_is_active(client, monkeypatch):
    walk(client, answers=ANSWERS, stop_at="/signs/nausea")
    start = time.time()
    for minutes in (40, 80, 120):
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/signs/nausea").status_code == 200


def test_outside_development_the_secret_key_must_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SELFCHECK_SECRET_KEY", raising=False)
    monkeypatch.delenv("SELFCHECK_DEVELOPMENT", raising=False)
    with pytest.raises(ConfigurationError, match="SELFCHECK_SECRET_KEY is not set"):
        create_app()
    monkeypatch.setenv("SELFCHECK_SECRET_KEY", "from the environment")
    assert create_app().config["SECRET_KEY"] == "from the environment"


def test_development_makes_up_a_secret_key(monkeypatch):
    monkeypatch.delenv("SELFCHECK_SECRET_KEY", raising=False)
    monkeypatch.setenv("SELFCHECK_DEVELOPMENT", "true")
    key = create_app().config["SECRET_KEY"]
    assert isinstance(key, str) and len(key) >= 32
