"""Clinics: the clinics file, branded pages under /c/<slug>/, the start card and the embed page."""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import struct
import tomllib
import zlib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from coloraide import Color

from app import ConfigurationError
from questionnaire.cli import check_config
from tests.conftest import make_app
from tests.pages import soup, text_of
from tests.walk import SAFETY, SUMMARY, WHO, redirected_to, submit, walk

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "clinics.example.toml"

CLINICS: dict[str, Any] = {
    "clinics": [
        {
            "slug": "riverside",
            "name": "Riverside Family Clinic",
            "phone": "(503) 555-0142",
            "website": "https://riverside-clinic.example",
            "booking_url": "https://riverside-clinic.example/book",
            "hours": {"en": "Monday to Friday, 8 am to 6 pm", "es": "De lunes a viernes"},
            "about": {"en": "We see people <b>the same week</b>.", "es": "Citas en la semana."},
            "logo": "logo.png",
            "brand_color": "#0b5d5b",
            "default_language": "en",
            "exit_url": "https://news.example/",
            "embed_origins": ["https://riverside-clinic.example"],
        },
        {
            "slug": "valle",
            "name": "Clínica del Valle",
            "phone": "+1 915 555 0199",
            "website": "https://valle.example",
            "hours": "Lunes a sábado",
            "brand_color": "#6b2c91",
            "default_language": "es",
        },
    ]
}


