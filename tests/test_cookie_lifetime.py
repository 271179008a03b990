"""A copy of the session cookie shows the answers for a limited time, whatever is done with it.

The answers are kept for ANSWERS_IDLE_SECONDS after their last use, and never
longer than ANSWERS_MAX_SECONDS after they were first saved: neither opening
pages nor "Keep my answers" moves that second limit. Start again also drops
the form token, so a form or a post from before it is refused.
"""

from __future__ import annotations

import base64
import time

import pytest
from flask import Flask

from app import ConfigurationError, create_app
from questionnaire.content import load_all_content
from tests.conftest import TEST_CONFIG, CheckedClient, make_app
from tests.pages import soup, text_of
from tests.walk import (
    SAFETY,
    SIGN,
    SUMMARY,
    WHO,
    coded,
    csrf_token,
    redirected_to,
    submit,
    walk,
)

# Short limits, so that the absolute one comes before the idle one can be used up twice.
IDLE = 240
MAX = 300
ANSWERS = {"sweating": "often"}


class Clock:
    """``time.time``, held still and moved on by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.start = float(int(time.time()))
        self.now = self.start
        monkeypatch.setattr(time, "time", lambda: self.now)

    def at(self, seconds: float) -> None:
        """Move to ``seconds`` after the start."""
        self.now = self.start + seconds


@pytest.fixture
def short_app() -> Flask:
    return make_app(ANSWERS_IDLE_SECONDS=IDLE, ANSWERS_MAX_SECONDS=MAX)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def new_client(app: Flask) -> CheckedClient:
    client = app.test_client()
    assert isinstance(client, CheckedClient)
    return client


def copy_of(app: Flask, cookie: str) -> CheckedClient:
    """Another browser holding a copy of a person's cookie."""
    client = new_client(app)
    client.set_cookie("session", cookie)
    return client


def shows_the_answers(client: CheckedClient) -> bool:
    response = client.get(SUMMARY)
    if response.status_code != 200:
        return False
    return "Sweating" in text_of(soup(response).main)


def what_a_cleared_copy_gets(client: CheckedClient) -> tuple[int, str, str, bool]:
    """/keep-answers' status, where the summary leads, the notice there, any answer ticked."""
    kept = client.get("/keep-answers").status_code
    to = redirected_to(client.get(SUMMARY))
    page = soup(client.get(to))
    notice = page.select_one(".notice")
    return kept, to, text_of(notice) if notice else "", bool(page.select("input[checked]"))


def session_data(app: Flask, client: CheckedClient) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)


def test_a_copied_cookie_stops_showing_answers_at_the_absolute_limit_however_often_it_is_kept(
    short_app, clock
):
    """A copy taken before Start again, kept alive through /keep-answers and page views,
    shows the answers until the absolute limit, then gets just what an idle copy gets."""
    person = new_client(short_app)
    walk(person, answers=ANSWERS)
    copied = person.get_cookie("session").value
    token = csrf_token(person.get(SUMMARY))
    assert redirected_to(person.post("/start-again", data={"csrf_token": token})) == "/"
    assert not shows_the_answers(person)

    kept = copy_of(short_app, copied)
    idle = copy_of(short_app, copied)
    late = copy_of(short_app, copied)  # left alone past both limits
    for seconds in (60, 120, 180, 240):
        clock.at(seconds)
        assert kept.get("/keep-answers").status_code == 204
    clock.at(241)  # the idle limit, for the copy that was left alone
    cleared_when_idle = what_a_cleared_copy_gets(idle)
    assert cleared_when_idle[:2] == (410, WHO)
    assert "cleared your answers after 4 minutes without use" in cleared_when_idle[2]
    assert cleared_when_idle[3] is False

    clock.at(290)
    assert shows_the_answers(kept)  # its idle clock is fresh: moved on at 240 and at 290
    clock.at(MAX)
    # Cleared as the idle copy was, but saying which limit it reached.
    cleared_at_the_limit = what_a_cleared_copy_gets(kept)
    assert cleared_at_the_limit[:2] == cleared_when_idle[:2]
    assert cleared_at_the_limit[3] is False
    assert "cleared your answers 5 minutes after the first one" in cleared_at_the_limit[2]
    # And it stays gone.
    clock.at(MAX + 30)
    assert not shows_the_answers(kept)
    # Past both limits, the one it reached first is the one said: idle.
    assert "after 4 minutes without use" in what_a_cleared_copy_gets(late)[2]


