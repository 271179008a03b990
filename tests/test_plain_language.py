"""Plain language, held by tests: readability, and no stigmatising or diagnostic words."""

from __future__ import annotations

import re
from functools import cache

import pytest
from textstat.textstat import textstatistics

from questionnaire.content import Audience, load_all_content, reader_texts
from tests.pages import DIAGNOSTIC_PHRASES
from tests.test_spanish import spanish_catalogue

CONTENTS = load_all_content()
MAX_GRADE = 8  # US school grade, Flesch-Kincaid
MIN_FERNANDEZ_HUERTA = 60


@cache
def scorer(language: str) -> textstatistics:
    stats = textstatistics()
    stats.set_lang({"en": "en_US", "es": "es"}[language])
    return stats


def sentences_read(language: str) -> list[tuple[str, str]]:
    """Every content text that is a sentence, and every interface sentence, once each."""
    texts = dict.fromkeys(
        text for _, text in reader_texts(CONTENTS[language]) if text.endswith((".", "?", ":"))
    )
    for message in spanish_catalogue():
        text = str(message.id if language == "en" else message.string)
        if message.id and text.endswith((".", "?")):
            # A placeholder stands for a number or a short name.
            texts[re.sub(r"%\(\w+\)s", "60", text)] = None
    where = {text: name for name, text in reader_texts(CONTENTS[language])}
    return [(where.get(text, "interface"), text) for text in texts]


@pytest.mark.parametrize(("where", "text"), sentences_read("en"))
def test_english_reads_at_grade_8_or_below(where, text):
    grade = scorer("en").flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{where}: grade {grade:.1f}: {text}"


@pytest.mark.parametrize(("where", "text"), sentences_read("es"))
def test_spanish_scores_at_least_60_on_fernandez_huerta(where, text):
    score = scorer("es").fernandez_huerta(text)
    assert score >= MIN_FERNANDEZ_HUERTA, f"{where}: Fernández Huerta {score:.1f}: {text}"


def test_the_readability_checks_can_fail():
    hard_english = (
        "Pharmacological interventions necessitate comprehensive multidisciplinary "
        "evaluation of physiological dependence characteristics."
    )
    hard_spanish = (
        "Las intervenciones farmacológicas requieren una evaluación multidisciplinaria "
        "exhaustiva de las características fisiológicas de la dependencia."
    )
    assert scorer("en").flesch_kincaid_grade(hard_english) > MAX_GRADE
    assert scorer("es").fernandez_huerta(hard_spanish) < MIN_FERNANDEZ_HUERTA


STIGMA = {
    "en": [
        r"\baddicts?\b",
        r"\baddicted\b",
        r"\babusers?\b",
        r"\bjunkies?\b",
        r"\b(clean|dirty)\b",
        r"\bdrug abuse\b",
        r"\bsubstance abuse\b",
    ],
    "es": [
        r"\badict[oa]s?\b",
        r"\bdrogadict[oa]s?\b",
        r"\btoxic[oó]man[oa]s?\b",
        r"\bviciosos?\b",
        r"\byonquis?\b",
        r"\babusadore?s?\b",
        r"\babuso de (drogas|sustancias)\b",
        r"\b(limpi|suci)[oa]s?\b",
    ],
}
DIAGNOSTIC = {
    "en": DIAGNOSTIC_PHRASES,
    "es": [
        r"\busted (tiene|sufre|padece)\b",
        r"\b(es|está|parece) (adict[oa]|dependiente)\b",
        r"\b(alto|bajo|moderado) riesgo\b",
        r"\bnivel de riesgo\b",
        r"\bprobable (trastorno|adicción|dependencia)\b",
        r"\bpuntaje\b|\bpuntuación\b",
        r"\bdiagnosticad[oa] con\b",
    ],
}


def words_read(language: str) -> list[tuple[str, str]]:
    texts = reader_texts(CONTENTS[language])
    texts += [
        ("interface", str(message.id if language == "en" else message.string))
        for message in spanish_catalogue()
        if message.id
    ]
    return texts


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_stigmatising_or_diagnostic_words(language):
    problems = [
        f"{where}: {match.group(0)!r} in {text!r}"
        for where, text in words_read(language)
        for pattern in STIGMA[language] + DIAGNOSTIC[language]
        if (match := re.search(pattern, text, re.IGNORECASE))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("language", "wording"),
    [
        ("en", "Tell the addict to get clean."),
        ("en", "You have opioid use disorder."),
        ("es", "Usted tiene una adicción y es adicto."),
        ("es", "Su resultado salió limpio."),
        ("es", "Tiene alto riesgo."),
    ],
)
def test_the_word_lists_catch_what_they_are_for(language, wording):
    patterns = STIGMA[language] + DIAGNOSTIC[language]
    assert any(re.search(pattern, wording, re.IGNORECASE) for pattern in patterns)


# The question is what an anxious reader on a phone must take in at once; the
# time it is about goes in a lead-in line above it (content review, C3).
MAX_QUESTION_WORDS = {"en": 20, "es": 25}


def questions(language: str) -> list[tuple[str, str]]:
    content = CONTENTS[language]
    prompts = [content.audience, content.safety, content.use, *content.signs]
    if content.checklist is not None:
        prompts.append(content.checklist)
    return [
        (f"{prompt.id} ({audience})", prompt.question.for_(audience))
        for prompt in prompts
        for audience in Audience
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_question_is_short(language):
    long_ones = [
        f"{where}: {len(text.split())} words: {text}"
        for where, text in questions(language)
        if len(text.split()) > MAX_QUESTION_WORDS[language]
    ]
    assert not long_ones, "\n".join(long_ones)


def test_the_question_length_check_can_fail():
    long_question = " ".join(["word"] * 21) + "?"
    assert len(long_question.split()) > MAX_QUESTION_WORDS["en"]


# Words about the person being checked, in the wrong person: "your breathing" on
# a "someone else" page, "they felt" on a "myself" page (content review, C4).
WRONG_PERSON = {
    "other": re.compile(
        r"\byou (get|feel|felt|take|took|cut down|stopped|were late|sweat|seem|had|have had)\b"
        r"|\byour (body|breathing|pupils|speech|pain|dose|opioids|prescriber|stomach|chest)\b",
        re.IGNORECASE,
    ),
    "me": re.compile(
        r"\bthey (get|feel|felt|take|took|cut down|stopped|were late|sweat|seem|had|have had)\b"
        r"|\btheir (body|breathing|pupils|speech|pain|dose|opioids|stomach|chest)\b",
        re.IGNORECASE,
    ),
}


@pytest.mark.parametrize("audience", ["me", "other"])
def test_no_english_text_speaks_of_the_person_checked_in_the_wrong_person(audience):
    wrong = [
        f"{where}: {found.group(0)!r} in: {text}"
        for where, text in reader_texts(CONTENTS["en"])
        if where.endswith(f".{audience}") and (found := WRONG_PERSON[audience].search(text))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_wrong_person_check_can_fail():
    """The hint the review found: one text for both, saying "you" on the other page."""
    assert WRONG_PERSON["other"].search("This means you get upset or angry more easily.")
    assert WRONG_PERSON["me"].search("Did they seem cranky?")
