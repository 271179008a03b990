"""The production server over HTTPS on 127.0.0.1, and Debian's Chromium, driven by Playwright.

The server is what a clinic runs: gunicorn with the project's gunicorn.conf.py,
TLS with a throwaway certificate, Secure cookies, no development settings
(see tests/server.py). No browser is downloaded: Playwright launches
/usr/bin/chromium. Where it is missing, these tests are skipped with a loud
reason, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright
from pypdf import PdfReader

from questionnaire.content import Audience
from questionnaire.flow import Progress
from questionnaire.web.state import cookie_name
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import make_app
from tests.server import FixedPageSite, ProductionServer, fixed_page_site, production_server

SCREENSHOTS = Path(__file__).parent.parent.parent / "screenshots"
NEUTRAL_PAGE = "<!doctype html><html lang=en><title>Weather</title><h1>Weather</h1></html>"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def neutral_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixedPageSite]:
    """The neutral site "Exit this page" leaves for: another origin, over HTTPS.

    (Over plain HTTP a browser would drop the referrer anyway, whatever the
    check's policy, and the test that none is sent could not fail.)
    """
    with fixed_page_site(tmp_path_factory.mktemp("neutral-site"), NEUTRAL_PAGE) as site:
        yield site


@pytest.fixture(scope="session")
def production(
    tmp_path_factory: pytest.TempPathFactory, neutral_site: FixedPageSite
) -> Iterator[ProductionServer]:
    folder = tmp_path_factory.mktemp("production")
    with production_server(folder, {"SELFCHECK_EXIT_URL": neutral_site.url}) as server:
        yield server


@pytest.fixture(scope="session")
def live_server(production: ProductionServer) -> str:
    return production.url


@pytest.fixture(scope="session")
def live_app(production: ProductionServer, neutral_site: FixedPageSite) -> Flask:
    """The app as the server runs it, in this process: it signs cookies for seeded journeys."""
    return make_app(TESTING=False, SECRET_KEY=production.secret_key, EXIT_URL=neutral_site.url)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = (
            f"Chromium not found at {CHROMIUM}: the browser tests cannot run. "
            "Install it with `apt-get install chromium` (make test does this as root)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def printed_text(page: Page) -> str:
    """The page as Chromium prints it to PDF, read back as text with spaces normalised."""
    pdf = PdfReader(io.BytesIO(page.pdf()))
    return re.sub(r"\s+", " ", " ".join(sheet.extract_text() for sheet in pdf.pages))


def keep_traffic_local(context: BrowserContext, *allowed: str) -> None:
    """Let the browser reach the live server (and the neutral site) only.

    Every other address is refused.
    """
    hosts = {urlsplit(url).netloc for url in allowed}

    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc in hosts or url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", handle)


def new_context(
    browser: Browser,
    live_server: str,
    live_app: Flask,
    *,
    javascript: bool = True,
    width: int = 360,
    locale: str = "en-US",
) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server,
        java_script_enabled=javascript,
        viewport={"width": width, "height": 800},
        locale=locale,
        # The certificate is made for this run and trusted by no one else.
        ignore_https_errors=True,
    )
    context.set_default_timeout(10_000)
    keep_traffic_local(context, live_server, live_app.config["EXIT_URL"])
    return context


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def any_page(request, browser, live_server, live_app) -> Iterator[Page]:
    """A fresh page, once with JavaScript and once without."""
    context = new_context(browser, live_server, live_app, javascript=request.param)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser, live_server, live_app) -> Iterator[Page]:
    context = new_context(browser, live_server, live_app)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir()
    return SCREENSHOTS


def seed(context: BrowserContext, live_app: Flask, live_server: str, progress: Progress) -> None:
    """Give the browser a session cookie as if the person had answered this far."""
    serializer = live_app.session_interface.get_signing_serializer(live_app)
    assert serializer is not None
    value = serializer.dumps({"progress": progress.to_dict(), "last_seen": int(time.time())})
    name = cookie_name("session", secure=live_server.startswith("https:"), at_root=True)
    context.add_cookies([{"name": name, "value": value, "url": live_server}])


# A person who has seen every page: any page of the check can be opened directly.
EVERYTHING_SEEN = Progress(
    audience=Audience.OTHER,
    safety="yes",
    use="mix",
    answers={
        "shallow-breathing": "often",
        "narrowed-pupils": "no",
        "speech-problems": "no",
        "pain-sensitivity": "sometimes",
        "sweating": "often",
        "nausea": "no",
        "irritability": "not-sure",
        "craving": "sometimes",
        "headaches": "often",
    },
    # Each sign of the checklist page answered: yawning and larger pupils noticed.
    checklist={
        "yawning": "yes",
        "runny-nose": "no",
        "goosebumps": "no",
        "diarrhea": "no",
        "aches": "no",
        "sleep": "no",
        "restless": "not-sure",
        "larger-pupils": "yes",
    },
    emergency_seen=True,
    interruptions_seen=frozenset({"shallow-breathing"}),
    confirmed=True,
)
# Every page of the check: where it is, and the progress that shows it there.
# A notice is shown only while it is unread, at the top of the page after the
# answer that calls for it (and at check your answers, all those unread).
PAGES: dict[str, tuple[str, Progress]] = {
    "start": ("/", EVERYTHING_SEEN),
    "who": ("/question/1", EVERYTHING_SEEN),
    "safety": ("/question/2", EVERYTHING_SEEN),
    "emergency": ("/question/3", replace(EVERYTHING_SEEN, emergency_seen=False)),
    "use": ("/question/3", EVERYTHING_SEEN),
    **{
        f"sign-{sign_id}": (f"/question/{number}", EVERYTHING_SEEN)
        for number, sign_id in enumerate(EVERYTHING_SEEN.answers, start=4)
        if sign_id != "headaches"
    },
    "interruption": ("/question/5", replace(EVERYTHING_SEEN, interruptions_seen=frozenset())),
    "other-signs": ("/question/12", EVERYTHING_SEEN),
    "sign-headaches": ("/question/13", EVERYTHING_SEEN),
    "check-answers": ("/check-answers", EVERYTHING_SEEN),
    # After answers were changed from check your answers: every notice they call for, on top.
    "check-answers-notices": (
        "/check-answers",
        replace(EVERYTHING_SEEN, emergency_seen=False, interruptions_seen=frozenset()),
    ),
    "summary": ("/summary", EVERYTHING_SEEN),
    "not-found": ("/question/99", EVERYTHING_SEEN),
    "sources": ("/sources", EVERYTHING_SEEN),
}


@pytest.fixture
def pages(live_app, live_server):
    """Opens any of PAGES, giving the browser the progress that shows it first."""

    class Pages:
        def prepare(self, page: Page, name: str) -> str:
            path, progress = PAGES[name]
            seed(page.context, live_app, live_server, progress)
            return path

        def open(self, page: Page, name: str) -> None:
            page.goto(self.prepare(page, name))

    return Pages()


@pytest.fixture
def everything_seen(browser, live_server, live_app):
    """Opens pages for a person who has answered everything, at a width and locale set per test."""
    contexts = []

    def open_page(width: int = 360, javascript: bool = True, locale: str = "en-US") -> Page:
        context = new_context(
            browser, live_server, live_app, width=width, javascript=javascript, locale=locale
        )
        seed(context, live_app, live_server, EVERYTHING_SEEN)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