def png(width: int, height: int) -> bytes:
    """A real, small PNG: one colour."""
    rows = b"".join(b"\x00" + b"\x0b\x5d\x5b" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write_clinics(folder: Path, data: dict[str, Any]) -> Path:
    (folder / "logo.png").write_bytes(png(40, 40))
    path = folder / "clinics.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def clinic_app(folder: Path, data: dict[str, Any] | None = None):
    return make_app(CONFIG=str(write_clinics(folder, data or CLINICS)))


def changed(change) -> dict[str, Any]:
    data = copy.deepcopy(CLINICS)
    change(data)
    return data


def first(key: str, value: Any):
    return lambda data: data["clinics"][0].__setitem__(key, value)


def without(key: str):
    return lambda data: data["clinics"][0].pop(key)


# Each bad value, and the words that must name it: the clinic, the key, the problem.
BAD = {
    "unknown key": (first("colour", "red"), "field 'colour': is not a key this file can have"),
    "missing name": (without("name"), "field 'name': is required, and missing"),
    "http website": (first("website", "http://riverside.example"), "not an https:// address"),
    "not a URL": (first("booking_url", "book online"), "field 'booking_url'"),
    "bad phone": (first("phone", "555-0100"), "is not a phone number that can be dialled in US"),
    "phone of another region": (
        lambda data: data["clinics"][0].update(phone="020 7946 0000", region="US"),
        "'020 7946 0000' is not a phone number that can be dialled in US",
    ),
    "exit address with a line break": (
        first("exit_url", "https://news.example/\r\nSet-Cookie: x=1"),
        "field 'exit_url'",
    ),
    "not an address": (first("website", "https://<b>x"), "is not an https:// address"),
    "origin with a directive": (
        first("embed_origins", ["https://a.example;sandbox"]),
        "field 'embed_origins",
    ),
    "logo given as data": (
        first("logo", {"media_type": "image/svg+xml", "data": "<svg onload='x()'/>"}),
        "should be the path of an image file",
    ),
    "pale colour": (first("brand_color", "#ffcc00"), "#ffcc00 has a contrast of 1.51:1"),
    "not a colour": (
        first("brand_color", "teal"),
        "field 'brand_color': 'teal' is not a colour like #1d70b8",
    ),
    "region in lower case": (
        first("region", "us"),
        "field 'region': 'us' is not a two-letter country code in capitals, like US",
    ),
    "language by name": (
        first("default_language", "english"),
        "field 'default_language': 'english' is not a two-letter language code",
    ),
    "slug with a space": (
        first("slug", "River side"),
        "field 'slug': 'River side' is not a slug like riverside",
    ),
    "http origin of a site": (
        first("embed_origins", ["http://riverside-clinic.example"]),
        "http:// is allowed only for http://localhost, http://127.0.0.1 or http://[::1]",
    ),
    "one origin, not a list": (
        first("embed_origins", "https://riverside-clinic.example"),
        "field 'embed_origins': should be a list in square brackets",
    ),
    "hours as a number": (first("hours", 9), "field 'hours': should be a text in quotes, or"),
    "empty name": (first("name", ""), "field 'name': is empty"),
    "origin with a path": (
        first("embed_origins", ["https://riverside-clinic.example/page"]),
        "is not an origin",
    ),
    "svg logo": (first("logo", "logo.svg"), "SVG is refused"),
    "large logo": (first("logo", "large.png"), "a logo may be at most 16,384"),
    "missing logo": (first("logo", "nowhere.png"), "'nowhere.png' cannot be read"),
    # The totals keep a slug in a column of 64 characters.
    "slug too long": (first("slug", "r" * 65), "at most 64 characters"),
    "duplicate slug": (
        lambda data: data["clinics"][1].__setitem__("slug", "riverside"),
        "entry clinics[1], field 'slug': 'riverside' is used twice",
    ),
    "unknown default": (
        lambda data: data.__setitem__("default_clinic", "elsewhere"),
        "field 'default_clinic': 'elsewhere' is not the slug of any clinic",
    ),
    "language without content": (
        first("default_language", "fr"),
        "field 'default_language': 'fr' has no content",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_clinics_file_stops_start_up_naming_the_file_the_clinic_and_the_key(tmp_path, case):
    change, expected = BAD[case]
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "large.png").write_bytes(png(40, 40) + b"\0" * 17_000)
    path = write_clinics(tmp_path, changed(change))
    with pytest.raises(ConfigurationError) as raised:
        make_app(CONFIG=str(path))
    message = str(raised.value)
    assert message.startswith(str(path)), message
    assert expected in message, message
    # Said once, in words: no pattern, no pydantic line repeating it for the clinics list.
    assert "\n" not in message and "Tuple" not in message and "pattern" not in message, message
    if case not in {"unknown default"}:
        assert "clinics[" in message, message


def test_a_phone_number_is_read_for_the_clinics_region(tmp_path):
    data = changed(lambda d: d["clinics"][1].update(phone="020 7946 0000", region="GB"))
    client = clinic_app(tmp_path, data).test_client()
    page = summary_of(client, prefix="/c/valle")
    assert page.select_one('.clinic-contact a[href="tel:+442079460000"]')


def test_without_a_clinics_file_the_check_is_as_it_was(client):
    page = soup(client.get("/"))
    assert text_of(page.select_one(".header__name")) == "Opioid signs self-check"
    assert page.select_one("style") is None
    assert client.get("/c/riverside/").status_code == 404
    assert client.get("/card").status_code == 404


def test_every_configured_colour_is_readable(tmp_path):
    """Checked here with coloraide, as well as at start-up: white text on it, 4.5:1."""
    for data in [CLINICS, tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))]:
        for clinic in data["clinics"]:
            contrast = Color(clinic["brand_color"]).contrast("white", method="wcag21")
            assert contrast >= 4.5, f"{clinic['slug']}: {contrast:.2f}"


def test_the_example_file_serves_both_clinics():
    app = make_app(CONFIG=str(EXAMPLE))
    client = app.test_client()
    for slug, name in [("riverside", "Riverside Family Clinic"), ("clinica-del-valle", "Clínica")]:
        page = soup(client.get(f"/c/{slug}/"))
        assert name in text_of(page.select_one(".header__clinic"))


def test_check_config_says_the_file_is_valid_or_what_is_wrong(tmp_path):
    runner = make_app().test_cli_runner()
    good = runner.invoke(check_config, [str(EXAMPLE)])
    assert good.exit_code == 0, good.output
    assert "2 clinics (riverside, clinica-del-valle), the file is valid" in good.output
    one = runner.invoke(check_config, [str(write_clinics(tmp_path, only(CLINICS["clinics"][0])))])
    assert "1 clinic (riverside), the file is valid" in one.output, one.output
    bad = write_clinics(tmp_path, changed(first("phone", "555-0100")))
    result = runner.invoke(check_config, [str(bad)])
    assert result.exit_code == 1
    assert "entry clinics[0] (slug 'riverside'), field 'phone'" in result.output


def test_a_text_missing_a_language_falls_back_with_a_warning(tmp_path, caplog):
    data = changed(lambda d: d["clinics"][0].__setitem__("hours", {"en": "Weekdays"}))
    app = clinic_app(tmp_path, data)
    assert "field 'hours': no 'es' text" in caplog.text
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    walk(client, prefix="/c/riverside")
    assert "Weekdays" in text_of(soup(client.get("/c/riverside/summary")).main)


