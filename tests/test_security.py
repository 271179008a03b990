"""Redirects, hosts, key rotation and what a compressed page may reflect."""

from __future__ import annotations

import io
import secrets
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app

from app import ConfigurationError, create_app
from questionnaire.content import load_all_content
from tests.conftest import TEST_CONFIG, make_app
from tests.pages import soup, text_of
from tests.walk import SAFETY, SIGN, WHO, coded, csrf_token, redirected_to, walk

CONTENT = load_all_content()["en"]
# What a browser sends for "no" to the nausea question, and for "me" to the first one.
NAUSEA_NO = coded(CONTENT, SIGN["nausea"], "no")
ME = coded(CONTENT, WHO, "me")

# One app for every example: Hypothesis runs many, and the app does not change.
REDIRECT_APP = make_app()

# Pieces an attacker puts in a "next" address to make it look local while leaving.
TRICKS = [
    "/",
    "//",
    "\\",
    "/\\",
    "\t",
    "\n",
    "\r",
    "\x00",
    "%2f",
    "%5c",
    "%09",
    "%0d%0a",
    "\u2215",  # division slash
    "\u2044",  # fraction slash
    "\uff0f",  # fullwidth solidus
    "\u3002",  # ideographic full stop
    "@",
    ":",
    "evil.example",
    "https:",
    "javascript:",
    "who",
    "signs",
    ".",
    "..",
]


# Locations are whole URLs on the site's own origin (text browsers stop at relative ones).
OWN_ORIGIN = "http://localhost"


def next_location(next_value: str) -> str:
    """Where the switch sends the person: the path, once the origin is checked to be ours."""
    client = REDIRECT_APP.test_client()
    response = client.get(f"/language/es?next={quote(next_value, safe='')}")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(OWN_ORIGIN + "/"), location
    return location.removeprefix(OWN_ORIGIN)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TRICKS), min_size=1, max_size=6).map("".join))
def test_the_language_switch_never_leaves_the_site(next_value):
    location = next_location(next_value)
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert all(ord(character) > 32 for character in location), repr(location)
    # And it is a page the app has.
    adapter = REDIRECT_APP.url_map.bind("localhost")
    assert adapter.match(location, method="GET")[0].startswith("check."), location


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_the_language_switch_with_any_text_never_leaves_the_site(next_value):
    location = next_location(next_value)
    assert not urlsplit(location).netloc and location.startswith("/"), location


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        (SIGN["sweating"], SIGN["sweating"]),
        (WHO, WHO),
        ("/", "/"),
        ("/%09/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/exit", "/"),
        ("/language/en", "/"),
        ("/question/1?next=//evil.example", "/"),
        ("https://evil.example/question/1", "/"),
        ("/question/99", "/question/99"),  # the not-found page, in the other language
    ],
)
def test_the_language_switch_returns_to_the_same_page_of_the_check(next_value, expected):
    assert next_location(next_value) == expected


# Values of ?language= that are not a content language, or try to be more than one.
NOT_LANGUAGES = ["fr", "", "ES", "es ", "//evil.example", "es&language=fr", "../es", "zq7x"]


@pytest.mark.parametrize("path", [WHO, SIGN["sweating"], "/check-answers", "/summary"])
def test_the_language_link_is_the_pages_own_address_with_the_language_only(client, path):
    """No other page's address, and nothing of the query string, goes into the link;
    a ?language= that is not a content language changes nothing."""
    walk(client, answers={"sweating": "often"})
    for value in NOT_LANGUAGES:
        response = client.get(path, query_string={"language": value, "next": "//evil.example"})
        assert response.status_code == 200, value
        assert soup(response).html["lang"] == "en", value
    with client.session_transaction() as session:
        assert session.get("language") in (None, "en")
    response = client.get(f"{path}?next=//evil.example&language=fr")
    links = soup(response).select(".language-link")
    assert [link["href"] for link in links] == [f"{path}?language=es"]
    assert [text_of(link) for link in links] == ["Español"]
    # Following it shows the same page in Spanish, there and then (no redirect)...
    spanish = client.get(links[0]["href"])
    assert spanish.status_code == 200 and spanish.request.path == path
    assert soup(spanish).html["lang"] == "es"
    assert [link["href"] for link in soup(spanish).select(".language-link")] == [
        f"{path}?language=en"
    ]
    # ...and the pages after it.
    assert soup(client.get(path)).html["lang"] == "es"
    assert soup(client.get(f"{path}?language=fr")).html["lang"] == "es"


