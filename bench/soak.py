"""The soak: many people taking the whole check at once, for a minute, against production gunicorn.

``python -m bench.soak [--seconds 60] [--users 64]`` starts the production
server (gunicorn with gunicorn.conf.py, over HTTPS with a throwaway
certificate, on 127.0.0.1) in a temporary folder. Each simulated person has
their own connection and cookie, and takes the check from the first question
to the summary again and again until the time is up: each journey a new
person, with their own random answers, in English or Spanish, reading every
notice on the way, as tests.server.Visitor does.

Afterwards every journey is checked against its own answers: the question at
each place worded for who the check is about, the notices shown exactly where
the answers call for them, and a summary that says what those answers must
make it say (derived here from the content, independently of
questionnaire.summary). Then, with the server stopped, its whole log is read
for any answer value, cookie value or form token.

It passes, and exits 0, only with no errors, no mismatches, worker memory
grown by less than 10 % from the end of the warm-up to the end, and nothing
private in the log. The figures go to the "soak" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import math
import os
import random
import re
import ssl
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from babel import Locale
from bs4 import BeautifulSoup, Tag

from bench.report import PERFORMANCE, heading, write_section
from questionnaire.content import (
    Audience,
    Content,
    OptionMeaning,
    Section,
    UseOption,
    UseSection,
    load_all_content,
)
from questionnaire.flow import StepKind, question_steps
from tests.server import ProductionServer, production_server

FIRST = "/question/1"
CHECK = "/check-answers"
SUMMARY = "/summary"
# Far more pages than a journey has (its questions, notices and check your answers).
MAX_STEPS = 60
# gunicorn's own worker timeout: a request slower than this is an error anyway.
REQUEST_TIMEOUT = 30.0
# The share of journeys in which nothing is noticed at all, so that the
# summary's "you did not report any of these signs" is seen under load too
# (with every answer drawn at random it would almost never be).
QUIET_SHARE = 0.1
MEMORY_GROWTH_LIMIT = 0.10
SAMPLE_EVERY = 5.0
# How many problems of each sort are printed (all are counted).
SHOWN_PROBLEMS = 10

# ---------------------------------------------------------------------------
# Answers, and the places they are given at


@dataclass(frozen=True)
class Answers:
    """One person's answers: every question of the check, in one language."""

    language: str
    audience: str
    safety: str
    use: str
    # Sign id to the value of its answer option.
    signs: Mapping[str, str]
    # The boxes ticked on the checklist page, in the order they are sent.
    checklist: tuple[str, ...]

    def values(self) -> set[str]:
        return {self.audience, self.safety, self.use, *self.signs.values(), *self.checklist}


def places(content: Content) -> list[tuple[str, StepKind, str | None]]:
    """Each question's address, what it asks and (for a sign) which sign.

    Which question is at which address is the app's to say: it is taken from
    the app's own flow, as tests/walk.py does. What the pages and the summary
    must then say is derived here.
    """
    return [
        (f"/question/{number}", step.kind, step.sign_id)
        for number, step in enumerate(question_steps(content), start=1)
    ]


def answers_by_place(content: Content, answers: Answers) -> dict[str, str | list[str]]:
    """What is sent as ``answer`` at each question's address."""
    given: dict[str, str | list[str]] = {}
    for path, kind, sign_id in places(content):
        match kind:
            case StepKind.AUDIENCE:
                given[path] = answers.audience
            case StepKind.SAFETY:
                given[path] = answers.safety
            case StepKind.USE:
                given[path] = answers.use
            case StepKind.CHECKLIST:
                given[path] = list(answers.checklist)
            case _:
                given[path] = answers.signs[sign_id or ""]
    return given


def random_answers(contents: Mapping[str, Content], rng: random.Random) -> Answers:
    """A new person's answers: any language, audience and choice, alarming ones included."""
    language = rng.choice(sorted(contents))
    content = contents[language]
    audience = rng.choice([option.value for option in content.audience.options])
    checklist = content.checklist
    if rng.random() < QUIET_SHARE:
        not_noticed = next(
            option.value
            for option in content.answer_options
            if option.meaning is OptionMeaning.NOT_NOTICED
        )
        safe = [option.value for option in content.safety.options]
        safe = [value for value in safe if value not in content.safety.emergency_on]
        return Answers(
            language,
            audience,
            rng.choice(safe),
            rng.choice([option.value for option in content.use.options]),
            dict.fromkeys((sign.id for sign in content.signs), not_noticed),
            (checklist.none.value,) if checklist else (),
        )
    ticked: tuple[str, ...] = ()
    if checklist is not None:
        draw = rng.random()
        if draw < 0.2:
            ticked = (checklist.none.value,)
        elif draw < 0.35:
            ticked = (checklist.unsure.value,)
        else:
            items = [item.value for item in checklist.items]
            ticked = tuple(rng.sample(items, rng.randint(1, len(items))))
    options = [option.value for option in content.answer_options]
    return Answers(
        language,
        audience,
        rng.choice([option.value for option in content.safety.options]),
        rng.choice([option.value for option in content.use.options]),
        {sign.id: rng.choice(options) for sign in content.signs},
        ticked,
    )


# ---------------------------------------------------------------------------
# What a journey's pages and summary must say, and what they said


