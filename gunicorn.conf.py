"""gunicorn settings for the self-check in production: ``gunicorn -c gunicorn.conf.py``.

Every setting can be changed from the environment, and gunicorn's own
``GUNICORN_CMD_ARGS`` overrides anything here, for example
``GUNICORN_CMD_ARGS="--certfile cert.pem --keyfile key.pem"`` to serve HTTPS
without a proxy. See DEPLOY.md.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from gunicorn.glogging import Logger
from gunicorn.util import unquote_to_wsgi_str


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
# Threads, not sync workers: a sync worker spends itself on one connection,
# including the TLS handshake when gunicorn serves HTTPS, so two connections
# that send nothing stopped both workers for 30 s at a time. A gthread worker
# waits for a new connection's first bytes in a thread for a few seconds, then
# in its poller; 16 threads each take dozens of such connections to slow it.
# This is a second line of defence only: in front of clients, a buffering proxy
# (DEPLOY.md) is what holds slow and idle connections.
worker_class = "gthread"
threads = 16
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

# One line per request: method, the path asked for (no query string), status,
# duration: the same lines in the same order for every journey, whatever the answers.
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


def _path_of(uri: str) -> str:
    """An address without its query string, decoded as gunicorn decodes it, escaped."""
    return _printable(unquote_to_wsgi_str(uri.split("?", 1)[0].split("#", 1)[0]))


class PrivateLogger(Logger):
    """gunicorn's logger, kept to what the log promises.

    The access log gives the path the person asked for (``/c/<slug>/embed``,
    not the ``/embed`` the app sees under the clinic's prefix), with control
    characters escaped (gunicorn writes it decoded, so ``%0A`` in an address
    would otherwise forge a line). gunicorn's warning about a malformed
    request names neither the client's address (unless asked for) nor what
    the request said, and its error about a request the app failed on names
    the path without the query string. The app's own messages (a refused
    form's reason) go to the same log.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # The app's messages, at the log's level: why a form was refused (its
        # reason only, never a value from it) tells an operator what a 400 was.
        app_log = logging.getLogger("questionnaire")
        app_log.handlers = list(self.error_log.handlers)
        app_log.setLevel(self.error_log.level)
        app_log.propagate = False
        self.timed_out: set[str] = set()

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        asked = getattr(req, "path", None)
        atoms["U"] = _path_of(asked) if isinstance(asked, str) else _printable(str(atoms["U"]))
        return atoms

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if msg.startswith("Error handling request") and args:
            # The address is the last argument: without its query string.
            args = (*args[:-1], _path_of(str(args[-1])))
        super().exception(msg, *args, **kwargs)

    def critical(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if msg.startswith("WORKER TIMEOUT") and args:
            self.timed_out.add(str(args[0]))
        super().critical(msg, *args, **kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if msg.endswith(" Perhaps out of memory?") and args and str(args[0]) in self.timed_out:
            # A worker stopped because it timed out, not for want of memory.
            msg = msg.removesuffix(" Perhaps out of memory?") + " It had timed out."
        super().error(msg, *args, **kwargs)

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
    """Measure the size of every page of the check once, before any worker starts,
    and check that the words served are the signed ones.

    Each page is sent padded to its place's size (questionnaire/web/padding.py).
    Measured here, in the process that loaded the app (``preload_app``), the
    sizes are known to every worker it starts, and to each one it restarts:
    no person waits for a place to be measured.
    """
    from questionnaire.web.padding import warm_up
    from questionnaire.web.release import check_sign_off

    app = server.app.wsgi()
    started = time.monotonic()
    warm_up(app)
    server.log.info("Measured the size of every page in %.1f s", time.monotonic() - started)
    # Whether the words served are those a reviewer signed: the review copy's
    # hashes, made here once, are what /healthz reports in every worker.
    # A warning to the operator: a failure here never stops the server (its
    # /healthz then says "signed not checked").
    started = time.monotonic()
    try:
        warnings = check_sign_off(app)
    except Exception:
        server.log.exception("Content: could not make the review copy's hashes")
        return
    for warning in warnings:
        server.log.warning("Content: %s", warning)
    server.log.info("Made the review copy's hashes in %.1f s", time.monotonic() - started)