def test_keep_answers_says_gone_at_the_absolute_limit_with_a_fresh_idle_clock(short_app, clock):
    client = new_client(short_app)
    walk(client, answers=ANSWERS)
    clock.at(200)
    assert client.get("/keep-answers").status_code == 204
    clock.at(MAX - 1)
    assert client.get("/keep-answers").status_code == 204
    clock.at(MAX)  # one second after the clock was reset
    assert client.get("/keep-answers").status_code == 410
    assert redirected_to(client.get(SUMMARY)) == WHO


def test_page_views_keep_answers_and_later_answers_never_extend_the_absolute_limit(
    short_app, clock
):
    client = new_client(short_app)
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])
    first_saved = session_data(short_app, client)["issued_at"]
    assert first_saved == int(clock.start)
    for seconds in (61, 122, 183, 244):
        clock.at(seconds)
        assert client.get(SIGN["nausea"]).status_code == 200
        assert client.get("/keep-answers").status_code == 204
    clock.at(250)
    # A later answer is saved, and moves the idle clock, but not the first time.
    assert redirected_to(submit(client, SIGN["nausea"], answer="often")) != WHO
    data = session_data(short_app, client)
    assert (data["issued_at"], data["last_seen"]) == (first_saved, int(clock.start) + 250)
    clock.at(MAX - 1)
    assert client.get(SIGN["nausea"]).status_code == 200
    clock.at(MAX)
    assert redirected_to(client.get(SIGN["nausea"])) == WHO
    notice = text_of(soup(client.get(WHO)).select_one(".notice"))
    assert "cleared your answers 5 minutes after the first one" in notice


def test_new_answers_after_the_limit_are_kept_for_the_whole_time_again(short_app, clock):
    """The limit is of the answers, not of the browser: a new start counts from its first answer."""
    client = new_client(short_app)
    walk(client, answers=ANSWERS, stop_at=SAFETY)
    clock.at(MAX)
    walk(client, answers=ANSWERS, stop_at=SAFETY)
    assert session_data(short_app, client)["issued_at"] == int(clock.start) + MAX
    clock.at(MAX + 200)
    assert client.get("/keep-answers").status_code == 204
    clock.at(2 * MAX - 1)
    assert client.get("/keep-answers").status_code == 204
    clock.at(2 * MAX)
    assert client.get("/keep-answers").status_code == 410


def test_the_page_tells_its_script_the_sooner_of_the_two_limits(short_app, clock):
    client = new_client(short_app)
    walk(client, answers=ANSWERS, stop_at=SIGN["nausea"])

    def left_at(seconds: int, path: str = SIGN["nausea"]) -> tuple[str, str]:
        clock.at(seconds)
        main = soup(client.get(path)).main
        return main["data-idle-left"], main["data-idle-limit"]

    # Idle sooner: 240 s after the last use, against 300 s after the first answer.
    assert left_at(0) == (str(IDLE), str(IDLE))
    # Within the minute the idle clock is not moved: 240 - 30 against 300 - 30.
    assert left_at(30) == (str(IDLE - 30), str(IDLE))
    # The page at 100 s moves the idle clock (240 left), but 200 s are left of the 300.
    assert left_at(100) == (str(MAX - 100), str(IDLE))
    clock.at(250)
    assert client.get("/keep-answers").status_code == 204
    assert left_at(250, WHO) == (str(MAX - 250), str(IDLE))


