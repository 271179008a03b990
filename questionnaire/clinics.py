"""The clinics that offer the check: their details, from one TOML file.

A deployment can serve one or many clinics, each under ``/c/<slug>/`` with its
name, colour, contact details and language. The file's path is given in
``SELFCHECK_CONFIG``; without it the check runs unbranded. The file is
refused at start-up, naming the file, the clinic and the key, if anything in
it would show a person something wrong: an unknown key, a missing field, a
link that is not https (an ``http://`` origin only on this computer, to try
the card), a phone number that cannot be dialled in the clinic's
region, a colour that white text cannot be read on, a logo that is too large
or of a type that could carry a script, a slug used twice, a totals key
digest that is not one.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import phonenumbers
from coloraide import Color
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from questionnaire.content import (
    Content,
    ContentError,
    Line,
    describe_error,
    parse_content,
    read_content_data,
)

# A logo is fetched with the first page of its clinic (then cached): small, and a bitmap.
LOGO_LIMIT_BYTES = 16 * 1024
_LOGO_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
# WCAG 2.2: 4.5:1 for text (white on the colour), 3:1 for borders and focus (on white).
TEXT_CONTRAST = 4.5
NON_TEXT_CONTRAST = 3.0


class ConfigError(Exception):
    """A clinics file that cannot be used, with where the problem is."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _https(value: str) -> str:
    """A whole https:// address with a host: nothing that could break a header or a policy."""
    parts = urlsplit(value)
    unsafe = any(char.isspace() or char in "\"'<>;\\" or ord(char) < 32 for char in value)
    if parts.scheme != "https" or not parts.hostname or unsafe:
        raise ValueError(f"{value!r} is not an https:// address")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ValueError(f"{value!r} is not an https:// address") from None
    return value


# Web staff try the card on their own computer first, over plain http.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(origin: str) -> bool:
    """``http://localhost:8000`` and the like: a page on this computer only."""
    parts = urlsplit(origin)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def _origin(value: str) -> str:
    """``https://clinic.example`` or ``https://clinic.example:8443``: no path, no slash.

    ``http://`` only for a loopback host (``localhost``, ``127.0.0.1``,
    ``[::1]``, any port), so that web staff can try the card on their laptop.
    """
    parts = urlsplit(value)
    try:
        _https("https" + value.removeprefix("http") if is_loopback(value) else value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an https:// origin (http:// is allowed only for "
            "http://localhost, http://127.0.0.1 or http://[::1], with any port, "
            "to try the card on your own computer)"
        ) from None
    if value != f"{parts.scheme}://{parts.netloc}" or "@" in parts.netloc:
        raise ValueError(
            f"{value!r} is not an origin: give the scheme and host only, like "
            "https://clinic.example (no path, no / at the end)"
        )
    return value


def _matches(pattern: str, says: str) -> AfterValidator:
    """A text of a fixed form; ``says`` what that form is, in words, with an example."""

    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{value!r} is not {says}")
        return value

    return AfterValidator(check)


Https = Annotated[str, AfterValidator(_https)]
Origin = Annotated[str, AfterValidator(_origin)]
Language = Annotated[
    str, _matches(r"[a-z]{2}", "a two-letter language code in lower case, like en or es")
]
Region = Annotated[
    str, _matches(r"[A-Z]{2}", "a two-letter country code in capitals, like US or MX")
]
# At most 64 characters: the totals keep the slug in a column of that width.
SLUG_LENGTH = 64
Slug = Annotated[
    str,
    _matches(
        rf"(?=.{{1,{SLUG_LENGTH}}}$)[a-z][a-z0-9]*(-[a-z0-9]+)*",
        "a slug like riverside or clinica-del-valle: lower-case letters, digits and "
        f"single hyphens, starting with a letter, at most {SLUG_LENGTH} characters",
    ),
]
Colour = Annotated[
    str,
    _matches(r"#[0-9a-fA-F]{6}", "a colour like #1d70b8 (a # and six digits or letters a to f)"),
]