def normal(text: str) -> str:
    """Text as compared: runs of white space made one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class SectionView:
    """A summary section with an h2: its heading, its own paragraphs and list items."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupView:
    """One kind of sign on the summary, with each sign and the answer shown with it."""

    heading: str
    explanation: str
    signs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SummaryView:
    """What a summary says that depends on the answers."""

    language: str
    lead: str
    sections: tuple[SectionView, ...]
    groups: tuple[GroupView, ...]


class Wording(Protocol):
    """A text written for the person themselves and for someone else."""

    def for_(self, audience: Audience) -> str: ...


def _section(part: Section, audience: Audience) -> SectionView:
    return SectionView(
        normal(part.heading.for_(audience)),
        tuple(normal(paragraph.for_(audience)) for paragraph in part.paragraphs),
        tuple(normal(item.for_(audience)) for item in part.items),
    )


def expected_summary(content: Content, answers: Answers) -> SummaryView:
    """The summary these answers must give, derived from the content's rules.

    Signs answered with a "noticed" option are listed under their kind (kinds
    and signs in content order), each with the label of the answer; ticked
    checklist signs go with the other signs of the checklist's kind. Signs
    answered "not sure", and a "not sure" checklist, are listed apart. The
    too-much-opioid guidance comes first for an emergency answer at the start,
    for a noticed or unsure sign of an urgent kind that is urgent on its own,
    or for two such signs of any sort; the emergency answer itself is recalled;
    "nothing reported" is said only when none of this applies. A kind with
    one sign that has words of its own for being alone says those instead of
    the kind's explanation, unless the overdose guidance comes first. The use
    answer adds the sections it names, picks the help section's heading and
    the questions meant for it; the tolerance warning is among the safety
    notes unless a sign of its kind was noticed.
    Every text is worded for the audience.
    """
    audience = Audience(answers.audience)

    def worded(wording: Wording) -> str:
        return normal(wording.for_(audience))

    text = content.summary
    meaning = {
        sign.id: option.meaning
        for sign in content.signs
        if (option := content.answer_option(answers.signs[sign.id])) is not None
    }
    noticed = [sign for sign in content.signs if meaning[sign.id] is OptionMeaning.NOTICED]
    unsure = [sign for sign in content.signs if meaning[sign.id] is OptionMeaning.UNSURE]
    checklist = content.checklist
    ticked = (
        [item for item in checklist.items if item.value in answers.checklist] if checklist else []
    )
    checklist_unsure = checklist is not None and answers.checklist == (checklist.unsure.value,)
    emergency = answers.safety in content.safety.emergency_on
    urgent = [sign for sign in (*noticed, *unsure) if content.kind(sign.kind).urgent]
    urgent_first = emergency or any(sign.urgent_alone for sign in urgent) or len(urgent) > 1

    groups = []
    for kind in content.kinds:
        signs = [
            (worded(sign.label), worded(option.label))
            for sign in noticed
            if sign.kind == kind.id and (option := content.answer_option(answers.signs[sign.id]))
        ]
        with_ticked = checklist is not None and checklist.kind == kind.id and bool(ticked)
        own = [sign for sign in noticed if sign.kind == kind.id]
        explanation = kind.explanation
        alone = len(own) == 1 and not with_ticked and not urgent_first
        if alone and own[0].explanation_alone is not None:
            explanation = own[0].explanation_alone
        if checklist is not None and with_ticked:
            signs.append((worded(checklist.label), ", ".join(worded(i.label) for i in ticked)))
        if signs:
            groups.append(GroupView(worded(kind.heading), worded(explanation), tuple(signs)))
    nothing = not groups and not unsure and not checklist_unsure and not emergency

    sections = []
    if urgent_first:
        paragraphs = (*text.urgent.paragraphs, *text.urgent.after)
        sections.append(SectionView(worded(text.urgent.heading), tuple(map(worded, paragraphs))))
    if emergency:
        sections.append(_section(text.emergency_reported[answers.safety], audience))
    if nothing:
        sections.append(_section(text.nothing_reported, audience))
    elif groups:
        sections.append(SectionView(worded(text.reported_heading)))
    if unsure or checklist_unsure:
        listed = [worded(sign.label) for sign in unsure]
        if checklist is not None and checklist_unsure:
            listed.append(worded(checklist.label))
        unsure_section = _section(text.unsure, audience)
        sections.append(
            SectionView(unsure_section.heading, unsure_section.paragraphs, tuple(listed))
        )
    use = content.use.option(answers.use)
    shows = use.shows if isinstance(use, UseOption) else ()
    sections += [_section(part, audience) for part in text.tailored if part.id in shows]

    def for_use(part: UseSection) -> SectionView:
        heading = part.headings.get(answers.use, part.heading)
        items = [
            item.text
            for item in part.items
            if (answers.use in item.uses if item.uses else answers.use not in item.not_uses)
        ]
        return SectionView(worded(heading), (), tuple(map(worded, items)))

    sections.append(for_use(text.help))
    tolerance_in_group = any(sign.kind == text.tolerance.kind for sign in noticed) or (
        checklist is not None and checklist.kind == text.tolerance.kind and bool(ticked)
    )
    safety = _section(text.safety, audience)
    if not tolerance_in_group:
        safety = SectionView(
            safety.heading, safety.paragraphs, (*safety.items, worded(text.tolerance.text))
        )
    sections += [
        safety,
        _section(text.talk, audience),
        for_use(text.questions),
    ]
    return SummaryView(
        content.language,
        worded(text.intro[0]),
        tuple(sections),
        tuple(groups),
    )


