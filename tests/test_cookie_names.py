"""The session cookie's name keeps other sites of the domain from setting it.

A sibling host (``portal.clinic.example``) can set a cookie named ``session``
for the whole domain. Over HTTPS the check's cookie is ``__Host-session`` at
the root and ``__Secure-session`` under a clinic's path: browsers keep such
cookies only as the prefix says, so no other host can plant one, and a
plain ``session`` cookie is never read.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from questionnaire.web.state import cookie_name
from tests.conftest import make_app
from tests.test_clinics import clinic_app
from tests.walk import WHO, redirected_to, walk

HTTPS = "https://localhost"


def set_cookie(response) -> tuple[str, SimpleCookie]:
    (header,) = response.headers.getlist("Set-Cookie")
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(header)
    (name,) = cookie.keys()
    return header, cookie


def test_over_https_the_checks_cookie_is_a_host_cookie():
    client = make_app().test_client()
    client.get("/", base_url=HTTPS)
    response = client.get(WHO, base_url=HTTPS)
    header, cookie = set_cookie(response)
    assert list(cookie) == ["__Host-session"]
    morsel = cookie["__Host-session"]
    # What a browser asks of a __Host- cookie: Secure, the path /, no domain.
    assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"]
    assert cookie_name("session", secure=True, at_root=True) == "__Host-session"


def test_a_clinics_cookie_is_a_secure_cookie_for_its_own_path(tmp_path):
    app = clinic_app(tmp_path)
    client = app.test_client()
    response = client.get("/c/riverside/question/1", base_url=HTTPS)
    header, cookie = set_cookie(response)
    assert list(cookie) == ["__Secure-session"]
    assert cookie["__Secure-session"]["secure"]
    assert cookie["__Secure-session"]["path"] == "/c/riverside/"


def test_without_https_in_development_the_cookie_has_no_prefix():
    client = make_app(DEVELOPMENT=True, SESSION_COOKIE_SECURE=False).test_client()
    header, cookie = set_cookie(client.get(WHO))
    assert list(cookie) == ["session"]


def test_a_plain_session_cookie_planted_by_another_host_is_never_read():
    """An older, valid cookie of someone else's answers, set for the whole domain."""
    app = make_app()
    planter = app.test_client()
    walk(planter, answers={"sweating": "often"}, stop_at="/check-answers")
    planted = planter.get_cookie("session")  # made over plain HTTP: no prefix
    assert planted is not None
    person = app.test_client()
    person.set_cookie("session", planted.value, domain="localhost")
    # Over HTTPS the check reads its own __Host- cookie only: the person starts afresh.
    assert redirected_to(person.get("/continue", base_url=HTTPS)) == WHO
    assert redirected_to(person.get("/summary", base_url=HTTPS)) == WHO


def test_the_cookie_without_its_prefix_is_deleted_as_it_may_hold_answers():
    """As a release before the prefix set it: never read, and not left behind."""
    app = make_app()
    planter = app.test_client()
    walk(planter, answers={"sweating": "often"}, stop_at="/check-answers")
    old = planter.get_cookie("session")
    assert old is not None
    person = app.test_client()
    person.set_cookie("session", old.value)
    response = person.get(WHO, base_url=HTTPS)
    headers = response.headers.getlist("Set-Cookie")
    (deleted,) = [header for header in headers if header.startswith("session=;")]
    assert "Expires=Thu, 01 Jan 1970" in deleted and "Path=/" in deleted
    assert person.get_cookie("session") is None
    # Nothing to delete, nothing sent about it.
    again = person.get(WHO, base_url=HTTPS)
    assert not [h for h in again.headers.getlist("Set-Cookie") if h.startswith("session=")]
