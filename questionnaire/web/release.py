"""Which release of the check answers, with which content: for /healthz.

During a rolling update an operator can watch every server come to the same
lines. ``layout`` is what forms carry (``flow.layout``): while two servers
show different layouts, a page made by one and sent to the other is asked
again rather than saved.

Each language's ``review-<language>`` line says how current its words are
and whether they are the ones signed in a review copy: a warning to the
operator, never a page a person sees. The production server makes the
review copy's hashes once, at start-up (``check_sign_off``), and logs a
warning for words that are not the signed ones.
"""

from __future__ import annotations

import datetime

from flask import Flask

from questionnaire import __version__, flow
from questionnaire.content import Content, content_version

# Kept on the app once worked out: the content does not change while it runs.
_RELEASE = "selfcheck_release"
# Each language's hash in the review copy of the content served (check_sign_off).
_SERVED_COPY = "selfcheck_served_copy"


def release_lines(app: Flask) -> str:
    """``version``, ``content`` and ``layout`` lines, each ``name value``."""
    found = app.extensions.get(_RELEASE)
    if found is None:
        contents: dict[str, Content] = app.extensions["selfcheck_content"]
        layouts = sorted({flow.places(content).layout for content in contents.values()})
        found = app.extensions[_RELEASE] = (
            f"version {__version__}\n"
            f"content {content_version(contents)}\n"
            f"layout {' '.join(layouts)}\n"
        )
    return str(found)


def review_lines(app: Flask, today: datetime.date | None = None) -> str:
    """A ``review-<language>`` line for each language: version, dates, and whether signed."""
    contents: dict[str, Content] = app.extensions["selfcheck_content"]
    served: dict[str, str] | None = app.extensions.get(_SERVED_COPY)
    today = today or datetime.date.today()
    lines = []
    for language, content in sorted(contents.items()):
        review = content.review
        due = review.next_review_due.isoformat()
        if review.next_review_due < today:
            due += " (passed)"
        if served is None:
            signed = "not checked"
        elif review.signed_copy is None:
            signed = "no"
        else:
            signed = "yes" if review.signed_copy == served[language] else "no, changed since"
        reviewed = review.reviewed_on.isoformat()
        lines.append(
            f"review-{language} version {review.version}; reviewed {reviewed}; "
            f"next review due {due}; signed {signed}\n"
        )
    return "".join(lines)


def check_sign_off(app: Flask) -> list[str]:
    """Make the review copy of the content served, keep its hashes, and warn of unsigned words."""
    from questionnaire.web.review_copy import copy_hashes

    if "selfcheck_content" not in getattr(app, "extensions", {}):
        return []  # another app served with the same settings (the benchmark's baseline)
    served = app.extensions[_SERVED_COPY] = copy_hashes(app)
    contents: dict[str, Content] = app.extensions["selfcheck_content"]
    warnings = []
    for language, content in sorted(contents.items()):
        signed = content.review.signed_copy
        if signed == served[language]:
            continue
        state = "has not been signed" if signed is None else "is not the signed one"
        # Not the served words' fingerprint: the one to record is the signed
        # copy's, read from that copy, never one nobody has read.
        warnings.append(
            f"{language}: the content served {state}: make a review copy with the "
            "production settings (flask --app app review-copy), have it read and signed, "
            "then set review.signed_copy in the content file to the fingerprint in the "
            "signed copy's front matter"
        )
    return warnings
