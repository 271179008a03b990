"""The production server's HTTP headers, scored by the MDN HTTP Observatory.

The scanner is the Observatory's own code (the npm package
``@mdn/mdn-http-observatory``, pinned in tests/observatory/package.json), run
with Node against gunicorn serving HTTPS with a throwaway certificate, as in
production. The project holds itself to grade A+ with every test passing.

The scanner is installed into tests/observatory/node_modules with ``npm ci``
the first time it is needed. Without Node or npm these tests are skipped,
except on CI (``CI=true``), where they fail.

What the scan can and cannot see from here:

* It asks for https://127.0.0.1:PORT/ and for http://127.0.0.1:PORT/ on the
  same port. gunicorn serves only TLS there and closes a plain-HTTP connection
  without a word, so the "redirection" test always reads
  "redirection-not-needed-no-http" (a pass, worth 0 points). The redirect
  from plain HTTP to HTTPS in a real deployment is not checked here.
* It fetches only the home page and /robots.txt. Neither sets a cookie, so the
  "cookies" test reads "cookies-not-found": the session cookie's attributes
  are not scored here.
* The preload list of HSTS hosts is left empty: 127.0.0.1 is on no such list.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.server import HOST, fixed_page_site, production_server

OBSERVATORY = Path(__file__).parent / "observatory"
PACKAGE = "@mdn/mdn-http-observatory"
INSTALLED = OBSERVATORY / "node_modules" / PACKAGE
RUNNER = OBSERVATORY / "scan.mjs"

# Environment variables the scanner reads for its own settings (user agent,
# CORS origin, timeouts, a configuration file), and those that would send its
# requests to 127.0.0.1 through a proxy: none of them may change the result.
SCANNER_SETTINGS = {
    "CONFIG_FILE",
    "RETRIEVER_USER_AGENT",
    "CORS_ORIGIN",
    "ABORT_TIMEOUT",
    "CLIENT_TIMEOUT",
}
PROXY_SETTINGS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

# The tests whose failure a server without any security header must show.
HEADER_TESTS = {
    "content-security-policy",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
}


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail on CI, where the check must run."""
    if on_ci():
        pytest.fail(f"{reason} (CI is set, so the Observatory check cannot be skipped)")
    pytest.skip(reason)


def pinned_version() -> str:
    manifest = json.loads((OBSERVATORY / "package.json").read_text(encoding="utf-8"))
    return str(manifest["dependencies"][PACKAGE])


def installed_version() -> str | None:
    try:
        manifest = json.loads((INSTALLED / "package.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return str(manifest["version"])


def install_scanner() -> None:
    """``npm ci`` the pinned scanner unless that very version is installed already.

    Install scripts are not run: the package's own would download the HSTS
    preload list and a list of top-level domains. The scanner reads the
    preload list at start-up, so an empty one is written instead.
    """
    if shutil.which("node") is None:
        unavailable("Node.js is not installed: it runs the MDN HTTP Observatory scanner")
    if installed_version() != pinned_version():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm is not installed: it installs the MDN HTTP Observatory scanner")
        installing = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=OBSERVATORY,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert installing.returncode == 0, (
            f"npm ci in tests/observatory failed:\n{installing.stdout}\n{installing.stderr}"
        )
    preload = INSTALLED / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}\n", encoding="utf-8")


def scan(host: str, certificate: Path) -> dict[str, Any]:
    """The Observatory's result for ``host`` (``HOST:PORT``), trusting ``certificate``."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SCANNER_SETTINGS and name.lower() not in PROXY_SETTINGS
    }
    environment["NODE_EXTRA_CA_CERTS"] = str(certificate)
    scanning = subprocess.run(
        ["node", str(RUNNER), host],
        cwd=OBSERVATORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert scanning.returncode == 0, f"The Observatory scan of {host} failed:\n{scanning.stderr}"
    result: dict[str, Any] = json.loads(scanning.stdout)
    return result


def failures(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: test for name, test in result["tests"].items() if not test["pass"]}


def explain(result: dict[str, Any]) -> str:
    """The grade, the score and every failing test, for an assertion message."""
    summary = result["scan"]
    lines = [
        f"grade {summary['grade']}, score {summary['score']}, "
        f"{summary['testsPassed']} of {summary['testsQuantity']} tests passed"
    ]
    for name, test in sorted(failures(result).items()):
        lines.append(
            f"  {name}: {test['result']} (score modifier {test['scoreModifier']}; "
            f"expected {test['expectation']})"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def scanner() -> None:
    install_scanner()


@pytest.fixture(scope="module")
def production_scan(scanner: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with production_server(tmp_path_factory.mktemp("observatory")) as server:
        return scan(f"{HOST}:{server.port}", server.certificate)


def test_the_production_server_gets_grade_a_plus(production_scan: dict[str, Any]) -> None:
    assert production_scan["scan"]["grade"] == "A+", explain(production_scan)


def test_the_production_server_passes_every_observatory_test(
    production_scan: dict[str, Any],
) -> None:
    summary = production_scan["scan"]
    assert failures(production_scan) == {}, explain(production_scan)
    assert summary["testsPassed"] == summary["testsQuantity"], explain(production_scan)


BARE_PAGE = "<!doctype html><title>Bare</title><p>No security headers here."


def test_a_server_without_security_headers_does_not_get_a_plus(
    scanner: None, tmp_path: Path
) -> None:
    with fixed_page_site(tmp_path, BARE_PAGE) as site:
        result = scan(f"{HOST}:{site.port}", site.certificate)

    assert result["scan"]["grade"] != "A+", explain(result)
    assert HEADER_TESTS.issubset(failures(result)), explain(result)
    # The certificate was trusted: without it, the result would be "hsts-invalid-cert".
    hsts = result["tests"]["strict-transport-security"]["result"]
    assert hsts == "hsts-not-implemented", explain(result)
