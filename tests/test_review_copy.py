"""The review copy: every word a person can be shown, in one file to read and sign.

A medical director signs the copy instead of walking every journey, so these
tests hold it to being whole: every text of both content files, every
interface string of the catalogue, every page state the flow can reach. Then
what tells one copy from another: the fingerprints, and the diff that shows
a one-word change, and nothing else.
"""

from __future__ import annotations

import ast
import datetime
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import Flask

from questionnaire import copy_diff, flow
from questionnaire.answer_sets import Answers
from questionnaire.content import (
    Audience,
    ContentError,
    content_version,
    load_all_content,
    reader_texts,
    source_text_hash,
)
from questionnaire.copy_diff import Mark, Page, diff_copies, diff_sentences, split_sentences
from questionnaire.web import review_copy
from questionnaire.web.rendering import render
from questionnaire.web.review_copy import ReviewCopy, make_copy, read_copy
from tests.conftest import make_app
from tests.pages import SPANISH_CATALOGUE

ROOT = Path(__file__).parent.parent

# Two clinics: one with every optional text, one with none (its embed page
# says that no site may show its card yet).
CLINICS = """
[[clinics]]
slug = "riverside"
name = "Riverside Family Clinic"
phone = "(503) 555-0142"
website = "https://riverside-clinic.example"
booking_url = "https://riverside-clinic.example/book"
hours = { en = "Monday to Friday, 8 am to 6 pm", es = "De lunes a viernes, de 8 a. m. a 6 p. m." }
about = { en = "We offer same-week appointments.", es = "Ofrecemos citas en la misma semana." }
brand_color = "#0b5d5b"
default_language = "en"
embed_origins = ["https://riverside-clinic.example"]

[[clinics]]
slug = "bare"
name = "Bare Clinic"
phone = "(503) 555-0143"
website = "https://bare.example"
brand_color = "#0b5d5b"
default_language = "es"
"""


@pytest.fixture(scope="module")
def clinics_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    path = tmp_path_factory.mktemp("clinics") / "clinics.toml"
    path.write_text(CLINICS, encoding="utf-8")
    return make_app(CONFIG=str(path))


@pytest.fixture(scope="module")
def copy(clinics_app: Flask) -> ReviewCopy:
    """The copy of the check at the root, for the shipped content."""
    return make_copy(clinics_app)


@pytest.fixture(scope="module")
def riverside(clinics_app: Flask) -> ReviewCopy:
    return make_copy(clinics_app, "riverside")


