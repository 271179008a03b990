"""The start card on a clinic's site at 320 px with 200% text, in both
languages: the snippet's script fits the frame to the card, so its Start
button is inside the visible frame (a fixed 520 px frame hid it)."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from questionnaire.web.clinics import CARD_HEIGHT
from tests.browser.conftest import SCREENSHOTS, keep_traffic_local
from tests.server import FixedPageSite, ProductionServer, fixed_page_site, production_server
from tests.test_clinics import CLINICS, write_clinics


@pytest.fixture(scope="module")
def clinic_site(tmp_path_factory) -> Iterator[FixedPageSite]:
    with fixed_page_site(tmp_path_factory.mktemp("clinic-site"), "") as site:
        yield site


@pytest.fixture(scope="module")
def clinic_server(tmp_path_factory, clinic_site) -> Iterator[ProductionServer]:
    data = copy.deepcopy(CLINICS)
    data["clinics"][0]["embed_origins"] = [clinic_site.url.rstrip("/")]
    path = write_clinics(tmp_path_factory.mktemp("clinics"), data)
    folder = tmp_path_factory.mktemp("card-server")
    with production_server(folder, {"SELFCHECK_CONFIG": str(path)}) as server:
        yield server


def narrow_context(
    browser: Browser, server: ProductionServer, site: FixedPageSite, locale: str, javascript: bool
) -> BrowserContext:
    context = browser.new_context(
        ignore_https_errors=True,
        viewport={"width": 320, "height": 640},
        locale=locale,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    keep_traffic_local(context, server.url, site.url)
    return context


def paste_card(page: Page, server: ProductionServer, site: FixedPageSite) -> str:
    """The card's snippet as the embed page gives it, pasted into the clinic's page."""
    page.goto(f"{server.url}/c/riverside/embed")
    snippet = page.locator("pre code").nth(2).inner_text()
    site.page = (
        "<!doctype html><html lang=en><meta name=viewport content='width=device-width'>"
        f"<title>Riverside Family Clinic</title><h1>Our services</h1>{snippet}"
        "<p>More about the clinic.</p></html>"
    ).encode()
    return snippet


def start_inside_frame(page: Page) -> tuple[dict, dict]:
    frame = page.locator("iframe").bounding_box()
    start = page.frame_locator("iframe").locator(".button--start").bounding_box()
    assert frame is not None and start is not None
    return frame, start


@pytest.mark.parametrize(("locale", "start"), [("en-US", "Start"), ("es-US", "Empezar")])
def test_at_320_pixels_with_200_percent_text_the_start_button_is_inside_the_frame(
    browser, clinic_server, clinic_site, locale, start
):
    context = narrow_context(browser, clinic_server, clinic_site, locale, javascript=True)
    page = context.new_page()
    paste_card(page, clinic_server, clinic_site)
    page.goto(clinic_site.url)
    card = page.frame_locator("iframe")
    expect(card.get_by_role("link", name=start, exact=True)).to_be_visible()
    # 200% text, in the page and in the card, as a browser's text size setting makes it.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    card.locator("html").evaluate("html => { html.style.fontSize = '200%' }")
    card_height = card.locator("html").evaluate("html => html.getBoundingClientRect().height")
    assert card_height > CARD_HEIGHT, "the card at 200% text is taller than the fixed frame"
    # The frame grows to the card's whole height: nothing is cut off, no scrolling inside.
    frame = page.locator("iframe")
    expect(frame).to_have_attribute("height", str(int(-(-card_height // 1))))
    frame_box, start_box = start_inside_frame(page)
    assert start_box["y"] >= frame_box["y"]
    assert start_box["y"] + start_box["height"] <= frame_box["y"] + frame_box["height"]
    assert start_box["x"] + start_box["width"] <= frame_box["x"] + frame_box["width"]
    page.locator("iframe").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"card-{locale}-320-200.png"), full_page=True)
    # Back to 100%: the frame shrinks with the card.
    card.locator("html").evaluate("html => { html.style.fontSize = '' }")
    smaller = card.locator("html").evaluate("html => html.getBoundingClientRect().height")
    assert smaller < card_height
    expect(frame).to_have_attribute("height", str(int(-(-smaller // 1))))
    context.close()


def test_only_a_number_from_the_checks_own_address_resizes_the_frame(
    browser, clinic_server, clinic_site
):
    context = narrow_context(browser, clinic_server, clinic_site, "en-US", javascript=True)
    page = context.new_page()
    paste_card(page, clinic_server, clinic_site)
    page.goto(clinic_site.url)
    frame = page.locator("iframe")
    expect(page.frame_locator("iframe").locator(".button--start")).to_be_visible()
    height = frame.get_attribute("height")
    # A message from the clinic's own page (another origin than the check's) is ignored,
    # and so is anything that is not a number, even from the card's frame.
    page.evaluate("window.postMessage(5000, '*')")
    card = page.frames[1]
    card.evaluate("window.parent.postMessage({height: 4000}, '*')")
    card.evaluate("window.parent.postMessage('4000', '*')")
    page.wait_for_timeout(300)
    assert frame.get_attribute("height") == height
    context.close()


def test_without_javascript_the_frame_keeps_its_fixed_height(browser, clinic_server, clinic_site):
    context = narrow_context(browser, clinic_server, clinic_site, "en-US", javascript=True)
    paste_card(context.new_page(), clinic_server, clinic_site)
    context.close()
    context = narrow_context(browser, clinic_server, clinic_site, "en-US", javascript=False)
    page = context.new_page()
    page.goto(clinic_site.url)
    expect(page.frame_locator("iframe").locator(".button--start")).to_be_visible()
    assert page.locator("iframe").get_attribute("height") == str(CARD_HEIGHT)
    context.close()


def test_the_embed_pages_preview_fits_its_frame_too(browser, clinic_server, clinic_site):
    context = narrow_context(browser, clinic_server, clinic_site, "es-US", javascript=True)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{clinic_server.url}/c/riverside/embed")
    preview = page.frame_locator(".embed-preview iframe")
    expect(preview.locator(".button--start")).to_be_visible()
    height = preview.locator("html").evaluate("html => html.getBoundingClientRect().height")
    expect(page.locator(".embed-preview iframe")).to_have_attribute(
        "height", str(int(-(-height // 1)))
    )
    assert errors == [], errors
    context.close()