# The SHA-256 of nothing: the digest of an empty key.
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _key_digest(value: str) -> str:
    """The digest of a key that is not empty. The value is never repeated in the
    message: it may be the key itself, put there by mistake."""
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError(
            "is not a SHA-256 digest (the value is not repeated here: it may be the key "
            "itself): give the 64 digits and lower-case letters a to f that "
            'printf %s "$KEY" | sha256sum prints, never the key'
        )
    if value == _EMPTY_SHA256:
        raise ValueError("is the SHA-256 digest of an empty key: make a key first")
    return value


KeyDigest = Annotated[str, AfterValidator(_key_digest)]


def _per_language(value: object) -> object:
    """One text for every language, or a table of texts by language code."""
    if isinstance(value, str):
        return {"*": value}
    return value


# Words a person reads: one text, or ``{ en = "...", es = "..." }``.
Text = Annotated[dict[str, Line], BeforeValidator(_per_language)]


class Logo(_Model):
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        """Part of the logo's address: a new logo has a new one, so it can be cached for good."""
        return hashlib.sha256(self.data).hexdigest()[:16]


def _read_logo(value: object, info: ValidationInfo) -> object:
    """The logo file, relative to the clinics file, checked and read."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("should be the path of an image file, relative to this file")
    base = Path((info.context or {}).get("base", "."))
    path = base / value
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{value!r} cannot be read: {error.strerror}") from None
    if len(data) > LOGO_LIMIT_BYTES:
        raise ValueError(
            f"{value!r} is {len(data):,} bytes; a logo may be at most {LOGO_LIMIT_BYTES:,}"
        )
    media_type = next((kind for magic, kind in _LOGO_TYPES.items() if data.startswith(magic)), None)
    if media_type is None:
        raise ValueError(
            f"{value!r} is not a PNG, JPEG or GIF file (SVG is refused: it can carry scripts; "
            "save the logo as a PNG)"
        )
    return {"media_type": media_type, "data": data}


def _time_zone(value: object) -> object:
    if isinstance(value, str) and not is_time_zone(value):
        raise ValueError(
            f'{value!r} is not a time zone name: give one like "America/Chicago" '
            "(the list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)"
        )
    return value


TimeZone = Annotated[str, BeforeValidator(_time_zone)]


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is a time zone the check can write times in ("America/Chicago")."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Clinic(_Model):
    slug: Slug
    name: Line
    # Where the phone number is dialled from: a two-letter country code. Before
    # the phone number, which is checked against it.
    region: Region = "US"
    phone: Line
    website: Https
    booking_url: Https | None = None
    hours: Text | None = None
    about: Text | None = None
    logo: Annotated[Logo | None, BeforeValidator(_read_logo)] = None
    brand_color: Colour
    default_language: Language
    exit_url: Https | None = None
    embed_origins: tuple[Origin, ...] = ()
    # Who publishes the check on this clinic's pages, when not the clinic
    # itself (a health system publishing for its clinics, say).
    publisher: Line | None = None
    # The clinic's time zone (an IANA name, "America/Chicago"): a summary
    # says when it was made in the clinic's local time.
    time_zone: TimeZone | None = None
    # For a clinic outside the US: resources (emergency number included) by
    # language, in the content files' own form; checked by the content's rules.
    resources: dict[Language, list[dict[str, Any]]] | None = None
    # The SHA-256 of the key that opens the clinic's totals page (/c/<slug>/totals)
    # to its staff; without it, the clinic has no totals page.
    totals_key_sha256: KeyDigest | None = None

    @field_validator("phone")
    @classmethod
    def _dialable(cls, phone: str, info: ValidationInfo) -> str:
        region = info.data.get("region", "US")
        try:
            number = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValueError(
                f"{phone!r} is not a phone number that can be dialled in {region} "
                "(give the whole number, area code included)"
            )
        return phone

    @field_validator("brand_color")
    @classmethod
    def _readable(cls, color: str) -> str:
        on_white = Color(color).contrast(Color("white"), method="wcag21")
        if on_white < TEXT_CONTRAST:
            raise ValueError(
                f"{color} has a contrast of {on_white:.2f}:1 with the white text drawn on it; "
                f"it needs at least {TEXT_CONTRAST}:1 (and {NON_TEXT_CONTRAST}:1 against white, "
                "where it draws borders): choose a darker colour"
            )
        return color

    @property
    def tel(self) -> str:
        """The phone number as a ``tel:`` link dials it, from anywhere, extension included.

        ``tel:+15035550142;ext=12`` (RFC 3966): a phone dials the number, then the extension.
        """
        number = phonenumbers.parse(self.phone, self.region)
        link = "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if number.extension:
            link += f";ext={number.extension}"
        return link

    def text_language(self, field: str, language: str) -> str | None:
        """Which of the texts of ``hours`` or ``about`` a page in ``language`` shows."""
        texts: dict[str, str] | None = getattr(self, field)
        if not texts:
            return None
        for key in (language, "*", self.default_language):
            if key in texts:
                return key
        return next(iter(texts))

    def text(self, field: str, language: str) -> str | None:
        """``hours`` or ``about`` in ``language``, else in the clinic's own language."""
        key = self.text_language(field, language)
        return None if key is None else getattr(self, field)[key]


