"""Safety guidance as the expert content review asked for it, in both languages, for both audiences.

Each test names the finding it holds (A1 to A13, B2, B3 in the review).
"""

from __future__ import annotations

import pytest

from tests.pages import soup, text_of
from tests.walk import EMERGENCY, INTERRUPTION, SAFETY, USE, WHO, place, submit, walk

LANGUAGES = ["en", "es"]
AUDIENCES = ["me", "other"]
# The signs of too much opioid that are urgent on their own (small pupils are not: B2).
TOO_MUCH_OPIOID = ["shallow-breathing", "speech-problems"]

# What must never be said when an emergency or a too-much-opioid sign came up.
FALSE_REASSURANCE = {
    "en": ["You did not report any of these signs", "That is good to know"],
    "es": ["Usted no marcó ninguna de estas señales", "Es bueno saberlo"],
}
HAPPENING_NOW = {"en": "If it is happening now", "es": "Si está pasando ahora"}


def in_language(client, language: str):
    client.get(f"/language/{language}?next=/")
    return client


def summary_text(client, language, audience, safety="no", answers=None):
    walk(in_language(client, language), audience=audience, safety=safety, answers=answers)
    return soup(client.get("/summary"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("sign_id", TOO_MUCH_OPIOID)
def test_not_sure_on_a_too_much_opioid_sign_leads_with_the_overdose_guidance(
    client, language, audience, sign_id
):
    """A1: treated like the safety question's "not sure", never reassured."""
    page = summary_text(client, language, audience, answers={sign_id: "not-sure"})
    urgent = page.select_one("main section.urgent")
    assert urgent is not None, "no overdose guidance on the summary"
    first_section = page.main.find("section")
    assert first_section is urgent, "the overdose guidance is not first"
    text = text_of(page.main)
    for phrase in FALSE_REASSURANCE[language]:
        assert phrase not in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("safety", ["yes", "not-sure"])
def test_an_emergency_answer_is_said_plainly_on_the_summary_and_never_called_good(
    client, language, audience, safety
):
    """A2: "these signs" point at something visible, and nothing is called good to know."""
    page = summary_text(client, language, audience, safety=safety)
    text = text_of(page.main)
    for phrase in FALSE_REASSURANCE[language]:
        assert phrase not in text
    expected = {
        ("en", "yes"): "At the start of the check, you said signs of an emergency were happening",
        ("en", "not-sure"): "At the start of the check, you were not sure if signs of an emergency",
        ("es", "yes"): "Al empezar la revisión, usted dijo que",
        ("es", "not-sure"): "Al empezar la revisión, usted tenía dudas sobre si",
    }[(language, safety)]
    assert expected in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_nothing_noticed_and_no_emergency_the_summary_says_so_kindly(client, language):
    text = text_of(summary_text(client, language, "me").main)
    assert FALSE_REASSURANCE[language][0] in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_summarys_emergency_steps_sit_under_if_it_is_happening_now(client, language, audience):
    """A3: a printed summary never reads as a standing instruction to give naloxone."""
    page = summary_text(client, language, audience, answers={"shallow-breathing": "often"})
    now = next(
        section
        for section in page.select("section.urgent section")
        if text_of(section.h3) == HAPPENING_NOW[language]
    )
    steps = text_of(now)
    assert "911" in steps
    assert "Narcan" in steps
    # Telling a clinician is outside it: it is for later, not for an emergency.
    outside = text_of(page.select_one("section.urgent")).replace(steps, "")
    clinician = {"en": "clinician", "es": "profesional de salud"}[language]
    assert clinician in outside and clinician not in steps


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_alone_is_never_told_to_give_themselves_naloxone(app, client, language):
    """A4: 911 first, then someone with them who knows where the naloxone is."""
    walk(in_language(client, language), audience="me", safety="yes", stop_at=EMERGENCY)
    interrupted = in_language(app.test_client(), language)
    stop_at = INTERRUPTION["shallow-breathing"]
    walk(interrupted, audience="me", answers={"shallow-breathing": "often"}, stop_at=stop_at)
    later = in_language(app.test_client(), language)
    walk(later, audience="me", answers={"shallow-breathing": "often"})
    pages = [client.get(USE), interrupted.get(place(stop_at)), later.get("/summary")]
    for response in pages:
        text = text_of(soup(response).main)
        for self_dose in ["use it now", "use it,", "Use naloxone", "úsela", "Use naloxona"]:
            assert self_dose not in text, f"{response.request.path}: {self_dose!r}"
    emergency = text_of(soup(pages[0]).main)
    assert emergency.index("911") < emergency.index("Narcan")
    ask = {"en": "give it to you if you get hard to wake", "es": "si es difícil despertarle"}
    assert ask[language] in emergency


@pytest.mark.parametrize(
    ("language", "safety", "lead"),
    [
        ("en", "yes", "This is an emergency."),
        ("en", "not-sure", "If you are not sure, treat it as an emergency."),
        ("es", "yes", "Es una emergencia."),
        ("es", "not-sure", "Si tiene dudas, trátelo como una emergencia."),
    ],
)
def test_the_emergency_page_leads_with_what_was_answered(client, language, safety, lead):
    """B3: "not sure" is not told "what you describe is an emergency"."""
    walk(in_language(client, language), audience="other", safety=safety, stop_at=EMERGENCY)
    text = text_of(soup(client.get(USE)).select_one("main .lead"))
    assert lead in text
    if safety == "not-sure":
        assert "What you describe" not in text and "Lo que describe" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_emergency_page_for_someone_else_has_every_safety_fact(client, language):
    """A6, A11: second dose, naloxone wears off, the 911 operator, Good Samaritan laws."""
    walk(in_language(client, language), audience="other", safety="yes", stop_at=EMERGENCY)
    text = text_of(soup(client.get(USE)).main)
    facts = {
        "en": ["2 to 3 minutes", "Naloxone wears off", "911 operator", "CPR", "Most states"],
        "es": ["2 a 3 minutos", "El efecto de la naloxona se pasa", "911", "RCP", "estados"],
    }[language]
    for fact in facts:
        assert fact in text, fact


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_alone_is_told_not_to_take_more_or_mix(client, language):
    """A5: no more opioids, no alcohol, no sleep or anxiety pills."""
    walk(in_language(client, language), audience="me", safety="yes", stop_at=EMERGENCY)
    text = text_of(soup(client.get(USE)).main)
    expected = {"en": "Do not take more opioids", "es": "No tome más opioides"}[language]
    assert expected in text
    assert {"en": "alcohol", "es": "alcohol"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("value", ["sometimes", "often", "not-sure"])
def test_small_pupils_alone_do_not_put_the_overdose_guidance_first(
    client, language, audience, value
):
    """B2: with another sign of too much opioid they do."""
    page = summary_text(client, language, audience, answers={"narrowed-pupils": value})
    assert page.select_one("main section.urgent") is None
    with_speech = in_language(client.application.test_client(), language)
    walk(
        with_speech,
        audience=audience,
        answers={"narrowed-pupils": value, "speech-problems": "not-sure"},
    )
    assert soup(with_speech.get("/summary")).select_one("main section.urgent") is not None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_small_pupils_alone_are_not_styled_as_an_emergency(app, client, language, audience):
    """B2: smaller pupils are expected; 911 is for very small pupils with other signs."""
    stop_at = INTERRUPTION["narrowed-pupils"]
    walk(
        in_language(client, language),
        audience=audience,
        answers={"narrowed-pupils": "often"},
        stop_at=stop_at,
    )
    page = soup(client.get(place(stop_at)))
    assert page.select_one("main .urgent") is None
    panel = text_of(page.select_one("main .panel"))
    expected = {
        "en": "Call 911 if very small pupils come with any of these",
        "es": "Llame al 911 si las pupilas muy pequeñas vienen con algo de esto",
    }[language]
    assert panel.startswith(expected)
    common = {"en": "Smaller pupils are common", "es": "Es común tener las pupilas más pequeñas"}
    assert common[language] in text_of(page.main)
    # Its own heading: small pupils alone are not called a sign of too much opioid.
    heading = {
        "en": "Small pupils: when to get help right away",
        "es": "Pupilas pequeñas: cuándo pedir ayuda enseguida",
    }
    assert text_of(page.h1) == heading[language]
    # Slow breathing is an emergency on its own, and looks like one.
    other = in_language(app.test_client(), language)
    stop_at = INTERRUPTION["shallow-breathing"]
    walk(other, audience=audience, answers={"shallow-breathing": "often"}, stop_at=stop_at)
    breathing = soup(other.get(place(stop_at)))
    assert breathing.select_one("main .urgent") is not None
    assert text_of(breathing.h1) != heading[language]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_safety_question_names_the_signs_taken_for_sleep(client, audience):
    """A7, C9: snoring or gurgling, a limp body, cold skin, nails; US spelling."""
    walk(client, audience=audience, stop_at=SAFETY)
    text = text_of(soup(client.get(SAFETY)).select_one("#answer-hint"))
    assert "nails" in text and "cold" in text and "limp" in text and "gray" in text
    assert "grey" not in text
    if audience == "other":
        assert "snoring" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "If someone is passed out or has trouble breathing, call 911 instead."),
        ("es", "Si alguien está desmayado o le cuesta respirar, llame al 911."),
    ],
)
def test_poison_help_says_when_to_call_911_instead(client, language, expected):
    """A13."""
    assert expected in text_of(summary_text(client, language, "me").main)