@pytest.fixture(scope="module")
def bare(clinics_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The copy of the clinic with no texts of its own, as the command writes it, and
    what the command said."""
    out = tmp_path_factory.mktemp("bare") / "copy.html"
    args = ["--out", str(out), "--clinic", "bare"]
    result = clinics_app.test_cli_runner().invoke(review_copy.review_copy, args)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8"), result.output


def words(copies: list[ReviewCopy], language: str, files: tuple[str, ...] = ()) -> str:
    """Every line of the pages in ``language`` of ``copies`` and of copies' ``files``."""
    lines = [
        line
        for each in copies
        for state in each.states
        if state.language == language
        for line in state.lines
    ]
    for text in files:
        lines += [
            line
            for page in read_copy(text)
            if page.id.startswith(f"{language}-")
            for line in page.lines
        ]
    return "\n".join(lines)


def normal(text: str) -> str:
    return " ".join(text.split())


# Fields that ``reader_texts`` lists but no page shows, and why.
NOT_SHOWN_FIELDS = {
    # The emergency resource gives the help line its number and the Call
    # button its words; the summary lists every other resource, with its
    # name and text, but not this one.
    re.compile(r"^resources\[(\d+)\]\.(name|text\.me|text\.other)$"),
}


def shown_field(content_resources: list[str], where: str) -> bool:
    for pattern in NOT_SHOWN_FIELDS:
        found = pattern.match(where)
        if found and (not found.groups() or content_resources[int(found.group(1))] == "emergency"):
            return False
    return True


def test_the_copy_has_every_text_of_both_content_files(copy, riverside, bare):
    contents = load_all_content()
    assert set(contents) == {"en", "es"}
    for language, content in contents.items():
        mine = words([copy, riverside], language, (bare[0],))
        # A language's name is shown on the other languages' pages: the link to it.
        others = "\n".join(words([copy], other) for other in contents if other != language)
        resources = [resource.id for resource in content.resources]
        missing = [
            (where, text)
            for where, text in reader_texts(content)
            if shown_field(resources, where)
            and normal(text) not in (others if where == "language_name" else mine)
        ]
        assert not missing, f"{language}: texts no page of the copy shows: {missing}"


# Catalogue strings that no page can show, and why.
NEVER_SHOWN = {
    # Said on the start page only by a content without a checklist; the shipped one has one.
    "It asks a few short questions first, then about %(count)s signs, one at a time.": (
        "only for a content without a checklist"
    ),
}
# The script's warnings count minutes: the warning comes 2 minutes ahead, and
# the limits are at least 4 minutes (create_app refuses less), so no count is
# ever 1, and a plural string's singular form is never shown.
NEVER_ONE = "the count is never 1"


def catalogue() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Each interface string: its id, the English forms shown and the Spanish forms shown."""
    with SPANISH_CATALOGUE.open("rb") as file:
        messages = [message for message in read_po(file) if message.id]
    found = []
    for message in messages:
        if isinstance(message.id, tuple):
            # Spanish has two forms, like English: the second for any count but 1.
            found.append((message.id[0], (message.id[1],), (message.string[1],)))
        else:
            found.append((message.id, (message.id,), (message.string,)))
    return found


def fragments(text: str) -> list[str]:
    """The words of a string around its placeholders, each to be found on a page."""
    return [normal(part) for part in re.split(r"%\([a-z_]+\)[sd]", text) if normal(part)]


PROJECT = Path(__file__).parent.parent
# The totals page, for a clinic's staff behind their key: it shows counts of people,
# not words a person using the check reads, and the copy (made without any clinic's
# key) leaves it out. Its own strings need not be in the copy.
STAFF_ONLY = [PROJECT / "templates" / "totals.html", PROJECT / "questionnaire/web/totals_page.py"]
_MESSAGE = re.compile(r'\b_\(\s*"((?:[^"\\]|\\.)*)"')


def staff_only() -> set[str]:
    """The strings of the totals page that no other template or module uses."""

    def messages(paths) -> set[str]:
        return {
            found.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            for path in paths
            for found in _MESSAGE.findall(path.read_text(encoding="utf-8"))
        }

    others = [
        path
        for path in [*PROJECT.glob("templates/**/*.html"), *PROJECT.glob("questionnaire/**/*.py")]
        if path not in STAFF_ONLY
    ]
    return messages(STAFF_ONLY) - messages(others)


def test_the_staff_only_strings_are_the_totals_pages_own():
    own = staff_only()
    assert "Enter your clinic's totals key" in own and "What is counted" in own
    # Words the totals page shares with the check's pages are still looked for.
    assert "Exit this page" not in own


def test_the_copy_has_every_interface_string_in_both_languages(copy, riverside, bare):
    english = words([copy, riverside], "en", (bare[0],))
    spanish = words([copy, riverside], "es", (bare[0],))
    missing = []
    leave_out = staff_only()
    for message_id, english_forms, spanish_forms in catalogue():
        if message_id in NEVER_SHOWN or message_id in leave_out:
            continue
        for language, forms, pages in [
            ("en", english_forms, english),
            ("es", spanish_forms, spanish),
        ]:
            for form in forms:
                absent = [part for part in fragments(form) if part not in pages]
                if absent:
                    missing.append((language, form, absent))
    assert not missing, f"interface strings no page of the copy shows: {missing}"
    # The list of exceptions stays true: each is in the catalogue, and not shown.
    ids = {message_id for message_id, _en, _es in catalogue()}
    for message_id in NEVER_SHOWN:
        assert message_id in ids, f"{message_id!r} is no longer in the catalogue"
        assert not all(part in english for part in fragments(message_id)), message_id


def test_the_singular_forms_are_never_shown_because_no_count_is_1(copy, clinics_app):
    assert clinics_app.config["ANSWERS_IDLE_SECONDS"] // 60 > 1
    every_page = next(state for state in copy.states if state.id == "en-me-every-page")
    assert "cleared in 2 minutes" in "\n".join(every_page.lines), NEVER_ONE


def ids(copy: ReviewCopy) -> set[str]:
    return {state.id for state in copy.states}


def test_every_page_state_the_flow_can_reach_is_in_the_copy(copy, clinics_app):
    found = ids(copy)
    for language, content in clinics_app.extensions["selfcheck_content"].items():
        questions = flow.places(content).questions
        for audience in Audience:
            prefix = f"{language}-{audience.value}"
            assert f"{prefix}-every-page" in found
            for number in range(1, len(questions) + 1):
                assert {f"{prefix}-q{number}", f"{prefix}-q{number}-refused"} <= found
            for answer in content.safety.emergency_on:
                place = flow.question_number(content, flow.place_of(content, flow.EMERGENCY))
                assert f"{prefix}-q{place}-emergency-{answer}" in found
            for sign in content.signs:
                notice = flow.interruption_step(sign.id)
                for answer in sign.interrupt_on:
                    place = flow.question_number(content, flow.place_of(content, notice))
                    assert f"{prefix}-q{place}-{sign.id}-{answer}" in found
            assert any(i.startswith(f"{prefix}-check-answers-") for i in found)
            assert any(i.startswith(f"{prefix}-summary-") for i in found)
        for page in [
            "start",
            "private-window",
            "not-found",
            "not-allowed",
            "server-error",
            "expired-kept",
            "expired-new",
            "cleared-idle",
            "cleared-limit",
            "unreadable",
            "plain-error",
        ]:
            assert f"{language}-{page}" in found
    # The card and the embed page are a clinic's.
    assert not any(i.endswith(("-card", "-embed")) for i in found)


def test_each_state_shows_what_it_says_it_shows(copy):
    by_id = {state.id: "\n".join(state.lines) for state in copy.states}
    assert "Call 911 now" in by_id["en-me-q3-emergency-yes"]
    assert "Call 911 now" not in by_id["en-me-q3"]
    assert "There is a problem" in by_id["en-me-q4-refused"]
    assert "Hay un problema" in by_id["es-other-q12-refused"]
    assert "Page not found" in by_id["en-not-found"]
    assert "The answers you saved before are still here." in by_id["en-expired-kept"]
    assert "60 minutes without use" in by_id["en-cleared-idle"]
    assert "so that answer was not saved" in by_id["en-updated-question"]
    # The form's machinery is left out: no token, no layout, no input.
    text = "\n".join(by_id.values())
    assert "csrf" not in text and "layout" not in text


def test_each_summary_kept_says_a_sentence_no_summary_before_it_said(copy):
    for language in ("en", "es"):
        for audience in Audience:
            prefix = f"{language}-{audience.value}-summary-"
            said: set[str] = set()
            summaries = [state for state in copy.states if state.id.startswith(prefix)]
            assert len(summaries) > 5
            for state in summaries:
                sentences = {s for line in state.lines for s in split_sentences(line)}
                assert sentences - said, f"{state.id} says nothing new"
                said |= sentences
            # The label says the answers in plain words.
            assert any("safety: " in s.title and " use: " in s.title for s in summaries)
    titles = [state.title for state in copy.states]
    assert any(
        "Often: " in title and "Other withdrawal signs: Yawning" in title for title in titles
    )


def test_the_summaries_kept_say_every_sentence_a_summary_can_say(copy, clinics_app):
    """Random answers (with a fixed seed): every sentence of their summary is in a summary
    kept, but the line of the checklist's signs ticked, which lists the answers given."""
    chance = random.Random(7)
    for language, content in clinics_app.extensions["selfcheck_content"].items():
        checklist = content.checklist
        assert checklist is not None
        for audience in Audience:
            prefix = f"{language}-{audience.value}-summary-"
            kept = {
                sentence
                for state in copy.states
                if state.id.startswith(prefix)
                for line in state.lines
                for sentence in split_sentences(line)
            }
            ticked = checklist.label.for_(audience) + " ("
            for _ in range(25):
                answers = Answers(
                    audience,
                    chance.choice(content.safety.options).value,
                    chance.choice(content.use.options).value,
                    tuple(
                        (s.id, chance.choice(content.answer_options).value) for s in content.signs
                    ),
                    tuple(
                        (item.value, chance.choice(["yes", "no", "not-sure"]))
                        for item in checklist.items
                    ),
                )
                response = render(
                    clinics_app,
                    "/summary",
                    base_url="https://localhost/",
                    language=language,
                    progress=answers.progress(content, confirmed=True),
                )
                assert response.status_code == 200
                main = review_copy.read_page(response.get_data(as_text=True)).main
                assert main is not None
                lines = review_copy.text_lines(
                    review_copy.Element("div", children=review_copy.clean(main, []))
                )
                said = {
                    sentence
                    for line in lines
                    for sentence in split_sentences(line)
                    if not sentence.startswith(ticked)
                }
                assert said <= kept, f"{answers.label(content)}: {said - kept}"


def test_a_clinics_copy_has_its_own_words_its_card_and_its_embed_page(riverside):
    assert {"en-card", "en-embed", "es-card", "es-embed"} <= ids(riverside)
    text = words([riverside], "es")
    assert "De lunes a viernes, de 8 a. m. a 6 p. m." in text
    assert "Riverside Family Clinic" in text
    assert riverside.address == "/c/riverside/"


def test_an_unknown_clinic_is_a_clear_error(clinics_app, tmp_path):
    result = clinics_app.test_cli_runner().invoke(
        review_copy.review_copy, ["--out", str(tmp_path / "copy.html"), "--clinic", "nowhere"]
    )
    assert result.exit_code == 1
    assert "No clinic 'nowhere' in the clinics file; it has: riverside, bare." in result.output
    assert not (tmp_path / "copy.html").exists()


def test_the_copy_is_one_file_with_nothing_to_run_or_fetch_and_prints_a_page_per_state(bare):
    text, said = bare
    document = BeautifulSoup(text, "html.parser")
    assert not document.find_all(["script", "iframe", "img", "link", "object", "embed"])
    assert not document.select("[src], [srcset], [style]")
    assert "url(" not in text and "@import" not in text
    # Each state: its own id, its heading, the version of its words; a new printed page.
    sections = document.select("section.state")
    pages = read_copy(text)
    assert len(sections) == len(pages) > 200
    assert f"{len(pages)} page states" in said
    contents = load_all_content()
    digest = content_version(contents)
    for section, page in zip(sections, pages, strict=True):
        language = page.id.split("-")[0]
        version = f"Content {review_copy.content_release(contents[language])} · {digest}"
        assert section.h2 is not None and section.h2.get_text() == page.title
        meta = section.select_one(".state-meta")
        assert meta is not None and meta.get_text().startswith(version)
        assert f"lang-{language}" in section["class"]
        # Printed, the foot of every page says the version of its language's words.
        assert (
            f'@page lang-{language} {{ @bottom-left {{ content: "Review copy · {version}";' in text
        )
        assert f".state.lang-{language} {{ page: lang-{language}; }}" in text
    assert ".state { break-before: page;" in text
    assert "Bare Clinic" in document.h1.get_text()
    # The table of contents links to every state.
    assert sorted(a["href"] for a in document.select(".toc a")) == sorted(
        f"#{page.id}" for page in pages
    )
    # The fingerprints: said by the command, and in the front matter.
    for language in contents:
        digest = re.search(rf"^{language}: ([0-9a-f]{{64}})$", said, re.MULTILINE)
        assert digest is not None and digest.group(1) in text


def test_the_copy_read_back_from_its_file_has_the_same_pages_word_for_word(copy):
    text = copy.document(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), 1.0)
    assert read_copy(text) == copy.pages()


