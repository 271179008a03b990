"""A person's progress, kept only in an encrypted session cookie.

Nothing about the answers is stored on the server. The cookie is encrypted
and authenticated (AES-GCM, from the ``cryptography`` package), so a copy of
it, from a shared device's cookie store or a log, reads as nothing without
the key: not even the time it was written, which Fernet would show. The
answers are dropped after a set time without activity, and at the latest a
set time after they were first saved, whatever the activity; and on Start
again or Exit.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response, current_app, flash, request, session
from flask.sessions import (
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionMixin,
    session_json_serializer,
)
from itsdangerous import BadSignature

from questionnaire.content import Content
from questionnaire.flow import Progress
from questionnaire.totals import Event
from questionnaire.web.context import gettext as _

_PROGRESS = "progress"
_LAST_SEEN = "last_seen"
# When the answers were first saved: set once, never moved, so that no use
# of the cookie (or of a copy of it) keeps them past ANSWERS_MAX_SECONDS.
_ISSUED_AT = "issued_at"
# Whose session it is: the address its pages are under ("" for the check at
# the root, "/c/<slug>" for a clinic's), which is also its cookie's path.
_SCOPE = "scope"
# Set when the answers are first confirmed: the summary is counted once a
# journey (questionnaire.web.totals), however often answers change after it.
_FINISHED = "finished"
# The plain text is padded to a multiple of this many bytes before it is
# encrypted, so the cookie's length does not tell which answers were given.
_PAD_TO = 1024
# Put before the encrypted token when the session holds answers: all that can
# be told of a cookie without the key is whether the check was begun, which
# the pages a person opened show anyway. It lets a cookie the app can no
# longer read (the key was changed) be met with an apology only when answers
# were lost, not when the cookie held only a form token.
_HOLDS_ANSWERS = "a."
# Opening a page restarts the idle clock only once it is this many seconds
# old: otherwise every page would send the whole cookie back just to move
# the clock on by a few seconds. Pages tell the script how long the answers
# are really kept (``answers_kept_for``), so its warning stays on time.
_CLOCK_STEP = 60


class CookieSession(SecureCookieSession):
    """The session, knowing whether the browser sent a cookie the app could not read."""

    unreadable = False


def _cookie_key(secret: str | bytes) -> bytes:
    """A 256-bit AES key derived from a secret key, for the session cookie only."""
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"selfcheck session cookie"
    ).derive(material)


class EncryptingSerializer:
    """Turns the session into an encrypted token and back.

    Encrypts with the current secret key and reads with it or any of
    ``SECRET_KEY_FALLBACKS``, so keys can be rotated without losing answers.
    Anything it cannot read raises ``BadSignature``, as Flask's signer does.
    """

    def __init__(self, keys: list[str | bytes]) -> None:
        # The first key encrypts; every key is tried when reading.
        self._ciphers = [AESGCM(_cookie_key(key)) for key in keys]

    def dumps(self, data: dict[str, Any]) -> str:
        plain = session_json_serializer.dumps(data).encode()
        padded = plain.ljust(-(-len(plain) // _PAD_TO) * _PAD_TO)
        nonce = os.urandom(12)
        sealed = nonce + self._ciphers[0].encrypt(nonce, padded, None)
        token = base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")
        return _HOLDS_ANSWERS + token if _PROGRESS in data else token

    def loads(self, token: str) -> dict[str, Any]:
        token = token.removeprefix(_HOLDS_ANSWERS)
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            plain = self._open(sealed).decode()
            data = session_json_serializer.loads(plain)
        except (binascii.Error, InvalidTag, UnicodeError, ValueError) as error:
            raise BadSignature("the session cookie cannot be read") from error
        if not isinstance(data, dict):
            raise BadSignature("the session cookie holds no session")
        return data

    def _open(self, sealed: bytes) -> bytes:
        nonce, box = sealed[:12], sealed[12:]
        if len(nonce) < 12:
            raise InvalidTag()
        for cipher in self._ciphers:
            try:
                return cipher.decrypt(nonce, box, None)
            except InvalidTag:
                continue
        raise InvalidTag()


def cookie_name(name: str, *, secure: bool, at_root: bool) -> str:
    """The session cookie's name, with the prefix that keeps other sites from setting it.

    ``__Host-`` for the check at the root: a browser keeps such a cookie only
    if it is Secure, names no domain and has the path ``/``, so no other host
    of the domain (a sibling ``portal.clinic.example``) can set or shadow it.
    ``__Secure-`` for a clinic's check, whose cookie has the path
    ``/c/<slug>/`` (``__Host-`` allows only ``/``): a browser keeps it only
    from HTTPS. Without HTTPS (development) neither prefix can be used.
    """
    if not secure:
        return name
    return ("__Host-" if at_root else "__Secure-") + name


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, encrypted, and noticing a cookie it cannot read.

    That happens when the secret key was changed without keeping the old one
    as a fallback, or when the cookie was altered. The person then starts
    again, and is told so rather than left to wonder where the answers went.
    """

    session_class = CookieSession

    def get_signing_serializer(self, app: Flask) -> EncryptingSerializer | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        keys = [app.secret_key, *app.config["SECRET_KEY_FALLBACKS"]]
        cache = app.extensions.setdefault("selfcheck_cookie_serializer", {})
        serializer: EncryptingSerializer | None = cache.get(tuple(keys))
        if serializer is None:
            serializer = EncryptingSerializer(keys)
            cache.clear()
            cache[tuple(keys)] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> CookieSession | None:
        """The session of the pages under this address (a clinic's, or the root's).

        Each clinic's cookie is scoped to its prefix, but the root's (at
        ``/``) reaches every page too, and with ``default_clinic`` it is of
        the same clinic: a session records the address it belongs to, and
        another's is never opened, nor cleared or counted as unreadable.
        """
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        unreadable = False
        for value in request.cookies.getlist(self.get_cookie_name(app)):
            try:
                # No age limit here: answers idle for longer than ANSWERS_IDLE_SECONDS
                # are cleared by load_progress, which says so.
                data = serializer.loads(value)
            except BadSignature:
                unreadable = unreadable or value.startswith(_HOLDS_ANSWERS)
                continue
            # A cookie from before scopes were recorded belongs to the root.
            if data.get(_SCOPE, "") == request.script_root:
                return CookieSession(data)
        opened = CookieSession()
        opened.unreadable = unreadable
        return opened

    def get_cookie_name(self, app: Flask) -> str:
        secure = bool(self.get_cookie_secure(app)) and request.is_secure
        at_root = request.script_root == "" and self.get_cookie_domain(app) is None
        return cookie_name(super().get_cookie_name(app), secure=secure, at_root=at_root)

    def get_cookie_path(self, app: Flask) -> str:
        """Each clinic's cookie is sent to its own pages only (``/c/<slug>/``)."""
        return request.script_root + "/"

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, dict) and session:
            # Not a change of the session (that would send the cookie again):
            # it says whose the session is, whenever it is saved.
            dict.__setitem__(session, _SCOPE, request.script_root)
        super().save_session(app, session, response)
        if getattr(session, "accessed", False):  # not on a page that never reads it (/healthz)
            self._delete_unprefixed(app, response)

    def _delete_unprefixed(self, app: Flask, response: Response) -> None:
        """Delete a cookie of this path under the name without its prefix, as 0.1.0 set it.

        It is never read once the name has its prefix, but it may hold answers:
        Exit and Start again must not leave it on a shared device.
        """
        plain = str(app.config["SESSION_COOKIE_NAME"])
        if self.get_cookie_name(app) != plain and plain in request.cookies:
            response.delete_cookie(
                plain,
                path=self.get_cookie_path(app),
                domain=self.get_cookie_domain(app),
                secure=self.get_cookie_secure(app),
                httponly=self.get_cookie_httponly(app),
                samesite=self.get_cookie_samesite(app),
            )


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
    if not keep_answers(step=_CLOCK_STEP):
        ended = _absolute_limit_came_first()
        _forget_answers()
        if ended:
            flash(
                _(
                    "To protect your privacy, we cleared your answers %(minutes)s minutes "
                    "after the first one. You can start again below.",
                    minutes=int(current_app.config["ANSWERS_MAX_SECONDS"]) // 60,
                )
            )
        else:
            flash(
                _(
                    "To protect your privacy, we cleared your answers after %(minutes)s "
                    "minutes without use. You can start again below.",
                    minutes=int(current_app.config["ANSWERS_IDLE_SECONDS"]) // 60,
                )
            )
        return Progress()
    return Progress.from_dict(session[_PROGRESS], content)


