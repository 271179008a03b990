"""Nothing a person answers is kept on the server, logged, or put in a URL."""

from __future__ import annotations

import logging
import time
from http.cookies import SimpleCookie

import pytest

from app import ConfigurationError, create_app
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


def test_the_cookie_holds_no_more_than_the_answers_and_is_signed(client, app):
    walk(client, answers=ANSWERS)
    cookie = client.get_cookie("session")
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(cookie.value)
    assert set(data) <= {"progress", "last_seen", "csrf_token", "_flashes", "language"}
    # A cookie changed by anyone but the app is ignored: the person starts over.
    client.set_cookie("session", cookie.value[:-2] + "xx")
    assert redirected_to(client.get("/summary")) == "/who"


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