def unchecked_app(**config):
    """An app whose test client does not check pages as the check's own: the plain one is not."""
    return create_app({**TEST_CONFIG, **config})


def test_a_host_not_in_trusted_hosts_gets_a_400_with_the_security_headers():
    app = unchecked_app(TRUSTED_HOSTS=["check.example.org"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "check.example.org"}).status_code == 200
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Sorry, something did not work" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


# Keys as an operator makes them (python3 -c 'import secrets; print(secrets.token_hex(32))').
NEW_KEY, OLD_KEY, OLDER_KEY = (secrets.token_hex(32) for _ in range(3))


def test_trusted_hosts_and_key_fallbacks_can_be_listed_in_the_environment(monkeypatch):
    monkeypatch.setenv("SELFCHECK_SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("SELFCHECK_SECRET_KEY_FALLBACKS", f"{OLD_KEY}, {OLDER_KEY}")
    monkeypatch.setenv("SELFCHECK_TRUSTED_HOSTS", "check.example.org,.clinic.example")
    monkeypatch.delenv("SELFCHECK_DEVELOPMENT", raising=False)
    config = create_app().config
    assert config["SECRET_KEY_FALLBACKS"] == [OLD_KEY, OLDER_KEY]
    assert config["TRUSTED_HOSTS"] == ["check.example.org", ".clinic.example"]


def production_config(**config):
    """What an operator's environment gives: no test mode, so the key rules apply."""
    return {"SECRET_KEY": NEW_KEY, **config}


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("test", "4 bytes long"),
        ("test secret key", "15 bytes long"),
        ("k" * 64, "only 1 different characters"),
        ("bench " * 8, "only 6 different characters"),
        ("0123456789abcdef" * 4, "repeats a shorter piece"),
        ("correct horse " * 4, "repeats a shorter piece"),
        # Made-up phrases of 32 or more characters: text, and too short for text.
        ("changeme-changeme-changeme-chang", "32 characters of text"),
        ("CHANGE_ME_TO_A_LONG_RANDOM_STRING", "33 characters of text"),
        ("riverside-clinic-selfcheck-secret", "33 characters of text"),
    ],
)
def test_a_weak_secret_key_is_refused_outside_development_saying_how_to_make_one(key, problem):
    for config in [{"SECRET_KEY": key}, {"SECRET_KEY_FALLBACKS": [key]}]:
        with pytest.raises(ConfigurationError) as refused:
            create_app(production_config(**config))
        message = str(refused.value)
        assert problem in message, message
        assert "python3 -c 'import secrets; print(secrets.token_hex(32))'" in message
        assert key not in message  # a log of the error shows no key
    # In development, on a person's own computer, any key will do.
    assert create_app({"SECRET_KEY": key, "DEVELOPMENT": True}).secret_key == key


def test_a_random_key_is_accepted_whatever_its_kind():
    for key in [
        secrets.token_hex(32),
        secrets.token_hex(16),
        secrets.token_urlsafe(32),
        secrets.token_bytes(32),
    ]:
        assert create_app(production_config(SECRET_KEY=key)).secret_key == key