def keep_answers(step: int = 0) -> bool:
    """Reset the idle clock of answers still within the limits; say whether there were any.

    The clock is reset if it has run at least ``step`` seconds. Never clears
    or says anything: answers past a limit are cleared, with a notice, by
    the next page the person opens. Nothing here moves the time the answers
    were first saved, so they are never kept past ``ANSWERS_MAX_SECONDS``.
    """
    times = _answer_times()
    if times is None:
        return False
    last_seen, issued_at = times
    now = int(time.time())
    if now - last_seen > int(current_app.config["ANSWERS_IDLE_SECONDS"]):
        return False
    if now - issued_at >= int(current_app.config["ANSWERS_MAX_SECONDS"]):
        return False
    if not isinstance(session.get(_ISSUED_AT), int):
        session[_ISSUED_AT] = issued_at
    if now - last_seen >= step:
        session[_LAST_SEEN] = now
    return True


def answers_kept_for() -> int:
    """How many more seconds the answers are kept without use (0 if there are none).

    The sooner of the two limits: the idle one, and the one counted from when
    the answers were first saved.
    """
    times = _answer_times()
    if times is None:
        return 0
    last_seen, issued_at = times
    now = int(time.time())
    idle_left = int(current_app.config["ANSWERS_IDLE_SECONDS"]) - (now - last_seen)
    absolute_left = int(current_app.config["ANSWERS_MAX_SECONDS"]) - (now - issued_at)
    return max(0, min(idle_left, absolute_left))


