"""The review copy: every page a person can be shown, in one file to read and sign.

A clinic's medical director reads every word the check can show before it
goes on the clinic's site. ``flask --app app review-copy --out FILE`` renders
each page state a person can reach, through the app itself
(``questionnaire.web.rendering``), so that the copy says exactly what people
get, and writes them into one HTML file with no script and nothing fetched
from elsewhere, readable on screen and on paper: for each language, the
start page, every question for "myself" and for "someone else" (alone, with
each notice an answer puts on top of it, and with its error), check your
answers and the summaries for the answers that change their words, and the
pages of errors and cleared answers; with ``--clinic``, under that clinic's
address, with its own words, its start card and its embed page.

Each page keeps its words: headings, lists, answers, buttons (as text),
hints, words read out only by screen readers, words that only the page's
script shows, and the address of every link that leaves the check. The form
machinery (tokens, hidden fields) is left out. Each language's words are
summed up in a SHA-256 (``copy_hashes``), so that the copy a director signed
can be told from any other.

With ``--since`` (an earlier copy's file, or a git revision whose content
and catalogues are rendered with this code), it writes only what changed,
page by page and sentence by sentence (``questionnaire.copy_diff``).
"""

from __future__ import annotations

import datetime
import hashlib
import html
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, session
from flask.cli import with_appcontext
from werkzeug.exceptions import InternalServerError

from questionnaire import __version__, copy_diff, flow
from questionnaire.answer_sets import (
    Answers,
    answered_before,
    calm,
    candidates,
    unread,
    with_answer,
)
from questionnaire.clinics import Clinics
from questionnaire.content import (
    Audience,
    Content,
    ContentError,
    Person,
    content_version,
)
from questionnaire.copy_diff import CopyDiff, Mark, Page
from questionnaire.flow import Step, StepKind
from questionnaire.web.context import CLINIC_CONTENT, CLINICS
from questionnaire.web.forms import codes
from questionnaire.web.rendering import render
from questionnaire.web.state import _ISSUED_AT, _LAST_SEEN, CookieSession

# The files of an earlier revision that ``--since REV`` renders with this code.
CONTENT_FILES = "questionnaire/content"
CATALOGUES = "questionnaire/translations"
# The checkout this code runs from, where ``git show`` finds a revision's files.
REPOSITORY = Path(__file__).resolve().parents[2]

AUDIENCES = {Audience.ME: "For myself", Audience.OTHER: "For someone else"}
EVERYONE = "For everyone"
# Pages the copy renders for the page states they have, not as other pages.
_PAGES_OF_THEIR_OWN = {
    "check.start",
    "check.private_window",
    "check.question",
    "check.check_answers",
    "check.summary",
    "clinic.card",
    "clinic.embed",
}


class ReviewCopyError(Exception):
    """The copy cannot be made as asked (an unknown clinic, a revision that cannot be read)."""


def content_release(content: Content) -> str:
    """The version of the words, as the copy's pages name it: the content's own."""
    return content.review.version


# --- The pages' HTML, as a tree --------------------------------------------------------


@dataclass
class Element:
    """An element of a page: its tag, attributes and children (elements and text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def find_all(self, test: Callable[[Element], bool]) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                if test(child):
                    yield child
                yield from child.find_all(test)

    def find(self, test: Callable[[Element], bool]) -> Element | None:
        return next(self.find_all(test), None)

    def text(self) -> str:
        return " ".join(
            (child if isinstance(child, str) else child.text()) for child in self.children
        )


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self._open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def to_html(node: Element | str) -> str:
    if isinstance(node, str):
        return html.escape(node, quote=False)
    attrs = "".join(f' {name}="{html.escape(value)}"' for name, value in node.attrs.items())
    if node.tag in _VOID:
        return f"<{node.tag}{attrs}>"
    inner = "".join(to_html(child) for child in node.children)
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


# Elements after which a reader starts a new line.
_BLOCKS = {
    *(f"h{level}" for level in range(1, 7)),
    *("div", "p", "ul", "ol", "li", "dl", "dt", "dd", "pre", "hr", "section", "table", "tr"),
}
# Words of the copy itself (what a page is, "Browser tab:"), not of the page.
CHROME = "chrome"


def text_lines(root: Element) -> list[str]:
    """The lines a reader meets in ``root``, as a text browser lays them out.

    A block element (a paragraph, a heading, a list item) starts and ends a
    line, as does ``<br>``; spaces are collapsed. The copy's own words (class
    ``chrome``) are not the page's, and are left out.
    """
    lines: list[str] = []
    words: list[str] = []

    def end_line() -> None:
        line = " ".join("".join(words).split())
        if line:
            lines.append(line)
        words.clear()

    def walk(node: Element | str, in_pre: bool) -> None:
        if isinstance(node, str):
            if not in_pre:
                words.append(node)
                return
            for number, part in enumerate(node.split("\n")):
                if number:
                    end_line()
                words.append(part)
            return
        if CHROME in node.classes():
            return
        if node.tag == "br":
            end_line()
            return
        block = node.tag in _BLOCKS
        if block:
            end_line()
        for child in node.children:
            walk(child, in_pre or node.tag == "pre")
        if block:
            end_line()

    walk(root, False)
    end_line()
    return lines


# --- A rendered page, cleaned for reading ------------------------------------------------

# Never read: the document's machinery.
_DROPPED = {"script", "style", "link", "meta", "head", "title", "input", "svg"}
# Kept as they are.
_KEPT = {"p", "ul", "ol", "li", "dl", "dt", "dd", "pre", "code", "strong", "em", "b", "i"}
_KEPT |= {"br", "hr", "small", "span", "div"}
# Kept as blocks: the page's regions, fieldsets and disclosures.
_AS_BLOCKS = {"section", "header", "footer", "main", "nav", "article", "aside", "fieldset"}
_AS_BLOCKS |= {"legend", "details", "form", "figure", "noscript"}
# The page's classes that say how its words read, as the copy's stylesheet names them.
_CLASSES = {
    "visually-hidden": "sr",
    "urgent": "urgent",
    "emergency-box": "urgent",
    "panel": "panel",
    "clinic-contact": "panel",
    "error-summary": "error",
    "error-message": "error-text",
    "hint": "hint",
    "caption": "caption",
    "lead-in": "lead-in",
    "lead": "lead",
    "notice": "notice",
    "notice-part": "notice-part",
    "radios__item": "choice",
    "radios--inline": "inline",
    "checklist-row__sign": "sign",
    "details__summary": "details-summary",
    "details__text": "details-text",
    "embed-code": "code",
    "sign-list__answer": "answer",
    "summary-list": "answers",
    "help-line": "help-line",
    # The copy's own words, put among a page's (the parts of "On every page").
    CHROME: CHROME,
    "part": "part",
}
# Link addresses shown after the link's words: those that leave the check.
_OUTSIDE = ("https:", "http:", "tel:", "sms:", "mailto:")


def _says_words(value: str) -> bool:
    """Whether an attribute's value is words a script shows, not a number, name or address."""
    value = value.strip()
    if not value or value.startswith(("/", "http:", "https:")):
        return False
    return bool(re.search(r"\s", value)) or value[0].isupper()