@pytest.fixture
def clinics_app(tmp_path):
    return clinic_app(tmp_path)


def test_a_clinics_pages_are_under_its_prefix_with_its_name_and_colour(clinics_app):
    client = clinics_app.test_client()
    response = client.get("/c/riverside/")
    page = soup(response)
    assert text_of(page.select_one(".header__clinic")) == "Riverside Family Clinic"
    assert page.select_one("a.button--start")["href"] == "/c/riverside/question/1"
    # The colour is the one inline style, allowed by its hash: no 'unsafe-inline'.
    style = page.select_one("head style").string
    assert style == ":root{--brand:#0b5d5b}"
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in policy and "unsafe-inline" not in policy
    # Answers go on under the prefix, redirects too.
    response = submit(client, "/c/riverside" + WHO, answer="me")
    assert response.location == "http://localhost/c/riverside" + SAFETY


def test_the_logo_is_served_once_for_a_year_and_shown_without_words(clinics_app):
    client = clinics_app.test_client()
    logo = soup(client.get("/c/riverside/")).select_one(".header__logo")
    assert logo["alt"] == ""  # the clinic's name is written next to it
    response = client.get(logo["src"])
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/c/riverside/logo.0000000000000000").status_code == 404
    assert soup(client.get("/c/valle/")).select_one(".header__logo") is None


def test_an_unknown_clinic_is_a_friendly_not_found_page(clinics_app):
    response = clinics_app.test_client().get("/c/elsewhere/")
    assert response.status_code == 404
    page = soup(response)
    assert text_of(page.h1) == "Page not found"
    assert page.select_one(".header__clinic") is None


def test_without_a_default_clinic_the_root_is_the_unbranded_check(clinics_app):
    page = soup(clinics_app.test_client().get("/"))
    assert page.select_one(".header__clinic") is None


def test_the_default_clinic_is_served_at_the_root(tmp_path):
    data = changed(lambda d: d.__setitem__("default_clinic", "valle"))
    client = clinic_app(tmp_path, data).test_client()
    page = soup(client.get("/"))
    assert text_of(page.select_one(".header__clinic")) == "Clínica del Valle"
    assert page.select_one("a.button--start")["href"] == WHO


def test_a_clinics_own_language_is_used_when_the_browser_asks_for_none_the_check_has(
    clinics_app,
):
    client = clinics_app.test_client()
    assert soup(client.get("/c/valle/")).html["lang"] == "es"
    assert soup(client.get("/c/riverside/")).html["lang"] == "en"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert soup(client.get("/c/valle/")).html["lang"] == "en"


def test_answers_never_cross_from_one_clinic_to_another(clinics_app):
    client = clinics_app.test_client()
    walk(client, audience="other", answers={"sweating": "often"}, prefix="/c/riverside")
    assert "Sweating" in text_of(soup(client.get("/c/riverside/summary")).main)
    # Another clinic, and the unbranded check, start fresh and show nothing of it.
    for prefix in ["/c/valle", ""]:
        assert redirected_to(client.get(prefix + SUMMARY)) == prefix + WHO
        assert not soup(client.get(prefix + WHO)).select("input[checked]")
    # Answering there leaves the first clinic's journey as it was.
    walk(client, prefix="/c/valle", stop_at=SAFETY)
    assert "Sweating" in text_of(soup(client.get("/c/riverside/summary")).main)


def test_each_clinics_cookie_is_sent_to_its_own_pages_only(clinics_app):
    client = clinics_app.test_client()
    response = submit(client, "/c/riverside" + WHO, answer="me")
    cookie = response.headers["Set-Cookie"]
    assert "Path=/c/riverside/" in cookie
    neutral = submit(client, WHO, answer="me").headers["Set-Cookie"]
    assert "Path=/;" in neutral or neutral.endswith("Path=/")


def summary_of(client, prefix: str = "/c/riverside", **answers: Any):
    walk(client, prefix=prefix, **answers)
    return soup(client.get(prefix + SUMMARY))


