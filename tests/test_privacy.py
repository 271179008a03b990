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
from tests.conftest import TEST_CONFIG, CheckedClient
from tests.pages import soup, text_of
from tests.walk import (
    CHECK,
    EMERGENCY,
    SAFETY,
    SIGN,
    SUMMARY,
    WHO,
    notices_on,
    place,
    redirected_to,
    submit,
    walk,
)

ANSWERS = {"shallow-breathing": "often", "sweating": "sometimes", "headaches": "not-sure"}


def session_cookie(response) -> SimpleCookie:
    headers = response.headers.getlist("Set-Cookie")
    assert headers, f"{response.request.path}: no cookie was set"
    cookie = SimpleCookie()
    cookie.load(headers[-1])
    return cookie


def test_the_session_cookie_is_httponly_lax_secure_and_ends_with_the_browser(client):
    response = submit(client, WHO, answer="me")
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
        WHO,
        SAFETY,
        SIGN["shallow-breathing"],
        "/check-answers",
        "/summary",
    ],
)
def test_pages_that_show_answers_are_never_cached(client, path):
    walk(client, answers=ANSWERS)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_notice_is_never_cached(client):
    walk(client, answers={"shallow-breathing": "often"}, stop_at=SIGN["narrowed-pupils"])
    response = client.get(SIGN["narrowed-pupils"])
    assert notices_on(response) == ["interruption"]
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


# The two journeys furthest apart: nothing noticed, and every alarming answer there is.
NOTHING_NOTICED = {
    "audience": "me",
    "safety": "no",
    "use": "as-prescribed",
    "default": "no",
    "checklist": ("none",),
}
EVERY_ALARM = {
    "audience": "other",
    "safety": "yes",
    "use": "not-prescribed",
    "default": "often",
    "checklist": ("yawning", "goosebumps"),
}


def requests_of(app, answers) -> tuple[list[str], CheckedClient]:
    client = app.test_client()
    visited = walk(client, **answers)
    client.get("/summary")
    return visited, client


def test_the_addresses_a_person_visits_do_not_depend_on_the_answers(app):
    """Browser history, proxy and access logs see the same requests for any answers."""
    quiet, nothing = requests_of(app, NOTHING_NOTICED)
    alarmed, every = requests_of(app, EVERY_ALARM)
    # The alarming answers did bring up the emergency guidance and three interruptions...
    assert EMERGENCY in alarmed
    assert len(alarmed) == len(quiet) + 4, alarmed
    # ...on the pages of the places after their answers: the same requests, in the same order.
    assert [page for page in alarmed if place(page) == page] == quiet
    assert nothing.urls == every.urls
    methods = [(r.request.method, r.request.path) for r in nothing.responses]
    assert methods == [(r.request.method, r.request.path) for r in every.responses]
    assert quiet == [f"/question/{n}" for n in range(1, 14)] + [CHECK, SUMMARY]


def test_a_redirect_says_nothing_of_the_answer_it_follows(app):
    """Status, address and size of an answer's redirect are the same for any answer.

    A notice has no Continue of its own, so the alarming journey has no
    redirects the quiet one does not: the same ones, in the same order.
    """
    _, nothing = requests_of(app, NOTHING_NOTICED)
    _, every = requests_of(app, EVERY_ALARM)

    def redirects(client: CheckedClient) -> list[tuple[str, int, str | None, int, bool]]:
        return [
            (
                response.request.path,
                response.status_code,
                response.location,
                len(response.get_data()),
                "Set-Cookie" in response.headers,
            )
            for response in client.responses
            if response.request.method == "POST"
        ]

    assert len(redirects(nothing)) == 13 + 1  # every question, and check your answers
    assert all(status == 303 for _, status, _, _, _ in redirects(nothing))
    assert redirects(nothing) == redirects(every)


def test_answers_never_appear_in_a_log_line(client, caplog):
    caplog.set_level(logging.DEBUG)
    walk(client, audience="other", answers=ANSWERS)
    client.get("/summary")
    client.post(SIGN["sweating"], data={"answer": "often"})  # refused: no form token
    assert caplog.records, "nothing was logged, so this test would prove nothing"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in ["often", "sometimes", "not-sure", "answer"]:
        assert value not in logged


def test_the_cookie_holds_no_more_than_the_answers(client, app):
    walk(client, answers=ANSWERS)
    cookie = client.get_cookie("session")
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(cookie.value)
    allowed = {
        "progress",
        "last_seen",
        "issued_at",
        "csrf_token",
        "_flashes",
        "language",
        "scope",
        # That this journey's summary was counted in the totals: the same for
        # every journey that gets there, whatever its answers.
        "finished",
    }
    assert set(data) <= allowed
    assert data["finished"] is True
    # Whose session it is: here, the check's at the root.
    assert data["scope"] == ""


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
    assert redirected_to(client.get("/summary")) == WHO
    page = client.get(WHO)
    assert page.status_code == 200
    assert not soup(page).select("input[checked]")


def test_answers_are_cleared_after_an_hour_without_activity(client, monkeypatch):
    walk(client, answers=ANSWERS, stop_at="/check-answers")
    later = time.time() + 61 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/check-answers")
    assert redirected_to(response) == WHO
    page = soup(client.get(WHO))
    assert "cleared your answers after 60 minutes without use" in text_of(
        page.select_one(".notice")
    )
    assert not page.select("input[checked]")


def test_answers_are_kept_while_the_person_is_active(client, monkeypatch):
    """Past the idle limit since the first answer, but within ANSWERS_MAX_SECONDS (2 hours)."""
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])
    start = time.time()
    for minutes in (40, 80, 110):
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get(SIGN["nausea"]).status_code == 200


