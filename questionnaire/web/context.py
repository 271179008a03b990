"""Whom and what a request is for: the clinic, the language and its content."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, get_translations
from markupsafe import Markup

from questionnaire.clinics import Clinic, Clinics
from questionnaire.content import Content

# Set by the clinic prefix (questionnaire.web.clinics) for a clinic's pages.
CLINIC = "selfcheck.clinic"
CLINICS = "selfcheck_clinics"
# A clinic with its own resources has its own content: slug, then language.
CLINIC_CONTENT = "selfcheck_clinic_content"
LANGUAGE = "language"
# The query parameter of the language links (``?language=es``): any page, in that language.
LANGUAGE_LINK = "language"
_TRANSLATIONS = "selfcheck_translations"
_CONTENT = "selfcheck_content"


def current_clinic() -> Clinic | None:
    """The clinic whose pages these are, or None for the unbranded check."""
    clinics: Clinics | None = current_app.extensions.get(CLINICS)
    if clinics is None:
        return None
    return clinics.clinic(request.environ.get(CLINIC))


def brand_style(clinic: Clinic) -> str:
    """A clinic page's one inline style: its brand colour, allowed by its hash."""
    return f":root{{--brand:{clinic.brand_color.lower()}}}"


def exit_url() -> str:
    """Where Exit this page leaves for: the clinic's choice, else the deployment's."""
    clinic = current_clinic()
    if clinic is not None and clinic.exit_url:
        return clinic.exit_url
    return str(current_app.config["EXIT_URL"])


def all_content() -> dict[str, Content]:
    contents: dict[str, Content] = current_app.extensions["selfcheck_content"]
    return contents


def select_language() -> Locale:
    """The language chosen with the link on every page, else the browser's, else the clinic's."""
    available = list(all_content())
    chosen = g.get(LANGUAGE) or session.get(LANGUAGE)
    if chosen in available:
        return _locale(str(chosen))
    preferred = request.accept_languages.best_match(available)
    if preferred:
        return _locale(preferred)
    clinic = current_clinic()
    default = clinic.default_language if clinic else current_app.config["DEFAULT_LANGUAGE"]
    return _locale(str(default))


@cache
def _locale(code: str) -> Locale:
    """Babel's locale for a content language (only those reach here), made once."""
    return Locale.parse(code)


def current_content() -> Content:
    """The content of this request's language (and clinic), found once per request."""
    found: Content | None = g.get(_CONTENT)
    if found is None:
        language = get_locale().language
        own: dict[str, dict[str, Content]] = current_app.extensions.get(CLINIC_CONTENT, {})
        clinic = current_clinic()
        if clinic is not None and clinic.slug in own:
            found = own[clinic.slug][language]
        else:
            found = all_content()[language]
        setattr(g, _CONTENT, found)
    return found


def translations() -> NullTranslations:
    """This request's interface translations, looked up once.

    Flask-Babel's own ``gettext`` finds the request, its locale and the
    catalogue again on every call, some twenty times a page.
    """
    found: NullTranslations | None = g.get(_TRANSLATIONS)
    if found is None:
        found = get_translations()
        setattr(g, _TRANSLATIONS, found)
    return found


def gettext(text: str, **variables: Any) -> str:
    """An interface string in this request's language, as Flask-Babel's ``gettext``."""
    translated = translations().ugettext(text)
    return translated % variables if variables else translated


def template_gettext(text: str, **variables: Any) -> Markup:
    """``_()`` in templates, as Jinja's "newstyle" gettext does it, in one call
    rather than three: the translation is trusted, the variables are escaped."""
    return Markup(translations().ugettext(text)) % variables


def template_ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
    translated = translations().ungettext(singular, plural, num)
    return Markup(translated) % {"num": num, **variables}


def init_translations(app: Flask) -> None:
    """Templates translate with this request's catalogue, found once (after Flask-Babel)."""
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
