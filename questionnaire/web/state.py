"""A person's progress, kept only in Flask's signed session cookie.

Nothing about the answers is stored on the server. The answers are dropped
after a set time without activity, and on Start again or Exit.
"""

from __future__ import annotations

import time

from flask import current_app, flash, session
from flask_babel import gettext as _

from questionnaire.content import Content
from questionnaire.flow import Progress

_PROGRESS = "progress"
_LAST_SEEN = "last_seen"


def load_progress(content: Content) -> Progress:
    """The person's progress, or a fresh start if they were idle too long.

    A person who has not answered anything gets no cookie from this.
    """
    if _PROGRESS not in session:
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


def save_progress(progress: Progress) -> None:
    session[_PROGRESS] = progress.to_dict()
    session[_LAST_SEEN] = int(time.time())


def clear_progress() -> None:
    session.pop(_PROGRESS, None)
    session.pop(_LAST_SEEN, None)