def summary_headings(content: Content) -> set[str]:
    """Every h2 a summary in this language can have, for either audience."""
    text = content.summary
    parts: list[Section] = [
        text.nothing_reported,
        text.unsure,
        text.talk,
        text.safety,
        *text.emergency_reported.values(),
        *text.tailored,
    ]
    wordings = [part.heading for part in parts] + [text.urgent.heading, text.reported_heading]
    for use_part in (text.help, text.questions):
        wordings += [use_part.heading, *use_part.headings.values()]
    return {normal(wording.for_(audience)) for wording in wordings for audience in Audience}


def _text(tag: Tag) -> str:
    return normal(tag.get_text())


def read_summary(page: str, headings: set[str]) -> SummaryView:
    """What a summary page says, read as expected_summary describes it.

    Only sections whose heading is one a summary can have are read: a section
    added to the page later does not make every journey a mismatch.
    """
    document = BeautifulSoup(page, "html.parser")
    root = document.find("html")
    main = document.find("main")
    if not isinstance(main, Tag) or not isinstance(root, Tag):
        return SummaryView("", "", (), ())
    lead = main.select_one("p.lead")
    sections = []
    for title in main.find_all("h2"):
        name = _text(title)
        parent = title.parent
        if name not in headings or not isinstance(parent, Tag):
            continue
        paragraphs = tuple(_text(p) for p in parent.find_all("p", recursive=False))
        items = tuple(
            _text(item)
            for listing in parent.find_all("ul", recursive=False)
            for item in listing.find_all("li", recursive=False)
        )
        sections.append(SectionView(name, paragraphs, items))
    groups = []
    for group in main.select("section.sign-group"):
        kind = group.find("h3")
        explanation = group.find("p", recursive=False)
        signs = []
        for item in group.select("ul.sign-list > li"):
            label, answer = item.find("strong"), item.select_one(".sign-list__answer")
            shown = _text(answer) if answer is not None else ""
            # "(your answer: Often)", "(su respuesta: A menudo)": the answer is after the colon.
            shown = shown.removeprefix("(").removesuffix(")").partition(": ")[2]
            signs.append((_text(label) if isinstance(label, Tag) else "", shown))
        groups.append(
            GroupView(
                _text(kind) if isinstance(kind, Tag) else "",
                _text(explanation) if isinstance(explanation, Tag) else "",
                tuple(signs),
            )
        )
    return SummaryView(
        str(root.get("lang", "")),
        _text(lead) if lead is not None else "",
        tuple(sections),
        tuple(groups),
    )


def summary_differences(content: Content, answers: Answers, page: str) -> list[str]:
    """How a summary page differs from what ``answers`` must make it say; empty if it does not."""
    expected = expected_summary(content, answers)
    found = read_summary(page, summary_headings(content))
    differences = []
    if found.language != expected.language:
        differences.append(f"in language {found.language!r}, not {expected.language!r}")
    if found.lead != expected.lead:
        differences.append(f"opening for the wrong person: {found.lead[:60]!r}")
    if [s.heading for s in found.sections] != [s.heading for s in expected.sections]:
        differences.append(
            f"sections {[s.heading for s in found.sections]}, "
            f"expected {[s.heading for s in expected.sections]}"
        )
    else:
        for mine, theirs in zip(found.sections, expected.sections, strict=True):
            if mine != theirs:
                differences.append(f"section {mine.heading!r} says other things")
    if found.groups != expected.groups:
        differences.append(
            f"signs {[(g.heading, g.signs) for g in found.groups]}, "
            f"expected {[(g.heading, g.signs) for g in expected.groups]}"
        )
    return differences


@dataclass(frozen=True)
class Seen:
    """One page of a journey: where, which notice if any, and its h1."""

    path: str
    notice: str | None
    title: str


def expected_pages(content: Content, answers: Answers) -> list[tuple[str, str | None, str]]:
    """The pages a journey with these answers sees, up to check your answers.

    Each question at its address, with its h1 worded for the audience (the
    first, before anyone is chosen, for the person themselves); before the
    step after the safety question the emergency page when the safety answer
    is one of its answers; before the step after a sign its interruption when
    the sign's answer is one that interrupts. A notice's title is not compared.
    """
    audience = Audience(answers.audience)
    at = places(content)
    after = {i: at[i + 1][0] if i + 1 < len(at) else CHECK for i in range(len(at))}
    pages: list[tuple[str, str | None, str]] = []
    notice_at: dict[str, str] = {}
    for index, (_, kind, sign_id) in enumerate(at):
        if kind is StepKind.SAFETY and answers.safety in content.safety.emergency_on:
            notice_at[after[index]] = StepKind.EMERGENCY.value
        if kind is StepKind.SIGN:
            sign = content.sign(sign_id or "")
            if sign is not None and answers.signs[sign.id] in sign.interrupt_on:
                notice_at[after[index]] = StepKind.INTERRUPTION.value
    for path, kind, sign_id in at:
        if path in notice_at:
            pages.append((path, notice_at[path], ""))
        prompt = {
            StepKind.AUDIENCE: content.audience,
            StepKind.SAFETY: content.safety,
            StepKind.USE: content.use,
            StepKind.CHECKLIST: content.checklist,
        }.get(kind) or content.sign(sign_id or "")
        asked = prompt.question.for_(Audience.ME if path == FIRST else audience) if prompt else ""
        pages.append((path, None, normal(asked)))
    if CHECK in notice_at:
        pages.append((CHECK, notice_at[CHECK], ""))
    return pages


