"""The opioid signs self-check: the Flask application factory.

Run it with ``flask --app app run`` (``make run`` sets up development mode).
Outside development, ``SELFCHECK_SECRET_KEY`` (or ``SELFCHECK_SECRET_KEY_FILE``)
must give a strong secret key.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask.globals import request_ctx
from flask_babel import Babel, get_locale
from flask_compress import Compress
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from pydantic import TypeAdapter, ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from questionnaire.clinics import Clinics, ConfigError, Https, check_clinics, is_time_zone
from questionnaire.content import (
    CONTENT_DIR,
    Audience,
    Content,
    content_warnings,
    load_all_content,
)
from questionnaire.web.assets import init_assets
from questionnaire.web.clinics import init_clinics
from questionnaire.web.context import (
    CLINIC,
    CLINIC_CONTENT,
    current_content,
    init_translations,
    select_language,
)
from questionnaire.web.padding import Padding
from questionnaire.web.release import release_lines, review_lines
from questionnaire.web.security import FormProtection, add_security_headers
from questionnaire.web.serving import SelfCheckFlask, wrap_for_serving
from questionnaire.web.state import CookieSessionInterface, has_progress
from questionnaire.web.totals import TotalsError, init_totals
from questionnaire.web.totals_page import init_totals_page
from questionnaire.web.trust import init_trust
from questionnaire.web.views import bp

DEFAULTS: dict[str, Any] = {
    "DEVELOPMENT": False,
    "DEFAULT_LANGUAGE": "en",
    "CONTENT_DIR": CONTENT_DIR,
    "BABEL_DEFAULT_LOCALE": "en",
    # Where "Exit this page" leaves for: a neutral page that says nothing about this check.
    "EXIT_URL": "https://www.weather.gov/",
    # The clinics file (see clinics.example.toml); None runs the unbranded check only.
    "CONFIG": None,
    # Who publishes the unbranded check, shown on its pages; None names no one.
    # A clinic's pages name the clinic (or the clinics file's publisher).
    "PUBLISHER": None,
    # The time zone a summary's "made on" time is written in (an IANA name);
    # a clinic's own time_zone, in the clinics file, wins on its pages.
    "TIME_ZONE": "UTC",
    # Where the totals for clinics are kept (questionnaire.web.totals): a database
    # address (sqlite:///path, postgresql+psycopg://...), "off" for none, or None
    # for a SQLite file in the instance folder.
    "TOTALS_URL": None,
    # The same, read from a file: an address with a password, mounted as a secret.
    "TOTALS_URL_FILE": None,
    "ANSWERS_IDLE_SECONDS": 60 * 60,
    # Answers are cleared this long after they were first saved, however much they are used.
    "ANSWERS_MAX_SECONDS": 2 * 60 * 60,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None means: Secure everywhere but in development (decided in create_app).
    "SESSION_COOKIE_SECURE": None,
    # Answers are dropped when the browser closes: the cookie has no expiry date.
    "SESSION_PERMANENT": False,
    # The CSRF token lives as long as the session; idle answers are cleared separately.
    "WTF_CSRF_TIME_LIMIT": None,
    # The forms' messages are the content's own, never WTForms' built-in ones:
    # without this, Flask-WTF reads WTForms' catalogue again on every request.
    "WTF_I18N_ENABLED": False,
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # Old secret keys still accepted while a new one is rolled out (see DEPLOY.md).
    "SECRET_KEY_FALLBACKS": [],
    # Files holding the secret key, and the old keys (one a line), for secrets
    # that Docker or Kubernetes mount as files: instead of the values above.
    "SECRET_KEY_FILE": None,
    "SECRET_KEY_FALLBACKS_FILE": None,
    # HSTS for the names under the app's host name too (see DEPLOY.md): off, as
    # at a domain's apex it would hold every other site of the domain to HTTPS.
    "HSTS_INCLUDE_SUBDOMAINS": False,
    # The host names the app answers to; None answers to any (see DEPLOY.md).
    "TRUSTED_HOSTS": None,
    # How many reverse proxies in front to believe about X-Forwarded-For and -Proto.
    "PROXY_COUNT": 0,
    # Pages, the stylesheet and the script, compressed for the browsers that accept it.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "text/plain"],
    # Each page is compressed as it is sent. Brotli's quality 2 takes a third of
    # the time of the default 4 (0.13 against 0.39 ms for the longest page, the
    # Spanish summary) for under 200 bytes more; quality 1, twice as fast
    # again, left that page 580 bytes longer, over 14 KB with its stylesheet,
    # script and headers (docs/performance.md).
    "COMPRESS_BR_LEVEL": 2,
    # Pages are never cached (no-store) and carry no ETag: there is nothing to compare.
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
}

TRANSLATIONS_DIR = Path(__file__).parent / "questionnaire" / "translations"
# Shown when not even the error page can be made: a fixed page, read at start-up.
PLAIN_ERROR_PAGE = "selfcheck_plain_error_page"
# The language the interface strings are written in: it needs no catalogue.
SOURCE_LANGUAGE = "en"


class ConfigurationError(RuntimeError):
    """The app cannot start safely with the configuration it was given."""


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    # Static files are served by questionnaire.web.assets, at addresses with a hash.
    app = SelfCheckFlask(__name__, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    # SELFCHECK_SECRET_KEY, SELFCHECK_DEVELOPMENT=true, SELFCHECK_EXIT_URL, ...
    app.config.from_prefixed_env("SELFCHECK")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _read_secret_files(app)
    app.config["SECRET_KEY_FALLBACKS"] = _as_list(app.config["SECRET_KEY_FALLBACKS"]) or []
    _require_secret_key(app)
    _require_idle_limit(app)
    _require_max_limit(app)
    _require_exit_url(app)
    _require_time_zone(app)
    app.config["HSTS_INCLUDE_SUBDOMAINS"] = _as_flag(app, "HSTS_INCLUDE_SUBDOMAINS")
    app.config["TRUSTED_HOSTS"] = _as_list(app.config["TRUSTED_HOSTS"])
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.config["DEVELOPMENT"]

    # Fails at start-up, naming the file, entry and field, if any content is wrong.
    contents = app.extensions["selfcheck_content"] = load_all_content(
        Path(app.config["CONTENT_DIR"])
    )
    # For the operator: a translation behind its source, a review date passed.
    for warning in content_warnings(contents, datetime.date.today()):
        app.logger.warning("Content: %s", warning)
    clinics = _load_clinics(app)

    # Before the form check, which reads the body.
    wrap_for_serving(app)
    FormProtection(app)
    app.session_interface = CookieSessionInterface()
    # Another folder of compiled catalogues only to render an earlier revision's words
    # (review-copy --since).
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    _require_compiled_catalogues(app)
    _require_default_language(app)
    Babel(app, locale_selector=select_language)
    init_translations(app)
    init_trust(app)
    try:
        init_totals(app)
    except TotalsError as error:
        raise ConfigurationError(str(error)) from None
    app.register_blueprint(bp)
    init_assets(app)
    # Last of the WSGI wrappers: it decides which clinic's pages a request is for.
    init_clinics(app, clinics)
    init_totals_page(app, clinics)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.extensions[PLAIN_ERROR_PAGE] = _plain_error_pages(app, clinics)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(_worded, "worded")
    app.add_template_global(get_locale)
    app.after_request(add_security_headers)
    Compress(app)
    # After Compress: it pads (and compresses) the check's pages first.
    Padding(app)
    app.register_error_handler(CSRFError, _session_expired)
    # Also handles 500s: the page never shows anything about the request.
    app.register_error_handler(HTTPException, _http_error)
    return app


def _load_clinics(app: Flask) -> Clinics | None:
    """The clinics file named by SELFCHECK_CONFIG, checked against the content's languages."""
    if not app.config["CONFIG"]:
        return None
    try:
        checked = check_clinics(
            Path(app.config["CONFIG"]),
            Path(app.config["CONTENT_DIR"]),
            app.extensions["selfcheck_content"],
        )
    except ConfigError as error:
        raise ConfigurationError(str(error)) from None
    for warning in checked.warnings:
        app.logger.warning("%s", warning)
    app.extensions[CLINIC_CONTENT] = checked.contents
    return checked.clinics