def app_with_one_spanish_word_changed(folder: Path, config: str) -> tuple[Flask, str, str]:
    """An app whose Spanish content has one word changed in one sentence: the sentence
    as it was, and as it is."""
    directory = folder / "content"
    shutil.copytree(ROOT / "questionnaire" / "content", directory)
    hint = load_all_content()["es"].signs[4].hint.me
    sentence = split_sentences(hint)[0]
    word = max(sentence.split(), key=len).strip(".,:;")
    changed = sentence.replace(word, "palabra", 1)
    path = directory / "es.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(sentence) == 1, "the sentence is written once in es.toml"
    path.write_text(text.replace(sentence, changed), encoding="utf-8")
    return make_app(CONFIG=config, CONTENT_DIR=str(directory)), sentence, changed


def test_the_diff_since_an_earlier_copy_shows_a_one_word_change_and_nothing_else(
    copy, clinics_app, tmp_path
):
    earlier = tmp_path / "earlier.html"
    earlier.write_text(copy.document(datetime.datetime.now(datetime.UTC), 1.0), encoding="utf-8")
    app, old, new = app_with_one_spanish_word_changed(tmp_path, clinics_app.config["CONFIG"])
    out = tmp_path / "diff.html"
    args = ["--out", str(out), "--since", str(earlier)]
    result = app.test_cli_runner().invoke(review_copy.review_copy, args)
    assert result.exit_code == 0, result.output
    document = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    sections = document.select("section.state")
    # Exactly the pages that showed the sentence, all Spanish, none added or removed.
    showing = {page.id for page in copy.pages() if old in page.sentences()}
    assert showing and {section["id"] for section in sections} == showing
    assert all(section["id"].startswith("es-") for section in sections)
    counts = [p.get_text() for p in document.select(".count")]
    assert len(counts) == 1 and counts[0].startswith(f"{len(showing)} pages changed: ")
    assert f"{len(showing)} pages changed, 0 added, 0 removed" in result.output
    for section in sections:
        assert [normal(d.get_text()) for d in section.select("del")] == [old]
        assert [normal(i.get_text()) for i in section.select("ins")] == [new]
        assert [normal(b.get_text()) for b in section.select("del strong")] != []
        # Around it, the page's other sentences as they were.
        assert len(section.select(".same")) > 3
    # The fingerprint of the Spanish words changed, and only that one.
    assert f"en: {copy.hashes()['en']}" in result.output
    assert f"es: {copy.hashes()['es']}" not in result.output