def page_differences(content: Content, answers: Answers, seen: Sequence[Seen]) -> list[str]:
    """How the pages a journey saw differ from what its answers lead through."""
    expected = expected_pages(content, answers)
    found = [
        (page.path, page.notice, "" if page.notice else page.title)
        for page in seen
        if page.path != CHECK or page.notice
    ]
    if found == expected:
        return []
    for index, (mine, theirs) in enumerate(zip(found, expected, strict=False)):
        if mine != theirs:
            return [f"page {index + 1} was {mine}, expected {theirs}"]
    return [f"{len(found)} pages seen, expected {len(expected)}"]


# ---------------------------------------------------------------------------
# The load


@dataclass
class Journey:
    """One person's journey, as it went: checked once the load is over."""

    answers: Answers
    seen: list[Seen]
    summary: str
    seconds: float


@dataclass
class Load:
    """What the users did, gathered as they go."""

    # Requests begun between these two times (the end of the warm-up and the
    # end of the soak; then each person only finishes their journey) are timed.
    measure_from: float = math.inf
    measure_until: float = math.inf
    requests: int = 0
    timings: list[float] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cookies: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)


class JourneyError(Exception):
    """A response the journey cannot go on from."""


_HIDDEN = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>")
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of a page (its form token, and which notice it is), by name."""
    fields = {}
    for tag in _HIDDEN.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def page_title(page: str) -> str:
    found = _H1.search(page)
    return normal(html.unescape(_TAG.sub("", found.group(1)))) if found else ""


def _keeps_nothing() -> CookieJar:
    """A cookie jar that keeps no cookie: each person's is kept by hand, as Visitor does,
    so that a journey starts with none and every value can be looked for in the log."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))


class Person:
    """A browser reduced to its cookie and language, with a connection of its own.

    gunicorn's sync workers close the connection after each response, so each
    request opens a new one, with its TLS handshake, as a browser's does when
    it talks to gunicorn directly (DEPLOY.md's TLS without a proxy).
    """

    def __init__(self, client: httpx.AsyncClient, origin: str, load: Load) -> None:
        self.client = client
        self.origin = origin
        self.load = load
        self.cookie = ""
        self.language = ""

    async def send(
        self, method: str, path: str, expect: int, form: Mapping[str, str | list[str]] | None = None
    ) -> httpx.Response:
        headers = {"Accept-Language": self.language}
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        if form is not None:
            headers["Origin"] = self.origin
        began = time.monotonic()
        response = await self.client.request(method, path, headers=headers, data=form)
        ended = time.monotonic()
        self.load.requests += 1
        if self.load.measure_from <= began < self.load.measure_until:
            self.load.timings.append(ended - began)
        for header in response.headers.get_list("set-cookie"):
            self._keep(header)
        if response.status_code != expect:
            raise JourneyError(f"{method} {path} gave {response.status_code}, not {expect}")
        return response

    def _keep(self, header: str) -> None:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            raise JourneyError("a Set-Cookie header that cannot be read") from None
        if "session" in cookie:
            self.cookie = cookie["session"].value
            if self.cookie:
                self.load.cookies.add(self.cookie)

    async def walk(self, content: Content, answers: Answers) -> Journey:
        """The whole check, as Visitor.walk takes it: each page's form sent with its hidden
        fields and the answer for its place, each redirect followed, up to the summary."""
        began = time.monotonic()
        self.cookie, self.language = "", answers.language
        self.load.values |= answers.values()
        given = answers_by_place(content, answers)
        seen: list[Seen] = []
        path = FIRST
        while path != SUMMARY:
            if len(seen) >= MAX_STEPS:
                raise JourneyError(f"no summary after {MAX_STEPS} pages")
            page = (await self.send("GET", path, 200)).text
            form: dict[str, str | list[str]] = {**hidden_fields(page)}
            notice = form.get("notice")
            seen.append(Seen(path, notice if isinstance(notice, str) else None, page_title(page)))
            token = form.get("csrf_token")
            if not isinstance(token, str) or not token:
                raise JourneyError(f"GET {path}: no form token")
            self.load.tokens.add(token)
            if notice is None and path in given:
                form["answer"] = given[path]
            response = await self.send("POST", path, 303, form)
            path = urlsplit(response.headers.get("location", "")).path
        summary = (await self.send("GET", SUMMARY, 200)).text
        return Journey(answers, seen, summary, time.monotonic() - began)