def script_words(element: Element) -> list[str]:
    """The words a page's script shows from this element's ``data-`` attributes."""
    return [
        " ".join(value.split())
        for name, value in element.attrs.items()
        if name.startswith("data-") and _says_words(value)
    ]


def clean(node: Element | str, scripts: list[str], in_pre: bool = False) -> list[Element | str]:
    """``node`` as the copy shows it: its words, without what only a machine reads.

    Words the page's script shows (in ``data-`` attributes and ``<template>``
    elements) are added to ``scripts``.
    """
    if isinstance(node, str):
        return [node if in_pre else re.sub(r"\s+", " ", node)]
    tag = node.tag
    scripts += script_words(node)
    if tag in _DROPPED:
        return []
    if tag == "template":
        inner = Element("div", children=_clean_all(node.children, scripts, in_pre))
        scripts += text_lines(inner)
        return []
    if tag == "img":
        alt = node.attrs.get("alt", "").strip()
        return [f"[Image: {alt}]"] if alt else []
    if tag == "iframe":
        title = node.attrs.get("title", "").strip()
        return [Element("span", {"class": "frame"}, [f"[A frame: {title}]"])]
    children = _clean_all(node.children, scripts, in_pre or tag == "pre")
    classes = node.classes()
    attrs = {"class": " ".join(_CLASSES[name] for name in classes if name in _CLASSES)}
    if tag == "button" or (tag == "a" and "button" in classes):
        attrs["class"] = "btn warn" if "button--warning" in classes else "btn"
        tag = "span"
    elif tag == "a":
        attrs["class"] = "link"
        tag = "span"
    elif tag == "summary":
        attrs["class"] = "details-summary"
        tag = "p"
    elif tag == "label":
        tag = "span"
    elif tag in ("ul", "ol") and "list" in classes and "list--bullet" not in classes:
        attrs["class"] = "plain"
    elif re.fullmatch(r"h[1-6]", tag):
        # Below the copy's own headings of each page state (h2).
        tag = f"h{min(int(tag[1]) + 2, 6)}"
    elif tag in _AS_BLOCKS:
        tag = "div"
    elif tag not in _KEPT:
        return children
    if "lang" in node.attrs:
        attrs["lang"] = node.attrs["lang"]
    element = Element(tag, {name: value for name, value in attrs.items() if value}, children)
    href = node.attrs.get("href", "") if node.tag == "a" else ""
    if href.startswith(_OUTSIDE) and not _dials_what_it_says(href, element):
        return [element, Element("span", {"class": "href"}, [f" ({href})"])]
    return [element]


def _clean_all(nodes: list[Element | str], scripts: list[str], in_pre: bool) -> list[Element | str]:
    return [part for node in nodes for part in clean(node, scripts, in_pre)]


def _dials_what_it_says(href: str, link: Element) -> bool:
    """A phone link whose words show its number already ("988" for tel:988)."""
    if not href.startswith(("tel:", "sms:")):
        return False
    digits = re.sub(r"\D", "", href)
    return digits == re.sub(r"\D", "", link.text())


@dataclass(frozen=True)
class Rendered:
    """A page as the app sent it, read."""

    title: str
    description: str
    body: Element
    main: Element | None


def read_page(text: str) -> Rendered:
    document = parse_html(text.rstrip())
    title = document.find(lambda e: e.tag == "title")
    meta = document.find(lambda e: e.tag == "meta" and e.attrs.get("name") == "description")
    body = document.find(lambda e: e.tag == "body") or document
    return Rendered(
        title=" ".join(title.text().split()) if title else "",
        description=meta.attrs.get("content", "") if meta else "",
        body=body,
        main=body.find(lambda e: e.tag == "main"),
    )


# --- Page states -----------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """One page state of the copy: what it is, and the page's words."""

    id: str
    language: str
    audience: Audience | None
    title: str
    body: Element

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The page's lines of text, as a reader meets them (worked out once)."""
        return tuple(text_lines(self.body))


