"""Whom and what a request is for: the clinic, the language and its content."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale

from questionnaire.clinics import Clinic, Clinics
from questionnaire.content import Content

# Set by the clinic prefix (questionnaire.web.clinics) for a clinic's pages.
CLINIC = "selfcheck.clinic"
CLINICS = "selfcheck_clinics"
# A clinic with its own resources has its own content: slug, then language.
CLINIC_CONTENT = "selfcheck_clinic_content"
LANGUAGE = "language"


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


def select_language() -> str:
    """The language chosen with the link on every page, else the browser's, else the clinic's."""
    available = list(all_content())
    chosen = session.get(LANGUAGE)
    if chosen in available:
        return str(chosen)
    preferred = request.accept_languages.best_match(available)
    if preferred:
        return preferred
    clinic = current_clinic()
    return clinic.default_language if clinic else str(current_app.config["DEFAULT_LANGUAGE"])


def current_content() -> Content:
    language = get_locale().language
    own: dict[str, dict[str, Content]] = current_app.extensions.get(CLINIC_CONTENT, {})
    clinic = current_clinic()
    if clinic is not None and clinic.slug in own:
        return own[clinic.slug][language]
    return all_content()[language]