def test_the_clinic_has_its_own_heading_high_on_the_summary_with_call_and_book_buttons(
    clinics_app,
):
    page = summary_of(clinics_app.test_client(), answers={"sweating": "often"})
    block = page.select_one(".clinic-contact")
    text = text_of(block)
    assert text_of(block.h2) == "Talk to Riverside Family Clinic"
    call = block.select_one('a[href="tel:+15035550142"]')
    assert call.get_text() == "Call (503) 555-0142" and "button" in call["class"]
    book = block.select_one('a[href="https://riverside-clinic.example/book"]')
    assert text_of(book) == "Book an appointment" and "button" in book["class"]
    assert block.select_one('a[href="https://riverside-clinic.example"]')
    assert "Monday to Friday, 8 am to 6 pm" in text
    # One plain line: a clinic's logo makes people think it has their answers.
    assert "Your answers were not sent to Riverside Family Clinic." in text
    # Just after the summary's opening: the heading, its opening words, then the clinic,
    # before the signs and far from the free services at the end.
    main = page.main
    headings = [text_of(h) for h in main.find_all("h2")]
    assert headings[0] == "Talk to Riverside Family Clinic", headings
    assert block.find_previous_sibling("p", class_="lead")
    assert block.find_parent("section") is None
    assert page.select_one(".resources").find_previous(class_="clinic-contact") is block
    # The clinic's own words, headed as its own, as plain text.
    assert "Riverside Family Clinic, in its own words" in text
    assert "We see people <b>the same week</b>." in text
    assert block.select_one("b") is None
    help_section = next(
        s for s in page.select("section") if s.h2 and "find it hard to control" in text_of(s.h2)
    )
    assert "the same week" not in text_of(help_section)


def test_the_contact_block_is_in_the_persons_language(clinics_app):
    client = clinics_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    text = text_of(summary_of(client).select_one(".clinic-contact"))
    assert "De lunes a viernes" in text and "Citas en la semana." in text
    assert "Sus respuestas no se enviaron a Riverside Family Clinic." in text


def test_exit_leaves_for_the_clinics_choice(clinics_app):
    client = clinics_app.test_client()
    assert client.get("/c/riverside/exit").location == "https://news.example/"
    assert client.get("/c/valle/exit").location == "https://www.weather.gov/"


def test_the_card_may_be_framed_by_the_clinics_sites_only_and_sets_no_cookie(clinics_app):
    client = clinics_app.test_client()
    walk(client, prefix="/c/riverside", stop_at=SAFETY)  # a session cookie is sent along
    response = client.get("/c/riverside/card")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://riverside-clinic.example" in policy
    assert "X-Frame-Options" not in response.headers
    page = soup(response)
    # One script, the check's own, that tells the framing page the card's height.
    [script] = page.select("script")
    assert re.fullmatch(r"/c/riverside/static/card\.[0-9a-f]{16}\.js", script["src"])
    body = clinics_app.test_client().get(script["src"], headers={"Accept-Encoding": ""})
    source = body.get_data(as_text=True)
    assert 'window.parent.postMessage(height, "*")' in source
    assert source.count("postMessage") == 1 and "cookie" not in source
    start = page.find("a", string="Start")
    # In the card's own language: the frame keeps no cookie to say it.
    assert start["href"] == "http://localhost/c/riverside/?language=en"
    assert start["target"] == "_top"
    assert page.find("a", string="Open the check in a new tab")["target"] == "_blank"
    assert page.select_one("a[data-exit]")["target"] == "_top"
    assert page.select_one('header .help-line a[href="tel:911"]')
    # Every other page keeps out of every frame.
    other = client.get("/c/riverside" + SAFETY)
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
    assert other.headers["X-Frame-Options"] == "DENY"


def test_a_spanish_card_and_spanish_snippets_open_the_check_in_spanish(clinics_app):
    """The clinic's default is English; a Spanish card's Empezar opens the check in Spanish,
    on a browser that asks for English, and the card still sets no cookie."""
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    client = clinics_app.test_client()
    card = client.get("/c/riverside/card?language=es", headers=english_browser)
    assert "Set-Cookie" not in card.headers
    start = soup(card).find("a", string="Empezar")
    assert start is not None and start["href"] == "http://localhost/c/riverside/?language=es"
    opened = clinics_app.test_client().get(start["href"], headers=english_browser)
    assert soup(opened).html["lang"] == "es"
    embed = client.get("/c/riverside/embed?language=es", headers=english_browser)
    codes = [text_of(code) for code in soup(embed).select("pre.embed-code code")]
    link, button, frame = codes
    assert 'href="http://localhost/c/riverside/?language=es"' in link
    assert 'href="http://localhost/c/riverside/?language=es"' in button
    assert 'src="http://localhost/c/riverside/card?language=es"' in frame
    # In the clinic's default language, the snippets leave the choice to the browser.
    english = client.get("/c/riverside/embed?language=en", headers=english_browser)
    assert "language=" not in " ".join(
        text_of(code) for code in soup(english).select("pre.embed-code code")
    )