class _Maker:
    """Renders the page states of one check (the root's, or a clinic's), in every language."""

    def __init__(self, app: Flask, slug: str | None) -> None:
        self.app = app
        clinics: Clinics | None = app.extensions.get(CLINICS)
        if slug is not None:
            if clinics is None:
                raise ReviewCopyError(
                    f"No clinic {slug!r}: no clinics file is set (SELFCHECK_CONFIG)."
                )
            if clinics.clinic(slug) is None:
                known = ", ".join(clinic.slug for clinic in clinics.clinics)
                raise ReviewCopyError(f"No clinic {slug!r} in the clinics file; it has: {known}.")
        self.slug = slug
        clinic = clinics.clinic(slug) if clinics is not None and slug else None
        self.clinic_name = clinic.name if clinic else None
        # The pages at the root are the default clinic's, when there is one.
        self.environ_clinic = slug or (clinics.default_clinic if clinics else None)
        own: dict[str, dict[str, Content]] = app.extensions.get(CLINIC_CONTENT, {})
        found = own.get(self.environ_clinic or "")
        self.contents: dict[str, Content] = found or app.extensions["selfcheck_content"]
        host = (app.config.get("TRUSTED_HOSTS") or ["localhost"])[0].lstrip(".")
        self.base_url = f"https://{host}/" + (f"c/{slug}/" if slug else "")

    @property
    def labels(self) -> Content:
        """The content whose words name answers in the copy's headings: English if there is."""
        return self.contents.get("en") or next(iter(self.contents.values()))

    def get(self, path: str, language: str, status: int = 200, **how: Any) -> Rendered:
        response = render(
            self.app,
            path,
            base_url=self.base_url,
            language=language,
            clinic=self.environ_clinic,
            **how,
        )
        if response.status_code != status:
            raise ReviewCopyError(
                f"{path} in {language!r} gave {response.status_code}, not {status}: "
                "the page state was not reached"
            )
        return read_page(response.get_data(as_text=True))

    def states(self) -> Iterator[State]:
        for language, content in self.contents.items():
            yield from self._shared(language)
            for audience in Audience:
                yield from self._for(language, content, audience)
            yield from self._other_pages(language, content)

    def _state(
        self,
        id: str,
        language: str,
        audience: Audience | None,
        title: str,
        page: Rendered,
        region: Element | None = None,
        scripts: Sequence[str] = (),
        scripts_heading: str = "Shown by the page's script:",
    ) -> State:
        """The state of ``page``: the words of its ``region`` (its ``main``, by default)."""
        found: list[str] = []
        region = region or page.main or page.body
        body = Element("div", {"class": "page", "lang": language})
        if page.title:
            body.children.append(
                Element("p", {"class": "tab"}, [_chrome("Browser tab: "), page.title])
            )
        body.children += _clean_all(region.children, found, False)
        body.children += _script_box([*found, *scripts], scripts_heading)
        content = self.contents[language]
        who = AUDIENCES[audience] if audience is not None else EVERYONE
        heading = f"{content.language_name} · {who} · {title}"
        return State(id, language, audience, heading, body)

    def _shared(self, language: str) -> Iterator[State]:
        """The pages that are the same whoever the check is for: the start page, the
        private window how-to, and any other page the app has."""
        yield self._state(
            f"{language}-start", language, None, "Start page", self.get("/", language)
        )
        yield self._state(
            f"{language}-private-window",
            language,
            None,
            "How to open a private window (linked from the start page)",
            self.get("/private-window", language),
        )
        for endpoint, path in self._more_pages():
            response = render(
                self.app,
                path,
                base_url=self.base_url,
                language=language,
                clinic=self.environ_clinic,
            )
            if response.status_code != 200 or response.mimetype != "text/html":
                continue  # not a page: a redirect, an answer to a script, a health check
            page = read_page(response.get_data(as_text=True))
            name = endpoint.rsplit(".", 1)[-1].replace("_", "-")
            named = page.title.split(" – ")[0]
            yield self._state(
                f"{language}-{name}", language, None, f"{named} (the page at {path})", page
            )

    def _more_pages(self) -> list[tuple[str, str]]:
        """The app's other addresses a person can open, with nothing in them to fill in.

        Found in the app's URL map, so that a page added later is in the copy
        without a change here; those that send no page are left out where
        they are rendered.
        """
        found = []
        for rule in self.app.url_map.iter_rules():
            if (
                rule.endpoint not in _PAGES_OF_THEIR_OWN
                and not rule.arguments
                and "GET" in (rule.methods or ())
            ):
                found.append((rule.endpoint, rule.rule))
        return sorted(found, key=lambda each: each[1])

    def _for(self, language: str, content: Content, audience: Audience) -> Iterator[State]:
        """The pages worded for ``audience``: every question with its notices and its
        error, check your answers and the summaries."""
        prefix = f"{language}-{audience.value}"
        quiet = calm(content, audience)
        yield self._every_page(prefix, language, content, audience, quiet)
        questions = flow.places(content).questions
        notices = flow.possible_notices(content)
        for number, step in enumerate(questions, start=1):
            path = f"/question/{number}"
            name = f"Question {number} of {len(questions)}: {self._asks(step, audience)}"
            progress = answered_before(content, step, quiet)
            page = self.get(path, language, progress=progress)
            yield self._state(f"{prefix}-q{number}", language, audience, name, page)
            for notice in notices:
                if flow.place_of(content, notice) != step:
                    continue
                yield from self._notices(prefix, language, content, notice, quiet, name)
            refused = self.get(path, language, progress=progress, form={})
            yield self._state(
                f"{prefix}-q{number}-refused",
                language,
                audience,
                f"{name}, sent with no answer (the error shown)",
                refused,
            )
        # A notice after the last question is shown on check your answers.
        for notice in notices:
            if flow.place_of(content, notice) == flow.CHECK:
                yield from self._notices(
                    prefix, language, content, notice, quiet, "Check your answers"
                )
        yield from self._covered(prefix, language, content, audience, flow.CHECK)
        yield from self._covered(prefix, language, content, audience, flow.SUMMARY)

    def _asks(self, step: Step, audience: Audience) -> str:
        labels = self.labels
        match step.kind:
            case StepKind.AUDIENCE:
                return "who the check is for"
            case StepKind.SAFETY:
                return "emergency signs right now"
            case StepKind.USE:
                return "how opioids are taken"
            case StepKind.CHECKLIST if labels.checklist is not None:
                return labels.checklist.label.for_(audience)
        sign = labels.sign(step.sign_id or "")
        return sign.label.for_(audience) if sign else str(step.sign_id)

    def _notices(
        self,
        prefix: str,
        language: str,
        content: Content,
        notice: Step,
        quiet: Answers,
        name: str,
    ) -> Iterator[State]:
        """The page at ``notice``'s place, with it on top, for each answer that calls for it."""
        labels = self.labels
        audience = quiet.audience
        if notice.kind is StepKind.EMERGENCY:
            before, values = flow.SAFETY, list(content.safety.emergency_on)
            what, slug = "the emergency guidance", "emergency"
            question = labels.safety
        else:
            sign = content.sign(notice.sign_id or "")
            assert sign is not None, f"a notice for no sign: {notice}"
            before, values = flow.sign_step(sign.id), list(sign.interrupt_on)
            labelled = labels.sign(sign.id)
            what = f"the notice after “{labelled.label.for_(audience) if labelled else sign.id}”"
            slug, question = sign.id, None
        place = flow.place_of(content, notice)
        for value in values:
            answers = with_answer(quiet, before, value)
            if place == flow.CHECK:
                progress = unread(answers.progress(content, confirmed=False), notice)
                path, where = "/check-answers", "check-answers"
            else:
                progress = answered_before(content, place, answers)
                number = flow.question_number(content, place)
                path, where = f"/question/{number}", f"q{number}"
            option = (question.option(value) if question else None) or labels.answer_option(value)
            said = option.label.for_(audience) if option else value
            yield self._state(
                f"{prefix}-{where}-{slug}-{value}",
                language,
                audience,
                f"{name}, with {what} on top (answer: {said})",
                self.get(path, language, progress=progress),
            )

    def _covered(
        self, prefix: str, language: str, content: Content, audience: Audience, place: Step
    ) -> Iterator[State]:
        """The pages at ``place`` (check your answers, the summary) that say something new.

        Each candidate set of answers is rendered, and kept only if its page
        shows a sentence that no page kept before it showed.
        """
        shown: set[str] = set()
        summary = place == flow.SUMMARY
        path, name = (
            ("/summary", "Summary") if summary else ("/check-answers", "Check your answers")
        )
        for answers in candidates(content, place):
            if answers.audience is not audience:
                continue
            progress = answers.progress(content, confirmed=summary)
            page = self.get(path, language, progress=progress)
            state = self._state(
                f"{prefix}-{path.strip('/')}-{answers.code()}",
                language,
                audience,
                f"{name} · {answers.label(self.labels)}",
                page,
            )
            sentences = {s for line in state.lines for s in copy_diff.split_sentences(line)}
            if sentences - shown:
                shown |= sentences
                yield state

    def _every_page(
        self, prefix: str, language: str, content: Content, audience: Audience, quiet: Answers
    ) -> State:
        """The words around every page's own: the header, the footer, and the script's."""
        questions = flow.places(content).questions
        step = questions[1] if len(questions) > 1 else questions[0]
        progress = answered_before(content, step, quiet)
        number = flow.question_number(content, step)
        page = self.get(f"/question/{number}", language, progress=progress)
        region = Element("div")
        skip = page.body.find(lambda e: e.tag == "a" and "skip-link" in e.classes())
        header = page.body.find(lambda e: e.tag == "header")
        footer = page.body.find(lambda e: e.tag == "footer")
        region.children.append(_chrome_line("At the top of every page"))
        region.children += [part for part in (skip, header) if part is not None]
        region.children.append(_chrome_line("At the foot of every page"))
        region.children += [footer] if footer is not None else []
        if page.description:
            region.children.append(_chrome_line("In search results and shared links"))
            region.children.append(Element("p", children=[page.description]))
        # The idle warning's words are on every page with answers, in its main element.
        idle = script_words(page.main) if page.main is not None else []
        return self._state(
            f"{prefix}-every-page",
            language,
            audience,
            "On every page (the same around each page's own words)",
            Rendered("", "", page.body, None),
            region,
            idle,
            "Shown by the page's script (the idle warning only on a page with answers):",
        )

    def _other_pages(self, language: str, content: Content) -> Iterator[State]:
        """Errors, expired pages, cleared answers, and the clinic's card and embed pages."""
        quiet = calm(content, Audience.ME)
        questions = flow.places(content).questions
        second = questions[1] if len(questions) > 1 else questions[0]
        number = flow.question_number(content, second)
        kept = answered_before(content, second, quiet)
        idle = int(self.app.config["ANSWERS_IDLE_SECONDS"])
        longest = int(self.app.config["ANSWERS_MAX_SECONDS"])

        def aged(last_seen: int, issued_at: int) -> Callable[[], None]:
            def prepare() -> None:
                now = int(time.time())
                session[_LAST_SEEN] = now - last_seen
                session[_ISSUED_AT] = now - issued_at

            return prepare

        def unreadable() -> None:
            opened = session._get_current_object()  # type: ignore[attr-defined]
            if isinstance(opened, CookieSession):
                opened.unreadable = True

        pages: list[tuple[str, str, Rendered]] = [
            (
                "expired-kept",
                "A form sent from a page that had expired, answers kept",
                self.get(f"/question/{number}", language, 400, progress=kept, form={}, token=False),
            ),
            (
                "expired-new",
                "A form sent from a page that had expired, no answers kept",
                self.get("/question/1", language, 400, form={}, token=False),
            ),
            (
                "cleared-idle",
                f"Back after {idle // 60} minutes without use: answers cleared",
                self.get(
                    "/question/1", language, progress=kept, prepare=aged(idle + 61, idle + 61)
                ),
            ),
            (
                "cleared-limit",
                f"Back {longest // 60} minutes after the first answer: answers cleared",
                self.get("/question/1", language, progress=kept, prepare=aged(0, longest + 1)),
            ),
            (
                "unreadable",
                "Earlier answers that could not be read (a changed secret key, an altered cookie)",
                self.get("/question/1", language, prepare=unreadable),
            ),
            (
                "updated-question",
                f"Question {number}, answered on a page opened before the check was updated",
                self.get(
                    f"/question/{number}",
                    language,
                    progress=kept,
                    form=self._outdated(content, second),
                ),
            ),
            (
                "updated-check-answers",
                "Check your answers, sent from a page opened before the check was updated",
                self.get(
                    "/check-answers",
                    language,
                    progress=quiet.progress(content, confirmed=False),
                    form={"layout": "outdated"},
                ),
            ),
            ("not-found", "Page not found (404)", self.get("/no-such-page", language, 404)),
            (
                "not-allowed",
                "A request that did not work (405, a form sent to a page that takes none)",
                self.get("/summary", language, 405, form={}),
            ),
            (
                "server-error",
                "Something went wrong on the server (500)",
                self.get("/", language, 500, error=InternalServerError()),
            ),
        ]
        if self.slug is not None:
            pages.append(
                ("card", "The start card, for the clinic's own site", self.get("/card", language))
            )
            pages.append(
                (
                    "embed",
                    "The embed page, for the clinic's web staff",
                    self.get("/embed", language),
                )
            )
        for slug, title, page in pages:
            region = page.body if slug == "card" else None
            yield self._state(f"{language}-{slug}", language, None, title, page, region)
        yield self._state(
            f"{language}-plain-error",
            language,
            None,
            "The plain page shown when not even the error page can be made",
            read_page(self._plain_error_page()),
        )

    def _outdated(self, content: Content, step: Step) -> dict[str, str]:
        """A valid answer to ``step``'s question, from a form made for another check."""
        options = {
            StepKind.AUDIENCE: content.audience.options,
            StepKind.SAFETY: content.safety.options,
            StepKind.USE: content.use.options,
        }.get(step.kind, content.answer_options)
        values = [option.value for option in options]
        return {"answer": codes(values)[values[0]], "layout": "outdated"}

    def _plain_error_page(self) -> str:
        from app import PLAIN_ERROR_PAGE  # the application module, which imports this package

        pages: dict[str, str] = self.app.extensions[PLAIN_ERROR_PAGE]
        return pages.get(self.environ_clinic or "", pages[""])