def test_988_tells_spanish_speakers_to_text_ayuda(client):
    """A12 (the Spanish chat address could not be confirmed and is unchanged)."""
    assert "AYUDA" in text_of(summary_text(client, "es", "me").main)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Naloxone (Narcan) can reverse an opioid overdose."),
        ("es", "La naloxona (Narcan) puede revertir una sobredosis de opioides."),
    ],
)
def test_naloxone_is_said_to_reverse_an_opioid_overdose(client, language, expected):
    """A8."""
    assert expected in text_of(summary_text(client, language, "other").main)


@pytest.mark.parametrize("language", LANGUAGES)
def test_lower_tolerance_is_explained_with_withdrawal(client, language):
    """A9: where withdrawal is explained, not buried under the resources."""
    page = summary_text(client, language, "me", answers={"sweating": "often"})
    group = text_of(page.select_one(".sign-group"))
    expected = {
        "en": "After even a few days of using less, the old amount can be too much",
        "es": "Después de unos pocos días de tomar menos, la cantidad de antes puede ser demasiada",
    }[language]
    assert expected in group


def test_a_wrongly_answered_safety_question_changes_the_lead(client):
    """Changing the safety answer from yes to not sure shows the not-sure lead."""
    walk(client, audience="other", safety="yes", stop_at=EMERGENCY)
    submit(client, SAFETY, answer="not-sure")
    lead = text_of(soup(client.get(USE)).select_one("main .lead"))
    assert lead.startswith("If you are not sure")


