"""The sources: a registry every part cites by id, and the page that lists them."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from flask import Flask

from questionnaire.content import (
    CONTENT_DIR,
    Content,
    ContentError,
    citations,
    cited_parts,
    load_all_content,
    parse_content,
)
from questionnaire.web.context import gettext
from tests.conftest import make_app
from tests.pages import soup, text_of
from tests.test_clinics import clinic_app
from tests.walk import SIGN, redirected_to, walk

CONTENTS = load_all_content()
ACCEPT = {"en": {"Accept-Language": "en-US,en;q=0.9"}, "es": {"Accept-Language": "es-US,es;q=0.9"}}
# What the page says for a source whose address nobody has checked yet, and
# for one with no address at all.
NOT_CHECKED = "This address has not been checked yet."
NO_ADDRESS = "We do not have a link for it yet."


def content_data(language: str) -> dict[str, Any]:
    return tomllib.loads((CONTENT_DIR / f"{language}.toml").read_text(encoding="utf-8"))


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(ContentError) as raised:
        parse_content(data, "content/en.toml")
    message = str(raised.value)
    assert message.startswith("content/en.toml: ")
    return message


def index_of(data: dict[str, Any], source_id: str) -> int:
    return next(i for i, entry in enumerate(data["sources"]) if entry["id"] == source_id)


# The registry, checked with the content.


def test_every_part_cites_by_id_and_every_entry_is_cited():
    for content in CONTENTS.values():
        registry = [source.id for source in content.sources]
        cited = {source for _, ids in citations(content) for source in ids}
        assert cited == set(registry)
        assert len(registry) == len(set(registry))
        assert all(sign.sources for sign in content.signs)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            lambda data: data["signs"][4],
            "entry signs[4] (id 'sweating'), field 'sources': ['dsm5-withdrawl'] "
            "is not the id of any [[sources]] entry",
        ),
        (
            lambda data: data["signs"][2]["interruption_now"],
            "entry signs[2] (id 'speech-problems'), field 'interruption_now.sources': "
            "['dsm5-withdrawl']",
        ),
        (
            lambda data: data["summary"]["tailored"][1],
            "entry summary.tailored[1] (id 'safer-use'), field 'sources': ['dsm5-withdrawl']",
        ),
        (lambda data: data["emergency"], "field 'emergency.sources': ['dsm5-withdrawl']"),
    ],
)
def test_an_unknown_source_id_is_refused_with_the_entry_and_field(field, expected):
    data = content_data("en")
    field(data)["sources"] = ["dsm5-withdrawl"]
    assert expected in refusal(data)


def test_a_source_no_part_cites_is_refused():
    data = content_data("en")
    # Pew is cited only by "What help can look like".
    data["summary"]["help"]["sources"].remove("pew-moud-2020")
    index = index_of(data, "pew-moud-2020")
    assert f"entry sources[{index}] (id 'pew-moud-2020'): no part of the content cites it" in (
        refusal(data)
    )


def test_a_source_listed_twice_or_cited_twice_is_refused():
    data = content_data("en")
    data["sources"].append(dict(data["sources"][0]))
    assert f"entry sources[{len(data['sources']) - 1}], field 'id'" in refusal(data)
    data = content_data("en")
    data["signs"][0]["sources"] = ["cdc-overdose-response", "cdc-overdose-response"]
    assert "entry signs[0] (id 'shallow-breathing'), field 'sources': a source is cited twice" in (
        refusal(data)
    )


def test_an_address_is_https_and_a_checked_date_needs_one():
    data = content_data("en")
    index = index_of(data, "mayo-act-fast")
    data["sources"][index]["url"] = "http://www.mayoclinic.org/"
    assert f"entry sources[{index}] (id 'mayo-act-fast'), field 'url'" in refusal(data)
    data = content_data("en")
    del data["sources"][index]["url"]
    assert "'checked' is the day the page at 'url' was read" in refusal(data)


def test_a_checked_date_is_a_date():
    data = content_data("en")
    data["sources"][0]["checked"] = "last week"
    assert "entry sources[0] (id 'cdc-overdose-response'), field 'checked'" in refusal(data)


def write_languages(directory: Path, english: dict[str, Any], spanish: dict[str, Any]) -> Path:
    directory.mkdir(exist_ok=True)
    for language, data in [("en", english), ("es", spanish)]:
        (directory / f"{language}.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    return directory


def test_every_language_must_rest_on_the_same_documents(tmp_path):
    spanish = content_data("es")
    # A valid Spanish file on its own: Pew dropped from the registry and its citation.
    spanish["summary"]["help"]["sources"].remove("pew-moud-2020")
    del spanish["sources"][index_of(spanish, "pew-moud-2020")]
    parse_content(spanish, "es.toml")
    directory = write_languages(tmp_path / "content", content_data("en"), spanish)
    differs = r"es\.toml: field 'sources': .* differs from .* en\.toml; every language rests on"
    with pytest.raises(ContentError, match=differs):
        load_all_content(directory)


def test_every_part_rests_on_the_same_documents_in_every_language(tmp_path):
    spanish = content_data("es")
    # Every id still there, but one sign cites another document than in English.
    spanish["signs"][6]["sources"] = ["sows"]
    parse_content(spanish, "es.toml")
    directory = write_languages(tmp_path / "content", content_data("en"), spanish)
    with pytest.raises(ContentError) as raised:
        load_all_content(directory)
    assert "es.toml: entry signs[6] (id 'irritability'), field 'sources': ['sows'] differs" in str(
        raised.value
    )


# The parts, as the Sources page names them.


def test_the_parts_come_in_the_order_a_person_meets_them():
    names = [part.name for part in cited_parts(CONTENTS["en"])]
    assert names == [
        "Call 911 now",
        "Slow or shallow breathing",
        "Very small (pinpoint) pupils",
        "Slurred speech",
        "Slurred speech: when to get help right away",
        "Pain feeling stronger",
        "Sweating",
        "Nausea (feeling sick to the stomach)",
        "Feeling irritable",
        "Strong craving for opioids",
        "Other withdrawal signs",
        "Headaches",
        "When opioids are prescribed",
        "Staying safer with opioids",
        "What help can look like",
        "More ways to stay safe",
    ]


def test_every_citation_is_under_its_part_in_order():
    content = CONTENTS["en"]
    parts = {part.name: [source.id for source in part.sources] for part in cited_parts(content)}
    assert parts["Call 911 now"] == list(content.emergency.sources)
    assert parts["Headaches"] == ["cows", "sows", "dsm5-opioid-withdrawal"]
    # The tolerance warning, which has no heading, with the safety notes it joins.
    summary = content.summary
    assert parts["More ways to stay safe"] == [*summary.safety.sources, *summary.tolerance.sources]
    # Every citing field's list, whole and in its order, under some part.
    for where, ids in citations(content):
        assert any(
            listed[start : start + len(ids)] == list(ids)
            for listed in parts.values()
            for start in range(len(listed))
        ), where


def test_a_part_is_named_in_its_me_wording_and_a_part_that_cites_nothing_is_left_out():
    content = CONTENTS["en"]
    names = [part.name for part in cited_parts(content)]
    assert content.summary.help.heading.me in names
    assert content.summary.talk.heading.me not in names  # it cites nothing
    spanish = [part.name for part in cited_parts(CONTENTS["es"])]
    assert spanish[:2] == ["Llame al 911 ahora", "Respiración lenta o débil"]


# The page.


def sources_page(client, language: str, path: str = "/sources"):
    response = client.get(path, headers=ACCEPT[language])
    assert response.status_code == 200
    return response


def interface(app: Flask, language: str, text: str) -> str:
    """``text`` as the interface says it in ``language`` (in English until translated)."""
    with app.test_request_context(headers=ACCEPT[language]):
        return gettext(text)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_lists_every_part_and_every_source_with_its_address_and_date(app, language):
    content: Content = CONTENTS[language]
    page = soup(sources_page(app.test_client(), language))
    assert page.html["lang"] == language
    sections = page.main.select("section")
    parts = cited_parts(content)
    assert [text_of(section.h2) for section in sections] == [part.name for part in parts]
    shown = set()
    for section, part in zip(sections, parts, strict=True):
        items = section.select("li")
        assert len(items) == len(part.sources), part.name
        for item, source in zip(items, part.sources, strict=True):
            shown.add(source.id)
            text = text_of(item)
            assert text.startswith(source.title), (part.name, text)
            link = item.select_one("a")
            if source.url is None:
                assert link is None
                assert text.endswith(interface(app, language, NO_ADDRESS)), text
                continue
            assert link is not None and link["href"] == source.url
            assert text_of(link) == source.title
            if source.checked is None:
                assert text.endswith(interface(app, language, NOT_CHECKED)), text
            else:
                assert written_out(source.checked, language) in text, text
                assert source.checked.isoformat() not in text
    assert shown == {source.id for source in content.sources}


def written_out(day: datetime.date, language: str) -> str:
    months = {
        "en": ["January", "February", "March", "April", "May", "June", "July", "August"],
        "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"],
    }
    months["en"] += ["September", "October", "November", "December"]
    months["es"] += ["septiembre", "octubre", "noviembre", "diciembre"]
    month = months[language][day.month - 1]
    if language == "en":
        return f"{month} {day.day}, {day.year}"
    return f"{day.day} de {month} de {day.year}"


def test_dates_are_written_out_in_the_pages_language(tmp_path):
    """The day, the month's name and the year, as each language writes a date."""
    english, spanish = content_data("en"), content_data("es")
    for data in (english, spanish):
        data["sources"][0]["checked"] = datetime.date(2026, 12, 6)
    app = make_app(CONTENT_DIR=write_languages(tmp_path / "content", english, spanish))
    client = app.test_client()
    for language, expected in [("en", "December 6, 2026"), ("es", "6 de diciembre de 2026")]:
        first = soup(sources_page(client, language)).main.select_one("section li")
        assert text_of(first).endswith(
            interface(app, language, "Checked %(date)s") % {"date": expected}
        )