def _chrome(text: str) -> Element:
    return Element("span", {"class": CHROME}, [text])


def _chrome_line(text: str) -> Element:
    return Element("p", {"class": f"{CHROME} part"}, [text])


def _script_box(
    scripts: Sequence[str], heading: str = "Shown by the page's script:"
) -> list[Element | str]:
    words = list(dict.fromkeys(scripts))
    if not words:
        return []
    items: list[Element | str] = [Element("li", children=[word]) for word in words]
    return [
        Element(
            "div",
            {"class": "script"},
            [Element("p", {"class": CHROME}, [heading]), Element("ul", children=items)],
        )
    ]


# --- The copy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCopy:
    """Every page state of one check (the root's or a clinic's), in every language."""

    states: tuple[State, ...]
    # Each language's code, its name, and the version of its words.
    languages: dict[str, tuple[str, str]]
    content_hash: str
    # The clinic's name and the check's address, for the copy's title.
    clinic: str | None
    address: str
    # Each language's review record (its [review] table), in words, for the front matter.
    reviews: dict[str, str] = field(default_factory=dict)

    def hashes(self) -> dict[str, str]:
        """A SHA-256 of each language's pages: their ids and their words, in order."""
        digests: dict[str, Any] = {}
        for state in self.states:
            digest = digests.setdefault(state.language, hashlib.sha256())
            digest.update(f"{state.id}\n{chr(10).join(state.lines)}\n\n".encode())
        return {language: digest.hexdigest() for language, digest in digests.items()}

    def pages(self) -> list[Page]:
        return [Page(state.id, state.title, state.lines) for state in self.states]

    def version_line(self, language: str) -> str:
        return f"Content {self.languages[language][1]} · {self.content_hash}"

    def document(self, made: datetime.datetime, seconds: float) -> str:
        """The copy as one HTML file: front matter, contents, then each page state."""
        hashes = self.hashes()
        count = len(self.states)
        per_language = ", ".join(
            f"{name} {sum(state.language == code for state in self.states)}"
            for code, (name, _version) in self.languages.items()
        )
        facts = [
            ("Pages at", self.address + ("" if self.clinic else " (no clinic)")),
            *(
                (f"Content version, {name}", version)
                for _code, (name, version) in self.languages.items()
            ),
            ("Content hash", self.content_hash),
            *(
                (f"Review record, {name}", self.reviews[code])
                for code, (name, _version) in self.languages.items()
                if code in self.reviews
            ),
            ("Page states", f"{count} ({per_language})"),
            (
                "Made",
                f"{made:%Y-%m-%d %H:%M} UTC by release {__version__}, in {seconds:.1f} seconds "
                "(not part of the fingerprints)",
            ),
        ]
        rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
        prints = "".join(
            f"<tr><th>{_e(name)} ({code})</th><td><code>{hashes.get(code, '')}</code></td></tr>"
            for code, (name, _version) in self.languages.items()
        )
        sections = "\n".join(self._section(state) for state in self.states)
        return _DOCUMENT.format(
            title=_e(f"Review copy: {self._what()}"),
            style=_STYLE + self._page_footers(),
            rows=rows,
            prints=prints,
            how=_HOW_TO_READ,
            contents=self._contents(),
            sections=sections,
        )

    def _what(self) -> str:
        if self.clinic:
            return f"Opioid signs self-check, {self.clinic} ({self.address})"
        return "Opioid signs self-check"

    def _page_footers(self) -> str:
        """Each printed page says the version of its words, and its number.

        A page state's page, that of its language; the front matter's, every language's.
        """
        versions = {version for _name, version in self.languages.values()}
        every = (
            f"Content {versions.pop()}"
            if len(versions) == 1
            else "Content " + ", ".join(f"{c} {v}" for c, (_n, v) in self.languages.items())
        )
        line = _css_string(f"Review copy · {every} · {self.content_hash}")
        rules = [f"@page {{ @bottom-left {{ content: {line}; }} }}\n"]
        for code in self.languages:
            line = _css_string(f"Review copy · {self.version_line(code)}")
            rules.append(
                f"@page lang-{code} {{ @bottom-left {{ content: {line}; }} }}\n"
                f"@media print {{ .state.lang-{code} {{ page: lang-{code}; }} }}\n"
            )
        return "".join(rules)

    def _section(self, state: State) -> str:
        return (
            f'<section class="state lang-{state.language}" id="{_e(state.id)}">\n'
            f'<h2 class="state-title">{_e(state.title)}</h2>\n'
            f'<p class="state-meta">{_e(self.version_line(state.language))} · '
            f"<code>{_e(state.id)}</code></p>\n"
            f"{to_html(state.body)}\n</section>"
        )

    def _contents(self) -> str:
        parts = []
        for code, (name, _version) in self.languages.items():
            groups: dict[str, list[State]] = {}
            for state in self.states:
                if state.language == code:
                    who = AUDIENCES[state.audience] if state.audience else EVERYONE
                    groups.setdefault(who, []).append(state)
            lists = "".join(
                f"<li>{_e(who)}<ol>"
                + "".join(
                    f'<li><a href="#{_e(s.id)}">{_e(s.title.split(" · ", 2)[-1])}</a></li>'
                    for s in states
                )
                + "</ol></li>"
                for who, states in groups.items()
            )
            parts.append(f"<li>{_e(name)}<ul>{lists}</ul></li>")
        return f"<ul>{''.join(parts)}</ul>"