def test_the_diff_lists_pages_added_and_removed(copy):
    pages = copy.pages()
    earlier = [Page("en-old-start", p.title, p.lines) if p.id == "en-start" else p for p in pages]
    diff = diff_copies(earlier, pages)
    made = datetime.datetime.now(datetime.UTC)
    document = BeautifulSoup(
        review_copy.diff_document(diff, "an earlier copy", copy, made), "html.parser"
    )
    assert [p.get_text().split(":")[0] for p in document.select(".count")] == [
        "1 page added",
        "1 page removed",
    ]
    added, removed = document.select("section.state")
    assert added["id"] == "en-start" and added.select("ins") and not added.select("del")
    assert removed["id"] == "en-old-start" and removed.select("del") and not removed.select("ins")


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


@pytest.fixture
def shipped_at_head(tmp_path: Path) -> Iterator[Flask]:
    """The app with the content and catalogues of HEAD: the shipped ones when the work
    tree has no change to them (as in a fresh clone), else HEAD's own, read with git."""
    if not (ROOT / ".git").exists() or git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout: --since REV reads an earlier revision with git")
    changed = git(
        "status", "--porcelain", "--", "questionnaire/content", "questionnaire/translations"
    )
    if not changed.stdout.strip():
        yield make_app()
        return
    content, translations = review_copy.files_at("HEAD", tmp_path / "head")
    try:
        app = make_app(CONTENT_DIR=str(content), BABEL_TRANSLATION_DIRECTORIES=str(translations))
    except ContentError as error:
        pytest.fail(
            "The work tree changes the content or the catalogues, and this code cannot read "
            f"HEAD's: commit the content with the code that reads it.\n{error}"
        )
    yield app