async def user(
    url: str,
    context: ssl.SSLContext,
    contents: Mapping[str, Content],
    deadline: float,
    rng: random.Random,
    load: Load,
) -> None:
    """One person after another, each from the first question to the summary, until
    the time is up; the journey under way then is finished."""
    async with httpx.AsyncClient(
        base_url=url,
        verify=context,
        http1=True,
        http2=False,
        cookies=_keeps_nothing(),
        follow_redirects=False,
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    ) as client:
        person = Person(client, url, load)
        while time.monotonic() < deadline:
            answers = random_answers(contents, rng)
            try:
                load.journeys.append(await person.walk(contents[answers.language], answers))
            except Exception as error:  # any exception is an error of the soak, counted
                load.errors.append(f"{type(error).__name__}: {error}")


# ---------------------------------------------------------------------------
# Worker memory


def workers(master: int) -> list[int]:
    """gunicorn's workers: the master's children, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # After the command name in parentheses: the state, then the parent's pid.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            found.append(int(entry.name))
    return sorted(found)


def resident_kib(pid: int) -> int | None:
    """A process's resident memory (VmRSS), in KiB; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s*(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else None


def worker_memory(master: int) -> dict[int, int]:
    """Each worker's resident memory in KiB, by pid."""
    found = {pid: resident_kib(pid) for pid in workers(master)}
    return {pid: kib for pid, kib in found.items() if kib is not None}


def scheduled_seconds(pid: int) -> tuple[float, float]:
    """The time a process's main thread has spent on a core, and runnable but
    waiting for one, from /proc/<pid>/schedstat; zeros once it is gone."""
    try:
        on_core, waiting = Path(f"/proc/{pid}/schedstat").read_text().split()[:2]
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(on_core) / 1e9, int(waiting) / 1e9


def machine_busy_seconds() -> float:
    """The processor time all the machine's cores have spent on anything but waiting."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user, nice, system, (idle, iowait,) irq, softirq
    return sum(ticks[i] for i in (0, 1, 2, 5, 6)) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Processor:
    """Where the machine's processor time went while measured, in seconds.

    A sync worker that is neither on a core nor waiting for one is waiting
    for the network: for a connection, or for a client to send its request.
    """

    wall: float
    worker_count: int
    # The workers' time on a core, and runnable but waiting for a core.
    workers: float
    workers_waiting: float
    generator: float
    generator_waiting: float
    machine: float
    cores: int
    # The machine's load average over the minute before the run.
    load_before: float

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.workers - self.generator)

    def cores_used(self, seconds: float) -> float:
        return seconds / self.wall if self.wall else math.nan

    def worker_share(self, seconds: float) -> float:
        """``seconds`` of all the workers as a share of each one's time."""
        whole = self.wall * self.worker_count
        return seconds / whole if whole else math.nan


@dataclass(frozen=True)
class CpuMark:
    """The processor time counters at one moment."""

    at: float
    worker_count: int
    workers: float
    workers_waiting: float
    generator: float
    generator_waiting: float
    machine: float

    @classmethod
    def now(cls, master: int) -> CpuMark:
        pids = workers(master)
        scheduled = [scheduled_seconds(pid) for pid in pids]
        _, generator_waiting = scheduled_seconds(os.getpid())
        return cls(
            time.monotonic(),
            len(pids),
            sum(on_core for on_core, _ in scheduled),
            sum(waiting for _, waiting in scheduled),
            # Every thread of this process: name lookups may run in others.
            time.process_time(),
            generator_waiting,
            machine_busy_seconds(),
        )

    def until(self, end: CpuMark, load_before: float) -> Processor:
        return Processor(
            end.at - self.at,
            self.worker_count,
            end.workers - self.workers,
            end.workers_waiting - self.workers_waiting,
            end.generator - self.generator,
            end.generator_waiting - self.generator_waiting,
            end.machine - self.machine,
            os.cpu_count() or 1,
            load_before,
        )


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass(frozen=True)
class Memory:
    """The workers' resident memory after the warm-up, at its highest, and at the end."""

    start: Mapping[int, int]
    peak: Mapping[int, int]
    end: Mapping[int, int]
    # All the workers' memory together, after the warm-up and every few seconds after.
    samples: Sequence[int] = ()

    @property
    def same_workers(self) -> bool:
        return bool(self.start) and set(self.start) == set(self.end)

    def growth(self, pid: int) -> float:
        return self.end[pid] / self.start[pid] - 1

    @property
    def largest_growth(self) -> float:
        if not self.same_workers:
            return math.inf
        return max(self.growth(pid) for pid in self.start)

    @property
    def met(self) -> bool:
        return self.same_workers and self.largest_growth < MEMORY_GROWTH_LIMIT


# ---------------------------------------------------------------------------
# The log


# Runs of the characters that cookie values and form tokens are made of
# (base64url: they are split into runs at their dots). A run this long is
# never an ordinary word of the log.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{16,}")
# An access line: "GET /question/4 200 12ms", with the client's address first if asked for.
_ACCESS_LINE = re.compile(r"(?:\S+ )?([A-Z]+) (\S+) \d{3} (\d+)ms")
# The names of the form's fields and of the cookie, as a form body, a query
# string or a Cookie header would write them: never in a private log.
_FIELD_NAMES = re.compile(r"\b(answer|csrf_token|notice|session)=")


