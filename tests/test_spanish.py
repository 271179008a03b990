"""The whole check in Spanish, and choosing the language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import app as app_module
from app import ConfigurationError, create_app
from questionnaire.content import Content, load_all_content, reader_texts
from tests.conftest import TEST_CONFIG, make_app
from tests.pages import soup, text_of
from tests.walk import (
    CHECKLIST,
    INTERRUPTION,
    SIGN,
    WHO,
    checklist_fields,
    coded,
    notices_on,
    place,
    redirected_to,
    submit,
    walk,
)

ROOT = Path(__file__).parent.parent
CATALOGUE = ROOT / "questionnaire" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
CONTENTS = load_all_content()
SPANISH = {"Accept-Language": "es-US,es;q=0.9"}


def shape(content: Content) -> dict[str, object]:
    """Everything about a content file except its words."""
    return {
        "signs": [
            (s.id, s.kind, s.interrupt_on, len(s.details), s.interruption is None, len(s.sources))
            for s in content.signs
        ],
        # What each sign says on its own pages and alone on the summary.
        "sign_extras": [
            (
                s.urgent_alone,
                s.explanation_alone is None,
                s.interruption_heading is None,
                s.interruption_next is None,
                None
                if s.interruption_now is None
                else (len(s.interruption_now.items), s.interruption_now.steps is None),
            )
            for s in content.signs
        ],
        "answer_options": [(o.value, o.meaning) for o in content.answer_options],
        "kinds": [(k.id, k.urgent) for k in content.kinds],
        "audience": [o.value for o in content.audience.options],
        "safety": (
            [o.value for o in content.safety.options],
            content.safety.emergency_on,
            len(content.safety.hint_items),
        ),
        "resources": [(r.id, [link.href for link in r.links]) for r in content.resources],
        "steps": sorted(content.steps),
        "lists": [
            len(content.emergency.steps.me),
            len(content.emergency.steps.other),
            len(content.emergency_box.paragraphs),
            len(content.summary.intro),
            len(content.summary.help.items),
            len(content.summary.safety.items),
            [(item.uses, item.not_uses) for item in content.summary.questions.items],
            sorted(content.summary.help.headings),
            len(steps.me) if (steps := content.interruption.now.steps) else 0,
        ],
    }


def test_both_content_files_have_the_same_signs_options_and_fields():
    assert set(CONTENTS) == {"en", "es"}
    assert shape(CONTENTS["es"]) == shape(CONTENTS["en"])


def interface_messages() -> set[str]:
    """What `make translations` would extract, read with the same babel.cfg."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message
        for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, options_map)
        if isinstance(message, str)
    }


def spanish_catalogue():
    with CATALOGUE.open("rb") as file:
        return read_po(file, locale="es")


def test_every_interface_message_has_a_spanish_translation():
    catalogue = spanish_catalogue()
    messages = interface_messages()
    assert len(messages) > 30, "too few messages found: is the extraction broken?"
    untranslated = sorted(
        message
        for message in messages
        if message not in catalogue or not catalogue[message].string or catalogue[message].fuzzy
    )
    assert not untranslated, f"run `make translations` and translate: {untranslated}"


def english_interface_fragments() -> list[str]:
    """Pieces of interface text that read differently in Spanish, placeholders taken out."""
    fragments = []
    for message in spanish_catalogue():
        if not message.id or message.id == message.string:
            continue
        for piece in re.split(r"%\(\w+\)s", str(message.id)):
            piece = piece.strip(" .:")
            if len(piece.split()) >= 2 or len(piece) >= 8:
                fragments.append(piece)
    return fragments


def test_no_spanish_page_shows_an_english_interface_string():
    client = make_app().test_client()
    # Every page as it was shown on the way, the notices at the top of theirs too.
    shown: list = []
    walk_in_spanish(client, safety="yes", answers={"speech-problems": "often"}, shown=shown)
    assert ["emergency"] in [notices_on(page) for page in shown]
    assert ["interruption"] in [notices_on(page) for page in shown]
    submit_error = client.post(WHO, headers=SPANISH, data={})
    refused = submit(client, SIGN["sweating"])
    refused_checklist = submit(client, CHECKLIST)
    pages = [*shown, client.get("/summary", headers=SPANISH)]
    pages += [client.get("/", headers=SPANISH), client.get("/nada", headers=SPANISH)]
    pages += [submit_error, refused, refused_checklist]
    fragments = english_interface_fragments()
    assert fragments
    for response in pages:
        text = text_of(soup(response))
        shown = [fragment for fragment in fragments if fragment in text]
        assert not shown, f"{response.request.path} shows English: {shown}"


def walk_in_spanish(client, **kwargs) -> list[str]:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    return walk(client, **kwargs)


def test_a_full_journey_in_spanish_for_someone_else_with_an_interruption():
    client = make_app().test_client()
    shown: list = []
    visited = walk_in_spanish(
        client,
        audience="other",
        answers={"narrowed-pupils": "often", "speech-problems": "often", "sweating": "sometimes"},
        shown=shown,
    )
    assert INTERRUPTION["narrowed-pupils"] in visited
    at = place(INTERRUPTION["narrowed-pupils"])
    interruption = soup(next(page for page in shown if page.request.path == at))
    start = soup(client.get("/"))
    assert start.html["lang"] == "es"
    assert text_of(start.h1) == "Revisión de señales relacionadas con los opioides"
    question = soup(client.get(SIGN["narrowed-pupils"]))
    assert text_of(question.h1).endswith(
        "¿Se le han puesto muy pequeñas las pupilas a esa persona?"
    )
    assert text_of(question.select_one(".caption")) == "Pregunta 5 de 13"
    assert text_of(question.title).endswith("– Revisión de señales relacionadas con los opioides")
    # At the top of the next question's page, which keeps its place and its question.
    notice = interruption.select_one("main section[data-notice]")
    assert notice.has_attr("autofocus") and notice.find("h1") is interruption.h1
    assert text_of(interruption.h1) == "Pupilas pequeñas: cuándo pedir ayuda enseguida"
    assert "sin receta" in text_of(notice)
    assert text_of(interruption.title).startswith("Pregunta 6 de 13 – ")
    below = interruption.select_one("main form legend h2")
    assert text_of(below) == CONTENTS["es"].sign("speech-problems").question.other
    summary = text_of(soup(client.get("/summary")).main)
    assert "Primero, sobre el exceso de opioide" in summary
    assert "Señales que usted notó en esa persona" in summary
    assert "Pupilas muy pequeñas" in summary and "Sudor" in summary
    assert "marque 2" in summary.lower()
    assert "en español y en inglés" in summary


