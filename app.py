"""The opioid signs self-check: the Flask application factory.

Run it with ``flask --app app run`` (``make run`` sets up development mode).
Outside development, ``SELFCHECK_SECRET_KEY`` must be set in the environment.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from questionnaire.content import CONTENT_DIR, Audience, load_all_content
from questionnaire.web.views import bp, current_content, select_language

DEFAULTS: dict[str, Any] = {
    "DEVELOPMENT": False,
    "DEFAULT_LANGUAGE": "en",
    "CONTENT_DIR": CONTENT_DIR,
    "BABEL_DEFAULT_LOCALE": "en",
    # Where "Exit this page" leaves for: a neutral page that says nothing about this check.
    "EXIT_URL": "https://www.weather.gov/",
    "ANSWERS_IDLE_SECONDS": 60 * 60,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None means: Secure everywhere but in development (decided in create_app).
    "SESSION_COOKIE_SECURE": None,
    # Answers are dropped when the browser closes: the cookie has no expiry date.
    "SESSION_PERMANENT": False,
    # The CSRF token lives as long as the session; idle answers are cleared separately.
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # The stylesheet and script may be cached for an hour; pages never are.
    "SEND_FILE_MAX_AGE_DEFAULT": 60 * 60,
}

TRANSLATIONS_DIR = Path(__file__).parent / "questionnaire" / "translations"
# The language the interface strings are written in: it needs no catalogue.
SOURCE_LANGUAGE = "en"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)


class ConfigurationError(RuntimeError):
    """The app cannot start safely with the configuration it was given."""


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    # SELFCHECK_SECRET_KEY, SELFCHECK_DEVELOPMENT=true, SELFCHECK_EXIT_URL, ...
    app.config.from_prefixed_env("SELFCHECK")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _require_secret_key(app)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.config["DEVELOPMENT"]

    # Fails at start-up, naming the file, entry and field, if any content is wrong.
    app.extensions["selfcheck_content"] = load_all_content(Path(app.config["CONTENT_DIR"]))

    CSRFProtect(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    _require_compiled_catalogues(app)
    _require_default_language(app)
    Babel(app, locale_selector=select_language)
    app.register_blueprint(bp)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(_worded, "worded")
    app.add_template_global(get_locale)
    app.after_request(_protect_response)
    app.register_error_handler(CSRFError, _session_expired)
    # Also handles 500s: the page never shows anything about the request.
    app.register_error_handler(HTTPException, _http_error)
    return app


def _require_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not app.config["DEVELOPMENT"]:
        raise ConfigurationError(
            "SELFCHECK_SECRET_KEY is not set. Set it to a long random value, for example "
            "the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'. "
            "For local development only, set SELFCHECK_DEVELOPMENT=true instead."
        )
    # A new key each start: sessions from a previous run simply start over.
    app.config["SECRET_KEY"] = secrets.token_hex(32)


def _require_compiled_catalogues(app: Flask) -> None:
    """Without its compiled catalogue, a language would silently show English buttons."""
    languages = app.extensions["selfcheck_content"]
    missing = [
        language
        for language in languages
        if language != SOURCE_LANGUAGE
        and not (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo").exists()
    ]
    if missing:
        raise ConfigurationError(
            f"No compiled interface translations for {', '.join(missing)}: run `make translations`"
            " (make run and make test do it for you)."
        )


def _require_default_language(app: Flask) -> None:
    languages = app.extensions["selfcheck_content"]
    if app.config["DEFAULT_LANGUAGE"] not in languages:
        raise ConfigurationError(
            f"DEFAULT_LANGUAGE {app.config['DEFAULT_LANGUAGE']!r} has no content file; "
            f"there is content for {', '.join(sorted(languages))}."
        )


def _worded(text: Any) -> str:
    """Pick the wording for who the check is about (``{{ sign.question|worded }}``)."""
    return str(text.for_(g.get("audience", Audience.ME)))


def _protect_response(response: Response) -> Response:
    if request.endpoint != "static":
        # Pages can show answers: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _session_expired(error: CSRFError) -> tuple[str, int]:
    """A missing or stale form token: explain kindly and let the person go on."""
    return render_template("session_expired.html", content=current_content()), 400


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error
    return render_template("error.html", code=error.code, content=current_content()), error.code