def log_leaks(
    log: str, values: Iterable[str], cookies: Iterable[str], tokens: Iterable[str]
) -> list[str]:
    """Each place in the log that holds an answer value, a cookie value or a form token.

    Cookie values and tokens are long random strings: any run of 16 or more
    of their characters in the log that is part of one of them, or contains
    one of their parts, is a leak, so a cut-off or re-wrapped value counts too.

    Answer values are short words ("no", "me", "other", "sleep") that ordinary
    log text can hold ("no such file"), or hold inside other words ("now",
    "some"). So only whole words count, and only where a request, a form or a
    data structure would put them: after "=" or ":" (a query string, a form
    body, "answer: often"), in quotes ('often', "no"), or as a segment of a
    logged request path. A value that no English sentence of the log would
    use (with a hyphen, or of six letters or more: "not-prescribed",
    "goosebumps", "sometimes") counts as a whole word anywhere.
    """
    values = sorted(set(values), key=len, reverse=True)
    secret_parts = {
        part
        for secret in (*cookies, *tokens)
        for part in re.split(r"[^A-Za-z0-9_-]+", secret)
        if len(part) >= 16
    }
    secret_text = "\n".join(secret_parts)
    either = "|".join(map(re.escape, values)) or r"(?!)"
    distinctive = "|".join(re.escape(v) for v in values if "-" in v or len(v) >= 6) or r"(?!)"
    carried = re.compile(rf"(?:[=:]\s*[\"']?|[\"'])({either})(?![\w-])")
    anywhere = re.compile(rf"(?<![\w-])({distinctive})(?![\w-])")
    value_set = set(values)
    leaks = []
    for number, line in enumerate(log.splitlines(), start=1):
        found = []
        if field_name := _FIELD_NAMES.search(line):
            found.append(f"a form field or cookie name ({field_name.group(1)}=)")
        for run in _TOKEN_RUN.findall(line):
            if run in secret_text or any(part in run for part in secret_parts):
                found.append("a cookie value or form token")
                break
        if match := carried.search(line) or anywhere.search(line):
            found.append(f"the answer value {match.group(1)!r}")
        access = _ACCESS_LINE.fullmatch(line)
        if access:
            segments = set(re.split(r"[/?&=;,.]+", access.group(2)))
            if hit := segments & value_set:
                found.append(f"the answer value {sorted(hit)[0]!r} in a path")
        if found:
            leaks.append(f"log line {number}: " + "; ".join(dict.fromkeys(found)))
    return leaks


# ---------------------------------------------------------------------------
# The run, and its report


