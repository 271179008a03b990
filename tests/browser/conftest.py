"""A live server on 127.0.0.1 and Debian's Chromium, driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium. Where it is
missing, these tests are skipped with a loud reason, except under CI=true,
where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Flags for a closed network: no background connections, no component updates.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent.parent.parent / "screenshots"
NEUTRAL_PAGE = "<!doctype html><html lang=en><title>Weather</title><h1>Weather</h1></html>"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app() -> Flask:
    return make_app(TESTING=False)


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


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


def keep_traffic_local(context: BrowserContext, live_server: str, exit_url: str) -> None:
    """Serve the exit page's neutral site locally and refuse every other address."""
    local = urlsplit(live_server).netloc

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(exit_url):
            route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)
        elif urlsplit(url).netloc == local or url.startswith("data:"):
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
) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server,
        java_script_enabled=javascript,
        viewport={"width": width, "height": 800},
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