def _plain_error_pages(app: Flask, clinics: Clinics | None) -> dict[str, str]:
    """The fixed pages for when not even the error page can be made, filled in once:
    one for the check at the root (""), one for each clinic (by slug)."""
    template = Path(app.root_path, "templates", "plain_error.html").read_text(encoding="utf-8")
    language = app.config["DEFAULT_LANGUAGE"]

    def filled(content: Content, exit_url: str) -> str:
        emergency = content.resource("emergency")
        page = template
        for placeholder, value in {
            "{exit_url}": exit_url,
            "{emergency_href}": emergency.links[0].href,
            "{emergency}": emergency.number or "",
        }.items():
            page = page.replace(placeholder, str(escape(value)))
        return page

    pages = {"": filled(app.extensions["selfcheck_content"][language], app.config["EXIT_URL"])}
    own = app.extensions.get(CLINIC_CONTENT, {})
    for clinic in clinics.clinics if clinics else ():
        contents = own.get(clinic.slug, app.extensions["selfcheck_content"])
        content = contents.get(clinic.default_language, contents[language])
        pages[clinic.slug] = filled(content, clinic.exit_url or app.config["EXIT_URL"])
    return pages


def _as_list(value: Any) -> list[str] | None:
    """A list from the environment, comma-separated (``a,b``), or already a list."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [item.strip() for item in str(value).split(",") if item.strip()]


def _as_flag(app: Flask, name: str) -> bool:
    """A true/false setting, from the environment (``true``, ``false``) or already a bool."""
    value = app.config[name]
    if isinstance(value, bool):
        return value
    words = {"true": True, "1": True, "yes": True, "on": True}
    words |= {"false": False, "0": False, "no": False, "off": False}
    flag = words.get(str(value).strip().lower())
    if flag is None:
        raise ConfigurationError(f"SELFCHECK_{name} is {value!r}: set it to true or false.")
    return flag


MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
# A key shorter than this is refused outside development: 32 bytes, as many as
# the session cookie's AES key and the form tokens' HMAC are long (random
# bytes from a file, or 32 hexadecimal digits: 128 bits at least).
KEY_BYTES = 32
# A key written in letters, digits and signs must be longer: as long as
# secrets.token_urlsafe(32) makes one. A phrase a person makes up ("change
# me", a clinic's name and "secret") is then too short long before it could
# be as hard to guess as a random key.
KEY_TEXT_CHARACTERS = 43
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
# And one with fewer different characters: a random hex key of 32 characters
# has fewer than 8 about once in 30 million, one of 64 about once in 10^19.
KEY_CHARACTERS = 8


def _read_secret_files(app: Flask) -> None:
    """SECRET_KEY from SECRET_KEY_FILE, the fallbacks from theirs (one a line, or
    separated by commas), and TOTALS_URL from TOTALS_URL_FILE: for secrets that
    Docker or Kubernetes mount as files."""
    for setting, file_setting in [
        ("SECRET_KEY", "SECRET_KEY_FILE"),
        ("SECRET_KEY_FALLBACKS", "SECRET_KEY_FALLBACKS_FILE"),
        ("TOTALS_URL", "TOTALS_URL_FILE"),
    ]:
        path = app.config.get(file_setting)
        if not path:
            continue
        if app.config.get(setting):
            raise ConfigurationError(
                f"Both SELFCHECK_{setting} and SELFCHECK_{file_setting} are set: "
                "set one of them only."
            )
        try:
            text = Path(str(path)).read_text(encoding="utf-8")
        except (OSError, UnicodeError) as error:
            raise ConfigurationError(
                f"SELFCHECK_{file_setting}: cannot read {path}: {error}"
            ) from None
        if setting in {"SECRET_KEY", "TOTALS_URL"}:
            app.config[setting] = text.strip()
        else:
            app.config[setting] = _as_list(text.replace("\n", ",").replace("\r", ""))


def _require_secret_key(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if not app.config["DEVELOPMENT"]:
            raise ConfigurationError(
                "SELFCHECK_SECRET_KEY is not set. Set it (or SELFCHECK_SECRET_KEY_FILE) to a "
                f"long random value, for example the output of: {MAKE_A_KEY}. "
                "For local development only, set SELFCHECK_DEVELOPMENT=true instead."
            )
        # A new key each start: sessions from a previous run simply start over.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if app.config["DEVELOPMENT"]:
        return
    _require_strong_key("SELFCHECK_SECRET_KEY", app.config["SECRET_KEY"])
    for number, key in enumerate(app.config["SECRET_KEY_FALLBACKS"], start=1):
        _require_strong_key(f"SELFCHECK_SECRET_KEY_FALLBACKS (key {number})", key)


def _require_strong_key(name: str, key: str | bytes) -> None:
    """Refuse a key that can be guessed: every page's form token lets a guess be tested
    offline, and the key opens every cookie."""
    material = key.encode() if isinstance(key, str) else bytes(key)
    problem = None
    text = material.isascii() and not set(material) <= _HEX_DIGITS
    if len(material) < KEY_BYTES:
        problem = f"is {len(material)} bytes long: it must be at least {KEY_BYTES}"
    elif text and len(material) < KEY_TEXT_CHARACTERS:
        problem = (
            f"is {len(material)} characters of text: a key that is not hexadecimal must be at "
            f"least {KEY_TEXT_CHARACTERS} characters, as long as a random one made by "
            "secrets.token_urlsafe(32)"
        )
    elif len(set(material)) < KEY_CHARACTERS:
        problem = f"has only {len(set(material))} different characters: it is not random"
    elif (material + material).find(material, 1) < len(material):
        problem = "repeats a shorter piece: it is not random"
    if problem:
        raise ConfigurationError(
            f"{name} {problem}. Anyone who guesses the key can read every person's answers. "
            f"Make a key with: {MAKE_A_KEY}. "
            "For local development only, set SELFCHECK_DEVELOPMENT=true instead."
        )


def _require_time_zone(app: Flask) -> None:
    if not is_time_zone(str(app.config["TIME_ZONE"])):
        raise ConfigurationError(
            f"SELFCHECK_TIME_ZONE is {app.config['TIME_ZONE']!r}: set it to a time zone name "
            "such as America/Chicago, or UTC."
        )


def _require_exit_url(app: Flask) -> None:
    """The deployment's exit address, checked as a clinic's is: a whole https:// address."""
    try:
        TypeAdapter(Https).validate_python(app.config["EXIT_URL"])
    except ValidationError:
        raise ConfigurationError(
            f"SELFCHECK_EXIT_URL is {app.config['EXIT_URL']!r}: it must be a whole https:// "
            "address with a host, such as https://www.weather.gov/, with no spaces, quotes "
            "or control characters."
        ) from None