def make_copy(app: Flask, clinic: str | None = None) -> ReviewCopy:
    """Render every page state of the check at the root (or ``clinic``'s) in every language."""
    maker = _Maker(app, clinic)
    states = tuple(maker.states())
    seen: set[str] = set()
    for state in states:
        if state.id in seen:
            raise ReviewCopyError(f"two page states are both {state.id!r}")
        seen.add(state.id)
    return ReviewCopy(
        states=states,
        languages={
            code: (content.language_name, content_release(content))
            for code, content in maker.contents.items()
        },
        content_hash=content_version(maker.contents),
        clinic=maker.clinic_name,
        address="/" + (f"c/{clinic}/" if clinic else ""),
        reviews={code: review_record(content) for code, content in maker.contents.items()},
    )


def review_record(content: Content) -> str:
    """The content's review table in words: who checked it, when, and whether it is signed."""

    def people(persons: Sequence[Person]) -> str:
        return ", ".join(f"{p.name} ({p.role})" if p.name else p.role for p in persons)

    review = content.review
    said = [f"version {review.version}", f"reviewed {review.reviewed_on.isoformat()}"]
    if review.unreviewed_changes:
        said[-1] += f" (it read version {review.reviewed_version})"
    said += [
        f"next review due {review.next_review_due.isoformat()}",
        f"reviewed by {people(review.reviewed_by)}",
    ]
    if (translation := review.translation) is not None:
        said += [
            f"translated by {people(translation.translated_by)}",
            f"translation reviewed by {people(translation.reviewed_by)}",
            f"from the English text {translation.source_hash}",
        ]
    said.append(f"signed copy {review.signed_copy}" if review.signed_copy else "not yet signed")
    return "; ".join(said)