def test_errors_are_in_spanish():
    client = make_app().test_client()
    walk_in_spanish(client, audience="other", stop_at=SIGN["sweating"])
    page = soup(submit(client, SIGN["sweating"]))
    assert text_of(page.title).startswith("Error: ")
    assert text_of(page.select_one(".error-summary h2")) == "Hay un problema"
    assert text_of(page.select_one(".error-summary a")).startswith("Elija si esa persona sudó")
    # The checklist: a sign left without Sí, No or No sé.
    walk_in_spanish(client, audience="other", stop_at=CHECKLIST)
    content = CONTENTS["es"]
    answers = {item.value: "no" for item in content.checklist.items[1:]}
    checklist = soup(submit(client, CHECKLIST, **checklist_fields(content, answers)))
    error = checklist.select_one(".error-summary a")
    assert text_of(error) == "Elija Sí, No o No sé para cada señal"
    assert error["href"] == "#sign0-0"
    # The answers given stay chosen; every row reads Sí, No, No sé.
    assert checklist.select_one("#sign1-1").has_attr("checked")
    labels = [text_of(checklist.select_one(f'label[for="sign1-{n}"]')) for n in range(3)]
    assert labels == ["Sí", "No", "No sé"]


def test_the_language_link_switches_language_and_keeps_the_answers(client):
    walk(client, audience="other", answers={"sweating": "often"}, stop_at=SIGN["nausea"])
    page = soup(client.get(SIGN["sweating"]))
    link = page.select_one("a.language-link")
    assert text_of(link) == "Español" and link["lang"] == "es"
    # The page's own address, shown again in Spanish straight away: no redirect.
    assert link["href"] == f"{SIGN['sweating']}?language=es"
    response = client.get(link["href"])
    assert response.status_code == 200
    spanish = soup(response)
    assert spanish.html["lang"] == "es"
    often = coded(CONTENTS["es"], SIGN["sweating"], "often")["answer"]
    assert spanish.select_one(f'input[name="answer"][value="{often}"]').has_attr("checked")
    assert text_of(spanish.select_one('label[for="answer-2"]')) == "Muchas veces"
    # The choice is kept for the pages after it.
    assert soup(client.get(SIGN["sweating"])).html["lang"] == "es"
    back = spanish.select_one("a.language-link")
    assert text_of(back) == "English" and back["lang"] == "en"
    assert back["href"] == f"{SIGN['sweating']}?language=en"
    assert soup(client.get(back["href"])).html["lang"] == "en"
    assert soup(client.get(SIGN["sweating"])).html["lang"] == "en"


def test_a_chosen_language_wins_over_the_browsers(client):
    client.get("/language/es?next=/")
    page = soup(client.get("/", headers={"Accept-Language": "en-US"}))
    assert page.html["lang"] == "es"


def test_the_browsers_language_is_used_until_one_is_chosen(client):
    assert soup(client.get("/", headers={"Accept-Language": "es-MX"})).html["lang"] == "es"
    assert soup(client.get("/", headers={"Accept-Language": "fr, en;q=0.5"})).html["lang"] == "en"


def test_the_clinics_default_language_is_used_otherwise():
    client = make_app(DEFAULT_LANGUAGE="es").test_client()
    assert soup(client.get("/", headers={"Accept-Language": "fr"})).html["lang"] == "es"
    assert soup(client.get("/")).html["lang"] == "es"


@pytest.mark.parametrize("next_path", ["https://elsewhere.example/", "//elsewhere.example/", ""])
def test_the_language_link_never_leads_off_the_site(client, next_path):
    response = client.get("/language/es", query_string={"next": next_path})
    assert redirected_to(response) == "/"


def test_an_unknown_language_is_not_found(client):
    assert client.get("/language/fr?next=/").status_code == 404


def test_the_app_will_not_start_without_the_compiled_spanish_catalogue(monkeypatch, tmp_path):
    monkeypatch.setattr(app_module, "TRANSLATIONS_DIR", tmp_path)
    with pytest.raises(ConfigurationError, match="No compiled interface translations for es"):
        create_app(TEST_CONFIG)


def test_the_default_language_must_have_content():
    with pytest.raises(ConfigurationError, match="DEFAULT_LANGUAGE 'fr' has no content"):
        create_app({**TEST_CONFIG, "DEFAULT_LANGUAGE": "fr"})


def test_spanish_steps_name_the_person_instead_of_a_pronoun_that_reads_as_her():
    """Content review D1: "Acuéstela", "apoyarla" read as "her" when each step stands alone."""
    texts = [text for _, text in reader_texts(load_all_content()["es"])]
    for pronoun in ["Acuéstela", "apoyarla", "despertarla", "Anímela"]:
        assert not [text for text in texts if pronoun in text], pronoun
