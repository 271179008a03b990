"""What a release says about itself: its version, its changes, its licence, and /healthz."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from questionnaire import __version__, flow
from questionnaire.content import CONTENT_DIR
from tests.conftest import make_app
from tests.test_upgrade import english, release, with_signs_swapped

ROOT = Path(__file__).parent.parent


def test_the_version_is_said_once_and_the_installed_package_has_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "questionnaire.__version__"
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert metadata.version("opioid-signs-self-check") == __version__


def test_the_changelog_says_what_this_version_changed():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in changelog
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert releases, "no release headings"
    assert releases[0][0] == __version__, "the newest release in CHANGELOG.md is not this one"
    newest = changelog.split(f"## [{__version__}]", 1)[1].split("\n## [", 1)[0]
    # Operators and the content's reviewers each find what concerns them.
    assert "Operators" in newest and "Content" in newest


def test_the_licence_is_apache_2():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"


def health(app) -> dict[str, str]:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    first, *lines = response.get_data(as_text=True).splitlines()
    assert first == "ok"
    return dict(line.split(" ", 1) for line in lines)


def test_healthz_says_which_release_content_and_layout_answer(app):
    said = health(app)
    assert said["version"] == __version__
    assert re.fullmatch(r"[0-9a-f]{12}", said["content"])
    contents = app.extensions["selfcheck_content"]
    assert said["layout"] == flow.places(contents["en"]).layout


def test_healthz_shows_a_rewording_as_new_content_and_a_reordering_as_a_new_layout(tmp_path):
    """So an operator can see a rolling update converge, and whether open pages are asked again."""
    before = health(release(tmp_path / "before", english()))
    reworded = english()
    reworded["language_name"] = "English (reviewed)"
    after_words = health(release(tmp_path / "words", reworded))
    assert after_words["content"] != before["content"]
    assert after_words["layout"] == before["layout"]
    moved = health(release(tmp_path / "moved", with_signs_swapped(english(), "nausea", "sweating")))
    assert moved["layout"] != before["layout"]
    # The same content read twice is the same content.
    assert health(make_app(CONTENT_DIR=CONTENT_DIR))["content"] == health(make_app())["content"]
