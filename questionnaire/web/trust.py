"""Who publishes the check, how current its words are, and when a summary was made.

A person deciding whether to believe a page about opioids looks for who
stands behind it and when it was last checked. Every page names the
publisher at its foot (the clinic on a clinic's pages, else the
deployment's ``SELFCHECK_PUBLISHER``, else no one: nothing is invented); the
summary, on screen and on paper, says when the content was last reviewed,
when it is next due, its version, and when the summary was made.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from babel.dates import format_date, format_time, get_timezone_name
from flask import Flask, current_app
from flask_babel import get_locale

from questionnaire.web.context import current_clinic
from questionnaire.web.padding import measuring

# A page rendered to measure its place's size is made at this moment, in the
# page's time zone: the longest month name in English and in Spanish
# (September, septiembre), a two-digit day and a two-digit hour, so that no
# real moment writes a longer line than the one measured.
_MEASURED_MOMENT = (2026, 9, 30, 22, 58)


@dataclass(frozen=True)
class MadeAt:
    """When a summary was made, as its page writes it: date, time and time zone."""

    date: str
    time: str
    zone: str


def publisher() -> str | None:
    """Who publishes the pages of this request: the clinic, else the deployment's publisher."""
    clinic = current_clinic()
    if clinic is not None:
        return clinic.publisher or clinic.name
    configured = current_app.config.get("PUBLISHER")
    return str(configured) if configured else None


def time_zone() -> zoneinfo.ZoneInfo:
    """The clinic's time zone on its pages, else the deployment's (checked at start-up)."""
    clinic = current_clinic()
    name = (clinic.time_zone if clinic is not None else None) or current_app.config["TIME_ZONE"]
    return zoneinfo.ZoneInfo(str(name))


def written_date(day: datetime.date) -> str:
    """A date written out in the page's language: "December 6, 2026", "6 de diciembre de 2026"."""
    return format_date(day, format="long", locale=get_locale())


def made_at(now: datetime.datetime | None = None) -> MadeAt:
    """When this page is made, in the page's language and time zone."""
    zone = time_zone()
    if measuring():
        moment = datetime.datetime(*_MEASURED_MOMENT, tzinfo=zone)
    else:
        moment = (now or datetime.datetime.now(datetime.UTC)).astimezone(zone)
    locale = get_locale()
    # The zone's name without summer time ("Central Time", "hora central"):
    # the same length all year. UTC has no region to name.
    name = "UTC" if zone.key == "UTC" else get_timezone_name(zone, width="long", locale=locale)
    return MadeAt(
        date=format_date(moment.date(), format="long", locale=locale),
        time=format_time(moment, format="short", locale=locale),
        zone=name,
    )


def init_trust(app: Flask) -> None:
    """Every template can name the publisher and write a date out."""
    app.context_processor(lambda: {"publisher": publisher()})
    app.add_template_filter(written_date, "written_date")