def test_an_address_not_checked_and_a_missing_address_are_said_so(tmp_path):
    english, spanish = content_data("en"), content_data("es")
    for data in (english, spanish):
        del data["sources"][0]["checked"]
        del data["sources"][1]["checked"]
        del data["sources"][1]["url"]
    app = make_app(CONTENT_DIR=write_languages(tmp_path / "content", english, spanish))
    for language in ["en", "es"]:
        page = soup(sources_page(app.test_client(), language))
        first, second = page.main.select("section:first-of-type li")[:2]
        assert text_of(first).endswith(interface(app, language, NOT_CHECKED))
        assert first.select_one("a[href]") is not None
        assert text_of(second).endswith(interface(app, language, NO_ADDRESS))
        assert second.select_one("a") is None
    assert interface(app, "en", NOT_CHECKED) == NOT_CHECKED


@pytest.mark.parametrize("language", ["en", "es"])
def test_links_to_other_sites_tell_them_nothing_and_show_no_address(app, language):
    main = soup(sources_page(app.test_client(), language)).main
    outside = main.select('a[href^="https://"]')
    assert outside
    for link in outside:
        assert "noreferrer" in link.get("rel", []), link
        assert link.get("target") is None, link
    # The titles are the links' names: no address is written out on the page.
    assert "https://" not in text_of(main)
    assert "doi.org" not in text_of(main)


def test_the_page_neither_reads_nor_changes_the_answers(client):
    walk(client, answers={"shallow-breathing": "often"}, stop_at=SIGN["sweating"])
    where = redirected_to(client.get("/continue"))
    response = sources_page(client, "en")
    assert response.headers.get("Set-Cookie") is None
    assert redirected_to(client.get("/continue")) == where
    assert soup(response).main.select_one("form") is None
    # Nothing on it depends on the answers: the same page as for someone new.
    fresh = sources_page(client.application.test_client(), "en")
    assert text_of(soup(fresh).main) == text_of(soup(response).main)


def test_the_page_is_under_a_clinics_prefix_too(tmp_path):
    client = clinic_app(tmp_path).test_client()
    response = sources_page(client, "en", "/c/riverside/sources")
    page = soup(response)
    assert text_of(page.select_one(".header__clinic")) == "Riverside Family Clinic"
    assert text_of(page.h1) == "Sources"
    assert [text_of(h2) for h2 in page.main.select("h2")] == [
        part.name for part in cited_parts(CONTENTS["en"])
    ]
    # Its own links stay under the prefix.
    start = page.main.select("p > a")[-1]
    assert start["href"] == "/c/riverside/"
    assert client.get("/c/nowhere/sources").status_code == 404