def _absolute_limit_came_first() -> bool:
    """Whether the answers reached the absolute limit before the idle one (say which)."""
    times = _answer_times()
    if times is None:
        return False
    last_seen, issued_at = times
    idle_end = last_seen + int(current_app.config["ANSWERS_IDLE_SECONDS"])
    return issued_at + int(current_app.config["ANSWERS_MAX_SECONDS"]) <= idle_end


def answers_end_in() -> int:
    """How many more seconds the answers are kept at most, however much they are used."""
    times = _answer_times()
    if times is None:
        return 0
    issued_at = times[1]
    return max(0, int(current_app.config["ANSWERS_MAX_SECONDS"]) - (int(time.time()) - issued_at))


def _answer_times() -> tuple[int, int] | None:
    """When the answers were last used and when first saved; None if there are none.

    Answers saved before the first time was kept count from their last use:
    ``keep_answers`` then records that as their first time, once.
    """
    last_seen = session.get(_LAST_SEEN)
    if _PROGRESS not in session or not isinstance(last_seen, int):
        return None
    issued_at = session.get(_ISSUED_AT)
    return last_seen, (issued_at if isinstance(issued_at, int) else last_seen)


def _cookie_was_unreadable() -> bool:
    """Whether this request's cookie could not be read; true once, so it is said once."""
    if isinstance(session, CookieSession) and session.unreadable:
        session.unreadable = False
        return True
    return False


def has_progress() -> bool:
    """Whether any answers are kept for this person right now."""
    return _PROGRESS in session


def save_progress(progress: Progress) -> list[Event]:
    """Keep ``progress``; say which of the counted events this saving is (see
    questionnaire.totals): the first answer of a journey, its first confirmation."""
    now = int(time.time())
    events = []
    if _PROGRESS not in session:
        # The first answer: the time the answers are kept is counted from it.
        session[_ISSUED_AT] = now
        events.append(Event.STARTED)
    if progress.confirmed and not session.get(_FINISHED):
        session[_FINISHED] = True
        events.append(Event.FINISHED)
    session[_PROGRESS] = progress.to_dict()
    session[_LAST_SEEN] = now
    return events


def clear_progress() -> None:
    """Start again: the answers go, and so does the form token, so a new one is made.

    A page or a post from before then carries the old token, and is refused.
    """
    _forget_answers()
    # Flask-WTF's key: the next form made gets a new token.
    session.pop("csrf_token", None)


def _forget_answers() -> None:
    """The answers and their times; the form token stays, so the person's open pages still post."""
    session.pop(_PROGRESS, None)
    session.pop(_LAST_SEEN, None)
    session.pop(_ISSUED_AT, None)
    session.pop(_FINISHED, None)