def test_with_the_default_limits_the_idle_one_comes_first(client, monkeypatch):
    start = float(int(time.time()))
    monkeypatch.setattr(time, "time", lambda: start)
    walk(client, stop_at=SAFETY)
    assert soup(client.get(SAFETY)).main["data-idle-left"] == str(60 * 60)
    # An hour and 35 minutes later, used every few minutes: half an hour is left of the two.
    for minutes in range(5, 100, 5):
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/keep-answers").status_code == 204
    assert soup(client.get(SAFETY)).main["data-idle-left"] == str(25 * 60)


def test_the_absolute_limit_is_two_hours_unless_set():
    assert create_app(TEST_CONFIG).config["ANSWERS_MAX_SECONDS"] == 2 * 60 * 60


def test_the_absolute_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SELFCHECK_ANSWERS_MAX_SECONDS", "5400")
    assert create_app(TEST_CONFIG).config["ANSWERS_MAX_SECONDS"] == 5400


@pytest.mark.parametrize("max_seconds", [IDLE - 1, "239", 0])
def test_an_absolute_limit_below_the_idle_limit_is_refused(max_seconds):
    config = {**TEST_CONFIG, "ANSWERS_IDLE_SECONDS": IDLE, "ANSWERS_MAX_SECONDS": max_seconds}
    with pytest.raises(ConfigurationError, match="ANSWERS_MAX_SECONDS is .*ANSWERS_IDLE_SECONDS"):
        create_app(config)


def test_a_longer_idle_limit_needs_a_longer_absolute_limit_too(monkeypatch):
    monkeypatch.setenv("SELFCHECK_ANSWERS_IDLE_SECONDS", "10800")
    with pytest.raises(ConfigurationError, match="ANSWERS_MAX_SECONDS is 7200"):
        create_app(TEST_CONFIG)
    app = create_app({**TEST_CONFIG, "ANSWERS_MAX_SECONDS": 10800})  # equal is enough
    assert app.config["ANSWERS_MAX_SECONDS"] == 10800


def test_start_again_makes_a_new_form_token_and_refuses_the_old_one(app, client):
    walk(client, answers=ANSWERS)
    old_token = csrf_token(client.get(SUMMARY))
    old_secret = session_data(app, client)["csrf_token"]
    response = client.post("/start-again", data={"csrf_token": old_token})
    assert redirected_to(response) == "/"
    assert "csrf_token" not in session_data(app, client)
    # The start page, then the first question with its new token.
    assert client.get("/").status_code == 200
    page = client.get(WHO)
    new_token = csrf_token(page)
    assert session_data(app, client)["csrf_token"] != old_secret
    sent = {"csrf_token": new_token, **coded(app.extensions["selfcheck_content"]["en"], WHO, "me")}
    assert redirected_to(client.post(WHO, data=sent)) == SAFETY
    # A post from before Start again, sent now, is refused, and saves nothing.
    for path, fields in [(SAFETY, {"answer": "no"}), ("/start-again", {})]:
        replayed = client.post(path, data={"csrf_token": old_token, **fields})
        assert replayed.status_code == 400, path
        assert text_of(soup(replayed).h1) == "Your last answer was not saved"
    assert client.get(SAFETY).status_code == 200
    assert not soup(client.get(SAFETY)).select("input[checked]")


def test_the_cookie_stays_one_padded_block_with_its_times(app):
    """The longest session there is, with both times, fits the padding: the cookie's
    length still says nothing of the answers."""
    content = load_all_content()["en"]
    client = new_client(app)
    walk(
        client,
        audience="other",
        safety="not-sure",
        use="not-as-prescribed",
        default="not-sure",
        checklist=tuple(item.value for item in content.checklist.items),
    )
    client.get("/language/es?next=/summary")
    data = session_data(app, client)
    assert {"issued_at", "last_seen", "progress", "csrf_token", "language"} <= set(data)
    # One block of padding: 12 bytes of nonce, 1024 of text, 16 of tag, in base64, and "a.".
    one_block = 2 + len(base64.urlsafe_b64encode(bytes(12 + 1024 + 16)).rstrip(b"="))
    assert len(client.get_cookie("session").value) == one_block
