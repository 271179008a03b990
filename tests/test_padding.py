"""Pages padded to their place's size: exactly, decodably, and for any answers.

The end-to-end proof is in test_wire.py (the production server over TLS,
through a relay that sees what a network sees). These tests hold the parts:
the padding of each encoding decodes to the page itself and lands on the
byte; every page at a place has one size, for many more answer sets than a
live test can walk, in each encoding, for a clinic too; and a page that
would not fit is still sent, at a coarser size, and logged without answers.
"""

from __future__ import annotations

import gzip
import random
import zlib
from pathlib import Path

import brotli
import pytest
from flask.testing import FlaskClient

from questionnaire import flow
from questionnaire.content import Audience
from questionnaire.flow import Progress, StepKind
from questionnaire.web import padding
from questionnaire.web.context import CLINICS
from tests.conftest import make_app, seed_progress
from tests.walk import submit, walk

PAGE = ("<!doctype html><p>" + "Naloxone can reverse an opioid overdose. " * 40).encode()


def decode(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.decompress(body))
    if encoding == "gzip":
        return gzip.decompress(body)
    return body


@pytest.mark.parametrize("encoding", padding.ENCODINGS)
def test_a_padded_body_decodes_to_the_page_and_lands_on_the_byte(encoding):
    smallest = padding.encoded_size(PAGE, encoding, 1)
    for extra in [0, 1, 2, 3, 4, 5, 255, 256, 257, 258, 259, 260, 515, 516, 517, 1000, 4099]:
        body = padding.padded(PAGE, encoding, 1, smallest + extra)
        assert len(body) == smallest + extra
        decoded = decode(body, encoding)
        # Spaces after the page are all an uncompressed page gets.
        assert (
            decoded.rstrip(b" ") == PAGE.rstrip(b" ") if encoding == "identity" else decoded == PAGE
        )


def test_a_gzip_body_is_padded_in_its_header_comment_and_checks_out():
    body = padding.padded(PAGE, "gzip", 6, padding.encoded_size(PAGE, "gzip", 6) + 40)
    assert body[3] & 0x10, "FLG.FCOMMENT"
    # zlib's own reader (as browsers use) checks the CRC and length too.
    assert zlib.decompress(body, wbits=31) == PAGE


def test_a_body_larger_than_the_size_is_refused_rather_than_cut():
    with pytest.raises(ValueError):
        padding.padded(PAGE, "br", 1, padding.encoded_size(PAGE, "br", 1) - 1)


def random_progress(content, chance: random.Random, everything: bool = False) -> Progress:
    """Anyone, anywhere in the check (at the summary, with ``everything``), having answered
    anything (the checklist sign by sign)."""
    steps = flow.path(content)
    stop = len(steps) - 1 if everything else chance.randrange(1, len(steps))
    progress = Progress()
    for step in steps[:stop]:
        match step.kind:
            case StepKind.AUDIENCE:
                progress = progress.with_audience(chance.choice(list(Audience)))
            case StepKind.SAFETY:
                progress = progress.with_safety(chance.choice(content.safety.options).value)
            case StepKind.USE:
                progress = progress.with_use(chance.choice(content.use.options).value)
            case StepKind.SIGN:
                value = chance.choice(content.answer_options).value
                progress = progress.with_answer(step.sign_id, value)
            case StepKind.CHECKLIST:
                values = [value for value, _label in content.checklist.item_answers]
                items = content.checklist.items
                progress = progress.with_checklist({i.value: chance.choice(values) for i in items})
            case StepKind.CHECK:
                if chance.random() < 0.5:
                    progress = progress.with_read(flow.notices(content, progress))
                progress = progress.with_confirmed()
    # Notices read or not, whatever the answers.
    if chance.random() < 0.5:
        progress = progress.with_read(flow.notices(content, progress))
    return progress


def address(content, step) -> str:
    if step == flow.CHECK:
        return "/check-answers"
    if step == flow.SUMMARY:
        return "/summary"
    return f"/question/{flow.question_number(content, step)}"


@pytest.mark.parametrize(
    "language, encoding", [("en", "br"), ("es", "br"), ("en", "gzip"), ("es", "identity")]
)
def test_every_page_at_a_place_has_its_size_whatever_was_answered(language, encoding):
    app = make_app()
    # Every page is checked elsewhere; here only sizes matter, for many journeys.
    app.test_client_class = FlaskClient
    content = app.extensions["selfcheck_content"][language]
    chance = random.Random(f"{language}-{encoding}")
    sizes: dict[str, set[int]] = {}
    for journey in range(15):
        progress = random_progress(content, chance, everything=journey % 3 == 0)
        client = app.test_client()
        seed_progress(client, progress)
        client.get(f"/question/1?language={language}")
        for step in flow.path(content):
            if not flow.may_visit(content, progress, step):
                break
            path = address(content, step)
            page = client.get(path, headers={"Accept-Encoding": encoding})
            assert page.status_code == 200, path
            assert page.headers.get("Content-Encoding", "identity") == encoding
            decoded = decode(page.data, encoding).decode()
            assert f'lang="{language}"' in decoded
            sizes.setdefault(path, set()).add(len(page.data))
    assert len(sizes) == len(flow.path(content))
    assert {path: found for path, found in sizes.items() if len(found) > 1} == {}