def test_a_page_with_answers_gives_the_script_the_idle_warning_in_words(client, monkeypatch):
    """Two minutes before the limit: the words, the time, and the button's label."""
    # A still clock: on a busy machine a second can pass between two pages.
    start = float(int(time.time()))
    monkeypatch.setattr(time, "time", lambda: start)
    fresh = soup(client.get(WHO)).main
    assert not fresh.has_attr("data-idle-left"), "nothing to lose yet, nothing to warn of"
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])
    for path in [SIGN["nausea"], WHO]:
        main = soup(client.get(path)).main
        assert (main["data-idle-left"], main["data-idle-ahead"]) == (str(60 * 60), "120")
        assert main["data-idle-limit"] == str(60 * 60)
        assert main["data-idle-warning"] == (
            "To protect your privacy, your answers will be cleared in 2 minutes "
            "if the check is not used."
        )
        assert main["data-idle-keep"] == "Keep my answers"
        assert main["data-idle-kept"] == "Your answers are kept for another 60 minutes."
    # The start page keeps no time: it is not where answers are used.
    assert not soup(client.get("/")).main.has_attr("data-idle-left")


def test_a_page_opened_within_a_minute_leaves_the_cookie_and_tells_the_time_left(
    client, monkeypatch
):
    """Opening a page does not send the whole cookie back to move the clock by seconds:
    the clock moves once it is a minute old, and the page says how long is left."""
    start = float(int(time.time()))
    monkeypatch.setattr(time, "time", lambda: start)
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])
    monkeypatch.setattr(time, "time", lambda: start + 50)
    page = client.get(SIGN["nausea"])
    assert "Set-Cookie" not in page.headers
    assert soup(page).main["data-idle-left"] == str(60 * 60 - 50)
    monkeypatch.setattr(time, "time", lambda: start + 61)
    page = client.get(SIGN["nausea"])
    assert "Set-Cookie" in page.headers
    assert soup(page).main["data-idle-left"] == str(60 * 60)


def test_answers_are_cleared_an_hour_after_the_clock_last_moved(client, monkeypatch):
    """A page opened within the minute did not move the clock, and the limit counts from it."""
    start = float(int(time.time()))
    monkeypatch.setattr(time, "time", lambda: start)
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])
    monkeypatch.setattr(time, "time", lambda: start + 50)
    client.get(SIGN["nausea"])
    monkeypatch.setattr(time, "time", lambda: start + 60 * 60 + 1)
    page = client.get(SIGN["nausea"], follow_redirects=True)
    assert "we cleared your answers after 60 minutes" in page.text


def test_an_idle_limit_too_short_to_warn_ahead_is_refused():
    with pytest.raises(ConfigurationError, match="at least 240 seconds"):
        create_app({**TEST_CONFIG, "ANSWERS_IDLE_SECONDS": 120})


def test_a_shorter_idle_limit_is_warned_of_two_minutes_ahead():
    app = create_app({**TEST_CONFIG, "ANSWERS_IDLE_SECONDS": "300"})  # as the environment gives it
    client = app.test_client()
    walk(client, stop_at=SAFETY)
    main = soup(client.get(SAFETY)).main
    assert (main["data-idle-left"], main["data-idle-limit"]) == ("300", "300")
    assert "cleared in 2 minutes if" in main["data-idle-warning"]
    assert main["data-idle-kept"] == "Your answers are kept for another 5 minutes."
    assert main["data-idle-keep-url"] == "/keep-answers"


def test_keeping_the_answers_resets_the_clock_only_while_they_are_kept(client, monkeypatch):
    """The script's "Keep my answers": never says kept when they are gone, never clears."""
    assert client.get("/keep-answers").status_code == 410  # nothing to keep
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 59 * 60)
    response = client.get("/keep-answers")
    assert response.status_code == 204 and response.headers["Cache-Control"] == "no-store"
    # Kept from then: 100 minutes after the last page, they are still there (the
    # maximum of two hours from the first answer is not reached yet).
    monkeypatch.setattr(time, "time", lambda: start + 100 * 60)
    assert client.get(SIGN["nausea"]).status_code == 200
    # Past the limit: gone, and the page opened next still says so.
    monkeypatch.setattr(time, "time", lambda: start + 180 * 60)
    assert client.get("/keep-answers").status_code == 410
    assert redirected_to(client.get(SIGN["nausea"])) == WHO
    notice = text_of(soup(client.get(WHO)).select_one(".notice"))
    assert notice.startswith("To protect your privacy, we cleared your answers")


def test_the_idle_warning_is_in_spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    walk(client, stop_at=SAFETY)
    main = soup(client.get(SAFETY)).main
    assert main["data-idle-warning"].startswith("Para proteger su privacidad")
    assert main["data-idle-keep"] == "Conservar mis respuestas"


def test_outside_development_the_secret_key_must_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SELFCHECK_SECRET_KEY", raising=False)
    monkeypatch.delenv("SELFCHECK_DEVELOPMENT", raising=False)
    with pytest.raises(ConfigurationError, match="SELFCHECK_SECRET_KEY is not set"):
        create_app()
    key = "9d3b7f1e5a2c8e4b6d0f3a7c1e9b5d2f8a4c6e0b3d7f1a5c9e2b8d4f6a0c3e7b"
    monkeypatch.setenv("SELFCHECK_SECRET_KEY", key)
    assert create_app().config["SECRET_KEY"] == key


def test_development_makes_up_a_secret_key(monkeypatch):
    monkeypatch.delenv("SELFCHECK_SECRET_KEY", raising=False)
    monkeypatch.setenv("SELFCHECK_DEVELOPMENT", "true")
    key = create_app().config["SECRET_KEY"]
    assert isinstance(key, str) and len(key) >= 32
