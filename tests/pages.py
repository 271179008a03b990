"""Checks every page the tests render, and helpers to read what a person sees."""

from __future__ import annotations

import copy
import gzip
import re
from collections import Counter
from functools import cache
from pathlib import Path

import brotli
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from werkzeug.test import TestResponse

# Words that would tell a person what they have or are, or score them. Checked
# on every page; the summary gets the stricter SUMMARY_FORBIDDEN list as well.
DIAGNOSTIC_PHRASES = [
    r"\b(you|they)\s+(are|'re|seem)\s+(addicted|dependent|an?\s+addict|at\s+risk|in\s+withdrawal)\b",
    r"\b(you|they)\s+(have|has|'ve)\s+(an?\s+)?"
    r"(opioid use disorder|addiction|dependence|disorder)\b",
    r"\blikely\s+(disorder|addiction|dependence|opioid use disorder)\b",
    r"\b(high|low|medium|moderate|severe|mild|elevated|increased)\s+risk\b",
    r"\brisk\s+(level|score|category)\b",
    r"\bdiagnosed\s+with\b",
    r"\b(addict|addicts|abuser|abusers|junkie|junkies)\b",
    r"\b(clean|dirty)\s+(test|urine|screen|result)s?\b",
]

SUMMARY_FORBIDDEN = DIAGNOSTIC_PHRASES + [
    r"\b(you|they)\s+(have|has|'ve)\b",
    r"\b(you|they)\s+(are|'re)\s+(likely|probably|suffering)\b",
    r"\bscore[sd]?\b",
    r"\bpoints?\b",
    r"%|\bper\s*cent\b",
    r"\b\d+\s+(of|out of)\s+\d+\b",
    r"\b\d+\s+signs?\b",
    r"\b(suggests?|indicates?|consistent with)\b",
    r"\bprobabl[ey]\b",
]


SPANISH_CATALOGUE = (
    Path(__file__).parent.parent / "questionnaire/translations/es/LC_MESSAGES/messages.po"
)


@cache
def interface_english() -> frozenset[str]:
    """The interface's English strings, translated or not: none belongs on a Spanish page."""
    with SPANISH_CATALOGUE.open("rb") as file:
        return frozenset(str(message.id) for message in read_po(file) if message.id)


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(decoded(response), "html.parser")


def decoded(response: TestResponse) -> str:
    """The page's text, decompressed as a browser would (the app compresses its own pages)."""
    body = response.get_data()
    match response.headers.get("Content-Encoding"):
        case "br":
            body = brotli.decompress(body)
        case "gzip":
            body = gzip.decompress(body)
    return body.decode("utf-8")


def text_of(element: object) -> str:
    """Normalised visible text, as a person reads it."""
    return " ".join(element.get_text(" ").split())


# How many words a summary may take, at most, in the page's main landmark
# (as a person scrolls it, help line and buttons included), for every
# audience and answer on use. Calm: nothing noticed, no emergency. Fullest:
# an emergency at the start, every sign, every sign of the checklist. Before
# the third content review the longest were 861 and 1,350 words in English,
# 982 and 1,562 in Spanish; these are the lengths since, rounded up, so that
# the summary does not grow back. Content 1.2 added two words in Spanish
# ("el médico ... de esa persona", "su propio médico": whose doctor, D9).
SUMMARY_WORDS = {
    ("en", "calm"): 850,
    ("en", "fullest"): 1320,
    ("es", "calm"): 985,
    ("es", "fullest"): 1555,
}


def words_read(page: BeautifulSoup) -> int:
    """The words a person reads in the page's main landmark.

    Not the summary's "About this summary" lines (when it was made, when its
    words were reviewed, who publishes it): some thirty words that are the
    same on every summary, and not advice that could grow back.
    """
    main = copy.copy(page.main)
    for about in main.select(".about-summary"):
        about.decompose()
    return len(text_of(main).split())


def check_page(response: TestResponse) -> None:
    """What every page must get right, whichever test renders it."""
    page = soup(response)
    url = response.request.path
    assert page.html is not None and page.html.get("lang"), f"{url}: <html> has no lang"
    # What a search result or a shared link says: in the page's language, never a diagnosis.
    meta = page.select_one('head > meta[name="description"]')
    description = " ".join(str(meta.get("content", "")).split()) if meta else ""
    assert description, f"{url}: no meta description"
    if page.html.get("lang") == "es":
        assert description not in interface_english(), f"{url}: description in English"
    assert_no_phrase(description, DIAGNOSTIC_PHRASES, url)
    headings = page.find_all("h1")
    assert len(headings) == 1, f"{url}: {len(headings)} h1 elements"
    title = text_of(page.title)
    heading = text_of(headings[0])
    # Or, at a question's address, the place: the same title whatever was answered.
    place = re.match(
        r"^(Question \d+ of \d+|Pregunta \d+ de \d+|Check your answers|Revise sus respuestas) – ",
        title.removeprefix("Error: "),
    )
    assert title.removeprefix("Error: ").startswith(heading) or place, (
        f"{url}: title {title!r} does not start with the h1 {heading!r} or a place"
    )
    if "/question/" in url and response.status_code == 200:
        assert place, f"{url}: title {title!r} is not the place"
    ids = Counter(element["id"] for element in page.select("[id]"))
    duplicates = [element_id for element_id, count in ids.items() if count > 1]
    assert not duplicates, f"{url}: duplicate ids {duplicates}"
    for field in page.select("input:not([type=hidden]), select, textarea"):
        field_id = field.get("id")
        assert field_id and page.select_one(f'label[for="{field_id}"]'), (
            f"{url}: {field} has no label"
        )
    assert page.select_one('a[data-exit][href$="/exit"]'), f"{url}: no Exit this page control"
    # Landmark navigation reaches everything: the help line is in the banner,
    # the Back link in main, and nothing a person reads sits outside them all.
    assert page.select_one("header .help-line"), f"{url}: the help line is not in the banner"
    for back in page.select(".back-link"):
        assert back.find_parent("main"), f"{url}: the Back link is outside main"
    for element in page.body.find_all(recursive=False):
        landmark = element.name in {"header", "main", "footer", "nav", "aside", "script"}
        inside = (
            element.name == "div"
            and element.find("main")
            and len(element.find_all(recursive=False)) == 1
        )
        assert landmark or inside or "skip-link" in element.get("class", []), (
            f"{url}: outside every landmark: {str(element)[:80]}"
        )
    # Symbols are drawn by CSS, never written into a link's or a summary's name.
    for control in page.select("a, summary, button"):
        assert not any(symbol in text_of(control) for symbol in "‹›▸▾◂"), (
            f"{url}: a symbol in the name of {control}"
        )
    for form in page.select('form[method="post"]'):
        assert form.select_one('input[name="csrf_token"]'), f"{url}: a form has no CSRF token"
    assert_no_phrase(text_of(page.body), DIAGNOSTIC_PHRASES, url)


def assert_no_phrase(text: str, patterns: list[str], where: str) -> None:
    for pattern in patterns:
        found = re.search(pattern, text, re.IGNORECASE)
        assert found is None, f"{where}: forbidden wording {found.group(0)!r} in: {text}"