def test_a_refused_answer_is_sent_at_its_places_size(client):
    client.get("/question/1")
    size = len(client.get("/question/1", headers={"Accept-Encoding": "br"}).data)
    page = client.get("/question/1")
    token = page.data.decode().split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    refused = client.post(
        "/question/1", data={"csrf_token": token}, headers={"Accept-Encoding": "br"}
    )
    assert refused.status_code == 200
    assert "There is a problem" in brotli.decompress(refused.data).decode()
    assert len(refused.data) == size


def test_a_clinics_pages_have_sizes_of_their_own_and_keep_them(tmp_path):
    clinics = tmp_path / "clinics.toml"
    clinics.write_text(
        '[[clinics]]\nslug = "north"\nname = "North Valley Family Health Center"\n'
        'phone = "(503) 555-0142"\nwebsite = "https://north.example"\n'
        'brand_color = "#0b5d5b"\ndefault_language = "en"\n'
    )
    app = make_app(CONFIG=str(clinics))
    sizes = []
    for audience in ("me", "other"):
        client = app.test_client()
        submit(client, "/c/north/question/1", answer=audience)
        sizes.append(len(client.get("/c/north/question/2", headers={"Accept-Encoding": "br"}).data))
    root = app.test_client()
    submit(root, "/question/1", answer="me")
    assert sizes[0] == sizes[1]
    # The clinic's name and number are on its pages: a size of their own.
    assert len(root.get("/question/2", headers={"Accept-Encoding": "br"}).data) != sizes[0]


def test_a_page_larger_than_its_place_is_sent_larger_and_logged_without_answers(caplog):
    app = make_app()
    # As if the longest page measured at every place were a single byte.
    app.extensions[padding.PADDING]._measure = lambda place: [b"x"]
    client = app.test_client()
    seed_progress(client, Progress(audience=Audience.OTHER, safety="yes"))
    page = client.get("/question/3", headers={"Accept-Encoding": "br"})
    place = padding.Place("", "en", "check.question", 3)
    target = app.extensions[padding.PADDING].size(place, "br")
    assert len(page.data) > target
    assert (len(page.data) - target) % 256 == 0
    assert "Call 911" in brotli.decompress(page.data).decode()
    logged = [r.getMessage() for r in caplog.records if "more than its place's" in r.getMessage()]
    assert len(logged) == 1 and logged[0].startswith("a page at /question/3 was ")
    assert "yes" not in logged[0] and "other" not in logged[0]


class _Forgetful(dict):
    """Keeps no longest answers: every place is measured with the whole climb."""

    def __setitem__(self, key, value) -> None:
        pass


EXAMPLE_CLINICS = Path(__file__).parent.parent / "clinics.example.toml"


def clinic_sizes(app, prefixes: list[str]) -> dict[tuple[padding.Place, str], int]:
    """Each place's size in each encoding, for every check under ``prefixes``, in each
    language."""
    for prefix in prefixes:
        for language in app.extensions["selfcheck_content"]:
            client = app.test_client()
            client.get(f"{prefix}/?language={language}")
            walk(client, prefix=prefix, stop_at="/summary")
            client.get(f"{prefix}/summary")
    return dict(app.extensions[padding.PADDING]._sizes)


def test_a_clinics_places_are_measured_with_the_checks_longest_answers_and_fit(monkeypatch):
    """Start-up measures the check's places only; a clinic's are measured on first use with
    the answers the check's climb found longest in each encoding, a render each. The whole
    climb, made for the clinic's own pages, finds nothing longer than that size holds, in
    any encoding (uncompressed, the longest page is not the longest compressed one)."""
    monkeypatch.setenv("SELFCHECK_CONFIG", str(EXAMPLE_CLINICS))
    slugs = [f"/c/{clinic.slug}" for clinic in make_app().extensions[CLINICS].clinics]
    fast_app = make_app()
    fast = clinic_sizes(fast_app, ["", *slugs])
    climbed_app = make_app()
    climbed_app.extensions[padding.PADDING].longest = _Forgetful()
    climbed = clinic_sizes(climbed_app, slugs)
    assert climbed and set(climbed) <= set(fast)
    assert {encoding for _place, encoding in climbed} == set(padding.ENCODINGS)
    # The margin holds a form token's few bytes of luck (13 at most in 2,000 tries).
    short = {
        place: (fast[place], size)
        for place, size in climbed.items()
        if fast[place] < size - (padding._MARGIN - 13)
    }
    assert short == {}


@pytest.mark.parametrize("encoding", padding.ENCODINGS)
def test_a_clinics_refused_checklist_is_sent_at_its_places_size_in_each_encoding(
    monkeypatch, encoding
):
    """Uncompressed, the checklist refused with every sign left out is the longest page
    there, and not the one that is longest compressed: a clinic's size holds it too."""
    monkeypatch.setenv("SELFCHECK_CONFIG", str(EXAMPLE_CLINICS))
    app = make_app()
    root = app.test_client()
    walk(root, stop_at="/question/12")  # the check's own places are measured first
    client = app.test_client()
    walk(client, prefix="/c/riverside", stop_at="/question/12")
    path = "/c/riverside/question/12"
    accept = {"Accept-Encoding": encoding}
    page = client.get(path, headers=accept)
    token = page.data if encoding == "identity" else decode(page.data, encoding)
    fields = {"csrf_token": token.decode().split('name="csrf_token" type="hidden" value="')[1]}
    fields["csrf_token"] = fields["csrf_token"].split('"')[0]
    refused = client.post(path, data=fields, headers=accept)
    assert refused.status_code == 200
    assert "There is a problem" in decode(refused.data, encoding).decode()
    assert len(refused.data) == len(page.data)
