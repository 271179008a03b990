"""A clinic's pages in a real browser, served by the production server over HTTPS.

The embed page's card snippet is pasted into a page of another origin (another
port on 127.0.0.1), as a clinic's web staff would paste it into their site.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from questionnaire.content import Audience, load_all_content
from questionnaire.flow import Progress
from questionnaire.web.state import cookie_name
from tests.browser.conftest import keep_traffic_local, printed_text
from tests.browser.test_accessibility import describe, nu_html_errors
from tests.browser.tour import AXE_TAGS
from tests.conftest import make_app
from tests.server import FixedPageSite, ProductionServer, fixed_page_site, production_server
from tests.test_clinics import CLINICS, write_clinics

CHECKLIST_SIGNS = [item.value for item in load_all_content()["en"].checklist.items]
ANSWERED = Progress(
    audience=Audience.OTHER,
    safety="no",
    use="mix",
    answers={
        "shallow-breathing": "no",
        "narrowed-pupils": "no",
        "speech-problems": "no",
        "pain-sensitivity": "no",
        "sweating": "often",
        "nausea": "no",
        "irritability": "no",
        "craving": "sometimes",
        "headaches": "no",
    },
    # No to every sign of the checklist page.
    checklist=dict.fromkeys(CHECKLIST_SIGNS, "no"),
    confirmed=True,
)


# Riverside's totals key (its SHA-256 is in the clinics file).
TOTALS_KEY = "a-totals-key-for-the-browser-tests-0123456789"


@pytest.fixture(scope="module")
def clinic_sites(tmp_path_factory) -> Iterator[tuple[FixedPageSite, FixedPageSite]]:
    """A clinic's own site, listed in its embed_origins, and a site that is not."""
    with (
        fixed_page_site(tmp_path_factory.mktemp("allowed-site"), "") as allowed,
        fixed_page_site(tmp_path_factory.mktemp("refused-site"), "") as refused,
    ):
        yield allowed, refused


@pytest.fixture(scope="module")
def clinics_file(tmp_path_factory, clinic_sites, neutral_site) -> Path:
    allowed, _ = clinic_sites
    data = copy.deepcopy(CLINICS)
    data["clinics"][0]["embed_origins"] = [allowed.url.rstrip("/")]
    data["clinics"][0]["exit_url"] = neutral_site.url
    data["clinics"][0]["totals_key_sha256"] = hashlib.sha256(TOTALS_KEY.encode()).hexdigest()
    return write_clinics(tmp_path_factory.mktemp("clinics"), data)


@pytest.fixture(scope="module")
def clinic_server(
    tmp_path_factory, clinics_file: Path, neutral_site: FixedPageSite
) -> Iterator[ProductionServer]:
    folder = tmp_path_factory.mktemp("clinic-server")
    environment = {"SELFCHECK_CONFIG": str(clinics_file), "SELFCHECK_EXIT_URL": neutral_site.url}
    with production_server(folder, environment) as server:
        yield server


@pytest.fixture
def context(
    browser: Browser, clinic_server, clinic_sites, neutral_site
) -> Iterator[BrowserContext]:
    allowed, refused = clinic_sites
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 360, "height": 800})
    context.set_default_timeout(10_000)
    keep_traffic_local(context, clinic_server.url, allowed.url, refused.url, neutral_site.url)
    yield context
    context.close()


def card_snippet(page: Page, clinic_server: ProductionServer) -> str:
    """The card's snippet, as the web staff copy it from the embed page."""
    page.goto(f"{clinic_server.url}/c/riverside/embed")
    snippet = page.locator("pre code").nth(2).inner_text()
    assert snippet.startswith("<iframe"), snippet
    return snippet


def paste(site: FixedPageSite, snippet: str) -> None:
    site.page = (
        "<!doctype html><html lang=en><title>Riverside Family Clinic</title>"
        f"<h1>Our services</h1>{snippet}</html>"
    ).encode()


def test_the_card_shows_on_the_clinics_site_sets_no_cookie_and_starts_the_check_in_the_tab(
    context, clinic_server, clinic_sites
):
    allowed, _ = clinic_sites
    page = context.new_page()
    paste(allowed, card_snippet(page, clinic_server))
    context.clear_cookies()
    page.goto(allowed.url)
    card = page.frame_locator("iframe")
    start = card.get_by_role("link", name="Start", exact=True)
    expect(start).to_be_visible()
    expect(card.get_by_text("Riverside Family Clinic")).to_be_visible()
    assert context.cookies() == [], "the card set a cookie"
    with page.expect_navigation():
        start.click()
    # The check opened in the whole tab, not in the frame, in the card's language.
    assert page.url == f"{clinic_server.url}/c/riverside/?language=en"
    assert len(page.frames) == 1
    expect(page.locator(".header__clinic")).to_have_text("Riverside Family Clinic")


