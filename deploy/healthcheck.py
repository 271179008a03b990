"""The container's health check: does the self-check answer 200 on /healthz?

Python's standard library only (the slim image has no curl). It asks the
server inside the same container, on 127.0.0.1 and $PORT, and follows the
same settings as the server:

- HTTPS when gunicorn serves it directly (``--certfile`` in
  ``GUNICORN_CMD_ARGS``); the certificate is not checked, since it names the
  public host, not 127.0.0.1;
- the first of ``SELFCHECK_TRUSTED_HOSTS`` as the Host header, since the app
  refuses any other.

Exit status 0 means healthy, 1 unhealthy, as Docker expects.
"""

from __future__ import annotations

import http.client
import os
import ssl
import sys

TIMEOUT_SECONDS = 4


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    headers = {}
    trusted = [name.strip() for name in os.environ.get("SELFCHECK_TRUSTED_HOSTS", "").split(",")]
    trusted = [name for name in trusted if name]
    if trusted:
        # ".example.org" trusts example.org and its subdomains.
        headers["Host"] = trusted[0].lstrip(".")
    connection: http.client.HTTPConnection
    if "--certfile" in os.environ.get("GUNICORN_CMD_ARGS", ""):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", "/healthz", headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        print(f"unhealthy: no answer on port {port}: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