def _require_idle_limit(app: Flask) -> None:
    """Long enough for a warning two minutes ahead, and a minute or more after a page opens.

    (A page opened within a minute of the last use leaves the idle clock where it was.)
    """
    seconds = int(app.config["ANSWERS_IDLE_SECONDS"])
    app.config["ANSWERS_IDLE_SECONDS"] = seconds
    if seconds < 4 * 60:
        raise ConfigurationError(
            f"ANSWERS_IDLE_SECONDS is {seconds}: answers must be kept at least 240 seconds "
            "(4 minutes), so that a person is warned 2 minutes before they are cleared."
        )


def _require_max_limit(app: Flask) -> None:
    """At least the idle limit: answers are kept for that long after their last use."""
    seconds = int(app.config["ANSWERS_MAX_SECONDS"])
    app.config["ANSWERS_MAX_SECONDS"] = seconds
    idle = app.config["ANSWERS_IDLE_SECONDS"]
    if seconds < idle:
        raise ConfigurationError(
            f"ANSWERS_MAX_SECONDS is {seconds}: answers must be kept at least as long as "
            f"the idle limit, ANSWERS_IDLE_SECONDS ({idle} seconds)."
        )


def _require_compiled_catalogues(app: Flask) -> None:
    """Without its compiled catalogue, a language would silently show English buttons."""
    languages = app.extensions["selfcheck_content"]
    directory = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    missing = [
        language
        for language in languages
        if language != SOURCE_LANGUAGE
        and not (directory / language / "LC_MESSAGES" / "messages.mo").exists()
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


def _worded(text: Any) -> str | tuple[str, ...]:
    """Pick the wording for who the check is about (``{{ sign.question|worded }}``).

    A text gives a string; a list of steps gives the steps for that person.
    """
    worded: str | tuple[str, ...] = text.for_(g.get("audience", Audience.ME))
    return worded


def _healthz() -> Response:
    """For load balancers and orchestrators: touches no session and sets no cookie.

    After "ok", which release and content answer (see questionnaire.web.release).
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return Response("ok\n" + release_lines(app) + review_lines(app), mimetype="text/plain")


def _session_expired(error: CSRFError) -> Response:
    """A missing or stale form token, or a post from elsewhere: explain, and let the person go on.

    The page says the answers are still there only when they are.
    """
    return _error_page(
        error,
        lambda: render_template(
            "session_expired.html", content=current_content(), answers_kept=has_progress()
        ),
    )


def _http_error(error: HTTPException) -> Response | HTTPException:
    code = error.code
    if code is None or code < 400:
        return error
    return _error_page(
        error, lambda: render_template("error.html", code=code, content=current_content())
    )


def _error_page(error: HTTPException, render: Callable[[], str]) -> Response:
    """The friendly page, or, if even that cannot be made, a plain one.

    A request can be broken in ways that also break the page about it (a Host
    header that is not a name, so that no link can be built): the person
    still gets an answer, with the security headers, never the server's own
    error page. Headers the error carries (``Allow`` on a 405) are kept.
    """
    code = error.code or 500
    headers = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]

    def page(body: str) -> Response:
        return Response(body, code, headers, mimetype="text/html")

    plain_pages = current_app.extensions[PLAIN_ERROR_PAGE]
    plain_page = page(plain_pages.get(request.environ.get(CLINIC, ""), plain_pages[""]))
    if request_ctx.url_adapter is None:
        # The request was refused before routing (a Host not in TRUSTED_HOSTS):
        # no link can be built, and there is nothing to report beyond the 400.
        return plain_page
    try:
        return page(render())
    except Exception:
        current_app.logger.exception("The page for a %s response could not be made", code)
        return plain_page
