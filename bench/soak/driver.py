"""The load: simulated people taking the whole check over HTTPS, with httpx.

Each person has a connection and a cookie of their own and random answers,
and goes from the first question to the summary as tests.server.Visitor does,
keeping every page they saw, the summary, and the size on the wire of every
request and response (a Journey). Answers are sent as a browser sends them
from the pages: each as the code of its option (questionnaire.web.forms.codes),
the checklist as one such code for each of its signs. Pages are asked for
compressed, as a browser asks (ACCEPT_ENCODING), and decoded by httpx. drive
runs many people at once, through the warm-up and the measured time, and
reads the workers' memory and processor time (bench.soak.monitor) meanwhile.
Nothing is checked here: the journeys are checked against bench.soak.oracle
and bench.soak.wire afterwards.
"""

from __future__ import annotations

import asyncio
import html
import math
import random
import re
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

import httpx

from bench.soak.monitor import SAMPLE_EVERY, CpuMark, Memory, Processor, load_average, worker_memory
from bench.soak.oracle import FIRST, Answers, Seen, normal, places
from bench.soak.wire import Exchange, Place
from questionnaire.content import Checklist, Content, Option, OptionMeaning
from questionnaire.flow import StepKind
from questionnaire.web.forms import codes
from tests.server import ProductionServer

SUMMARY = "/summary"
# Far more pages than a journey has (its questions and check your answers).
MAX_STEPS = 60
# What a browser asks for (Chromium adds zstd, which the check's pages are
# never sent in), said here rather than left to httpx's default, which
# depends on the packages installed. httpx decodes each page; its sizes on
# the wire are counted before that (bench.soak.wire).
ACCEPT_ENCODING = "gzip, deflate, br"
# gunicorn's own worker timeout: a request slower than this is an error anyway.
REQUEST_TIMEOUT = 30.0
# The share of journeys in which nothing is noticed at all, so that the
# summary's "you did not report any of these signs" is seen under load too
# (with every answer drawn at random it would almost never be).
QUIET_SHARE = 0.1


def answers_by_place(content: Content, answers: Answers) -> dict[str, dict[str, str]]:
    """The fields sent with each question's form, as its page's radios send them.

    An answer is sent as its option's code (its place among the question's
    options, all of one width); the checklist as one field for each sign,
    ``sign0`` and on, each with the code of yes, no or not sure.
    """
    given: dict[str, dict[str, str]] = {}
    for path, kind, sign_id in places(content):
        match kind:
            case StepKind.AUDIENCE:
                given[path] = _coded(content.audience.options, answers.audience)
            case StepKind.SAFETY:
                given[path] = _coded(content.safety.options, answers.safety)
            case StepKind.USE:
                given[path] = _coded(content.use.options, answers.use)
            case StepKind.CHECKLIST if content.checklist is not None:
                given[path] = checklist_fields(content.checklist, answers.checklist)
            case _:
                given[path] = _coded(content.answer_options, answers.signs[sign_id or ""])
    return given


def _coded(options: Sequence[Option], value: str) -> dict[str, str]:
    return {"answer": codes([option.value for option in options])[value]}


def checklist_fields(checklist: Checklist, answers: Mapping[str, str]) -> dict[str, str]:
    """The checklist's fields: each sign's answer (yes, no, not sure) under its sign's name."""
    names = codes([item.value for item in checklist.items])
    answer_codes = codes([value for value, _label in checklist.item_answers])
    return {f"sign{names[sign]}": answer_codes[answer] for sign, answer in answers.items()}


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
            dict.fromkeys((item.value for item in checklist.items), Checklist.NO)
            if checklist
            else {},
        )
    options = [option.value for option in content.answer_options]
    return Answers(
        language,
        audience,
        rng.choice([option.value for option in content.safety.options]),
        rng.choice([option.value for option in content.use.options]),
        {sign.id: rng.choice(options) for sign in content.signs},
        random_checklist(checklist, rng) if checklist else {},
    )


def random_checklist(checklist: Checklist, rng: random.Random) -> dict[str, str]:
    """Each checklist sign's answer, drawn so that the page reads every way it can.

    Drawn each on its own, some sign would nearly always be answered yes; so
    20 % of the time every sign is no ("none of these"), and 15 % of the time
    none is yes and some are not sure ("not sure").
    """
    items = [item.value for item in checklist.items]
    draw = rng.random()
    if draw < 0.2:
        return dict.fromkeys(items, Checklist.NO)
    if draw < 0.35:
        unsure = set(rng.sample(items, rng.randint(1, len(items))))
        return {item: Checklist.UNSURE if item in unsure else Checklist.NO for item in items}
    answers = [value for value, _label in checklist.item_answers]
    return {item: rng.choice(answers) for item in items}