def test_the_embed_page_gives_snippets_that_preview_as_they_read(clinics_app):
    response = clinics_app.test_client().get("/c/riverside/embed")
    page = soup(response)
    codes = [code.get_text() for code in page.select("pre code")]
    previews = page.select(".embed-preview")
    assert len(codes) == len(previews) == 3
    # The card's script is shown to copy, not run on this page (its own script fits the preview).
    codes[2], script = codes[2].split("\n", 1)
    for code, preview in zip(codes, previews, strict=True):
        assert soup_fragment(code) == soup_fragment(preview.decode_contents())
    assert page.select("main script") == []
    link, button, card = codes
    # The script takes a message from the check's own address only, from the card's frame,
    # and only a number: the height.
    assert script.startswith("<script>") and script.endswith("</script>")
    assert 'if (event.origin !== "http://localhost" || typeof event.data !== "number")' in script
    assert "frame.contentWindow === event.source" in script
    assert "frame.height = Math.ceil(event.data)" in script
    assert 'href="http://localhost/c/riverside/"' in link
    style = re.search(r'style="([^"]+)"', button).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    # Exactly the button's style is allowed, and the card may be shown in a frame.
    assert f"'unsafe-hashes' 'sha256-{digest}'" in policy and "frame-src 'self'" in policy
    assert 'src="http://localhost/c/riverside/card"' in card and 'title="' in card
    assert 'height="680"' in card and "<script" not in card
    assert "background:#0b5d5b" in button, "the button is in the clinic's brand colour"
    # Which sites may show the card, and how that is changed.
    origins = [text_of(item) for item in page.select(".embed-origins li")]
    assert origins == ["https://riverside-clinic.example"]
    text = text_of(page.main)
    assert "changes embed_origins for your clinic in the clinics file" in text
    assert "check-config" in text and "restarts the check" in text
    card_style = re.search(r'style="([^"]+)"', card).group(1)
    card_digest = base64.b64encode(hashlib.sha256(card_style.encode()).digest()).decode()
    assert f"'sha256-{card_digest}'" in policy


def soup_fragment(html: str) -> str:
    from bs4 import BeautifulSoup

    return str(BeautifulSoup(html, "html.parser"))


ELSEWHERE = {
    "en": [
        {
            "id": "emergency",
            "name": "Emergency",
            "number": "112",
            "text": "If someone may have taken too much opioid, call {emergency}.",
            "links": [{"label": "Call {emergency}", "href": "tel:{emergency}"}],
        },
        {
            "id": "crisis",
            "name": "Crisis line",
            "number": "116 123",
            "text": "Free and open day and night.",
            "links": [{"label": "Call 116 123", "href": "tel:116123"}],
        },
    ]
}


def test_a_clinic_outside_the_us_has_its_own_resources_and_emergency_number(tmp_path, caplog):
    data = changed(
        lambda d: d["clinics"][1].update(
            resources=ELSEWHERE, default_language="en", phone="+44 20 7946 0000"
        )
    )
    app = clinic_app(tmp_path, data)
    # No Spanish list: Spanish pages show the clinic's English one, and start-up says so.
    assert "field 'resources': no 'es' list" in caplog.text
    client = app.test_client()
    pages = []
    walk(
        client, safety="yes", answers={"shallow-breathing": "often"}, prefix="/c/valle", shown=pages
    )
    pages.append(client.get("/c/valle/summary"))
    for page in pages:
        body = page.get_data(as_text=True)
        assert "911" not in body and "988" not in body, page.request.path
        assert "112" in body, page.request.path
    help_line = soup(pages[-1]).select_one(".help-line")
    assert help_line.select_one('a[href="tel:112"]') and help_line.select_one(
        'a[href="tel:116123"]'
    )
    # The other clinic, and the unbranded check, keep the national resources.
    for path in ["/c/riverside/", "/"]:
        assert soup(client.get(path)).select_one('.help-line a[href="tel:911"]')