@dataclass(frozen=True)
class Outcome:
    """A soak's figures, with all the users did and what checking it found."""

    users: int
    seconds: float
    warm_up: float
    seed: int
    load: Load
    mismatches: list[str]
    # What the journeys were like (languages, audiences, notices).
    mix: str
    memory: Memory
    leaks: list[str]
    # Access lines of the people's requests, and the time each took in the app.
    logged_requests: int
    app_ms: list[float]
    log_lines: int
    other_log_lines: list[str]
    processor: Processor

    @property
    def journeys(self) -> int:
        return len(self.load.journeys)

    @property
    def errors(self) -> list[str]:
        return self.load.errors

    @property
    def timings_ms(self) -> list[float]:
        """The time of each request begun after the warm-up, in milliseconds."""
        return [timing * 1000 for timing in self.load.timings]

    @property
    def journey_seconds(self) -> list[float]:
        return [journey.seconds for journey in self.load.journeys]

    @property
    def measured_seconds(self) -> float:
        return max(0.0, self.load.measure_until - self.load.measure_from)

    @property
    def per_second(self) -> float:
        seconds = self.measured_seconds
        return len(self.load.timings) / seconds if seconds else 0.0

    def targets(self) -> dict[str, bool]:
        """Each target of the soak, and whether it was met."""
        return {
            "journeys completed and checked": self.journeys > 0,
            "no errors": not self.errors,
            "every summary matches its answers": not self.mismatches,
            "worker memory grew by less than 10 %": self.memory.met,
            "nothing private in the log": not self.leaks,
        }

    @property
    def passed(self) -> bool:
        return all(self.targets().values())


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` of 0.5 for the median); nan for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def drive(
    server: ProductionServer,
    contents: Mapping[str, Content],
    users: int,
    seconds: float,
    warm_up: float,
    seed: int,
) -> tuple[Load, Memory, Processor]:
    """``users`` people at once for ``warm_up`` and then ``seconds`` more; each
    finishes the journey they are on. Worker memory is read after the warm-up,
    every few seconds, and once all are done; processor time from the end of
    the warm-up until all are done."""
    load_before = load_average()
    context = server.tls_context()
    started = time.monotonic()
    deadline = started + warm_up + seconds
    load = Load(measure_until=deadline)
    tasks = [
        asyncio.create_task(
            user(server.url, context, contents, deadline, random.Random(seed + n), load)
        )
        for n in range(users)
    ]
    try:
        await asyncio.sleep(warm_up)
        load.measure_from = time.monotonic()
        mark = CpuMark.now(server.pid)
        start = worker_memory(server.pid)
        peak = dict(start)
        samples = [sum(start.values())]
        pending: set[asyncio.Task[None]] = set(tasks)
        while pending:
            _, pending = await asyncio.wait(pending, timeout=SAMPLE_EVERY)
            sample = worker_memory(server.pid)
            samples.append(sum(sample.values()))
            for pid, kib in sample.items():
                peak[pid] = max(peak.get(pid, 0), kib)
        processor = mark.until(CpuMark.now(server.pid), load_before)
        for task in tasks:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return load, Memory(start, peak, worker_memory(server.pid), samples), processor


def check_journeys(contents: Mapping[str, Content], journeys: Iterable[Journey]) -> list[str]:
    """Each journey whose pages or summary do not match its own answers, and how."""
    mismatches = []
    for number, journey in enumerate(journeys, start=1):
        content = contents[journey.answers.language]
        differences = page_differences(content, journey.answers, journey.seen)
        differences += summary_differences(content, journey.answers, journey.summary)
        if differences:
            mismatches.append(f"journey {number}: " + "; ".join(differences))
    return mismatches


def journey_mix(contents: Mapping[str, Content], journeys: Sequence[Journey]) -> str:
    """What the journeys were like, to show that every kind of summary was checked."""
    languages = Counter(journey.answers.language for journey in journeys)
    other = sum(journey.answers.audience == Audience.OTHER for journey in journeys)
    emergency = sum(
        journey.answers.safety in contents[journey.answers.language].safety.emergency_on
        for journey in journeys
    )
    interrupted = sum(
        any(page.notice == StepKind.INTERRUPTION for page in journey.seen) for journey in journeys
    )
    quiet = 0
    for journey in journeys:
        content = contents[journey.answers.language]
        audience = Audience(journey.answers.audience)
        nothing = normal(content.summary.nothing_reported.heading.for_(audience))
        shown = expected_summary(content, journey.answers).sections
        quiet += any(section.heading == nothing for section in shown)
    return (
        ", ".join(
            # Named in English, as the rest of the report is.
            f"{count:,} in {Locale.parse(code).get_display_name('en')}"
            for code, count in languages.items()
        )
        + f"; {other:,} for someone else; {emergency:,} with an emergency at the start; "
        f"{interrupted:,} interrupted after a sign; {quiet:,} with nothing to report"
    )


def run(
    folder: Path, users: int, seconds: float, warm_up: float, seed: int | None = None
) -> Outcome:
    """Start the production server in ``folder``, soak it, stop it, and check it all."""
    seed = random.randrange(2**32) if seed is None else seed
    # Read as the server reads it when it starts: the journeys are checked against it.
    contents = load_all_content()
    with production_server(folder) as server:
        load, memory, processor = asyncio.run(
            drive(server, contents, users, seconds, warm_up, seed)
        )
        log_path = server.log
    # Read once gunicorn has stopped: every line is written, the last ones too.
    log = log_path.read_text(encoding="utf-8", errors="replace")
    lines = log.splitlines()
    access = [found for line in lines if (found := _ACCESS_LINE.fullmatch(line))]
    # The readiness check's requests are the server helper's, not the people's.
    requests = [found for found in access if found.group(2) != "/healthz"]
    return Outcome(
        users=users,
        seconds=seconds,
        warm_up=warm_up,
        seed=seed,
        load=load,
        mismatches=check_journeys(contents, load.journeys),
        mix=journey_mix(contents, load.journeys),
        memory=memory,
        leaks=log_leaks(log, load.values, load.cookies, load.tokens),
        logged_requests=len(requests),
        app_ms=[float(found.group(3)) for found in requests],
        log_lines=len(lines),
        other_log_lines=[line for line in lines if not _ACCESS_LINE.fullmatch(line)],
        processor=processor,
    )


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def memory_line(memory: Memory) -> str:
    if not memory.start:
        return "no workers found"
    if not memory.same_workers:
        return (
            f"workers changed: {sorted(memory.start)} after the warm-up, "
            f"{sorted(memory.end)} at the end"
        )
    return ", ".join(
        f"{_mib(memory.start[pid])} → {_mib(memory.end[pid])} ({memory.growth(pid):+.1%}, "
        f"highest {_mib(memory.peak[pid])})"
        for pid in sorted(memory.start)
    )


def processor_line(processor: Processor) -> str:
    """Where the processor time went, in cores busy on average, and what the workers waited for."""
    running = processor.worker_share(processor.workers)
    waiting = processor.worker_share(processor.workers_waiting)
    return (
        f"cores busy, of {processor.cores}: "
        f"server workers {processor.cores_used(processor.workers):.2f}, "
        f"this load generator {processor.cores_used(processor.generator):.2f}, "
        f"everything else {processor.cores_used(processor.others):.2f} "
        f"(load average before the run {processor.load_before:.2f}). Each worker was on a core "
        f"{running:.0%} of the time, waiting for a core {waiting:.0%}, waiting for the network "
        f"{max(0.0, 1 - running - waiting):.0%}; the load generator waited for a core "
        f"{processor.cores_used(processor.generator_waiting):.0%} of the time"
    )


def table(outcome: Outcome) -> str:
    """The figures, as a Markdown table."""
    met = outcome.targets()

    def mark(target: str) -> str:
        return "met" if met[target] else "**missed**"

    timings, journeys = outcome.timings_ms, outcome.journey_seconds
    rows = [
        ("Measure", "Result", "Target"),
        ("---", "---", "---"),
        (
            "Journeys, each summary checked",
            f"{outcome.journeys:,} ({outcome.mix})",
            f"at least one: {mark('journeys completed and checked')}",
        ),
        (
            "Requests: all, and those begun in the measured time",
            f"{outcome.load.requests:,}; {len(outcome.load.timings):,} in "
            f"{outcome.measured_seconds:.1f} s, {outcome.per_second:.0f} per second",
            "reported",
        ),
        ("Errors", f"{len(outcome.errors):,}", f"none: {mark('no errors')}"),
        (
            "Pages or summaries not matching their answers",
            f"{len(outcome.mismatches):,}",
            f"none: {mark('every summary matches its answers')}",
        ),
        (
            "Time per request, p50 / p99",
            f"{percentile(timings, 0.5):.0f} ms / {percentile(timings, 0.99):.0f} ms",
            "reported",
        ),
        (
            "Time in the app per request (from the log), p50 / p99",
            f"{percentile(outcome.app_ms, 0.5):.0f} ms / {percentile(outcome.app_ms, 0.99):.0f} ms",
            "reported",
        ),
        (
            "Time per journey, p50 / p99",
            f"{percentile(journeys, 0.5):.1f} s / {percentile(journeys, 0.99):.1f} s",
            "reported",
        ),
        ("Processor, while measured", processor_line(outcome.processor), "reported"),
        (
            "Worker memory (RSS), after the warm-up → at the end",
            memory_line(outcome.memory),
            f"under +10 %: {mark('worker memory grew by less than 10 %')}",
        ),
        (
            "Log lines with an answer value, cookie or form token",
            f"{len(outcome.leaks):,} (looked for {len(outcome.load.values)} values, "
            f"{len(outcome.load.cookies):,} cookies, {len(outcome.load.tokens):,} tokens in "
            f"{outcome.log_lines:,} lines)",
            f"none: {mark('nothing private in the log')}",
        ),
    ]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def section(outcome: Outcome, command: str) -> str:
    """The "soak" section of docs/performance.md."""
    verdict = "Every target was met." if outcome.passed else "**Some targets were missed.**"
    workers = outcome.processor.worker_count
    prose = (
        f"{outcome.users} people at once took the whole check, from the first question to "
        f"the summary, one new person after another, for {outcome.warm_up:g} s of warm-up "
        f"and {outcome.seconds:g} s measured (then each finished the journey under way), "
        f"against gunicorn with the production settings ({workers} sync workers) over HTTPS. "
        "Each journey had its own random answers (either audience, either language, alarming "
        "answers with their notices, any checklist), and its pages and summary were checked "
        "against them. A request's time runs from sending it to having the whole response: "
        "a new connection and TLS handshake (sync workers close the connection after each "
        "response), the wait behind the other people's requests for the workers, and the "
        "app's own time, which the access log gives. The people are simulated on the same "
        "machine, sharing its cores with the server: the processor row shows how. The log "
        "was searched after the server stopped."
    )
    return (
        "## Soak: whole journeys, many people at once\n\n"
        + heading(command)
        + f"\n{prose}\n\n{table(outcome)}\n\n{verdict}\n"
    )


def report(outcome: Outcome) -> str:
    """What is printed: the table, then the first problems of each sort."""
    lines = [table(outcome), ""]
    lines.append(
        f"Random seed {outcome.seed}. Requests sent: {outcome.load.requests:,}; "
        f"logged: {outcome.logged_requests:,}."
    )
    for title, problems in [
        ("Errors", outcome.errors),
        ("Mismatches", outcome.mismatches),
        ("Log leaks", outcome.leaks),
    ]:
        if problems:
            lines.append(f"{title} ({len(problems)}), the first {SHOWN_PROBLEMS}:")
            lines += [f"  {problem}" for problem in problems[:SHOWN_PROBLEMS]]
    lines.append(
        f"Worker memory, all workers, every {SAMPLE_EVERY:g} s from the end of the warm-up: "
        + ", ".join(f"{kib / 1024:.1f}" for kib in outcome.memory.samples)
        + " MiB."
    )
    lines.append(f"Other log lines ({len(outcome.other_log_lines)}):")
    lines += [f"  {line}" for line in outcome.other_log_lines[:SHOWN_PROBLEMS]]
    lines.append(
        "PASSED"
        if outcome.passed
        else "FAILED: " + ", ".join(target for target, met in outcome.targets().items() if not met)
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="how long, after the warm-up")
    parser.add_argument("--users", type=int, default=64, help="people at once")
    parser.add_argument("--warm-up", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--seed", type=int, default=None, help="for the same answers again")
    parser.add_argument("--output", type=Path, default=PERFORMANCE, help="the Markdown file")
    parser.add_argument("--no-write", action="store_true", help="only print the figures")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        outcome = run(Path(folder), args.users, args.seconds, args.warm_up, args.seed)
    print(report(outcome))
    if not args.no_write:
        command = f"python -m bench.soak --seconds {args.seconds:g} --users {args.users}"
        if args.warm_up != 5.0:
            command += f" --warm-up {args.warm_up:g}"
        write_section("soak", section(outcome, command), args.output)
        print(f"Written to {os.path.relpath(args.output)}")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