def copy_hashes(app: Flask, clinic: str | None = None) -> dict[str, str]:
    """Each language's fingerprint in the review copy of the check (or of ``clinic``'s).

    The same words give the same fingerprint whenever the copy is made; the
    settings that show in the words (publisher, time zone, limits, exit
    address) are part of them: compare with a copy signed under the same.
    """
    return make_copy(app, clinic).hashes()


def read_copy(text: str) -> list[Page]:
    """The page states of a review copy written before, read back from its file."""
    document = parse_html(text)
    pages = []
    for section in document.find_all(lambda e: e.tag == "section" and "state" in e.classes()):
        heading = section.find(lambda e: "state-title" in e.classes())
        body = section.find(lambda e: "page" in e.classes())
        if body is None:
            continue
        title = " ".join(heading.text().split()) if heading else ""
        pages.append(Page(section.attrs.get("id", ""), title, tuple(text_lines(body))))
    if not pages:
        raise ReviewCopyError("that file has no page states: is it a review copy?")
    return pages


# --- An earlier revision ----------------------------------------------------------------


def files_at(revision: str, into: Path, repository: Path = REPOSITORY) -> tuple[Path, Path]:
    """``revision``'s content files and its catalogues, compiled, written under ``into``.

    Gives the folders of each: the content files, and the translations as
    Flask-Babel reads them (``<language>/LC_MESSAGES/messages.mo``).
    """

    def git(*args: str) -> bytes:
        try:
            done = subprocess.run(
                ["git", "-C", str(repository), *args], capture_output=True, check=False
            )
        except OSError as error:
            raise ReviewCopyError(
                f"git cannot be run ({error}): give an earlier copy's file"
            ) from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip()
            raise ReviewCopyError(f"git {' '.join(args)}: {said}")
        return done.stdout

    git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    content = into / "content"
    translations = into / "translations"
    content.mkdir(parents=True)
    names = git("ls-tree", "-r", "--name-only", revision, "--", CONTENT_FILES + "/").decode()
    tomls = [name for name in names.split() if Path(name).parent == Path(CONTENT_FILES)]
    for name in tomls:
        if name.endswith(".toml"):
            (content / Path(name).name).write_bytes(git("show", f"{revision}:{name}"))
    names = git("ls-tree", "-r", "--name-only", revision, "--", CATALOGUES + "/").decode()
    for name in names.split():
        parts = Path(name).parts
        if parts[-2:] == ("LC_MESSAGES", "messages.po"):
            language = parts[-3]
            catalog = read_po(BytesIO(git("show", f"{revision}:{name}")), locale=language)
            compiled = translations / language / "LC_MESSAGES" / "messages.mo"
            compiled.parent.mkdir(parents=True)
            with compiled.open("wb") as file:
                write_mo(file, catalog)
    return content, translations