def test_the_diff_since_head_finds_no_change_in_the_shipped_content(shipped_at_head, tmp_path):
    out = tmp_path / "diff.html"
    args = ["--out", str(out), "--since", "HEAD"]
    result = shipped_at_head.test_cli_runner().invoke(review_copy.review_copy, args)
    assert result.exit_code == 0, result.output
    assert "0 pages changed, 0 added, 0 removed" in result.output
    document = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert [p.get_text() for p in document.select(".count")] == ["No page changed."]
    assert not document.select("section.state")


def test_a_revisions_copy_has_its_own_catalogues_words(copy, clinics_app, monkeypatch):
    """The interface strings of a revision are its own, not today's: one Spanish string
    changed there changes the Spanish pages that show it, and only those."""

    def files_at(revision: str, into: Path) -> tuple[Path, Path]:
        shutil.copytree(ROOT / "questionnaire" / "content", into / "content")
        with SPANISH_CATALOGUE.open("rb") as file:
            messages = read_po(file, locale="es")
        messages["Page not found"].string = "Esta página no existe"
        compiled = into / "translations" / "es" / "LC_MESSAGES" / "messages.mo"
        compiled.parent.mkdir(parents=True)
        with compiled.open("wb") as file:
            write_mo(file, messages)
        return into / "content", into / "translations"

    monkeypatch.setattr(review_copy, "files_at", files_at)
    earlier = review_copy.copy_at(clinics_app, "a revision").pages()
    diff = diff_copies(earlier, copy.pages())
    assert [part.page.id for part in diff.changed] == ["es-not-found"]
    assert not diff.added and not diff.removed
    changes = [c for c in diff.changed[0].changes if c.mark is not Mark.SAME]
    with SPANISH_CATALOGUE.open("rb") as file:
        today = read_po(file, locale="es")["Page not found"].string
    assert {c.old for c in changes} >= {"Esta página no existe"}
    assert {c.new for c in changes} >= {today}


