"""A clinic's totals, for its staff: ``/c/<slug>/totals``, behind the clinic's totals key.

The page shows what the operator's ``flask totals --clinic <slug>`` shows:
the clinic's own rows only, by week, for the last weeks that are over (see
questionnaire.totals for what is counted and what is never shown).

A clinic's staff open it with HTTP Basic authentication: the user name is the
clinic's slug, the password its totals key. The clinics file holds only the
key's SHA-256 (``totals_key_sha256``); a clinic without it has no page. The
key is read from the ``Authorization`` header only, never from the address.

Whatever is wrong (a wrong key or user name, a clinic without a key, a slug
no clinic has), the answer is one and the same 401, byte for byte: it is
made as for no clinic at all (unbranded, in a language the request chose,
never the clinic's), so that it tells nothing about the clinic. Repeated
wrong keys for a slug are slowed down (``Throttle``), the same for every
slug, a clinic's or not.

The page sets no cookie (it is one of the pages ``questionnaire.web.views``
keeps out of the session, ``?language=`` too), is never stored by a cache, is
not indexed, and is not one of the check's places: it is not padded.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from babel.dates import format_date
from flask import Blueprint, Flask, current_app, g, render_template, request
from flask_babel import get_locale
from werkzeug.datastructures import Authorization
from werkzeug.wrappers import Response

from questionnaire.clinics import Clinic, Clinics
from questionnaire.totals import SMALLEST_SHOWN, Figure, Period, Rate, Report
from questionnaire.web.context import CLINIC, LANGUAGE, all_content, current_clinic, current_content
from questionnaire.web.context import gettext as _
from questionnaire.web.totals import (
    DEFAULT_PERIODS,
    Failures,
    make_report,
    report_day,
    store_of,
)

# What the browser is asked for: a user name (the slug) and a password (the key).
CHALLENGE = 'Basic realm="Totals", charset="UTF-8"'
# Wrong keys for one slug, within WINDOW_SECONDS, after which tries wait.
TRIES = 5
WINDOW_SECONDS = 60
# How many slugs the throttle remembers at most, and how much of each.
TRACKED_SLUGS = 1024
_SLUG_CHARACTERS = 200
# Compared with when there is no digest to compare with (no such clinic, or no
# key): the digest of a random key no one knows, so that a refusal takes the
# same work as a check of a real key.
_NO_DIGEST = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
# Where the app keeps its ``TotalsPage``.
EXTENSION = "selfcheck_totals_page"


class Throttle:
    """Wrong keys by slug text: after ``TRIES`` within ``WINDOW_SECONDS``, tries wait.

    Kept in this process only: each worker (and each replica) counts on its
    own, so an address can be tried ``TRIES`` times a minute for each of them.
    That is still far too slow to guess a random key, which is what keeps the
    page closed; the throttle only keeps the guessing slow and the logs quiet.

    Memory is bounded: at most ``TRACKED_SLUGS`` slugs (of at most
    ``_SLUG_CHARACTERS`` characters). To make room, the slugs whose tries are
    over go first, then the least recently tried of those not waiting: a slug
    that waits is forgotten only when every slug remembered waits too.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        # Seconds, from any start; tests give a clock of their own.
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, slug: str) -> int:
        """Seconds before ``slug`` may be tried again (0: now)."""
        now = self.clock()
        with self._lock:
            failures = self._failures.get(slug[:_SLUG_CHARACTERS])
            if failures is None or not _waits(failures, now):
                return 0
            return max(math.ceil(failures[0] + WINDOW_SECONDS - now), 1)

    def failed(self, slug: str) -> None:
        now = self.clock()
        key = slug[:_SLUG_CHARACTERS]
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                if len(self._failures) >= TRACKED_SLUGS:
                    self._forget(now)
                failures = self._failures[key] = deque(maxlen=TRIES)
            failures.append(now)
            self._failures.move_to_end(key)

    def _forget(self, now: float) -> None:
        """Make room: forget the slugs whose tries are all over, else the least recently
        tried of those not waiting (a slug that waits is forgotten last)."""
        over = [key for key, times in self._failures.items() if times[-1] + WINDOW_SECONDS <= now]
        for key in over:
            del self._failures[key]
        if len(self._failures) < TRACKED_SLUGS:
            return
        free = (key for key, times in self._failures.items() if not _waits(times, now))
        del self._failures[next(free, next(iter(self._failures)))]

    def __len__(self) -> int:
        return len(self._failures)


def _waits(failures: deque[float], now: float) -> bool:
    return len(failures) == TRIES and failures[0] + WINDOW_SECONDS > now


def _read_failures() -> Failures:
    return Failures(
        "Totals page: cannot read the totals",
        "the page says so (503)",
        "Totals page: reading the totals works again",
    )


@dataclass
class TotalsPage:
    throttle: Throttle = field(default_factory=Throttle)
    # The day the weeks shown are over before (an hour after a UTC midnight, the new day).
    today: Callable[[], datetime.date] = report_day
    # Readings of the store that failed, logged sparingly.
    failures: Failures = field(default_factory=_read_failures)


bp = Blueprint("totals_page", __name__)


