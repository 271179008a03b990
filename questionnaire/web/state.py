"""A person's progress, kept only in Flask's signed session cookie.

Nothing about the answers is stored on the server. The answers are dropped
after a set time without activity, and on Start again or Exit.
"""

from __future__ import annotations

import time

from flask import Flask, Request, current_app, flash, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from itsdangerous import BadSignature

from questionnaire.content import Content
from questionnaire.flow import Progress

_PROGRESS = "progress"
_LAST_SEEN = "last_seen"


class CookieSession(SecureCookieSession):
    """The session, knowing whether the browser sent answers the app could not read."""

    unreadable = False


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, which also notices answers it cannot read.

    That happens when the secret key was changed without keeping the old one
    as a fallback, or when the cookie was altered. The person then starts
    again, and is told so rather than left to wonder where the answers went.
    """

    session_class = CookieSession

    def open_session(self, app: Flask, request: Request) -> CookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return CookieSession()
        try:
            # No age limit here (Flask's is 31 days): answers idle for longer than
            # ANSWERS_IDLE_SECONDS are cleared by load_progress, which says so.
            return CookieSession(serializer.loads(value))
        except BadSignature:
            opened = CookieSession()
            # Read without checking, only to know whether there were answers to lose.
            _, unchecked = serializer.loads_unsafe(value)
            opened.unreadable = isinstance(unchecked, dict) and _PROGRESS in unchecked
            return opened


def load_progress(content: Content) -> Progress:
    """The person's progress, or a fresh start if they were idle too long.

    A person who has not answered anything gets no cookie from this.
    """
    if _PROGRESS not in session:
        if _cookie_was_unreadable():
            flash(
                _(
                    "We could not read your earlier answers, so the check starts again. "
                    "We are sorry for the trouble."
                )
            )
        return Progress()
    now = int(time.time())
    last_seen = session.get(_LAST_SEEN)
    idle_limit = int(current_app.config["ANSWERS_IDLE_SECONDS"])
    if not isinstance(last_seen, int) or now - last_seen > idle_limit:
        clear_progress()
        flash(
            _(
                "To protect your privacy, we cleared your answers after %(minutes)s "
                "minutes without use. You can start again below.",
                minutes=idle_limit // 60,
            )
        )
        return Progress()
    session[_LAST_SEEN] = now
    return Progress.from_dict(session[_PROGRESS], content)


def _cookie_was_unreadable() -> bool:
    """Whether this request's cookie could not be read; true once, so it is said once."""
    if isinstance(session, CookieSession) and session.unreadable:
        session.unreadable = False
        return True
    return False


def has_progress() -> bool:
    """Whether any answers are kept for this person right now."""
    return _PROGRESS in session


def save_progress(progress: Progress) -> None:
    session[_PROGRESS] = progress.to_dict()
    session[_LAST_SEEN] = int(time.time())


def clear_progress() -> None:
    session.pop(_PROGRESS, None)
    session.pop(_LAST_SEEN, None)
