"""What sits between the WSGI server and the app: request bodies, proxies, redirects."""

from __future__ import annotations

import io
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Request, Response, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadHost, BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import MapAdapter

UNREADABLE_BODY = "selfcheck.unreadable_body"


class WholeBody:
    """Read a body sent without a length (``Transfer-Encoding: chunked``) before the app does.

    The app then sees an ordinary body with a ``Content-Length``, so that one
    over the size limit gets the usual 413 rather than being cut short
    without a word, and one the server cannot decode (a broken chunk) is a
    400 rather than an error in the middle of reading a form.
    """

    def __init__(self, app: WSGIApplication, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        ):
            try:
                body = self._read(environ["wsgi.input"])
            except Exception:  # whatever the server raises for a body it cannot decode
                body = b""
                environ[UNREADABLE_BODY] = True
            # From here on it is an ordinary body of known length. One byte over
            # the limit is enough for the app to refuse it.
            del environ["HTTP_TRANSFER_ENCODING"]
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _read(self, stream: io.BufferedIOBase) -> bytes:
        body = bytearray()
        while len(body) <= self.limit:
            chunk = stream.read(self.limit + 1 - len(body))
            if not chunk:
                break
            body.extend(chunk)
        return bytes(body)


# What the check's forms send. Anything else (JSON, say) would reach Flask-WTF,
# which reads any JSON body as form data and fails on one that is not an object.
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def check_request_body() -> None:
    """Refuse a body that could not be read, is too large, or is not a form, before anything
    looks at it."""
    if request.environ.get(UNREADABLE_BODY):
        raise BadRequest("The request body could not be read.")
    size = request.content_length or 0
    limit = request.max_content_length
    if limit is not None and size > limit:
        raise RequestEntityTooLarge()
    if size and request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType()


def is_host_name(host: str) -> bool:
    """Whether a ``Host`` (``name`` or ``name:port``) can be written in an address and read back.

    Werkzeug has already refused any character a host name cannot have. What
    is left to refuse is a name whose labels are empty or longer than 63
    characters (``.``, ``a..b``), or that is not valid punycode (``xn--``):
    building an address with one of those fails half-way through a response.
    """
    if host.startswith("["):
        return True  # an IPv6 address, whose form Werkzeug has checked
    name = host.rsplit(":", 1)[0] if ":" in host else host
    try:
        name.encode("idna").decode("idna")
    except UnicodeError:
        return False
    return True


class SelfCheckFlask(Flask):
    """Flask, refusing a request whose ``Host`` is not a name before anything is done with it.

    Such a request gets the 400 that a host outside ``TRUSTED_HOSTS`` gets (the
    plain error page, with the security headers), rather than a 500 from the
    first address built for it: a redirect's ``Location``, a link on a page.
    """

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        adapter = super().create_url_adapter(request)
        if request is not None and not is_host_name(request.host):
            raise BadHost()
        return adapter


class AbsoluteLocationResponse(Response):
    """A response whose ``Location`` is a whole URL (``https://host/path``).

    Some clients, text browsers among them, stop to ask before following a
    relative one. The host is the one the request came to (checked against
    ``TRUSTED_HOSTS`` when it is set).
    """

    autocorrect_location_header = True

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """The headers, with the ``Location`` left as it is if no whole URL can be made of it.

        ``SelfCheckFlask`` refuses a request with a broken ``Host`` before any
        redirect is made; this is in case one is made all the same, where a
        failure would come too late for any error page.
        """
        try:
            return super().get_wsgi_headers(environ)
        except UnicodeError:
            self.autocorrect_location_header = False
            return super().get_wsgi_headers(environ)


def wrap_for_serving(app: Flask) -> None:
    """Bodies read whole, and the proxies in front believed only as far as configured.

    With ``PROXY_COUNT`` at 0 (the default), ``X-Forwarded-*`` headers are
    ignored: anyone can send them. Behind one TLS-terminating proxy, 1 makes
    the app see the visitor's HTTPS: HSTS is sent, and the form check
    compares the browser's ``https://`` Origin with an ``https://`` site. A
    wrong count refuses every form post. The proxy must pass the visitor's
    ``Host`` on unchanged.
    """
    app.response_class = AbsoluteLocationResponse
    app.before_request(check_request_body)
    wsgi_app: WSGIApplication = WholeBody(app.wsgi_app, int(app.config["MAX_CONTENT_LENGTH"]))
    proxies = int(app.config["PROXY_COUNT"])
    if proxies > 0:
        wsgi_app = ProxyFix(wsgi_app, x_for=proxies, x_proto=proxies)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign,assignment]