def test_a_clinics_resources_are_checked_by_the_contents_rules(tmp_path):
    resources = copy.deepcopy(ELSEWHERE)
    del resources["en"][1]["number"]
    data = changed(lambda d: d["clinics"][1].update(resources=resources, default_language="en"))
    with pytest.raises(ConfigurationError) as raised:
        clinic_app(tmp_path, data)
    message = str(raised.value)
    assert "clinics[1] (slug 'valle'), field 'resources.en'" in message
    assert "'crisis' with a 'number'" in message


def test_the_default_clinic_at_the_root_and_under_its_prefix_are_two_journeys(tmp_path):
    """Start again (or Exit) under one address leaves no answers showing at the other."""
    data = changed(lambda d: d.__setitem__("default_clinic", "riverside"))
    client = clinic_app(tmp_path, data).test_client()
    walk(client, answers={"sweating": "often"})
    assert redirected_to(client.get("/c/riverside" + SUMMARY)) == "/c/riverside" + WHO
    walk(client, prefix="/c/riverside")
    page = client.get("/c/riverside" + SUMMARY)
    start_again = soup(page).select_one('form[action="/c/riverside/start-again"]')
    token = start_again.select_one('input[name="csrf_token"]')["value"]
    client.post("/c/riverside/start-again", data={"csrf_token": token})
    assert redirected_to(client.get("/c/riverside" + SUMMARY)) == "/c/riverside" + WHO
    # The journey at the root is its own, still there.
    assert "Sweating" in text_of(soup(client.get(SUMMARY)).main)


def test_error_pages_of_a_clinic_keep_its_colour(clinics_app):
    client = clinics_app.test_client()
    walk(client, prefix="/c/riverside", stop_at=SAFETY)
    response = client.post("/c/riverside" + SAFETY, data={"answer": "no"})  # no form token
    assert response.status_code == 400
    style = soup(response).select_one("head style").string
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_the_logo_can_run_nothing_even_opened_on_its_own(clinics_app):
    client = clinics_app.test_client()
    logo = soup(client.get("/c/riverside/")).select_one(".header__logo")
    assert client.get(logo["src"]).headers["Content-Security-Policy"] == (
        "default-src 'none'; sandbox"
    )


def test_the_plain_error_page_of_a_clinic_has_its_number_and_exit(tmp_path):
    """When not even the error page can be made (a Host refused before routing)."""
    data = changed(
        lambda d: d["clinics"][1].update(
            resources=ELSEWHERE, default_language="en", exit_url="https://news.example/"
        )
    )
    app = make_app(CONFIG=str(write_clinics(tmp_path, data)), TRUSTED_HOSTS=["localhost"])
    app.test_client_class = None  # the fixed page is not made from the templates: not checked
    client = app.test_client()
    page = client.get("/c/valle/", headers={"Host": "elsewhere.example"})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert 'href="tel:112"' in body and 'href="https://news.example/"' in body
    assert "911" not in body
    neutral = client.get("/", headers={"Host": "elsewhere.example"}).get_data(as_text=True)
    assert 'href="tel:911"' in neutral


def test_a_clinics_address_without_its_slash_leads_to_it(clinics_app):
    response = clinics_app.test_client().get("/c/riverside")
    assert response.status_code == 308
    assert response.location == "http://localhost/c/riverside/"


def test_check_config_reads_the_content_the_app_would(tmp_path, monkeypatch):
    english_only = tmp_path / "content"
    english_only.mkdir()
    (english_only / "en.toml").write_bytes((ROOT / "questionnaire/content/en.toml").read_bytes())
    monkeypatch.setenv("SELFCHECK_CONTENT_DIR", str(english_only))
    result = make_app().test_cli_runner().invoke(check_config, [str(EXAMPLE)])
    assert result.exit_code == 1
    assert "field 'default_language': 'es' has no content" in result.output


def only(clinic: dict[str, Any]) -> dict[str, Any]:
    """A file with this one clinic: the common case, where a problem empties the list."""
    return {"clinics": [clinic]}