@bp.after_request
def _not_kept(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/totals")
def totals() -> Response | str:
    """The page of the clinic these pages are for (``/c/<slug>/totals``)."""
    return _answer(str(request.environ.get(CLINIC) or ""), current_clinic())


@bp.get("/c/<slug>/totals")
def no_such_clinic(slug: str) -> Response | str:
    """A slug no clinic has (the clinic prefix left it in the path): refused as any other."""
    return _answer(slug, None)


def _page() -> TotalsPage:
    page: TotalsPage = current_app.extensions[EXTENSION]
    return page


def _answer(slug: str, clinic: Clinic | None) -> Response | str:
    page = _page()
    wait = page.throttle.wait(slug)
    if wait:
        # The key is not even looked at.
        return _refused(429, {"Retry-After": str(wait)})
    given = request.authorization
    tried = given is not None and given.type == "basic"
    if not _opens(slug, clinic, given):
        if tried:
            page.throttle.failed(slug)
        return _refused(401, {"WWW-Authenticate": CHALLENGE})
    assert clinic is not None
    return _show(page, clinic)


def _opens(slug: str, clinic: Clinic | None, given: Authorization | None) -> bool:
    """Whether the user name is ``slug`` and the key's digest the clinic's, compared in
    constant time, with the same work whether or not there is a clinic or a key."""
    digest = clinic.totals_key_sha256 if clinic is not None else None
    basic = given is not None and given.type == "basic"
    user, key = ("", "")
    if given is not None and basic:
        user, key = given.username or "", given.password or ""
    given_digest = hashlib.sha256(key.encode()).hexdigest()
    same_user = hmac.compare_digest(user.encode(), slug.encode())
    same_key = hmac.compare_digest(given_digest.encode(), (digest or _NO_DIGEST).encode())
    # Not ``and``: every comparison is made, whatever the first one found.
    return bool(same_user & same_key & (digest is not None) & basic)


def _refused(status: int, headers: dict[str, str]) -> Response:
    """The page for a refusal: the same for every slug, a clinic's or not.

    Made as for the check without a clinic, in its own request: no clinic's
    name, colour, content, language or address is in it, nor in its headers
    (the clinic's colour is in the policy of its pages).
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    language = _language_without_clinic()
    slug = str(request.environ.pop(CLINIC, None) or "")
    root = request.script_root.removesuffix(f"/c/{slug}") if slug else request.script_root
    with (
        app.app_context(),
        app.test_request_context("/", base_url=f"{request.scheme}://{request.host}{root}/"),
    ):
        setattr(g, LANGUAGE, language)
        body = render_template(
            "totals.html", refused=status, content=all_content()[language], clinic=None
        )
    return Response(body, status, headers, mimetype="text/html")


def _language_without_clinic() -> str:
    """The page's language as a link or the browser chose it, else the deployment's:
    never a clinic's own."""
    available = list(all_content())
    chosen = g.get(LANGUAGE)
    if chosen in available:
        return str(chosen)
    return str(
        request.accept_languages.best_match(available) or current_app.config["DEFAULT_LANGUAGE"]
    )


@dataclass(frozen=True)
class Line:
    """One week of the table, as the page writes it."""

    week: datetime.date
    # The date the week starts on (a Monday), written in the page's language.
    written: str
    started: str
    # How many reached the summary, and in brackets the share of those who
    # started, when it is shown: "24 (60%)". Three columns fit a 320 px screen
    # in Spanish too; a fourth did not.
    finished: str


def _show(page: TotalsPage, clinic: Clinic) -> Response | str:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    store = store_of(app)
    context = {"content": current_content(), "weeks": DEFAULT_PERIODS, "smallest": SMALLEST_SHOWN}
    if store is None:
        return render_template("totals.html", counting_off=True, **context)
    try:
        made = make_report(store, [clinic.slug], Period.WEEK, DEFAULT_PERIODS, page.today())
    except Exception as error:
        page.failures.failed(app.logger, error)
        body = render_template("totals.html", unreadable=True, **context)
        return Response(body, 503, mimetype="text/html")
    page.failures.worked(app.logger)
    return render_template("totals.html", lines=lines_of(made), **context)


def lines_of(made: Report) -> list[Line]:
    """The report's rows in the page's words: in English, as ``str`` writes them."""
    return [
        Line(
            row.period,
            format_date(row.period, format="medium", locale=get_locale()),
            figure_text(row.started),
            _reached(row.finished, row.rate),
        )
        for row in made.rows
    ]


def figure_text(figure: Figure) -> str:
    if figure.value is not None:
        return str(figure.value)
    if figure.small:
        return _("fewer than %(smallest)s", smallest=SMALLEST_SHOWN)
    # A larger count, hidden because a count of 1 to 10 could be worked out from it.
    return _("not shown")


def _reached(finished: Figure, rate: Rate) -> str:
    """The summary count, with the rate in brackets when it is shown."""
    if rate.value is None:
        return figure_text(finished)
    return _("%(count)s (%(percent)s%%)", count=figure_text(finished), percent=rate.value)


def init_totals_page(app: Flask, clinics: Clinics | None) -> None:
    """Each clinic's totals page, when the app serves clinics."""
    if clinics is None:
        return
    app.extensions[EXTENSION] = TotalsPage()
    app.register_blueprint(bp)
