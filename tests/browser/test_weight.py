"""Every page fits in one network round trip: 14 KB on the wire, cold, all it needs included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response

from tests.browser.conftest import PAGES

# About what a new connection can send before the first acknowledgement (10 packets).
ROUND_TRIP_BYTES = 14 * 1024


def bytes_on_the_wire(page: Page, path: str) -> tuple[int, list[str]]:
    """Headers and (compressed) bodies of everything the page loads, with an empty cache."""
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path, wait_until="load")
    total = 0
    loaded = []
    for response in responses:
        sizes = response.request.sizes()
        total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        loaded.append(f"{response.url} {sizes['responseBodySize']} B")
    return total, loaded


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_with_its_stylesheet_and_script_fits_in_14_kb(
    everything_seen, pages, name, locale
):
    page = everything_seen(locale=locale)  # a new browser context: nothing cached
    total, loaded = bytes_on_the_wire(page, pages.prepare(page, name))
    assert len(loaded) == 3, f"expected the page, its stylesheet and its script: {loaded}"
    assert any(".css" in line for line in loaded) and any(".js" in line for line in loaded)
    assert total <= ROUND_TRIP_BYTES, f"{name} ({locale}): {total} bytes: {loaded}"


def test_the_weight_counts_compressed_bytes(everything_seen):
    """The browser asks for compression and gets it, so the sizes above are what travels."""
    page = everything_seen()
    encodings = []
    page.on("response", lambda response: encodings.append(response.headers.get("content-encoding")))
    page.goto("/summary")
    assert encodings and all(encoding == "br" for encoding in encodings), encodings