def copy_at(app: Flask, revision: str, clinic: str | None = None) -> ReviewCopy:
    """The copy of ``revision``'s words (its content and catalogues) rendered by this code."""
    # The application module imports this package: imported here, when a copy is made.
    from app import ConfigurationError, create_app

    with tempfile.TemporaryDirectory(prefix="review-copy-") as folder:
        content, translations = files_at(revision, Path(folder))
        config = {
            **app.config,
            "CONTENT_DIR": str(content),
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
            # The key itself is copied; the files it was read from are not read again.
            "SECRET_KEY_FILE": None,
            "SECRET_KEY_FALLBACKS_FILE": None,
        }
        try:
            earlier = create_app(config)
        except (ContentError, ConfigurationError) as error:
            raise ReviewCopyError(
                f"The content at {revision} cannot be read by this release's code, so its "
                f"copy cannot be made here: {error}"
            ) from None
        if earlier.config["BABEL_TRANSLATION_DIRECTORIES"] != str(translations):
            # Never the words of today's catalogues passed off as the revision's.
            raise ReviewCopyError(
                "create_app chose its own catalogues over the revision's "
                "(BABEL_TRANSLATION_DIRECTORIES): the copy would mix two releases' words"
            )
        return make_copy(earlier, clinic)


# --- What changed -----------------------------------------------------------------------


def diff_document(diff: CopyDiff, since: str, copy: ReviewCopy, made: datetime.datetime) -> str:
    """What changed since ``since``, page by page: a file to read after the copy signed."""
    summary = []
    for count, what, pages in [
        (len(diff.changed), "changed", [d.page for d in diff.changed]),
        (len(diff.added), "added", list(diff.added)),
        (len(diff.removed), "removed", list(diff.removed)),
    ]:
        if count:
            titles = "; ".join(page.title for page in pages)
            summary.append(f'<p class="count">{count} {_pages(count)} {what}: {_e(titles)}</p>')
    if diff.empty:
        summary.append('<p class="count">No page changed.</p>')
    sections = [_changed_section(part.page, part.changes) for part in diff.changed]
    sections += [_whole_section(page, "added") for page in diff.added]
    sections += [_whole_section(page, "removed") for page in diff.removed]
    versions = "; ".join(
        f"{name}: {copy.version_line(code)}" for code, (name, _v) in copy.languages.items()
    )
    return _DIFF_DOCUMENT.format(
        title=_e(f"What changed in the review copy since {since}"),
        style=_STYLE,
        since=_e(since),
        versions=_e(versions),
        made=f"{made:%Y-%m-%d %H:%M} UTC",
        summary="\n".join(summary),
        sections="\n".join(sections),
    )


def _pages(count: int) -> str:
    return "page" if count == 1 else "pages"


def _changed_section(page: Page, changes: Sequence[copy_diff.SentenceChange]) -> str:
    rows = []
    for change in changes:
        if change.mark is Mark.SAME:
            rows.append(f'<p class="same">{_e(change.new or "")}</p>')
        elif change.mark is Mark.ADDED:
            rows.append(f"<p><ins>{_e(change.new or '')}</ins></p>")
        elif change.mark is Mark.REMOVED:
            rows.append(f"<p><del>{_e(change.old or '')}</del></p>")
        else:
            old, new = copy_diff.changed_words(change.old or "", change.new or "")
            rows.append(f'<p class="changed"><del>{_words(old)}</del> <ins>{_words(new)}</ins></p>')
    return _diff_section(page, "changed", "\n".join(rows))


def _whole_section(page: Page, what: str) -> str:
    tag = "ins" if what == "added" else "del"
    rows = "\n".join(f"<p><{tag}>{_e(line)}</{tag}></p>" for line in page.lines)
    return _diff_section(page, what, rows)


def _diff_section(page: Page, what: str, rows: str) -> str:
    return (
        f'<section class="state" id="{_e(page.id)}">\n'
        f'<h2 class="state-title">{_e(page.title)}</h2>\n'
        f'<p class="state-meta">Page {what} · <code>{_e(page.id)}</code></p>\n'
        f'<div class="diff">{rows}</div>\n</section>'
    )


def _words(marked: list[tuple[str, bool]]) -> str:
    return " ".join(f"<strong>{_e(w)}</strong>" if differs else _e(w) for w, differs in marked)


def _e(text: str) -> str:
    return html.escape(text)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- The command ------------------------------------------------------------------------