def test_the_key_and_old_keys_can_be_read_from_files_as_docker_and_kubernetes_mount_them(
    tmp_path, monkeypatch
):
    key_file, fallbacks_file = tmp_path / "key", tmp_path / "fallbacks"
    key_file.write_text(f"{NEW_KEY}\n")
    fallbacks_file.write_text(f"{OLD_KEY}\n{OLDER_KEY}\n")
    monkeypatch.setenv("SELFCHECK_SECRET_KEY_FILE", str(key_file))
    monkeypatch.setenv("SELFCHECK_SECRET_KEY_FALLBACKS_FILE", str(fallbacks_file))
    for name in ["SELFCHECK_SECRET_KEY", "SELFCHECK_SECRET_KEY_FALLBACKS", "SELFCHECK_DEVELOPMENT"]:
        monkeypatch.delenv(name, raising=False)
    config = create_app().config
    assert config["SECRET_KEY"] == NEW_KEY
    assert config["SECRET_KEY_FALLBACKS"] == [OLD_KEY, OLDER_KEY]
    # One key a line, or separated by commas, as in SELFCHECK_SECRET_KEY_FALLBACKS.
    fallbacks_file.write_text(f"{OLD_KEY},{OLDER_KEY}")
    assert create_app().config["SECRET_KEY_FALLBACKS"] == [OLD_KEY, OLDER_KEY]
    # A weak key in a file is as weak as anywhere else.
    key_file.write_text("test\n")
    with pytest.raises(ConfigurationError, match="SELFCHECK_SECRET_KEY is 4 bytes long"):
        create_app()


@pytest.mark.parametrize("setting", ["SECRET_KEY", "SECRET_KEY_FALLBACKS"])
def test_a_key_given_both_as_a_value_and_as_a_file_is_refused(tmp_path, monkeypatch, setting):
    key_file = tmp_path / "key"
    key_file.write_text(OLD_KEY)
    monkeypatch.setenv("SELFCHECK_SECRET_KEY", NEW_KEY)
    monkeypatch.setenv(f"SELFCHECK_{setting}", OLDER_KEY)
    monkeypatch.setenv(f"SELFCHECK_{setting}_FILE", str(key_file))
    monkeypatch.delenv("SELFCHECK_DEVELOPMENT", raising=False)
    with pytest.raises(ConfigurationError, match=f"Both SELFCHECK_{setting} and SELFCHECK_"):
        create_app()


def test_a_key_file_that_cannot_be_read_is_named(tmp_path):
    missing = tmp_path / "no-such-file"
    with pytest.raises(
        ConfigurationError, match=f"SELFCHECK_SECRET_KEY_FILE: cannot read {missing}"
    ):
        create_app({"SECRET_KEY_FILE": str(missing)})


@pytest.mark.parametrize(
    "address",
    [
        "//evil.example/x",
        "http://www.weather.gov/",
        "javascript:alert(1)",
        "https://",
        "https://www.weather.gov/\r\nSet-Cookie: x=1",
        'https://www.weather.gov/"><script>',
        "https://www.weather.gov:port/",
        "/exit",
    ],
)
def test_the_deployments_exit_address_is_checked_as_a_clinics_is(address):
    with pytest.raises(ConfigurationError, match="SELFCHECK_EXIT_URL .* whole https:// address"):
        create_app(production_config(EXIT_URL=address))


def test_an_https_exit_address_is_accepted():
    app = create_app(production_config(EXIT_URL="https://www.example.org/news?x=1"))
    assert app.config["EXIT_URL"] == "https://www.example.org/news?x=1"


# Host headers that are made of a host's characters but are no host name: an
# empty label, a label over 63 characters, punycode that decodes to nothing.
BROKEN_HOSTS = ["xn--", ".", "a..b", "a" * 64 + ".example", "xn--a", "xn--:8443"]
CLINICS_FILE = Path(__file__).parent.parent / "clinics.example.toml"


def send_raw(app, path: str, host: str, scheme: str = "https"):
    """A request with exactly this Host, straight to the WSGI app: the test client
    cannot even store its cookies for a host like these."""
    path, _, query = path.partition("?")
    environ = EnvironBuilder(
        path=path, query_string=query, base_url=f"{scheme}://localhost"
    ).get_environ()
    environ["HTTP_HOST"] = host
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), headers, b"".join(body).decode()


