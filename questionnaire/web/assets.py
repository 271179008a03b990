"""The stylesheet and script, at addresses that change when their content does.

Each file in the static folder is read once at start-up, compressed once
with brotli at its best quality, and served from memory at
``/static/<stem>.<hash>.<suffix>``. A browser may keep such a file
for a year without asking again: a changed file has a new address, and
pages (which are never cached) always name the current one.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Blueprint, Flask, current_app, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

ONE_YEAR = 365 * 24 * 60 * 60
_EXTENSION = "selfcheck_assets"


@dataclass(frozen=True)
class Asset:
    name: str
    digest: str
    body: bytes
    mimetype: str
    # The body compressed with brotli, for the browsers that accept it (all current ones).
    brotli: bytes

    @property
    def address(self) -> str:
        """``style.css`` becomes ``style.<digest>.css``."""
        stem, _, suffix = self.name.rpartition(".")
        return f"{stem}.{self.digest}.{suffix}"


def read_assets(folder: Path) -> dict[str, Asset]:
    """Every file directly in ``folder``, by name."""
    assets = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or not path.suffix:
            continue
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        digest = hashlib.sha256(body).hexdigest()[:16]
        compressed = brotli.compress(body, quality=11)
        assets[path.name] = Asset(path.name, digest, body, mimetype, compressed)
    return assets


bp = Blueprint("assets", __name__)


def asset_url(name: str) -> str:
    """The address of a static file as it is now (``{{ asset_url('style.css') }}``)."""
    asset: Asset = current_app.extensions[_EXTENSION][name]
    return url_for("assets.serve", address=asset.address)


@bp.get("/static/<address>")
def serve(address: str) -> Response:
    assets: dict[str, Asset] = current_app.extensions[_EXTENSION]
    head, _, suffix = address.rpartition(".")
    stem, _, digest = head.rpartition(".")
    asset = assets.get(f"{stem}.{suffix}")
    if asset is None or not stem:
        raise NotFound()
    if request.accept_encodings["br"]:
        response = Response(asset.brotli, mimetype=asset.mimetype)
        response.headers["Content-Encoding"] = "br"
    else:
        response = Response(asset.body, mimetype=asset.mimetype)
    response.vary.add("Accept-Encoding")
    if digest == asset.digest:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        # An address from a page made before a new version was deployed (or by
        # another server during a rolling update): serve what is here now, uncached.
        response.headers["Cache-Control"] = "no-cache"
    return response


def init_assets(app: Flask) -> None:
    """Serve the files in the app's ``static`` folder, and give templates ``asset_url``."""
    app.extensions[_EXTENSION] = read_assets(Path(app.root_path) / "static")
    app.register_blueprint(bp)
    app.add_template_global(asset_url)