DEPENDENCE = {"en": "When opioids are prescribed", "es": "Cuando los opioides son recetados"}
SAFER_USE = {"en": "Staying safer with opioids", "es": "Cómo tener menos peligro con los opioides"}
RESOURCES = ["988", "1-800-662-4357", "FindTreatment.gov"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize(
    ("use", "dependence", "safer_use"),
    [
        ("as-prescribed", True, False),
        ("not-as-prescribed", True, True),
        ("not-prescribed", False, True),
        ("mix", True, True),
        ("not-sure", True, True),
        ("prefer-not", True, True),
    ],
)
def test_how_opioids_are_taken_only_chooses_what_the_summary_explains(
    client, language, audience, use, dependence, safer_use
):
    """B1, A10: physical dependence explained for prescribed use; safer use otherwise."""
    walk(in_language(client, language), audience=audience, use=use, answers={"sweating": "often"})
    page = soup(client.get("/summary"))
    headings = [text_of(h) for h in page.select("main h2")]
    assert (DEPENDENCE[language] in headings) is dependence
    assert (SAFER_USE[language] in headings) is safer_use
    text = text_of(page.main)
    for resource in RESOURCES:
        assert resource in text, f"{use}: {resource} missing"
    if dependence:
        not_a_label = {
            "en": "On their own, withdrawal signs do not mean opioid use disorder.",
            "es": "Las señales de abstinencia, por sí solas, no quieren decir",
        }[language]
        assert not_a_label in text


def test_how_opioids_are_taken_comes_after_the_safety_question_and_can_be_changed(client):
    """Asked once, after safety (nothing delays emergency guidance), and changeable."""
    visited = walk(client, audience="me", safety="yes", stop_at="/check-answers")
    assert visited[:4] == [WHO, SAFETY, EMERGENCY, USE]
    page = soup(client.get("/check-answers"))
    row = next(r for r in page.select(".summary-list__row") if "How opioids" in text_of(r.dt))
    assert text_of(row.select_one(".summary-list__value")).startswith("Prescribed to me")
    assert row.select_one("a")["href"] == USE
    response = submit(client, USE, answer="prefer-not")
    assert response.headers["Location"].endswith("/check-answers")


def test_the_medicines_are_framed_as_help_not_as_a_label(client):
    """B1: for people who find it hard to control their use; a clinician helps decide."""
    text = text_of(summary_text(client, "en", "me", answers={"craving": "often"}).main)
    assert "help people who find it hard to control their opioid use" in text
    assert "Could medicine for opioid use disorder help me?" not in text