def test_a_file_of_one_clinic_names_each_problem_once(tmp_path):
    clinic = {**CLINICS["clinics"][0], "brand_color": "green", "region": "usa"}
    path = write_clinics(tmp_path, only(clinic))
    result = make_app().test_cli_runner().invoke(check_config, [str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    assert "'green' is not a colour like #1d70b8" in result.output
    assert "'usa' is not a two-letter country code" in result.output
    assert "Tuple" not in result.output and "at least 1 item" not in result.output


def test_a_file_without_a_clinic_says_so_in_words(tmp_path):
    path = tmp_path / "clinics.toml"
    path.write_text("clinics = []\n", encoding="utf-8")
    result = make_app().test_cli_runner().invoke(check_config, [str(path)])
    assert result.exit_code == 1
    assert "the file needs at least one [[clinics]] entry" in result.output


@pytest.mark.parametrize(
    "origin",
    ["http://localhost", "http://localhost:8000", "http://127.0.0.1:5500", "http://[::1]:8080"],
)
def test_a_loopback_origin_may_frame_the_card_over_http_with_a_note_that_it_is_for_testing(
    tmp_path, origin
):
    data = changed(first("embed_origins", ["https://riverside-clinic.example", origin]))
    path = write_clinics(tmp_path, data)
    result = make_app().test_cli_runner().invoke(check_config, [str(path)])
    assert result.exit_code == 0, result.output
    assert (
        f"Note: {path}: entry clinics[0] (slug 'riverside'), field 'embed_origins': {origin} "
        "is a page on this computer: it is for trying the card out" in result.output
    )
    assert "localhost and 127.0.0.1 are different sites to a browser" in result.output
    response = clinic_app(tmp_path, data).test_client().get("/c/riverside/card")
    assert (
        f"https://riverside-clinic.example {origin}" in response.headers["Content-Security-Policy"]
    )


@pytest.mark.parametrize(
    "origin",
    [
        "http://riverside-clinic.example",
        "http://localhost.example",
        "http://127.0.0.2",
        "http://localhost:8000/",
        "http://user@localhost",
        "ftp://localhost",
    ],
)
def test_every_other_origin_must_be_https(tmp_path, origin):
    path = write_clinics(tmp_path, changed(first("embed_origins", [origin])))
    result = make_app().test_cli_runner().invoke(check_config, [str(path)])
    assert result.exit_code == 1, result.output
    assert "field 'embed_origins[0]'" in result.output


def test_an_https_site_gets_no_note(tmp_path):
    result = make_app().test_cli_runner().invoke(check_config, [str(EXAMPLE)])
    assert "Note:" not in result.output


def test_a_phone_extension_is_kept_in_the_call_link(tmp_path):
    data = changed(first("phone", "(503) 555-0142 ext. 12"))
    client = clinic_app(tmp_path, data).test_client()
    link = summary_of(client).select_one('.clinic-contact a[href^="tel:"]')
    assert link["href"] == "tel:+15035550142;ext=12"
    assert text_of(link) == "Call (503) 555-0142 ext. 12"


def test_a_missing_text_warning_names_the_text_shown_and_a_text_never_shown(tmp_path, caplog):
    """The Spanish clinic has hours in English and French only: Spanish pages show the English."""
    data = changed(
        lambda d: d["clinics"][1].__setitem__("hours", {"en": "Weekdays", "fr": "Lundi"})
    )
    path = write_clinics(tmp_path, data)
    result = make_app().test_cli_runner().invoke(check_config, [str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "(slug 'valle'), field 'hours': no 'es' text; pages in that language show the 'en' one"
        in result.output
    )
    assert "show the 'es' one" not in result.output
    assert "(slug 'valle'), field 'hours': the 'fr' text is never shown" in result.output
    client = clinic_app(tmp_path, data).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    assert "Weekdays" in text_of(
        summary_of(client, prefix="/c/valle").select_one(".clinic-contact")
    )


def test_the_example_file_header_gives_a_command_that_works_from_a_checkout():
    header = EXAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert ".venv/bin/flask --app app check-config clinics.example.toml" in header
    assert "# Check it without starting the app: flask" not in header


def test_the_embed_page_says_when_no_site_may_show_the_card(clinics_app):
    page = soup(clinics_app.test_client().get("/c/valle/embed"))
    assert page.select(".embed-origins") == []
    assert "Ningún sitio puede mostrar la tarjeta todavía" in text_of(page.main)
