"""Every page at a place the same size on the wire, whatever was answered.

TLS hides what a page says, not how long it is, and the length is what a
network (a school's, an employer's, a café's) can see. So each page of the
check is sent at one size for its place (its address, its language, its
clinic, and the compression the browser asked for): the size of the longest
page anyone can be shown there, found by rendering that place for the answer
sets that make it longest (``questionnaire.variants``), plus a margin for
what varies from person to person (the form token).

The padding is in the body itself, after compression, so the compressed
body lands exactly on the place's size: a Brotli stream carries it as
metadata blocks, which a decoder skips (RFC 7932, section 9.2); a gzip
stream as the comment of its header (RFC 1952); a page sent uncompressed as
spaces after its end. The headers are the same length anyway (the cookie is
padded too), so each TLS record of a response is the same size as well.

A page larger than its place's size (which the tests and the soak look for
and never meet) is sent at the next multiple of ``_OVERFLOW_STEP`` above it,
and logged, without anything about the person.
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import brotli
from flask import Flask, current_app, g, request
from flask_babel import get_locale
from werkzeug.wrappers import Response

from questionnaire import flow, variants
from questionnaire.content import Audience, Content
from questionnaire.flow import Progress, Step
from questionnaire.variants import Variant
from questionnaire.web.context import CLINIC, current_content
from questionnaire.web.forms import checklist_fields
from questionnaire.web.rendering import MEASURING, render
from questionnaire.web.totals import UNCOUNTED

# What a page at a place is padded with on top of the longest one measured:
# the form token is random, so it compresses a few bytes better or worse
# from one person to the next (13 bytes at most in 2,000 tries).
_MARGIN = 48
_OVERFLOW_STEP = 256
# Where the app keeps its ``Padding``.
PADDING = "selfcheck_padding"
# Pages padded to one size per place; others (errors, the clinic's card) are not.
PLACES = {"check.start", "check.question", "check.check_answers", "check.summary"}
ENCODINGS = ("br", "gzip", "identity")


@dataclass(frozen=True)
class Place:
    """Where a page is: the same size for everyone here."""

    script_root: str
    language: str
    endpoint: str
    number: int | None


def encode(body: bytes, encoding: str, level: int) -> tuple[bytes, bytes]:
    """``body`` compressed, split where padding goes: (before, after)."""
    if encoding == "br":
        compressor = brotli.Compressor(quality=level)
        # A flush ends on a whole byte, where a metadata block may start.
        return compressor.process(body) + compressor.flush(), compressor.finish()
    if encoding == "gzip":
        deflate = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        raw = deflate.compress(body) + deflate.flush()
        trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
        # The header says a comment follows (FLG.FCOMMENT): the padding, then a zero byte.
        header = b"\x1f\x8b\x08\x10\x00\x00\x00\x00\x00\xff"
        return header, b"\x00" + raw + trailer
    return body, b""


def padding(encoding: str, size: int) -> bytes:
    """``size`` bytes that a decoder of ``encoding`` reads as nothing, where ``encode`` splits."""
    if encoding == "br":
        return b"".join(_brotli_metadata(size))
    if encoding == "gzip":
        return b" " * size
    return b" " * size


def _brotli_metadata(size: int) -> Iterable[bytes]:
    """Metadata blocks of ``size`` bytes in all, to sit between two byte-aligned blocks.

    A block is its header (ISLAST 0, MNIBBLES 0, MSKIPBYTES 1, MSKIPLEN - 1:
    14 bits, so 2 bytes) and up to 256 bytes skipped; an empty one (MSKIPBYTES
    0) is a single byte.
    """
    while size > 0:
        if size <= 2:
            yield b"\x06"  # empty: ISLAST 0, MNIBBLES 3 (0 nibbles), reserved 0, MSKIPBYTES 0
            size -= 1
            continue
        skipped = min(size - 2, 256)
        if size - 2 - skipped in (1, 2) and skipped > 1:
            skipped -= 2  # leave enough for a whole block rather than one or two bytes
        header = 0b0110 | (1 << 4) | ((skipped - 1) << 6)
        yield header.to_bytes(2, "little") + b"\x00" * skipped
        size -= 2 + skipped


def padded(body: bytes, encoding: str, level: int, target: int) -> bytes:
    before, after = encode(body, encoding, level)
    missing = target - len(before) - len(after)
    if missing < 0:
        raise ValueError(f"{len(before) + len(after)} bytes do not fit in {target}")
    return before + padding(encoding, missing) + after


def encoded_size(body: bytes, encoding: str, level: int) -> int:
    before, after = encode(body, encoding, level)
    return len(before) + len(after)


class Padding:
    """Pads the check's pages to their place's size (see the module's docstring)."""

    def __init__(self, app: Flask, measurer: Callable[[Place], list[bytes]] | None = None) -> None:
        # Gives the bodies of the pages at a place that may be longest.
        self._measure = measurer or measure
        self._sizes: dict[tuple[Place, str], int] = {}
        # The answers found longest at each step, in each encoding, by the
        # content's language and layout: the same step of a check that asks
        # the same (a clinic's, its own resources or not) is measured with
        # them alone.
        self.longest: dict[tuple[str, str, Step], list[Variant]] = {}
        self._lock = threading.Lock()
        app.before_request(_fixed_token)
        # After Flask-Compress is set up, so that this runs first: a response
        # it finds encoded already, it leaves alone.
        app.after_request(self.pad)
        app.extensions[PADDING] = self

    def pad(self, response: Response) -> Response:
        place = place_of_request()
        if (
            place is None
            or request.environ.get(MEASURING)
            or response.status_code != 200
            or response.mimetype != "text/html"
            or response.direct_passthrough
        ):
            return response
        encoding = _encoding()
        level = _level(encoding)
        target = self.size(place, encoding)
        body = response.get_data()
        size = encoded_size(body, encoding, level)
        if size > target:
            current_app.logger.warning(
                "a page at %s was %d bytes, more than its place's %d", request.path, size, target
            )
            target += -(-(size - target) // _OVERFLOW_STEP) * _OVERFLOW_STEP
        response.set_data(padded(body, encoding, level, target))
        if encoding != "identity":
            response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        return response

    def size(self, place: Place, encoding: str) -> int:
        """The size every page at ``place`` is sent at, measured on first use."""
        found = self._sizes.get((place, encoding))
        if found is None:
            with self._lock:
                found = self._sizes.get((place, encoding))
                if found is None:
                    bodies = list(self._measure(place))
                    for each in ENCODINGS:
                        level = _level(each)
                        longest = max(encoded_size(body, each, level) for body in bodies)
                        self._sizes[(place, each)] = longest + _MARGIN
                    found = self._sizes[(place, encoding)]
        return found


def place_of_request() -> Place | None:
    if request.endpoint not in PLACES:
        return None
    number = (request.view_args or {}).get("number")
    return Place(
        request.script_root,
        get_locale().language,
        str(request.endpoint),
        number if isinstance(number, int) else None,
    )


def _encoding() -> str:
    accepted = request.accept_encodings
    for encoding in current_app.config["COMPRESS_ALGORITHM"]:
        if encoding in ENCODINGS and accepted[encoding] > 0:
            return str(encoding)
    return "identity"


def _level(encoding: str) -> int:
    if encoding == "br":
        return int(current_app.config["COMPRESS_BR_LEVEL"])
    return int(current_app.config.get("COMPRESS_LEVEL", 6))


def measure(place: Place) -> list[bytes]:
    """The pages at ``place`` that may be longest, rendered here as they would be sent.

    Called while a page at ``place`` is being sent, so the request tells
    where the place is (its address, its clinic); each page is rendered in a
    request of its own, for someone who answered as the variant says.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    content = current_content()
    level = _level("br")
    bodies: list[bytes] = []
    tried: list[tuple[Variant, bytes]] = []

    def size(variant: Variant) -> int:
        body = _render(app, place, variant)
        bodies.append(body)
        tried.append((variant, body))
        return encoded_size(body, "br", level)

    step = _step_at(content, place)
    if step is None:  # the start page: the same for everyone, with answers kept or not
        size(Variant(Progress()))
        size(Variant(Progress().with_audience(Audience.OTHER)))
        return bodies
    # A clinic's page is the check's page with the clinic's name, phone,
    # links and resources, the same whatever was answered: the answers that
    # make the check's page at a step longest make the clinic's longest too.
    # So the climb is made once per step and language, and every check that
    # asks the same renders its results alone (milliseconds, not seconds):
    # the longest page found in each encoding, which need not be the same
    # page (uncompressed, a refused checklist with every sign left out is
    # longest; compressed, it is not).
    found: dict[tuple[str, str, Step], list[Variant]] = app.extensions[PADDING].longest
    key = (content.language, flow.places(content).layout, step)
    known = found.get(key)
    if known is None:
        variants.longest(content, step, size)
        found[key] = _longest_in_each_encoding(tried)
    else:
        for variant in known:
            size(variant)
    return bodies


def _longest_in_each_encoding(tried: list[tuple[Variant, bytes]]) -> list[Variant]:
    """The variants whose pages were longest in some encoding, each once."""
    longest: list[Variant] = []
    for encoding in ENCODINGS:
        level = _level(encoding)
        variant, _body = max(tried, key=lambda each: encoded_size(each[1], encoding, level))
        if not any(variant is other for other in longest):
            longest.append(variant)
    return longest


def _step_at(content: Content, place: Place) -> Step | None:
    match place.endpoint:
        case "check.question":
            return flow.places(content).questions[(place.number or 1) - 1]
        case "check.check_answers":
            return flow.CHECK
        case "check.summary":
            return flow.SUMMARY
    return None


def _render(app: Flask, place: Place, variant: Variant) -> bytes:
    """The body of the page at this request's address, for someone in ``variant``."""
    response = render(
        app,
        request.path,
        base_url=request.url_root,
        language=place.language,
        progress=variant.progress,
        form=_sent(variant) if variant.refused else None,
        clinic=request.environ.get(CLINIC),
    )
    if response.status_code != 200:
        # Never a size measured on a redirect or an error page.
        raise RuntimeError(f"measuring {request.path}: {response.status_code}")
    return response.get_data()


def _sent(variant: Variant) -> dict[str, str]:
    """The fields of a refused checklist, as its page sends them."""
    checklist = current_content().checklist
    if not variant.sent_checklist or checklist is None:
        return {}
    return checklist_fields(checklist, variant.sent_checklist)


def measuring() -> bool:
    """Whether this request renders a page to measure its place (see ``measure``)."""
    return bool(request.environ.get(MEASURING))


def _fixed_token() -> None:
    measuring = request.environ.get(MEASURING)
    if measuring:
        g.csrf_token = measuring["token"]


def warm_up(app: Flask) -> None:
    """Measure every place's size now, for the check at the root, in each language.

    gunicorn calls this once, in the process that loads the app before
    starting its workers (``preload_app``): each worker then starts with
    every size known, and nobody waits while a place is measured. It walks
    the check as a person would, so that each place is measured on the way,
    with the address and host of a real visit.

    Each clinic's places are measured on first use, in each worker, with
    the longest answers found here (``measure``): a page's render, so
    start-up takes as long for 200 clinics as for none.
    """
    if PADDING not in getattr(app, "extensions", {}):
        return  # another app served with the same settings (the benchmark's baseline)
    hosts = app.config.get("TRUSTED_HOSTS") or ["localhost"]
    for language in app.extensions["selfcheck_content"]:
        _walk(app, f"https://{hosts[0].lstrip('.')}", "", language)


def _walk(app: Flask, origin: str, prefix: str, language: str) -> None:
    client = app.test_client()
    # Not a person: the journey is not counted in the totals.
    client.environ_base[UNCOUNTED] = "1"
    path = f"{prefix}/question/1"
    page = client.get(f"{path}?language={language}", base_url=origin)
    while True:
        text = page.get_data(as_text=True)
        if page.status_code != 200:
            raise RuntimeError(f"measuring {path}: {page.status_code}")
        if path.endswith("/summary"):
            return
        form = {
            name: _between(text, f'name="{name}" type="hidden" value="', '"')
            for name in ("csrf_token", "shown", "layout")
        }
        for name in dict.fromkeys(_names(text)):
            form[name] = _between(text, f'name="{name}" type="radio" value="', '"')
        sent = client.post(path, data=form, base_url=origin, headers={"Origin": origin})
        if sent.status_code != 303 or sent.location is None:
            raise RuntimeError(f"measuring {path}: {sent.status_code}")
        path = sent.location.removeprefix(origin)
        page = client.get(path, base_url=origin)


def _between(text: str, before: str, after: str) -> str:
    return text.split(before, 1)[1].split(after, 1)[0]


def _names(text: str) -> list[str]:
    """The names of the page's radio groups, in order."""
    return re.findall(r'name="([^"]+)" type="radio"', text)