@dataclass
class Journey:
    """One person's journey, as it went: checked once the load is over."""

    answers: Answers
    seen: list[Seen]
    summary: str
    seconds: float
    # Every request of the journey, in order, with its sizes on the wire.
    exchanges: list[Exchange] = field(default_factory=list)


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


def _header_lines(headers: httpx.Headers) -> int:
    # "Name: value\r\n" each, and the blank line that ends them.
    return sum(len(name) + len(value) + 4 for name, value in headers.raw) + 2


def request_head_size(request: httpx.Request) -> int:
    """The request line and headers as HTTP/1.1 sends them, in bytes."""
    return len(f"{request.method} ".encode() + request.url.raw_path + b" HTTP/1.1\r\n") + (
        _header_lines(request.headers)
    )


def response_head_size(response: httpx.Response) -> int:
    """The status line and headers as they came, in bytes."""
    line = f"{response.http_version} {response.status_code} {response.reason_phrase}\r\n"
    return len(line.encode()) + _header_lines(response.headers)


class JourneyError(Exception):
    """A response the journey cannot go on from."""


_HIDDEN = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>")
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')
# A question's heading is in its legend: the page's h1, or an h2 below a notice.
_QUESTION = re.compile(
    r'<legend class="fieldset__legend">.*?<h([12])\b[^>]*>(.*?)</h\1>', re.DOTALL
)
_NOTICE = re.compile(r'<section\b[^>]*\bdata-notice="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of a page (its form token), by name."""
    fields = {}
    for tag in _HIDDEN.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def page_title(page: str) -> str:
    """The heading of the page's question; empty on a page that asks none."""
    found = _QUESTION.search(page)
    return normal(html.unescape(_TAG.sub("", found.group(2)))) if found else ""


def notices_on(page: str) -> tuple[str, ...]:
    """The kinds of the notices at the top of a page (emergency, interruption), in order."""
    return tuple(_NOTICE.findall(page))


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
        self.cookie_name, self.cookie = "session", ""
        self.language = ""
        # The current journey's requests, with their sizes on the wire.
        self.exchanges: list[Exchange] = []

    async def send(
        self, method: str, path: str, expect: int, form: Mapping[str, str] | None = None
    ) -> httpx.Response:
        headers = {"Accept-Language": self.language, "Accept-Encoding": ACCEPT_ENCODING}
        if self.cookie:
            headers["Cookie"] = f"{self.cookie_name}={self.cookie}"
        if form is not None:
            headers["Origin"] = self.origin
        began = time.monotonic()
        response = await self.client.request(method, path, headers=headers, data=form)
        ended = time.monotonic()
        self.load.requests += 1
        if self.load.measure_from <= began < self.load.measure_until:
            self.load.timings.append(ended - began)
        # Not streamed, so the whole body has been read: the bytes received
        # before decoding, and the body as sent.
        self.exchanges.append(
            Exchange(
                Place(self.language, method, path),
                response.status_code,
                len(response.request.content),
                response.num_bytes_downloaded,
                request_head_size(response.request),
                response_head_size(response),
            )
        )
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
        # The one cookie the check sets: "session", with a prefix over HTTPS.
        for name, morsel in cookie.items():
            self.cookie_name, self.cookie = name, morsel.value
            if self.cookie:
                self.load.cookies.add(self.cookie)

    async def walk(self, content: Content, answers: Answers) -> Journey:
        """The whole check, as Visitor.walk takes it: each page's form sent with its hidden
        fields and the answer for its place, each redirect followed, up to the summary.
        A notice is read where it is shown, above the next question: no request of its own."""
        began = time.monotonic()
        self.cookie, self.language = "", answers.language
        self.exchanges = []
        self.load.values |= answers.values()
        given = answers_by_place(content, answers)
        seen: list[Seen] = []
        path = FIRST
        while path != SUMMARY:
            if len(seen) >= MAX_STEPS:
                raise JourneyError(f"no summary after {MAX_STEPS} pages")
            page = (await self.send("GET", path, 200)).text
            form = hidden_fields(page)
            seen.append(Seen(path, notices_on(page), page_title(page)))
            token = form.get("csrf_token")
            if not token:
                raise JourneyError(f"GET {path}: no form token")
            self.load.tokens.add(token)
            form.update(given.get(path, {}))
            response = await self.send("POST", path, 303, form)
            path = urlsplit(response.headers.get("location", "")).path
        summary = (await self.send("GET", SUMMARY, 200)).text
        return Journey(answers, seen, summary, time.monotonic() - began, self.exchanges)


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
