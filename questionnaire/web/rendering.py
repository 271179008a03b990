"""A page rendered by the app itself, as it would be sent, for someone who answered so.

Two things need a page without a person's request behind it: the padding,
which measures the longest page anyone can be shown at a place
(``questionnaire.web.padding``), and the review copy, which shows every page
a person can meet (``questionnaire.web.review_copy``). Both render through
the app itself (its views, templates, error handlers and after-request
steps), in a request context of their own, for someone whose saved answers
and language are given, so that what they see is what people get.

Such a request is marked ``MEASURING``: its form token is a fixed look-alike
and the page's clock stands still (the idle warning, the time a summary was
made), so that one page renders to the same bytes in every worker and at
every moment. The padding leaves its response as it is.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, session
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from questionnaire.flow import Progress
from questionnaire.web.context import CLINIC, LANGUAGE
from questionnaire.web.state import save_progress

# Set on the internal requests that render a page this way; a request from
# outside cannot set it (a WSGI server puts headers under HTTP_...).
MEASURING = "selfcheck.measuring"
# The secret a rendered page's form token is made from: any fixed one will do.
_MEASURING_SECRET = "f" * 40


def render(
    app: Flask,
    path: str,
    *,
    base_url: str,
    language: str,
    progress: Progress | None = None,
    form: Mapping[str, str] | None = None,
    token: bool = True,
    clinic: str | None = None,
    prepare: Callable[[], None] | None = None,
    error: HTTPException | None = None,
) -> Response:
    """The app's response to a request for ``path``, made by someone with ``progress``.

    ``base_url`` is where the app is (a clinic's ``https://host/c/<slug>/``,
    with ``clinic`` its slug); ``path`` is under it. With ``form``, the
    request is a POST of those fields, with the page's form token unless
    ``token`` is false; otherwise a GET. ``prepare`` runs once the session
    holds the answers, the language and the token, just before the request
    is answered. With ``error``, the app answers with that error, as its
    error handlers do (a failure no request can cause on purpose), rather
    than dispatching the request.

    The response is neither compressed nor padded: the request accepts no
    encoding, and the padding leaves a ``MEASURING`` request alone.
    """
    signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")  # type: ignore[arg-type]
    real = signer.dumps(_MEASURING_SECRET)
    environ: dict[str, Any] = {MEASURING: {"token": _look_alike(str(real))}}
    if clinic is not None:
        environ[CLINIC] = clinic
    address = urlsplit(base_url)
    data = None if form is None else {**({"csrf_token": real} if token else {}), **form}
    # A context of its own: a request for the same app would otherwise share the caller's ``g``.
    with (
        app.app_context(),
        app.test_request_context(
            path,
            base_url=base_url,
            method="GET" if form is None else "POST",
            data=data,
            headers={"Origin": f"{address.scheme}://{address.netloc}"},
            environ_overrides=environ,
        ),
    ):
        if progress is not None and progress != Progress():
            save_progress(progress)
        session[LANGUAGE] = language
        session["csrf_token"] = _MEASURING_SECRET
        if prepare is not None:
            prepare()
        if error is not None:
            return app.finalize_request(app.handle_user_exception(error))
        return app.full_dispatch_request()


def _look_alike(token: str) -> str:
    """A token as long as ``token``, its dots in the same places, the same for every worker.

    Rendered pages show it rather than a real token, whose time stamp would
    make each worker's measure differ by a byte or two.
    """
    digest = hashlib.shake_256(str(len(token)).encode()).digest(len(token))
    letters = base64.urlsafe_b64encode(digest).decode()
    return "".join(c if c == "." else letters[i] for i, c in enumerate(token))