@pytest.mark.parametrize("host", BROKEN_HOSTS)
@pytest.mark.parametrize(
    "path", ["/continue", "/language/es?next=/", "/c/riverside", "/c/riverside/", "/"]
)
def test_a_host_that_is_no_name_gets_a_400_with_the_headers_on_every_redirect(host, path):
    app = create_app(production_config(CONFIG=str(CLINICS_FILE)))
    status, headers, body = send_raw(app, path, host)
    assert status == 400, (host, path)
    assert "Sorry, something did not work" in body
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Cache-Control"] == "no-store"
    assert "Location" not in headers


@pytest.mark.parametrize("trusted", [None, ["check.example.org"]])
def test_a_clinics_address_without_its_slash_is_sent_on_with_the_headers(trusted):
    app = create_app(production_config(CONFIG=str(CLINICS_FILE), TRUSTED_HOSTS=trusted))
    status, headers, _ = send_raw(app, "/c/riverside?x=1", "check.example.org")
    assert status == 308
    assert headers["Location"] == "https://check.example.org/c/riverside/"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000")
    # A post keeps its method and body on the way (308).
    client = app.test_client()
    response = client.post("/c/riverside", base_url="https://check.example.org")
    assert response.status_code == 308


def test_a_clinics_address_without_its_slash_honours_trusted_hosts():
    app = create_app(production_config(CONFIG=str(CLINICS_FILE), TRUSTED_HOSTS=["127.0.0.1"]))
    status, headers, body = send_raw(app, "/c/riverside", "evil.example")
    assert status == 400
    assert "Location" not in headers and "evil.example" not in body
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Cache-Control"] == "no-store"
    # A slug no clinic has is an ordinary address: not found.
    status, _, _ = send_raw(app, "/c/nobody", "127.0.0.1")
    assert status == 404


def test_a_forged_forwarded_proto_changes_nothing_without_a_proxy():
    client = make_app().test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_behind_one_proxy_its_forwarded_https_is_believed():
    client = make_app(PROXY_COUNT=1).test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"


