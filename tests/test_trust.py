"""Who stands behind the words, and when they were checked: the review table and the summary."""

from __future__ import annotations

import copy
import datetime
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner
from flask import request, session

from app import ConfigurationError
from questionnaire.cli import check_content
from questionnaire.clinics import ConfigError, load_clinics
from questionnaire.content import (
    CONTENT_DIR,
    ContentError,
    load_all_content,
    parse_content,
    source_text_hash,
    stale_translations,
)
from questionnaire.web import trust
from questionnaire.web.context import CLINIC
from questionnaire.web.padding import MEASURING
from questionnaire.web.release import check_sign_off, review_lines
from questionnaire.web.review_copy import copy_hashes
from tests.conftest import make_app
from tests.pages import soup, text_of
from tests.test_clinics import CLINICS, changed, clinic_app, first, write_clinics
from tests.walk import walk


def data_of(language: str) -> dict[str, Any]:
    return tomllib.loads((CONTENT_DIR / f"{language}.toml").read_text(encoding="utf-8"))


def content_dir(tmp_path: Path, change: dict[str, Any] | None = None) -> Path:
    """A copy of the shipped content, with ``change`` (language: data) written over it."""
    directory = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, directory)
    for language, data in (change or {}).items():
        (directory / f"{language}.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    return directory


# ---- The review table ------------------------------------------------------


def test_a_content_file_without_its_review_table_is_refused():
    data = data_of("en")
    del data["review"]
    with pytest.raises(ContentError, match=r"en\.toml: field 'review': is required, and missing"):
        parse_content(data, "en.toml")


@pytest.mark.parametrize("field", ["version", "reviewed_on", "next_review_due", "reviewed_by"])
def test_each_part_of_the_review_table_is_required(field):
    data = data_of("en")
    del data["review"][field]
    with pytest.raises(ContentError, match=rf"field 'review\.{field}': is required"):
        parse_content(data, "en.toml")


def test_a_next_review_before_the_review_is_refused():
    data = data_of("en")
    data["review"]["next_review_due"] = data["review"]["reviewed_on"]
    with pytest.raises(ContentError, match="next_review_due must come after reviewed_on"):
        parse_content(data, "en.toml")


def test_a_translation_must_say_who_made_it_and_from_which_english():
    data = data_of("es")
    del data["review"]["translation"]
    with pytest.raises(ContentError, match=r"es\.toml: field 'review\.translation' is required"):
        parse_content(data, "es.toml")
    english = data_of("en")
    english["review"]["translation"] = data_of("es")["review"]["translation"]
    with pytest.raises(ContentError, match="'en' is the language the others are translated from"):
        parse_content(english, "en.toml")


def test_the_shipped_translation_was_made_from_the_english_served():
    contents = load_all_content()
    translation = contents["es"].review.translation
    assert translation is not None
    assert translation.source_hash == source_text_hash(contents["en"])
    assert stale_translations(contents) == []


def test_one_changed_english_word_makes_the_translation_stale_and_check_content_says_so(tmp_path):
    english = data_of("en")
    english["signs"][4]["summary"] = english["signs"][4]["summary"].replace("common", "usual")
    directory = content_dir(tmp_path, {"en": english})

    result = CliRunner().invoke(check_content, ["--directory", str(directory)])
    assert result.exit_code == 0, result.output
    new = source_text_hash(load_all_content(directory)["en"])
    old = source_text_hash(load_all_content()["en"])
    assert new != old
    stale = (
        f"Warning: es: the translation was made from the 'en' text {old}, and that text is now "
        f"{new}: translate what changed, have it reviewed, then set "
        f'review.translation.source_hash = "{new}"'
    )
    assert stale in result.stderr.splitlines()
    assert "translation" not in CliRunner().invoke(check_content, []).stderr
    strict = CliRunner().invoke(check_content, ["--directory", str(directory), "--strict"])
    assert strict.exit_code == 1
    assert "warnings (--strict)" in strict.stderr


def test_a_change_of_rules_or_citations_asks_nothing_of_the_translator(tmp_path):
    english = data_of("en")
    english["signs"][0]["interrupt_on"] = ["sometimes", "often"]
    assert source_text_hash(parse_content(english, "en.toml")) == source_text_hash(
        load_all_content()["en"]
    )


def test_check_content_prints_the_english_hash_a_translation_records():
    result = CliRunner().invoke(check_content, [])
    assert result.exit_code == 0, result.output
    english = load_all_content()["en"]
    assert f"en: text hash {source_text_hash(english)}" in result.stdout
    assert "version 1.2, reviewed 2026-12-06, next review due 2027-12-06" in result.stdout


def test_a_version_with_changes_its_review_did_not_see_says_so_to_the_operator_and_the_reader(
    tmp_path,
):
    result = CliRunner().invoke(check_content, [])
    assert result.exit_code == 0
    # (After 6 December 2027 the review date has passed too: a warning of its own.)
    assert [line for line in result.stderr.splitlines() if "not yet reviewed" in line] == [
        f"Warning: {language}: version 1.2 has changes not yet reviewed (the review of "
        "2026-12-06 read version 1.1): review them, then update review.reviewed_on and leave "
        "out reviewed_version"
        for language in ("en", "es")
    ]
    client = make_app().test_client()
    walk(client)
    about = text_of(soup(client.get("/summary")).select_one(".about-summary"))
    assert "Content version 1.2. Some words changed after that review." in about
    # Reviewed again: the warning and the words go.
    reviewed = {}
    for language in ("en", "es"):
        reviewed[language] = data_of(language)
        del reviewed[language]["review"]["reviewed_version"]
        reviewed[language]["review"]["next_review_due"] = datetime.date(2099, 1, 1)
    directory = content_dir(tmp_path, reviewed)
    result = CliRunner().invoke(check_content, ["--directory", str(directory), "--strict"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    client = make_app(CONTENT_DIR=directory).test_client()
    walk(client)
    about = text_of(soup(client.get("/summary")).select_one(".about-summary"))
    assert "Content version 1.2" in about and "changed" not in about


def test_a_review_date_passed_is_a_warning_for_the_operator(tmp_path):
    english = data_of("en")
    english["review"]["reviewed_on"] = datetime.date(2024, 1, 2)
    english["review"]["next_review_due"] = datetime.date(2025, 1, 2)
    directory = content_dir(tmp_path, {"en": english})
    result = CliRunner().invoke(check_content, ["--directory", str(directory)])
    assert "Warning: en: the content's next review was due on 2025-01-02" in result.stderr
    # Only the operator is told: the pages still work, and say the dates as they are.
    app = make_app(CONTENT_DIR=directory)
    client = app.test_client()
    walk(client)
    about = text_of(soup(client.get("/summary")).select_one(".about-summary"))
    assert "Content last reviewed: January 2, 2024 · Next review due: January 2, 2025" in about


# ---- What a person sees ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "reviewed", "version", "made"),
    [
        (
            "en",
            "Content last reviewed: December 6, 2026 · Next review due: December 6, 2027",
            "Content version 1.2",
            "Made on ",
        ),
        (
            "es",
            "Contenido revisado por última vez: 6 de diciembre de 2026 · "
            "Próxima revisión del contenido: 6 de diciembre de 2027",
            "Versión del contenido: 1.2",
            "Hecho el ",
        ),
    ],
)
def test_the_summary_says_how_current_its_words_are_and_when_it_was_made(
    language, reviewed, version, made
):
    app = make_app(TIME_ZONE="America/Chicago")
    client = app.test_client()
    client.get(f"/?language={language}")
    walk(client)
    before = datetime.datetime.now(datetime.UTC)
    page = soup(client.get("/summary"))
    about = text_of(page.select_one(".about-summary"))
    assert reviewed in about and version in about
    with app.test_request_context(f"/?language={language}"):
        session["language"] = language
        # The minute it was asked for, or the next if the clock turned meanwhile.
        expected = [trust.made_at(before + datetime.timedelta(minutes=m)) for m in (0, 1)]
    # CLDR writes "5:22 AM" with a narrow no-break space: the page's text is read as words.
    assert any(
        f"{made}{e.date}" in about and " ".join(e.time.split()) in about for e in expected
    ), about
    assert ("Central Time" if language == "en" else "hora central") in about
    # Not hidden from print: the printed copy carries it too.
    assert "no-print" not in (page.select_one(".about-summary").get("class") or [])


def test_measured_summaries_are_made_at_a_moment_no_real_one_outwrites():
    """The summary's size is measured once (padding): no day of the year may write a longer line."""
    app = make_app(TIME_ZONE="America/Los_Angeles")
    for language in ("en", "es"):
        with app.test_request_context(f"/?language={language}"):
            session["language"] = language
            request.environ[MEASURING] = {"token": "x"}
            measured = trust.made_at()
            assert measured.date.startswith("30") or measured.date.startswith("September 30")
            longest = len(f"{measured.date}{measured.time}{measured.zone}")
            del request.environ[MEASURING]
            start = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
            for hour in range(0, 24 * 366, 7):
                moment = trust.made_at(start + datetime.timedelta(hours=hour, minutes=58))
                assert len(f"{moment.date}{moment.time}{moment.zone}") <= longest, moment


def test_the_publisher_is_named_only_when_one_is_set():
    unnamed = make_app()
    page = soup(unnamed.test_client().get("/"))
    assert "Published by" not in text_of(page)
    named = make_app(PUBLISHER="Lakeside County Health Department")
    page = soup(named.test_client().get("/"))
    assert "Published by Lakeside County Health Department" in text_of(page.select_one("footer"))


def test_a_clinics_pages_name_the_clinic_or_its_publisher(tmp_path):
    app = clinic_app(tmp_path)
    footer = text_of(soup(app.test_client().get("/c/riverside/")).select_one("footer"))
    assert "Published by Riverside Family Clinic" in footer
    data = changed(first("publisher", "Riverside Health System"))
    app = clinic_app(tmp_path, data)
    client = app.test_client()
    footer = text_of(soup(client.get("/c/riverside/")).select_one("footer"))
    assert "Published by Riverside Health System" in footer
    # The other clinic names itself, and the unbranded check no one.
    assert "Publicado por Clínica del Valle" in text_of(soup(client.get("/c/valle/")))
    assert "Published by" not in text_of(soup(client.get("/")))


def test_a_clinics_time_zone_is_its_own(tmp_path):
    app = clinic_app(tmp_path, changed(first("time_zone", "America/Denver")))
    with app.test_request_context("/c/riverside/summary"):
        request.environ[CLINIC] = "riverside"
        assert trust.time_zone().key == "America/Denver"
    with app.test_request_context("/summary"):
        assert trust.time_zone().key == "UTC"


def test_a_time_zone_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="SELFCHECK_TIME_ZONE is 'Central'"):
        make_app(TIME_ZONE="Central")
    data = copy.deepcopy(CLINICS)
    data["clinics"][0]["time_zone"] = "Mars/Olympus"
    with pytest.raises(ConfigError, match=r"field 'time_zone': 'Mars/Olympus' is not a time zone"):
        load_clinics(write_clinics(tmp_path, data))


# ---- Signed or not: for the operator ---------------------------------------


# The day the review lines are read on: before the next review is due.
TODAY = datetime.date(2026, 12, 7)


def review_of(app) -> dict[str, str]:
    """The ``review-<language>`` lines, as /healthz says them on ``TODAY``, by language."""
    said = app.test_client().get("/healthz").get_data(as_text=True)
    assert review_lines(app) in said
    body = review_lines(app, today=TODAY)
    return {
        line.split(" ", 1)[0].removeprefix("review-"): line.split(" ", 1)[1]
        for line in body.splitlines()
        if line.startswith("review-")
    }


def test_healthz_says_each_languages_review_and_whether_its_words_are_the_signed_ones(tmp_path):
    app = make_app()
    # Before the review copy is made (the development server): not checked.
    assert review_of(app) == {
        language: "version 1.2; reviewed 2026-12-06; next review due 2027-12-06; signed not checked"
        for language in ("en", "es")
    }
    warnings = check_sign_off(app)
    served = copy_hashes(app)
    assert warnings == [
        f"{language}: the content served has not been signed: make a review copy with the "
        "production settings (flask --app app review-copy), have it read and signed, then set "
        "review.signed_copy in the content file to the fingerprint in the signed copy's "
        "front matter"
        for language in ("en", "es")
    ]
    # The warning never hands out the served words' fingerprint, which nobody may have read.
    assert not any(served[language] in warning for warning in warnings for language in served)
    assert review_of(app)["en"].endswith("signed no")

    # English signed, as its copy read: only Spanish is left to sign.
    english = data_of("en")
    english["review"]["signed_copy"] = served["en"]
    directory = content_dir(tmp_path / "signed", {"en": english})
    signed = make_app(CONTENT_DIR=directory)
    assert [warning[:40] for warning in check_sign_off(signed)] == [
        "es: the content served has not been sign"
    ]
    assert review_of(signed)["en"].endswith("signed yes")

    # One word changed after signing: the words served are not the signed ones.
    english["summary"]["heading"] = "Your short summary"
    changed_app = make_app(CONTENT_DIR=content_dir(tmp_path / "changed", {"en": english}))
    (warning, _spanish) = check_sign_off(changed_app)
    assert warning.startswith("en: the content served is not the signed one")
    assert review_of(changed_app)["en"].endswith("signed no, changed since")


def test_healthz_says_when_the_next_review_date_has_passed():
    app = make_app()
    later = datetime.date(2028, 1, 1)
    lines = review_lines(app, today=later).splitlines()
    assert lines[0] == (
        "review-en version 1.2; reviewed 2026-12-06; next review due 2027-12-06 (passed); "
        "signed not checked"
    )