class Clinics(_Model):
    """Every clinic of a deployment, and the one served at ``/`` if any."""

    default_clinic: Slug | None = None
    clinics: tuple[Clinic, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _slugs(self) -> Clinics:
        seen: set[str] = set()
        for index, clinic in enumerate(self.clinics):
            if clinic.slug in seen:
                raise ValueError(
                    f"entry clinics[{index}], field 'slug': {clinic.slug!r} is used twice"
                )
            seen.add(clinic.slug)
        if self.default_clinic is not None and self.default_clinic not in seen:
            raise ValueError(
                f"field 'default_clinic': {self.default_clinic!r} is not the slug of any clinic"
            )
        return self

    def clinic(self, slug: str | None) -> Clinic | None:
        return next((clinic for clinic in self.clinics if clinic.slug == slug), None)

    def check_languages(self, languages: set[str], source: str) -> list[str]:
        """Refuse a clinic language there is no content for; warn of texts missing a language.

        Returns the warnings: a missing language falls back to the clinic's own.
        """
        warnings = []
        for index, clinic in enumerate(self.clinics):
            where = f"{source}: entry clinics[{index}] (slug {clinic.slug!r})"
            if clinic.default_language not in languages:
                raise ConfigError(
                    f"{where}, field 'default_language': {clinic.default_language!r} has no "
                    f"content; there is content for {', '.join(sorted(languages))}"
                )
            for field in ("hours", "about"):
                texts = getattr(clinic, field) or {}
                if "*" in texts or not texts:
                    continue
                for key in sorted(set(texts) - languages):
                    warnings.append(
                        f"{where}, field {field!r}: the {key!r} text is never shown; the "
                        f"check has pages in {_listed(languages)} only"
                    )
                for language in sorted(languages - set(texts)):
                    shown = clinic.text_language(field, language)
                    warnings.append(
                        f"{where}, field {field!r}: no {language!r} text; pages in that "
                        f"language show the {shown!r} one"
                    )
        return warnings

    def notes(self, source: str) -> list[str]:
        """What is fine but worth knowing: an embed origin on this computer only."""
        return [
            f"{source}: entry clinics[{index}] (slug {clinic.slug!r}), field 'embed_origins': "
            f"{origin} is a page on this computer: it is for trying the card out, and "
            "works on no other computer. Open your test page at exactly this address: "
            "localhost and 127.0.0.1 are different sites to a browser"
            for index, clinic in enumerate(self.clinics)
            for origin in clinic.embed_origins
            if is_loopback(origin)
        ]


def _listed(languages: Iterable[str]) -> str:
    return " and ".join(repr(language) for language in sorted(languages))


def clinic_contents(
    clinic: Clinic, index: int, content_files: dict[str, Path], source: str
) -> tuple[dict[str, Content], list[str]]:
    """The content of each language with the clinic's own resources, and any warnings.

    The content is read again with the clinic's resources in place of the
    national ones, so that every "{emergency}" in it becomes the clinic's
    number, and checked by the same rules.
    """
    if not clinic.resources:
        return {}, []
    where = f"{source}: entry clinics[{index}] (slug {clinic.slug!r}), field 'resources"
    if clinic.default_language not in clinic.resources:
        raise ConfigError(f"{where}': no {clinic.default_language!r} list, the clinic's language")
    contents, warnings = {}, []
    for language, path in content_files.items():
        if language not in clinic.resources:
            warnings.append(
                f"{where}': no {language!r} list; pages in that language show the "
                f"{clinic.default_language!r} one"
            )
        resources = clinic.resources.get(language, clinic.resources[clinic.default_language])
        data = {**read_content_data(path), "resources": resources}
        try:
            contents[language] = parse_content(data, f"{where}.{language}'")
        except ContentError as error:
            raise ConfigError(str(error)) from None
    return contents, warnings


# Pydantic's words for a value of the wrong kind, said as an operator reads the file.
_PLAIN_MESSAGES = {
    "string_type": "should be a text in quotes",
    "string_too_short": "is empty",
    "tuple_type": 'should be a list in square brackets, like ["https://clinic.example"]',
    "list_type": "should be a list in square brackets",
    "dict_type": (
        'should be a text in quotes, or texts by language, like { en = "...", es = "..." }'
    ),
}


def _plain(error: ValidationError) -> ValidationError:
    """The same problems in plain words, each said once.

    A clinic with a problem is left out of the list, so the list can come out
    empty: pydantic then adds "Tuple should have at least 1 item", which only
    repeats the problem already named.
    """
    details = error.errors(include_url=False)
    inside = any(detail["loc"][:1] == ("clinics",) and len(detail["loc"]) > 1 for detail in details)
    plain: list[Any] = []
    for detail in details:
        if detail["loc"] == ("clinics",) and detail["type"] == "too_short":
            if inside:
                continue
            message = "there is no clinic: the file needs at least one [[clinics]] entry"
        elif detail["type"] == "dict_type" and detail["loc"][-1] == "resources":
            message = "should be a table of lists by language, like [clinics.resources]"
        else:
            message = _PLAIN_MESSAGES.get(detail["type"], "")
        if message:
            plain.append(
                {
                    "type": PydanticCustomError("plain", message),
                    "loc": detail["loc"],
                    "input": detail["input"],
                }
            )
        else:
            plain.append(detail)
    return ValidationError.from_exception_data(error.title, plain)


def parse_clinics(data: dict[str, Any], source: str, base: Path) -> Clinics:
    """Check already-parsed clinics; ``source`` names the file in any error."""
    try:
        return Clinics.model_validate(data, context={"base": base})
    except ValidationError as error:
        raise ConfigError(
            describe_error(_plain(error), data, source, names=("slug", "id"))
        ) from None


def load_clinics(path: Path) -> Clinics:
    """Read and check a clinics file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read as TOML: {error}") from None
    return parse_clinics(data, str(path), path.parent)


@dataclass(frozen=True)
class CheckedClinics:
    """A clinics file read and checked against the content, as the app uses it."""

    clinics: Clinics
    # For each clinic with resources of its own: its content, by language.
    contents: dict[str, dict[str, Content]]
    warnings: list[str]
    # Fine, but worth knowing (an embed origin for trying the card out).
    notes: list[str]


def check_clinics(path: Path, content_dir: Path, languages: Iterable[str]) -> CheckedClinics:
    """Read the clinics file, and check it against the content of ``languages`` in
    ``content_dir``: the same for the app at start-up and for ``check-config``."""
    content_files = {language: content_dir / f"{language}.toml" for language in languages}
    clinics = load_clinics(path)
    warnings = clinics.check_languages(set(content_files), str(path))
    contents = {}
    for index, clinic in enumerate(clinics.clinics):
        own, more = clinic_contents(clinic, index, content_files, str(path))
        warnings += more
        if own:
            contents[clinic.slug] = own
    return CheckedClinics(clinics, contents, warnings, clinics.notes(str(path)))
