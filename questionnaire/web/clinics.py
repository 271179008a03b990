"""Clinics on the web: the same check under ``/c/<slug>/``, branded, and its start card.

A request to ``/c/<slug>/...`` is handed to the app as if the app were mounted
at ``/c/<slug>`` (the prefix moves to ``SCRIPT_NAME``), so every view,
redirect and link of the check works there unchanged, and every address the
app makes stays under the clinic's prefix. A slug that no clinic has is left
in the path, where no page matches it: a friendly 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask.globals import request_ctx
from flask_babel import get_locale
from markupsafe import escape
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from questionnaire.clinics import Clinic, Clinics
from questionnaire.content import Audience
from questionnaire.web.assets import ONE_YEAR
from questionnaire.web.context import (
    CLINIC,
    CLINICS,
    LANGUAGE_LINK,
    brand_style,
    current_clinic,
    current_content,
)
from questionnaire.web.context import gettext as _
from questionnaire.web.security import csp_hash, set_page_policy

_PREFIX = re.compile(r"^/c/([a-z0-9-]+)(/.*)?$")
# Set for /c/<slug> without its slash: the app sends the person on to /c/<slug>/.
_ADD_SLASH = "selfcheck.add_slash"
# The card's frame: narrower on a narrow screen. Its script makes it as tall
# as the card; without the script, the height fits the card at 320 px with
# the usual text size in every language (the Spanish card is 661 px there).
CARD_STYLE = "border:0;max-width:100%"
CARD_WIDTH, CARD_HEIGHT = 384, 680


def button_style(clinic: Clinic) -> str:
    """The copied button's own style, in the clinic's brand colour, so that it looks the
    same on any site (the colour is checked for contrast with white text). The embed
    page shows it by allowing exactly this style attribute."""
    return (
        "display:inline-block;padding:0.6em 1em;"
        f"background:{clinic.brand_color.lower()};color:#ffffff;"
        "font:bold 1.125rem/1.3 system-ui,sans-serif;text-decoration:none;border-radius:4px"
    )


class ClinicPrefix:
    """Serve each clinic's pages under ``/c/<slug>/``, and the default clinic's at ``/``."""

    def __init__(self, app: WSGIApplication, clinics: Clinics) -> None:
        self.app = app
        self.clinics = clinics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        found = _PREFIX.match(path)
        if found and self.clinics.clinic(found.group(1)) is not None:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/c/{found.group(1)}"
            environ["PATH_INFO"] = found.group(2) or "/"
            environ[CLINIC] = found.group(1)
            # /c/<slug> goes to /c/<slug>/: made by the app (add_slash), so that it
            # checks the host and carries the headers of every response.
            environ[_ADD_SLASH] = not found.group(2)
        elif not found and self.clinics.default_clinic is not None:
            environ[CLINIC] = self.clinics.default_clinic
        return self.app(environ, start_response)


bp = Blueprint("clinic", __name__)


@bp.get("/logo.<digest>")
def logo(digest: str) -> Response:
    """The clinic's logo, at an address that changes with it: cached for a year."""
    clinic = current_clinic()
    if clinic is None or clinic.logo is None or digest != clinic.logo.digest:
        raise NotFound()
    response = Response(clinic.logo.data, mimetype=clinic.logo.media_type)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    # An image, never a document: even opened on its own it can run nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _this_clinic() -> Clinic:
    clinic = current_clinic()
    if clinic is None:
        raise NotFound()
    g.audience = Audience.ME
    return clinic


@bp.get("/card")
def card() -> str:
    """A small start card for the clinic's own pages to frame: no script, no cookie.

    Start opens the check in the whole tab (``target="_top"``), so the check
    never runs in a frame and never needs a cookie in one. It opens it in the
    card's own language: the frame keeps no cookie to remember that choice.
    """
    clinic = _this_clinic()
    set_page_policy(frame_ancestors=("'self'", *clinic.embed_origins))
    start_url = _in_this_language("check.start", always=True)
    return render_template("card.html", content=current_content(), start_url=start_url)


@bp.get("/embed")
def embed() -> str:
    """For the clinic's web staff: snippets to copy, each with a live preview."""
    clinic = _this_clinic()
    button = button_style(clinic)
    set_page_policy(
        frame_src=("'self'",), style_attribute_hashes=(csp_hash(button), csp_hash(CARD_STYLE))
    )
    # In the embed page's language, so that the Spanish snippets open the check
    # (and show the card) in Spanish, whatever the clinic's default language.
    start = escape(_in_this_language("check.start"))
    card_url = _in_this_language("clinic.card")
    name = escape(_("Opioid signs self-check"))
    title = escape(_("Opioid signs self-check from %(clinic)s", clinic=clinic.name))
    snippets = {
        "link": f'<a href="{start}">{name}</a>',
        "button": f'<a href="{start}" style="{button}">{name}</a>',
        "card": (
            f'<iframe src="{escape(card_url)}" title="{title}" width="{CARD_WIDTH}" '
            f'height="{CARD_HEIGHT}" style="{CARD_STYLE}"></iframe>'
        ),
    }
    return render_template("embed.html", content=current_content(), snippets=snippets)


def _in_this_language(endpoint: str, always: bool = False) -> str:
    """The page's whole address, with this page's language when it is not the clinic's
    default (``always``: with it whatever it is)."""
    language = get_locale().language
    chosen = always or language != _this_clinic().default_language
    return url_for(endpoint, _external=True, **({LANGUAGE_LINK: language} if chosen else {}))


def add_slash() -> Response | None:
    """``/c/<slug>`` to ``/c/<slug>/``: the clinic's cookie is sent under the slash only.

    Before any other check of the request: a form posted to ``/c/<slug>`` is
    sent on too (a 308 keeps the method), and checked there. A host outside
    ``TRUSTED_HOSTS`` (no URL adapter) is refused as on any other page. The
    query string is left behind, as on the language switch.
    """
    if not request.environ.get(_ADD_SLASH) or request_ctx.url_adapter is None:
        return None
    return redirect(request.script_root + "/", 308)


def init_clinics(app: Flask, clinics: Clinics | None) -> None:
    """Serve the clinics (if any) under their prefixes, branded."""
    app.context_processor(lambda: {"clinic": current_clinic()})
    app.add_template_global(brand_style)
    if clinics is None:
        return
    app.extensions[CLINICS] = clinics
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, add_slash)
    app.wsgi_app = ClinicPrefix(app.wsgi_app, clinics)  # type: ignore[method-assign]