@click.command("review-copy")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@click.option(
    "--clinic",
    "slug",
    metavar="SLUG",
    help="A clinic's pages (/c/SLUG/), with its own words, start card and embed page.",
)
@click.option(
    "--since",
    metavar="REV_OR_FILE",
    help="Write only what changed since an earlier review copy (its file) or a git revision.",
)
@with_appcontext
def review_copy(out: Path, slug: str | None, since: str | None) -> None:
    """Write every page a person can be shown into one HTML file, to read and sign."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    started = time.perf_counter()
    made = datetime.datetime.now(datetime.UTC)
    try:
        # The earlier copy first: a revision that cannot be read fails before any rendering.
        earlier: list[Page] | None = None
        if since is not None:
            path = Path(since)
            if path.is_file():
                earlier = read_copy(path.read_text(encoding="utf-8"))
            else:
                earlier = copy_at(app, since, slug).pages()
        copy = make_copy(app, slug)
        if earlier is None:
            text = copy.document(made, time.perf_counter() - started)
        else:
            diff = copy_diff.diff_copies(earlier, copy.pages())
            text = diff_document(diff, str(since), copy, made)
    except ReviewCopyError as error:
        raise click.ClickException(str(error)) from None
    out.write_text(text, encoding="utf-8")
    seconds = time.perf_counter() - started
    if earlier is None:
        click.echo(
            f"{out}: {len(copy.states)} page states, {len(text.encode()):,} bytes, "
            f"made in {seconds:.1f} s"
        )
    else:
        click.echo(
            f"{out}: since {since}, {len(diff.changed)} {_pages(len(diff.changed))} changed, "
            f"{len(diff.added)} added, {len(diff.removed)} removed, made in {seconds:.1f} s"
        )
    # The fingerprints of the copy as it is now.
    for language, digest in copy.hashes().items():
        click.echo(f"{language}: {digest}")


_HOW_TO_READ = """<ul>
<li>Each page state starts on a new printed page, under a heading that says its language,
for whom the check is taken, the page, and the answers that lead to it. The line under it,
and the foot of each printed page, say which content it shows.</li>
<li>“Browser tab” is the page's title, shown in the tab and in the browser's history.</li>
<li>Answers to choose from are marked ○. Buttons are framed. A link that leaves the check
is followed by its address in brackets.</li>
<li><span class="sr">Words in a dotted frame</span> are read out by screen readers only.</li>
<li>“Shown by the page's script” lists words that appear only when the page's script runs
(a warning before idle answers are cleared, a Print button, a keyboard tip).</li>
<li>Check your answers and the summary are shown for the answers that change their words:
each one shown says at least one sentence that none before it said.</li>
<li>Where a page says when it was made, this copy shows an example moment.</li>
<li>The fingerprints are SHA-256 digests of each language's pages, their words and order:
any changed word changes them, and so does a setting that shows in the words (the
publisher, the time zone, the answer limits, the exit address). Make the copy to sign
with the production server's settings.</li>
</ul>"""

_DOCUMENT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header class="front">
<h1>{title}</h1>
<p class="lead">Every page a person can be shown, as the check itself renders it,
to read before the check is published.</p>
<table class="facts">{rows}</table>
<h2>Fingerprints</h2>
<table class="facts">{prints}</table>
<h2>How to read this copy</h2>
{how}
<h2>Approval</h2>
<p>I have read every page of this copy and approve the words for publication.</p>
<table class="sign">
<tr><th>Name</th><td></td></tr>
<tr><th>Role</th><td></td></tr>
<tr><th>Signature</th><td></td></tr>
<tr><th>Date</th><td></td></tr>
</table>
<nav class="toc" aria-labelledby="contents"><h2 id="contents">Contents</h2>
{contents}
</nav>
</header>
<main>
{sections}
</main>
</body>
</html>
"""

_DIFF_DOCUMENT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header class="front">
<h1>{title}</h1>
<p class="lead">The pages of the review copy whose words changed since {since}. On each,
<ins>added</ins> and <del>removed</del> sentences are marked; a changed sentence is shown
as it was, then as it is, with the changed words in bold. The sentences around them are
shown plainly, in grey.</p>
<p>Now: {versions}. Made {made}.</p>
{summary}
</header>
<main>
{sections}
</main>
</body>
</html>
"""

_STYLE = """
:root { color: #1b1b1b; background: #fff; }
body { font: 1rem/1.5 system-ui, sans-serif; max-width: 48rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; }
.front table { border-collapse: collapse; margin: .5rem 0 1rem; }
.front th, .front td { text-align: left; border: 1px solid #bbb; padding: .25rem .5rem; }
.front td code { word-break: break-all; }
.sign td { min-width: 20rem; height: 2rem; }
.toc ol, .toc ul { padding-left: 1.25rem; }
.state { border-top: 3px solid #1b1b1b; margin-top: 2.5rem; padding-top: .5rem; }
.state-title { margin: 0; }
.state-meta { color: #555; font-size: .875rem; margin: .25rem 0 .75rem; }
.page { border: 1px solid #bbb; border-radius: 4px; padding: .5rem 1rem; }
.page h3 { font-size: 1.35rem; }
.page h4 { font-size: 1.15rem; }
.page h5, .page h6 { font-size: 1rem; }
.tab, .chrome, .caption, .hint, .href { color: #555; }
.tab, .href { font-size: .875rem; }
.href { word-break: break-all; }
.part { font-weight: 600; border-bottom: 1px solid #ddd; margin-top: 1rem; }
.caption { display: block; }
.lead { font-size: 1.1rem; }
.urgent { border-left: 6px solid #b00020; padding-left: .75rem; }
.panel, .notice { border-left: 6px solid #777; padding-left: .75rem; }
.error { border: 3px solid #b00020; padding: .5rem; }
.error-text { color: #b00020; font-weight: 600; }
.sr { outline: 1px dotted #555; outline-offset: 1px; }
.btn { display: inline-block; border: 2px solid #1b1b1b; border-radius: 4px; padding: 0 .5em;
  font-weight: 600; margin: .25rem 0; }
.btn.warn { border-color: #b00020; color: #b00020; }
.link { text-decoration: underline; }
.choice::before { content: "○ "; }
.inline .choice { display: inline-block; margin-right: 1.25rem; }
.details-summary { font-weight: 600; }
.details-summary::before { content: "▸ "; }
.details-text { border-left: 3px solid #ccc; padding-left: .75rem; }
.answers > div { display: flex; flex-wrap: wrap; gap: 0 1rem; border-bottom: 1px solid #ddd; }
.answers dd { margin: 0; }
.answers dt { font-weight: 600; min-width: 12rem; }
ul.plain { list-style: none; padding-left: 0; }
.script { border: 1px dashed #777; padding: .25rem .75rem; margin-top: 1rem; }
.code, pre { white-space: pre-wrap; word-break: break-all; font-size: .875rem; }
.frame { font-style: italic; }
ins { background: #d7f5dd; text-decoration: underline; }
del { background: #fde2e4; text-decoration: line-through; }
.same { color: #777; }
.diff p { margin: .35rem 0; }
@page { margin: 16mm 14mm 18mm;
  @bottom-right { content: counter(page) " / " counter(pages); font: 8pt system-ui, sans-serif; }
  @bottom-left { font: 8pt system-ui, sans-serif; color: #444; } }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .state { break-before: page; border-top: 0; margin-top: 0; }
  .toc { break-before: page; }
  .page { border: 0; padding: 0; }
  a { color: inherit; text-decoration: none; }
}
"""
