"""Lighthouse's four scores (performance, accessibility, best practices, SEO) of the check's pages.

Lighthouse runs the system's Chromium, on a phone's screen with a slow
network simulated (its default), against a running production server on
127.0.0.1. The server's certificate is made for the run, so the browser is
told to accept it. A page that needs a session gets the cookie of a
journey walked over HTTP, sent with the language as request headers.
Lighthouse is installed with ``npm ci`` in bench/lighthouse.

Run it alone with ``python -m bench.lighthouse``: it starts its own server.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.weight import ACCEPT_LANGUAGE, PAGES, CheckPage, session_cookie
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.server import ProductionServer, production_server

LIGHTHOUSE = Path(__file__).parent / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Lighthouse's own launcher already turns off Chromium's background
# connections, updates and sync; they are said again so the list is complete here.
CHROME_FLAGS = (
    "--headless=new",
    *CHROMIUM_ARGS,
    # The server's certificate is made for this run and trusted by no one else.
    "--ignore-certificate-errors",
)
# Audits that are scored (the others only inform, or do not apply).
SCORED = {"binary", "numeric", "metricSavings"}


class LighthouseError(RuntimeError):
    """Lighthouse could not measure the page."""


@dataclass(frozen=True)
class Miss:
    """An audit that did not score 1."""

    category: str
    id: str
    title: str
    score: float
    # How much it counts in its category's score (0: it is shown but not counted).
    weight: float
    # Lighthouse's short account of what it found, when there is one.
    shown: str = ""


@dataclass(frozen=True)
class Scores:
    """One Lighthouse run of one address."""

    url: str
    final_url: str
    scores: Mapping[str, float]
    misses: tuple[Miss, ...]
    lighthouse_version: str = ""

    @property
    def perfect(self) -> bool:
        return all(self.scores.get(category) == 1 for category in CATEGORIES)


@dataclass(frozen=True)
class PageScores:
    """A page of the check in one language, as Lighthouse scores it."""

    page: str
    path: str
    language: str
    result: Scores


def read_report(report: Mapping[str, Any]) -> Scores:
    """The scores and the audits below 1 of Lighthouse's JSON report."""
    error = report.get("runtimeError")
    if error:
        raise LighthouseError(f"{error.get('code')}: {error.get('message')}")
    scores: dict[str, float] = {}
    misses: list[Miss] = []
    for name in CATEGORIES:
        category = report["categories"][name]
        if category["score"] is None:
            raise LighthouseError(f"{name} has no score")
        scores[name] = float(category["score"])
        for reference in category["auditRefs"]:
            audit = report["audits"][reference["id"]]
            if audit["scoreDisplayMode"] in SCORED and (audit["score"] or 0) < 1:
                misses.append(
                    Miss(
                        name,
                        audit["id"],
                        audit["title"],
                        float(audit["score"] or 0),
                        float(reference["weight"]),
                        str(audit.get("displayValue") or ""),
                    )
                )
    return Scores(
        report["requestedUrl"],
        report.get("finalDisplayedUrl") or report.get("finalUrl") or "",
        scores,
        tuple(misses),
        str(report.get("lighthouseVersion", "")),
    )


def lighthouse(
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    attempts: int = 3,
    timeout: float = 300,
    executable: Path = CHROMIUM,
) -> Scores:
    """Lighthouse's mobile scores of ``url``, each request sent with ``headers``.

    Lighthouse sometimes fails to record a page load (NO_NAVSTART, say):
    it is run again, up to ``attempts`` times in all.
    """
    if not LIGHTHOUSE.exists():
        raise FileNotFoundError(
            f"{LIGHTHOUSE} is missing: run `npm ci --no-audit --no-fund` in {LIGHTHOUSE.parents[2]}"
        )
    failures = []
    for _ in range(attempts):
        with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
            output = Path(folder) / "report.json"
            command = [
                str(LIGHTHOUSE),
                url,
                "--output=json",
                f"--output-path={output}",
                f"--chrome-flags={' '.join(CHROME_FLAGS)}",
                "--only-categories=" + ",".join(CATEGORIES),
                "--quiet",
                # Nothing is sent anywhere when Lighthouse itself fails.
                "--no-enable-error-reporting",
                *([f"--extra-headers={json.dumps(dict(headers))}"] if headers else []),
            ]
            environment = {**os.environ, "CHROME_PATH": str(executable)}
            # Lighthouse exits with 0 whatever happened: its report tells.
            finished = subprocess.run(
                command, env=environment, capture_output=True, text=True, timeout=timeout
            )
            if not output.exists():
                failures.append(finished.stderr.strip()[-2000:] or f"exit {finished.returncode}")
                continue
            try:
                return read_report(json.loads(output.read_text(encoding="utf-8")))
            except LighthouseError as error:
                failures.append(str(error))
    raise LighthouseError(f"{url}: no report in {attempts} attempts:\n" + "\n".join(failures))


def score_page(
    server: ProductionServer, page: CheckPage, language: str, runs: int = 1
) -> PageScores:
    """Lighthouse's scores of ``page`` in ``language``, with the session it needs.

    With several ``runs``, the run of median performance is kept, as
    Lighthouse advises: its timings vary with how busy the machine is.
    """
    results = []
    for _ in range(runs):
        headers = {"Accept-Language": ACCEPT_LANGUAGE[language]}
        cookie = session_cookie(server, page)
        if cookie:
            headers["Cookie"] = cookie
        result = lighthouse(f"{server.url}{page.path}", headers)
        if urlsplit(result.final_url).path != page.path:
            raise LighthouseError(
                f"{page.path} ({language}): Lighthouse was shown {result.final_url}"
            )
        results.append(result)
    results.sort(key=lambda result: result.scores["performance"])
    return PageScores(page.name, page.path, language, results[len(results) // 2])


def score(
    server: ProductionServer,
    pages: Sequence[CheckPage] = PAGES,
    languages: Sequence[str] = tuple(ACCEPT_LANGUAGE),
    runs: int = 1,
) -> list[PageScores]:
    """Each page in each language against a running server, ``runs`` Lighthouse runs each."""
    return [score_page(server, page, language, runs) for page in pages for language in languages]


def table(results: Sequence[PageScores]) -> str:
    """The scores as a Markdown table, and under it every audit below 1 that counts."""
    rows = [
        "| page | language | " + " | ".join(CATEGORIES) + " |",
        "|---|---|" + "--:|" * len(CATEGORIES),
    ]
    misses = []
    for each in results:
        scores = " | ".join(f"{each.result.scores[name] * 100:.0f}" for name in CATEGORIES)
        rows.append(f"| {each.page} (`{each.path}`) | {each.language} | {scores} |")
        misses += [
            f"- {each.page} ({each.language}), {miss.category}: `{miss.id}` {miss.title} "
            f"(score {miss.score:.2f}, weight {miss.weight:g}"
            + (f", {miss.shown})" if miss.shown else ")")
            for miss in sorted(each.result.misses, key=lambda miss: -miss.weight)
            # Audits of weight 0 are advice that does not count towards the score.
            if miss.weight > 0
        ]
    return "\n".join(rows + ([""] + misses if misses else []))


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="lighthouse-") as folder,
        production_server(Path(folder)) as server,
    ):
        results = score(server)
    print(table(results))


if __name__ == "__main__":
    main()
