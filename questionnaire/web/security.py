"""What every response says about itself, and which form posts are accepted.

The headers keep pages out of caches, out of other sites' frames and away
from any third party. The form check is Flask-WTF's token check, plus a
same-origin check that works with a policy that sends no referrer to other
sites.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, replace
from typing import NoReturn
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from questionnaire.web.context import brand_style, current_clinic
from questionnaire.web.rendering import MEASURING

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PagePolicy:
    """What a page may do beyond the default: nothing inline, nothing from elsewhere.

    A clinic's pages add the hash of their one inline style (the brand
    colour); its start card may be framed by the clinic's own sites; the
    page for its web staff shows the card in a frame and a styled link.
    """

    style_hashes: tuple[str, ...] = ()
    style_attribute_hashes: tuple[str, ...] = ()
    frame_ancestors: tuple[str, ...] = ()
    frame_src: tuple[str, ...] = ()

    def content_security_policy(self) -> str:
        styles = ["'self'", *self.style_hashes]
        if self.style_attribute_hashes:
            styles += ["'unsafe-hashes'", *self.style_attribute_hashes]
        directives = [
            "default-src 'none'",
            "script-src 'self'",
            "style-src " + " ".join(styles),
            # The script's "Keep my answers" opens the page it is on again.
            "connect-src 'self'",
            # The favicon is an empty data: URL, so that browsers ask for no icon.
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors " + (" ".join(self.frame_ancestors) or "'none'"),
        ]
        if self.frame_src:
            directives.append("frame-src " + " ".join(self.frame_src))
        return "; ".join(directives)


def csp_hash(text: str) -> str:
    """A CSP hash source for ``text`` (an inline style, or a style attribute's value)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def set_page_policy(**changes: tuple[str, ...]) -> None:
    """Widen this response's policy (for example, let a clinic's sites frame it)."""
    g.page_policy = replace(g.get("page_policy", PagePolicy()), **changes)


# Browser features the check never uses, all switched off.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
)

# On every response.
SECURITY_HEADERS = {
    # Form posts to this site keep their Origin and Referer (the form check
    # below needs one); no address of this check ever leaves for another site.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# On pages only: they say what a document may do, and mean nothing on a
# stylesheet, a script or a logo, where they would only add weight.
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Two years, as the HSTS preload list asks. Only sent over HTTPS, where it counts.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"


def strict_transport_security() -> str:
    """HSTS, for the names under this host too when HSTS_INCLUDE_SUBDOMAINS says so."""
    if current_app.config["HSTS_INCLUDE_SUBDOMAINS"]:
        return STRICT_TRANSPORT_SECURITY + "; includeSubDomains"
    return STRICT_TRANSPORT_SECURITY


def add_security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if response.mimetype == "text/html":
        response.headers.update(PAGE_HEADERS)
        policy: PagePolicy = g.get("page_policy", PagePolicy())
        clinic = current_clinic()
        if clinic is not None:
            # Every page of a clinic, error pages too, has its colour inline.
            policy = replace(
                policy, style_hashes=(*policy.style_hashes, csp_hash(brand_style(clinic)))
            )
        response.headers["Content-Security-Policy"] = policy.content_security_policy()
        if policy.frame_ancestors:
            # X-Frame-Options cannot name sites: frame-ancestors alone decides.
            del response.headers["X-Frame-Options"]
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = strict_transport_security()
    if "Cache-Control" not in response.headers:
        # Pages can show answers: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
    return response


class FormProtection(CSRFProtect):
    """Flask-WTF's protection for every form post, with two differences.

    Flask-WTF looks for a same-origin ``Referer`` over HTTPS only. This looks
    at ``Origin`` first, which browsers send with every form post, then at
    ``Referer``; over HTTPS one of the two is required, as in Flask-WTF. Both
    depend on the referrer policy: under ``no-referrer`` a browser sends
    ``Origin: null`` and no ``Referer``, so the policy is ``same-origin``.

    And a form token signed with a key in ``SECRET_KEY_FALLBACKS`` is still
    accepted, so that rotating the secret key does not refuse the page a
    person already has open.
    """

    def protect(self, apply_exemptions: bool = False) -> None:
        # A post to an address the app does not have is a 404, not a form error.
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        _require_same_origin()
        _require_valid_token(self._get_csrf_token())
        # Tells Flask-WTF's forms that the token was checked already.
        g.csrf_valid = True


def _own_origin() -> str:
    return f"{request.scheme}://{request.host}".lower()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _require_same_origin() -> None:
    sender = request.headers.get("Origin")
    if sender is None and request.referrer:
        sender = _origin_of(request.referrer)
    if sender is None:
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            _refuse("The form did not say which site sent it.")
        return
    # "null" (a sandboxed frame, a redirect from elsewhere) is never this site.
    if sender.lower() != _own_origin():
        _refuse("The form was sent from a different site.")


def _require_valid_token(token: str | None) -> None:
    config = current_app.config
    # The key Flask-WTF signs new tokens with, then the keys of a rotation.
    signing_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    keys = [signing_key, *config["SECRET_KEY_FALLBACKS"]]
    reason = "The CSRF token is missing."
    for key in keys:
        try:
            validate_csrf(token, secret_key=key)
        except ValidationError as error:
            reason = str(error.args[0])
        else:
            return
    _refuse(reason)


def _refuse(reason: str) -> NoReturn:
    # The reason only: never a value from the form. Not for a page the app
    # renders for itself (the review copy's refused forms, made at start-up):
    # the log tells the operator about people's requests only.
    if not request.environ.get(MEASURING):
        logger.info("Form refused: %s", reason)
    raise CSRFError(reason)