def test_exit_this_page_on_the_card_leaves_the_whole_tab(
    context, clinic_server, clinic_sites, neutral_site
):
    allowed, _ = clinic_sites
    page = context.new_page()
    paste(allowed, card_snippet(page, clinic_server))
    page.goto(allowed.url)
    exit_link = page.frame_locator("iframe").get_by_role("link", name="Exit this page")
    with page.expect_navigation():
        exit_link.click()
    # The clinic's own page is gone too, not just the card.
    assert page.url == neutral_site.url
    assert len(page.frames) == 1


def test_the_card_is_refused_on_a_site_not_listed(context, clinic_server, clinic_sites):
    allowed, refused = clinic_sites
    page = context.new_page()
    paste(refused, card_snippet(page, clinic_server))
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    page.goto(refused.url, wait_until="load")
    frame = page.frames[1]
    # Chromium shows its error page in the frame instead of the card.
    assert not frame.url.startswith(clinic_server.url), frame.url
    assert frame.locator("a").count() == 0
    assert any("frame-ancestors" in text for text in refusals), refusals


def seed(context: BrowserContext, app: Flask, server: ProductionServer, slug: str) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    data = {"progress": ANSWERED.to_dict(), "last_seen": int(time.time()), "scope": f"/c/{slug}"}
    context.add_cookies(
        [
            {
                "name": cookie_name("session", secure=True, at_root=False),
                "value": serializer.dumps(data),
                "domain": "127.0.0.1",
                "path": f"/c/{slug}/",
                "secure": True,
                "httpOnly": True,
            }
        ]
    )


@pytest.fixture
def seeded(context, clinic_server, clinics_file) -> Page:
    app = make_app(TESTING=False, SECRET_KEY=clinic_server.secret_key, CONFIG=str(clinics_file))
    seed(context, app, clinic_server, "riverside")
    return context.new_page()


def test_the_printed_summary_keeps_the_clinics_contact_block(seeded, clinic_server):
    page = seeded
    page.goto(f"{clinic_server.url}/c/riverside/summary")
    expect(page.locator(".clinic-contact")).to_be_visible()
    text = printed_text(page)
    for expected in [
        "Riverside Family Clinic",
        "Call (503) 555-0142",
        "Your answers were not sent to Riverside Family Clinic.",
        "Monday to Friday, 8 am to 6 pm",
        "riverside-clinic.example/book",
    ]:
        assert expected in text, f"{expected!r} missing from the printed summary"


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_the_card_the_embed_page_and_a_branded_summary_pass_axe_and_the_nu_checker(
    browser, clinic_server, clinics_file, clinic_sites, neutral_site, tmp_path, locale
):
    context = browser.new_context(ignore_https_errors=True, locale=locale)
    keep_traffic_local(context, clinic_server.url, neutral_site.url)
    app = make_app(TESTING=False, SECRET_KEY=clinic_server.secret_key, CONFIG=str(clinics_file))
    seed(context, app, clinic_server, "riverside")
    page = context.new_page()
    pages = {}
    for name in ["card", "embed", "summary", "question/3"]:
        page.goto(f"{clinic_server.url}/c/riverside/{name}")
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.response["passes"], f"{name}: axe checked nothing"
        violations = results.response["violations"]
        assert violations == [], f"{name} ({locale}):\n{describe(violations)}"
        pages[name.replace("/", "-")] = page.content()
    context.close()
    errors = nu_html_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_the_totals_page_and_its_refusal_pass_axe_and_the_nu_checker_at_320_px(
    browser, clinic_server, neutral_site, tmp_path, locale
):
    """The staff's page, opened with the key the browser asks for, and the refusal of a
    wrong key: accessible, valid, no sideways scrolling at 320 px, and no cookie."""
    pages = {}
    for name, key, status in [("totals", TOTALS_KEY, 200), ("refused", "not-the-key", 401)]:
        context = browser.new_context(
            ignore_https_errors=True,
            locale=locale,
            viewport={"width": 320, "height": 800},
            http_credentials={"username": "riverside", "password": key},
        )
        keep_traffic_local(context, clinic_server.url, neutral_site.url)
        page = context.new_page()
        response = page.goto(f"{clinic_server.url}/c/riverside/totals")
        assert response is not None and response.status == status, name
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.response["passes"], f"{name}: axe checked nothing"
        violations = results.response["violations"]
        assert violations == [], f"{name} ({locale}):\n{describe(violations)}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{name} ({locale}) is {width} px wide"
        # The table's own box does not scroll either, in English or Spanish.
        if name == "totals":
            box = page.locator(".totals-scroll")
            assert box.evaluate("b => b.scrollWidth <= b.clientWidth"), f"{locale}: table too wide"
        assert context.cookies() == [], f"{name} set a cookie"
        pages[name] = page.content()
        context.close()
    errors = nu_html_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)