def test_hsts_is_sent_over_https_for_this_host_only_unless_the_operator_asks():
    """includeSubDomains would hold every site under the app's host name to HTTPS for two
    years: harmless at a host of its own, but at a domain's apex that is every site of it."""
    response = make_app().test_client().get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    for setting in [True, "true", "True", "1", "yes"]:
        app = make_app(HSTS_INCLUDE_SUBDOMAINS=setting)
        response = app.test_client().get("/", base_url="https://localhost")
        assert (
            response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
        )
    for setting in [False, "false", "0", "no"]:
        app = make_app(HSTS_INCLUDE_SUBDOMAINS=setting)
        response = app.test_client().get("/", base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"] == "max-age=63072000", setting


def test_hsts_include_subdomains_from_the_environment(monkeypatch):
    monkeypatch.setenv("SELFCHECK_HSTS_INCLUDE_SUBDOMAINS", "true")
    assert make_app().config["HSTS_INCLUDE_SUBDOMAINS"] is True
    monkeypatch.setenv("SELFCHECK_HSTS_INCLUDE_SUBDOMAINS", "sometimes")
    with pytest.raises(ConfigurationError, match="SELFCHECK_HSTS_INCLUDE_SUBDOMAINS .* true or"):
        make_app()


class TestKeyRotation:
    """A new secret key, with the old one as a fallback, ends no journey."""

    def rotated_client(self, client, **config):
        """The same browser (its cookie), talking to the app restarted with other keys."""
        cookie = client.get_cookie("session")
        assert cookie is not None
        rotated = make_app(**config).test_client()
        rotated.set_cookie("session", cookie.value)
        return rotated

    def test_a_journey_goes_on_after_the_key_is_rotated(self, client):
        walk(client, answers={"sweating": "often"}, stop_at=SIGN["nausea"])
        # The page was opened before the rotation; its form is sent after it.
        old_token = csrf_token(client.get(SIGN["nausea"]))
        rotated = self.rotated_client(
            client, SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[TEST_CONFIG["SECRET_KEY"]]
        )
        response = rotated.post(SIGN["nausea"], data={"csrf_token": old_token, **NAUSEA_NO})
        assert redirected_to(response) == SIGN["irritability"]
        page = soup(rotated.get(SIGN["sweating"]))
        often = coded(CONTENT, SIGN["sweating"], "often")["answer"]
        assert page.select_one(f'input[value="{often}"]').has_attr("checked")
        assert text_of(page.select_one(f'label[for="answer-{int(often)}"]')) == "Often"
        assert page.select_one(".notice") is None

    def test_without_the_old_key_the_person_is_told_the_check_starts_again(self, client):
        walk(client, answers={"sweating": "often"}, stop_at=SIGN["nausea"])
        rotated = self.rotated_client(client, SECRET_KEY=NEW_KEY)
        assert redirected_to(rotated.get(SIGN["nausea"])) == WHO
        page = soup(rotated.get(WHO))
        notice = text_of(page.select_one(".notice"))
        assert notice.startswith("We could not read your earlier answers")
        assert not page.select("input[checked]")

    def test_a_form_sent_after_the_old_key_is_gone_does_not_claim_the_answers_are_kept(
        self, client
    ):
        walk(client, stop_at=SIGN["nausea"])
        old_token = csrf_token(client.get(SIGN["nausea"]))
        rotated = self.rotated_client(client, SECRET_KEY=NEW_KEY)
        response = rotated.post(SIGN["nausea"], data={"csrf_token": old_token, **NAUSEA_NO})
        assert response.status_code == 400
        text = text_of(soup(response).main)
        assert "the check starts again" in text
        assert "still here" not in text

    def test_a_cookie_without_answers_from_the_old_key_gets_no_notice(self, client):
        client.get(WHO)  # the form token alone is in the cookie: nothing to lose
        rotated = self.rotated_client(client, SECRET_KEY=NEW_KEY)
        page = soup(rotated.get(WHO))
        assert page.select_one(".notice") is None


def test_a_cookie_older_than_flasks_31_days_is_cleared_as_idle_not_as_unreadable(
    client, monkeypatch
):
    walk(client, stop_at=SIGN["nausea"])
    later = time.time() + 40 * 24 * 60 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert redirected_to(client.get(SIGN["nausea"])) == WHO
    notice = text_of(soup(client.get(WHO)).select_one(".notice"))
    assert notice.startswith("To protect your privacy, we cleared your answers")


def test_a_wrong_method_keeps_the_allow_header(client):
    response = client.put("/summary")
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


def test_a_stale_token_with_answers_kept_says_so(client):
    walk(client, stop_at=SIGN["nausea"])
    response = client.post(SIGN["nausea"], data={"csrf_token": "stale", **NAUSEA_NO})
    assert response.status_code == 400
    assert "The answers you saved before are still here." in text_of(soup(response).main)


def test_the_health_check_touches_no_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("ok\nversion ")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cookie" not in response.headers.get("Vary", "")


def test_when_even_the_error_page_fails_a_plain_page_is_shown(monkeypatch):
    app = unchecked_app(TESTING=False, SECRET_KEY=NEW_KEY)

    def broken(*args, **kwargs):
        raise RuntimeError("the template cannot be made")

    monkeypatch.setattr("app.render_template", broken)
    response = app.test_client().get("/not-a-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Sorry, something did not work" in body
    assert '<a href="https://www.weather.gov/">Exit this page</a>' in body
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


MARKER = "zq7x"


@pytest.mark.parametrize(
    "path",
    ["/", WHO, SAFETY, SIGN["sweating"], "/check-answers", "/summary", "/question/" + MARKER],
)
def test_a_page_with_a_token_or_answers_reflects_nothing_a_stranger_sent(client, path):
    """Compression must not become a way to guess secrets (BREACH).

    That needs a page to show something an attacker sends next to the form
    token or the answers. No page does: not the query string, not the
    headers, not the path of a page that does not exist.
    """
    walk(client, answers={"sweating": "often"})
    response = client.get(
        f"{path}?{MARKER}={MARKER}&next={MARKER}&language={MARKER}",
        headers={
            "Accept-Language": f"es;q=0.1, {MARKER}",
            "Referer": f"https://{MARKER}.example/",
            "User-Agent": MARKER,
            "X-Forwarded-Host": MARKER,
        },
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert MARKER not in body.replace(f"/question/{MARKER}", ""), path
    if path.endswith(MARKER):
        # The address of a page that does not exist is shown nowhere but in the
        # language link, and that page has no token and no answers.
        assert response.status_code == 404
        assert "csrf_token" not in body and "often" not in body.lower()


def post_unsized(app, stream, cookie: str = "", scheme: str = "http") -> tuple[int, str, str]:
    """A form post whose body has no declared length, as gunicorn hands a chunked one on.

    Sent straight to the WSGI app: a test client would measure the body first.
    """
    environ = EnvironBuilder(
        path=WHO,
        base_url=f"{scheme}://localhost",
        method="POST",
        headers={"Transfer-Encoding": "chunked", "Cookie": cookie},
        content_type="application/x-www-form-urlencoded",
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": stream, "wsgi.input_terminated": True})
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    page = b"".join(body).decode()
    h1 = BeautifulSoup(page, "html.parser").h1
    return int(status.split()[0]), headers.get("Location", ""), text_of(h1) if h1 else ""


def test_an_unsized_body_over_the_limit_is_refused_before_anything_else(app):
    """Too large is said first, before the form check (which would refuse it for want of
    an Origin over HTTPS, and say the answer had expired)."""
    body = io.BytesIO(b"csrf_token=x&answer=" + b"m" * 20_000)
    assert post_unsized(app, body, scheme="https") == (
        413,
        "",
        "Sorry, something did not work",
    )


def test_an_unsized_body_within_the_limit_is_read_as_an_ordinary_form(app, client):
    page = soup(client.get(WHO))
    # The page's hidden fields (its form token, which check it was made for), and the answer.
    hidden = {field["name"]: field["value"] for field in page.select('input[type="hidden"]')}
    cookie = f"session={client.get_cookie('session').value}"
    body = io.BytesIO(urlencode({**hidden, **ME}).encode())
    assert post_unsized(app, body, cookie)[:2] == (303, f"http://localhost{SAFETY}")


def test_an_unsized_body_the_server_cannot_decode_is_a_400(app):
    class InvalidChunkSize(Exception):
        """What gunicorn raises for a broken chunk: not an OSError, which Werkzeug would catch."""

    class BrokenBody(io.RawIOBase):
        def readinto(self, buffer):
            raise InvalidChunkSize("zz")

    assert post_unsized(app, BrokenBody()) == (400, "", "Sorry, something did not work")


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("https://localhost", True),
        ("HTTPS://LOCALHOST", True),
        ("https://localhost:8443", False),
        ("http://localhost", False),
        ("https://localhost.evil.example", False),
        ("null", False),
    ],
)
def test_over_https_a_form_is_accepted_from_its_own_origin_only(client, origin, accepted):
    token = csrf_token(client.get(WHO, base_url="https://localhost"))
    response = client.post(
        WHO,
        base_url="https://localhost",
        data={"csrf_token": token, **ME},
        headers={"Origin": origin},
    )
    assert response.status_code == (303 if accepted else 400), origin


def test_a_stylesheet_address_from_an_older_page_gets_the_current_file_uncached(client):
    current = soup(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    fresh = client.get(current)
    stale = client.get("/static/style.0000000000000000.css")
    assert stale.status_code == 200 and stale.get_data() == fresh.get_data()
    assert stale.headers["Cache-Control"] == "no-cache"
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fresh.mimetype == "text/css"


@pytest.mark.parametrize(
    "address", ["/static/app.py", "/static/style", "/static/.css", "/static/..%2fapp.py"]
)
def test_only_the_static_files_themselves_are_served(client, address):
    assert client.get(address).status_code == 404
