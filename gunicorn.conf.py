"""gunicorn settings for the self-check in production: ``gunicorn -c gunicorn.conf.py``.

Every setting can be changed from the environment, and gunicorn's own
``GUNICORN_CMD_ARGS`` overrides anything here, for example
``GUNICORN_CMD_ARGS="--certfile cert.pem --keyfile key.pem"`` to serve HTTPS
without a proxy. See DEPLOY.md.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from gunicorn.glogging import Logger


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


wsgi_app = "app:create_app()"

# 127.0.0.1:8000 unless told otherwise. PORT is what many platforms set; a
# container sets SELFCHECK_HOST=0.0.0.0 so that its port can be published.
bind = [f"{os.environ.get('SELFCHECK_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]

# The app keeps no state between requests, so workers are interchangeable.
# cpu_count() inside a container reports the host's cores, not the container's
# share of them: the count is set here, not guessed.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# Workers signal they are alive through a file; on a disk-backed /tmp (or a
# read-only root filesystem) that can stall them, so use memory where there is some.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Requests and headers a person's browser never needs to exceed.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Which proxy to believe about HTTPS is the app's decision (SELFCHECK_PROXY_COUNT,
# through ProxyFix), not gunicorn's: by default gunicorn believes
# X-Forwarded-Proto from 127.0.0.1, which anyone on the same host could forge.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# One line per request: method, path (no query string), status, duration:
# the same lines in the same order for every journey, whatever the answers.
# No response size (not needed), no referrer, no user agent,
# and the client's address only when the operator asks for it.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SELFCHECK_LOG_LEVEL", "info")
access_log_format = "%(m)s %(U)s %(s)s %(M)sms"
if _flag("SELFCHECK_LOG_CLIENT_ADDRESS"):
    access_log_format = "%(h)s " + access_log_format


def _printable(text: str) -> str:
    """Control characters shown as escapes: a request cannot start a log line of its own."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class PrivateLogger(Logger):
    """gunicorn's logger, kept to what the log promises.

    The path is written with control characters escaped (gunicorn writes it
    decoded, so ``%0A`` in an address would otherwise forge a line). And
    gunicorn's warning about a malformed request names neither the client's
    address (unless asked for) nor what the request said, which can include
    its query string.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _printable(str(atoms["U"]))
        return atoms

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if msg.startswith("Invalid request from ip="):
            address, _, error = msg.removeprefix("Invalid request from ip=").partition(": ")
            # Quoted parts of gunicorn's messages repeat what the client sent.
            reason = re.sub(r"'.*'|\".*\"", "'...'", error, flags=re.DOTALL)
            source = f" from {address}" if _flag("SELFCHECK_LOG_CLIENT_ADDRESS") else ""
            msg = f"Invalid request{source}: {_printable(reason)}"
        super().warning(msg, *args, **kwargs)


logger_class = PrivateLogger

# gunicorn's control socket (for `gunicornc`) would be a file in the home
# folder: nothing here uses it, and a read-only filesystem has no room for it.
control_socket_disable = True

# Load the app before forking: a configuration error stops the server at once
# with one clear message, instead of every worker failing in turn.
preload_app = True


def when_ready(server: Any) -> None:
    """Measure the size of every page of the check once, before any worker starts.

    Each page is sent padded to its place's size (questionnaire/web/padding.py).
    Measured here, in the process that loaded the app (``preload_app``), the
    sizes are known to every worker it starts, and to each one it restarts:
    no person waits for a place to be measured.
    """
    from questionnaire.web.padding import warm_up

    started = time.monotonic()
    warm_up(server.app.wsgi())
    server.log.info("Measured the size of every page in %.1f s", time.monotonic() - started)