def test_a_revision_whose_content_this_code_cannot_read_is_a_clear_error(
    clinics_app, tmp_path, monkeypatch
):
    def files_at(revision: str, into: Path) -> tuple[Path, Path]:
        (into / "content").mkdir(parents=True)
        (into / "content" / "en.toml").write_text('language = "en"\n', encoding="utf-8")
        return into / "content", ROOT / "questionnaire" / "translations"

    monkeypatch.setattr(review_copy, "files_at", files_at)
    args = ["--out", str(tmp_path / "diff.html"), "--since", "v0.0.1"]
    result = clinics_app.test_cli_runner().invoke(review_copy.review_copy, args)
    assert result.exit_code == 1
    assert "The content at v0.0.1 cannot be read by this release's code" in result.output
    assert "en.toml" in result.output


def test_a_revision_git_does_not_know_is_a_clear_error(clinics_app, tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    args = ["--out", str(tmp_path / "diff.html"), "--since", "no-such-revision"]
    result = clinics_app.test_cli_runner().invoke(review_copy.review_copy, args)
    assert result.exit_code == 1
    assert "no-such-revision" in result.output


def test_the_command_is_installed_for_flask():
    flask = shutil.which("flask", path=str(Path(sys.executable).parent))
    assert flask is not None
    result = subprocess.run(
        [flask, "--app", "app", "review-copy", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--since REV_OR_FILE" in result.stdout


# The sentences and the diff, on their own.


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Call 911. Give naloxone.", ["Call 911.", "Give naloxone."]),
        ("Is it now? Then call.", ["Is it now?", "Then call."]),
        ("Call now!  ¿Está despierta? Sí.", ["Call now!", "¿Está despierta?", "Sí."]),
        ("Some pills, e.g. Percocet, are opioids.", ["Some pills, e.g. Percocet, are opioids."]),
        ("De 8 a. m. a 6 p. m. Llame antes.", ["De 8 a. m. a 6 p. m.", "Llame antes."]),
        ("En EE. UU. Hay naloxona.", ["En EE. UU. Hay naloxona."]),
        ("Un traductor de EE. UU. lo revisó.", ["Un traductor de EE. UU. lo revisó."]),
        ("Version 1.2 is here.", ["Version 1.2 is here."]),
        ("Keep my answers", ["Keep my answers"]),
        ("He said “stop.” Then he left.", ["He said “stop.”", "Then he left."]),
    ],
)
def test_sentences_are_split_at_their_ends_only(text, sentences):
    assert split_sentences(text) == sentences


def test_no_sentence_of_the_content_ends_on_an_abbreviation():
    for content in load_all_content().values():
        for _where, text in reader_texts(content):
            for sentence in split_sentences(text)[:-1]:
                assert not sentence.endswith(copy_diff.ABBREVIATIONS), sentence


def test_sentences_are_marked_the_same_added_removed_or_changed():
    old = ["Call 911.", "Give naloxone.", "Stay with them.", "Goodbye."]
    new = ["Call 911.", "Give naloxone now.", "Lay them on their side.", "Stay with them."]
    assert diff_sentences(old, new) == [
        copy_diff.SentenceChange(Mark.SAME, "Call 911.", "Call 911."),
        copy_diff.SentenceChange(Mark.CHANGED, "Give naloxone.", "Give naloxone now."),
        copy_diff.SentenceChange(Mark.ADDED, new="Lay them on their side."),
        copy_diff.SentenceChange(Mark.SAME, "Stay with them.", "Stay with them."),
        copy_diff.SentenceChange(Mark.REMOVED, old="Goodbye."),
    ]
    # Sentences with little in common are removed and added, not "changed".
    assert [c.mark for c in diff_sentences(["Call 911."], ["Breathe slowly and wait."])] == [
        Mark.REMOVED,
        Mark.ADDED,
    ]


def test_the_changed_words_of_a_sentence_are_marked():
    old, new = copy_diff.changed_words("Give naloxone if you can.", "Give naloxone if you have it.")
    assert [word for word, differs in old if differs] == ["can."]
    assert [word for word, differs in new if differs] == ["have", "it."]


def test_copies_are_compared_page_by_page_by_id():
    one = Page("a", "A", ("Call 911. Give naloxone.",))
    same = Page("b", "B", ("Nothing changes here.",))
    diff = diff_copies(
        [one, same, Page("gone", "Gone", ("Bye.",))],
        [Page("a", "A", ("Call 911. Give naloxone now.",)), same, Page("new", "New", ("Hi.",))],
    )
    assert [part.page.id for part in diff.changed] == ["a"]
    assert [c.mark for c in diff.changed[0].changes] == [Mark.SAME, Mark.CHANGED]
    assert [page.id for page in diff.added] == ["new"]
    assert [page.id for page in diff.removed] == ["gone"]
    assert diff_copies([one, same], [one, same]).empty
    # Lines broken otherwise, with the same sentences: nothing changed.
    assert diff_copies([one], [Page("a", "A", ("Call 911.", "Give naloxone."))]).empty


def test_the_diff_imports_no_web_framework():
    tree = ast.parse((ROOT / "questionnaire" / "copy_diff.py").read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported, "no imports found, so this test would prove nothing"
    web = {"flask", "flask_wtf", "flask_babel", "wtforms", "werkzeug", "jinja2"}
    assert not {name.split(".")[0] for name in imported} & web


def test_the_front_matter_gives_each_languages_review_record(copy):
    """Who checked the words and when, whether they changed since, and whether signed."""
    text = BeautifulSoup(
        copy.document(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), 1.0), "html.parser"
    )
    rows = {
        " ".join(row.th.get_text().split()): " ".join(row.td.get_text().split())
        for row in text.select("header table.facts tr")
    }
    assert rows["Review record, English"] == (
        "version 1.2; reviewed 2026-12-06 (it read version 1.1); next review due 2027-12-06; "
        "reviewed by Addiction-medicine physician (outside content review), Health-literacy "
        "editor (outside content review); not yet signed"
    )
    spanish = rows["Review record, Español"]
    assert "translated by Equipo del proyecto" in spanish
    assert f"from the English text {source_text_hash(load_all_content()['en'])}" in spanish
    assert spanish.endswith("not yet signed")
