"""A clinic's totals page for its staff: /c/<slug>/totals, behind the clinic's totals key."""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from app import ConfigurationError
from questionnaire.totals import Event, Period
from questionnaire.web import totals, totals_page
from questionnaire.web.context import CLINIC
from questionnaire.web.padding import PLACES, place_of_request
from questionnaire.web.totals import make_report, report_day, store_of
from questionnaire.web.totals_page import (
    CHALLENGE,
    EXTENSION,
    TRACKED_SLUGS,
    TRIES,
    WINDOW_SECONDS,
    Throttle,
    TotalsPage,
)
from tests.conftest import make_app
from tests.pages import soup, text_of
from tests.test_clinics import CLINICS, write_clinics

KEY = "riverside-totals-key-7c1f0e9a2b4d"
VALLE_KEY = "valle-totals-key-5e8d3a1c9f20"
# A Wednesday: the last week that is over started on Monday 9 March.
TODAY = datetime.date(2026, 3, 18)
LAST_WEEK = datetime.date(2026, 3, 9)
WEEK_BEFORE = datetime.date(2026, 3, 2)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def basic(user: str, key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


RIVERSIDE = basic("riverside", KEY)


def totals_app(folder: Path, keys: dict[str, str] | None = None, **config: Any) -> Flask:
    """The clinics of test_clinics, riverside's with its key (or those of ``keys``)."""
    data = copy.deepcopy(CLINICS)
    for clinic in data["clinics"]:
        key = (keys if keys is not None else {"riverside": KEY}).get(clinic["slug"])
        if key is not None:
            clinic["totals_key_sha256"] = digest(key)
    config.setdefault("TOTALS_URL", f"sqlite:///{folder}/t.sqlite3")
    app = make_app(CONFIG=str(write_clinics(folder, data)), **config)
    page(app).today = lambda: TODAY
    return app


def page(app: Flask) -> TotalsPage:
    found: TotalsPage = app.extensions[EXTENSION]
    return found


def seed(app: Flask, clinic: str, day: datetime.date, started: int, finished: int) -> None:
    store = store_of(app)
    assert store is not None
    for _ in range(started):
        store.add(clinic, "en", Event.STARTED, day)
    for _ in range(finished):
        store.add(clinic, "es", Event.FINISHED, day)


def cells(response: TestResponse) -> list[list[str]]:
    table = soup(response).select_one("main table")
    assert table is not None
    return [[text_of(cell) for cell in row.select("th, td")] for row in table.select("tbody tr")]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return totals_app(tmp_path, {"riverside": KEY, "valle": VALLE_KEY})


def test_the_right_key_shows_the_clinics_own_weeks_as_the_operators_report(app):
    seed(app, "riverside", LAST_WEEK + datetime.timedelta(days=2), 40, 24)
    seed(app, "riverside", WEEK_BEFORE, 7, 3)
    # 7 did not reach the summary: the 33 who did are not shown, nor the rate.
    seed(app, "riverside", WEEK_BEFORE - datetime.timedelta(days=1), 40, 33)
    # This week is not over: not shown.
    seed(app, "riverside", TODAY, 77, 66)
    seed(app, "valle", LAST_WEEK, 93, 71)
    seed(app, "", LAST_WEEK, 58, 52)
    response = app.test_client().get("/c/riverside/totals", headers=RIVERSIDE)
    assert response.status_code == 200
    page_ = soup(response)
    assert text_of(page_.h1) == "Totals for Riverside Family Clinic"
    rows = cells(response)
    assert len(rows) == 12
    # The rate in brackets, when it is shown.
    assert rows[-1] == ["Mar 9, 2026", "40", "24 (60%)"]
    assert rows[-2] == ["Mar 2, 2026", "fewer than 11", "fewer than 11"]
    assert rows[-3] == ["Feb 23, 2026", "40", "not shown"]
    assert rows[0][1:] == ["0", "0"]
    dates = [time["datetime"] for time in page_.select("tbody th time")]
    assert dates[-1] == "2026-03-09" and dates[0] == "2025-12-22"
    # The same figures as the operator's `flask totals --clinic riverside`, in the same words.
    store = store_of(app)
    assert store is not None
    made = make_report(store, ["riverside"], Period.WEEK, 12, TODAY)
    assert [row[1:] for row in rows] == [
        [
            str(row.started),
            str(row.finished) + (f" ({row.rate})" if row.rate.value is not None else ""),
        ]
        for row in made.rows
    ]
    words = text_of(page_.main)
    for other in ["93", "71", "58", "52", "77", "66", "33"]:
        assert other not in words


def test_each_clinic_sees_its_own_counts_only(app):
    seed(app, "riverside", LAST_WEEK, 40, 24)
    seed(app, "valle", LAST_WEEK, 93, 71)
    client = app.test_client()
    valle = client.get("/c/valle/totals", headers=basic("valle", VALLE_KEY))
    assert valle.status_code == 200
    # Valle's page is in Spanish, its default language: "76 %".
    assert cells(valle)[-1][1:] == ["93", "71 (76 %)"]
    assert "40" not in text_of(soup(valle).main)
    assert client.get("/c/valle/totals", headers=basic("valle", KEY)).status_code == 401
    assert client.get("/c/riverside/totals", headers=basic("riverside", VALLE_KEY)).status_code == (
        401
    )


def test_the_page_says_what_is_counted_and_what_is_not(app):
    words = text_of(soup(app.test_client().get("/c/riverside/totals", headers=RIVERSIDE)).main)
    assert "Two things only" in words and "Never an answer" in words
    assert "shown once it is over" in words
    assert "Counts from 1 to 10 read “fewer than 11”" in words
    assert "A figure they could be worked out from reads “not shown”" in words


def test_the_table_is_an_accessible_table(app):
    page_ = soup(app.test_client().get("/c/riverside/totals", headers=RIVERSIDE))
    table = page_.select_one("main table")
    caption = table.select_one("caption")
    assert text_of(caption) == "The last 12 weeks that are over, oldest first"
    assert [th["scope"] for th in table.select("thead th")] == ["col"] * 3
    assert [text_of(th) for th in table.select("thead th")] == [
        "Week of",
        "Started",
        "Reached the summary",
    ]
    assert all(row.select_one("th")["scope"] == "row" for row in table.select("tbody tr"))
    # Its box, scrolled sideways when large text makes it wider than the screen,
    # is reached by keyboard and named by the caption.
    box = table.parent
    assert box["tabindex"] == "0" and box["role"] == "region"
    assert box["aria-labelledby"] == caption["id"]
    # No script needed: the page is the table.
    assert page_.select("main form, main script") == []


def refusals(app: Flask) -> list[TestResponse]:
    """Every way in that is not a clinic's own key: each answered 401."""
    client = app.test_client()
    return [
        # No key, a wrong key, riverside's key with another user name.
        client.get("/c/riverside/totals"),
        client.get("/c/riverside/totals", headers=basic("riverside", "guess")),
        client.get("/c/riverside/totals", headers=basic("valle", KEY)),
        # A clinic without a key (valle here, in Spanish by default), whatever is given.
        client.get("/c/valle/totals"),
        client.get("/c/valle/totals", headers=basic("valle", KEY)),
        # A slug no clinic has: the clinic prefix leaves it in the path.
        client.get("/c/nope/totals"),
        client.get("/c/nope/totals", headers=basic("nope", KEY)),
        client.get("/c/Riverside/totals", headers=basic("Riverside", KEY)),
        # The check without a clinic.
        client.get("/totals", headers=basic("riverside", KEY)),
    ]


def test_every_refusal_is_the_same_401_byte_for_byte(tmp_path):
    app = totals_app(tmp_path)
    answers = refusals(app)
    first = answers[0]
    assert first.status_code == 401
    assert first.headers["WWW-Authenticate"] == CHALLENGE == 'Basic realm="Totals", charset="UTF-8"'
    for response in answers:
        assert response.status_code == 401, response.request.path
        assert list(response.headers.items()) == list(first.headers.items()), response.request.path
        assert response.get_data() == first.get_data(), response.request.path
    # Nothing of any clinic: its name, its colour (in the page or its policy), its language.
    body = first.get_data(as_text=True)
    for clinic in CLINICS["clinics"]:
        assert clinic["name"] not in body and clinic["brand_color"] not in body
    assert "sha256-" not in first.headers["Content-Security-Policy"]
    assert soup(first).html["lang"] == "en"
    assert text_of(soup(first).h1) == "Enter your clinic's totals key"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["X-Frame-Options"] == "DENY"


def test_a_refusal_is_in_the_language_asked_for_never_the_clinics(tmp_path):
    client = totals_app(tmp_path).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    spanish = [client.get(path) for path in ["/c/riverside/totals", "/c/nope/totals"]]
    assert spanish[0].get_data() == spanish[1].get_data()
    assert soup(spanish[0]).html["lang"] == "es"


def test_the_user_name_must_be_the_clinics_slug(app):
    client = app.test_client()
    for user in ["valle", "", "Riverside", "riverside ", "nope"]:
        assert client.get("/c/riverside/totals", headers=basic(user, KEY)).status_code == 401
        page(app).throttle = Throttle()
    assert client.get("/c/riverside/totals", headers=RIVERSIDE).status_code == 200


def test_the_key_is_never_taken_from_the_address(app):
    client = app.test_client()
    for query in [f"?key={KEY}", f"?password={KEY}&user=riverside", f"?riverside={KEY}"]:
        assert client.get(f"/c/riverside/totals{query}").status_code == 401
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert client.get("/c/riverside/totals", headers=bearer).status_code == 401


def test_a_key_is_checked_with_the_same_work_for_every_slug(app, monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def compare(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(totals_page.hmac, "compare_digest", compare)
    client = app.test_client()
    for path, user in [("/c/riverside/totals", "nope"), ("/c/nope/totals", "riverside")]:
        compared.clear()
        assert client.get(path, headers=basic(user, "guess")).status_code == 401
        # The user name, then a digest of 64 hex digits: a dummy one when there is none.
        assert len(compared) == 2, path
        assert len(compared[1][0]) == len(compared[1][1]) == 64
    assert compared[1][1] != digest(KEY).encode()


def test_the_page_sets_no_cookie_is_not_stored_and_not_indexed(app):
    client = app.test_client()
    answers = [
        client.get("/c/riverside/totals?language=es", headers=RIVERSIDE),
        client.get("/c/riverside/totals?language=es"),
        client.get("/c/nope/totals?language=es"),
    ]
    assert soup(answers[0]).html["lang"] == "es"
    for response in answers:
        assert "Set-Cookie" not in response.headers, response.request.path
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex"
        assert soup(response).select_one('head meta[name="robots"]')["content"] == "noindex"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get_cookie("session") is None and not list(client._cookies)


def test_the_page_is_not_padded(app):
    assert not {"totals_page.totals", "totals_page.no_such_clinic"} & PLACES
    with app.test_request_context("/totals", environ_overrides={CLINIC: "riverside"}):
        assert place_of_request() is None
    body = app.test_client().get("/c/riverside/totals", headers=RIVERSIDE).get_data()
    assert body.endswith(b"</html>")


def test_repeated_wrong_keys_wait_for_every_slug_alike(app):
    clock = Clock()
    page(app).throttle = Throttle(clock)
    client = app.test_client()
    # Asking without a key tries none: never slowed.
    for _ in range(TRIES + 2):
        assert client.get("/c/riverside/totals").status_code == 401
    for path, user in [("/c/riverside/totals", "riverside"), ("/c/nope/totals", "nope")]:
        for _ in range(TRIES):
            assert client.get(path, headers=basic(user, "guess")).status_code == 401
    slowed = [
        client.get("/c/riverside/totals", headers=RIVERSIDE),
        client.get("/c/nope/totals", headers=basic("nope", KEY)),
    ]
    for response in slowed:
        assert response.status_code == 429
        assert response.headers["Retry-After"] == str(WINDOW_SECONDS)
        assert "WWW-Authenticate" not in response.headers
        assert "Set-Cookie" not in response.headers
        assert text_of(soup(response).h1) == "Too many tries"
    assert list(slowed[0].headers.items()) == list(slowed[1].headers.items())
    assert slowed[0].get_data() == slowed[1].get_data()
    # Each slug on its own: valle's key still opens valle's page.
    assert client.get("/c/valle/totals", headers=basic("valle", VALLE_KEY)).status_code == 200
    clock.now += WINDOW_SECONDS - 20.5
    assert client.get("/c/riverside/totals", headers=RIVERSIDE).headers["Retry-After"] == "21"
    clock.now += 20.5
    assert client.get("/c/riverside/totals", headers=RIVERSIDE).status_code == 200
    assert client.get("/c/nope/totals", headers=basic("nope", "guess")).status_code == 401


def test_wrong_keys_spread_over_more_than_a_minute_are_not_slowed(app):
    clock = Clock()
    page(app).throttle = Throttle(clock)
    client = app.test_client()
    for _ in range(3 * TRIES):
        assert client.get("/c/riverside/totals", headers=basic("riverside", "x")).status_code == 401
        clock.now += WINDOW_SECONDS / (TRIES - 1) + 0.1
    assert client.get("/c/riverside/totals", headers=RIVERSIDE).status_code == 200


def test_the_throttle_remembers_a_bounded_number_of_slugs():
    clock = Clock()
    throttle = Throttle(clock)
    for number in range(TRACKED_SLUGS + 50):
        throttle.failed(f"slug-{number}-" + "x" * 5000)
    assert len(throttle) == TRACKED_SLUGS
    # The most recent are kept; a slug is known by its first 200 characters.
    assert throttle.wait(f"slug-{TRACKED_SLUGS + 49}-" + "x" * 190) == 0
    for _ in range(TRIES):
        throttle.failed("riverside")
    assert throttle.wait("riverside") == WINDOW_SECONDS
    # Slugs whose tries are over are forgotten first; then those not waiting, the
    # least recently tried first: a slug that waits is kept.
    clock.now += WINDOW_SECONDS + 1
    for _ in range(TRIES):
        throttle.failed("waiting")
    for number in range(2 * TRACKED_SLUGS):
        throttle.failed(f"new-{number}")
    assert len(throttle) == TRACKED_SLUGS
    assert throttle.wait("waiting") == WINDOW_SECONDS
    assert throttle.wait("riverside") == 0
    # When every slug remembered waits, the least recently tried is forgotten.
    for number in range(TRACKED_SLUGS):
        for _ in range(TRIES):
            throttle.failed(f"all-{number}")
    assert len(throttle) == TRACKED_SLUGS
    assert throttle.wait("waiting") == 0 and throttle.wait("all-0") == WINDOW_SECONDS


def test_counting_off_is_said_plainly_behind_the_key(tmp_path):
    app = totals_app(tmp_path, TOTALS_URL="off")
    client = app.test_client()
    assert client.get("/c/riverside/totals").status_code == 401
    response = client.get("/c/riverside/totals", headers=RIVERSIDE)
    assert response.status_code == 200
    words = text_of(soup(response).main)
    assert "Counting is off for this check, so there are no totals to show." in words
    assert soup(response).select("main table") == []


def test_a_store_that_cannot_be_read_gives_a_plain_503_logged_sparingly(app, monkeypatch, caplog):
    store = store_of(app)
    assert store is not None
    clock = Clock()
    page(app).failures.clock = clock

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database is locked\nmore detail")

    monkeypatch.setattr(store, "counts", broken)
    client = app.test_client()
    caplog.set_level(logging.WARNING)

    def unreadable() -> None:
        response = client.get("/c/riverside/totals", headers=RIVERSIDE)
        assert response.status_code == 503
        words = text_of(soup(response).main)
        assert "The totals cannot be read just now. Please try again later." in words
        assert "database is locked" not in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"

    for _ in range(3):
        unreadable()
    clock.now += totals.REPEAT_SECONDS
    unreadable()
    monkeypatch.undo()
    assert client.get("/c/riverside/totals", headers=RIVERSIDE).status_code == 200
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if "Totals" in r.getMessage()]
    assert lines == [
        (
            "ERROR",
            "Totals page: cannot read the totals (RuntimeError: database is locked); "
            "the page says so (503). Further failures are logged at most once every 10 minutes.",
        ),
        (
            "ERROR",
            "Totals page: cannot read the totals (RuntimeError: database is locked): "
            "3 failures since the last line; the page says so (503).",
        ),
        ("WARNING", "Totals page: reading the totals works again."),
    ]
    assert "more detail" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


def test_the_weeks_shown_are_over_an_hour_after_midnight(tmp_path):
    app = totals_app(tmp_path)
    assert TotalsPage().today is report_day
    # Monday 16 March, 00:30 UTC: counts of Sunday's last requests may still be on their
    # way, so the week of 9 March is not over yet.
    monday = datetime.datetime(2026, 3, 16, 0, 30, tzinfo=datetime.UTC)
    page(app).today = lambda: report_day(monday)
    seed(app, "riverside", LAST_WEEK, 40, 24)
    seed(app, "riverside", WEEK_BEFORE, 50, 25)
    rows = cells(app.test_client().get("/c/riverside/totals", headers=RIVERSIDE))
    assert rows[-1] == ["Mar 2, 2026", "50", "25 (50%)"]
    page(app).today = lambda: report_day(monday + datetime.timedelta(minutes=30))
    rows = cells(app.test_client().get("/c/riverside/totals", headers=RIVERSIDE))
    assert rows[-1] == ["Mar 9, 2026", "40", "24 (60%)"]


def test_without_a_clinics_file_there_is_no_totals_page():
    client = make_app().test_client()
    for path in ["/totals", "/c/riverside/totals"]:
        assert client.get(path, headers=RIVERSIDE).status_code == 404


@pytest.mark.parametrize(
    "value",
    [
        "not-a-digest",
        digest(KEY).upper(),
        digest(KEY)[:63],
        digest(KEY) + "0",
        KEY,
        # The SHA-256 of an empty key.
        hashlib.sha256(b"").hexdigest(),
    ],
)
def test_the_clinics_file_holds_a_keys_digest_only(tmp_path, value):
    data = copy.deepcopy(CLINICS)
    data["clinics"][0]["totals_key_sha256"] = value
    with pytest.raises(ConfigurationError) as error:
        make_app(CONFIG=str(write_clinics(tmp_path, data)))
    message = str(error.value)
    assert "entry clinics[0] (slug 'riverside'), field 'totals_key_sha256'" in message
    # Never repeated: it may be the key itself.
    assert value not in message and value.lower() not in message
