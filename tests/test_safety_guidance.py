"""Safety guidance as the expert content review asked for it, in both languages, for both audiences.

Each test names the finding it holds (A1 to A13, B2, B3 in the review).
"""

from __future__ import annotations

import re

import pytest

from questionnaire.content import Audience, load_all_content, reader_texts
from tests.pages import soup, text_of
from tests.walk import (
    CHECK,
    EMERGENCY,
    INTERRUPTION,
    SAFETY,
    USE,
    WHO,
    notices_on,
    place,
    submit,
    walk,
)

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


def notice_page(client, name: str):
    """The page a notice (``EMERGENCY``, ``INTERRUPTION[...]``) is shown on, the notice on top.

    The notice is the page's first part and its h1, above the place's own question.
    """
    response = client.get(place(name))
    kind = name.rsplit("(", 1)[1].rstrip(")")
    assert notices_on(response) == [kind], f"{name}: {notices_on(response)}"
    page = soup(response)
    assert page.select_one("main section[data-notice]").find("h1") is page.h1
    return page


def the_notice(page):
    """The notice's part of its page: what it says, without the question below it."""
    return page.select_one("main section[data-notice]")


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
    pages = [
        notice_page(client, EMERGENCY),
        notice_page(interrupted, stop_at),
        soup(later.get("/summary")),
    ]
    for page in pages:
        text = text_of(page.main)
        for self_dose in ["use it now", "use it,", "Use naloxone", "úsela", "Use naloxona"]:
            assert self_dose not in text, f"{text_of(page.title)}: {self_dose!r}"
    emergency = text_of(the_notice(pages[0]))
    assert emergency.index("911") < emergency.index("Narcan")
    ask = {"en": "give it to you if you get hard to wake", "es": "si a usted le cuesta despertarse"}
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
    text = text_of(the_notice(notice_page(client, EMERGENCY)).select_one(".lead"))
    assert lead in text
    if safety == "not-sure":
        assert "What you describe" not in text and "Lo que describe" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_emergency_page_for_someone_else_has_every_safety_fact(client, language):
    """A6, A11: second dose, naloxone wears off, the 911 operator, Good Samaritan laws."""
    walk(in_language(client, language), audience="other", safety="yes", stop_at=EMERGENCY)
    text = text_of(the_notice(notice_page(client, EMERGENCY)))
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
    text = text_of(the_notice(notice_page(client, EMERGENCY)))
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
    page = notice_page(client, stop_at)
    assert page.select_one("main .urgent") is None
    panel = text_of(the_notice(page).select_one(".panel"))
    expected = {
        "en": "Call 911 if very small pupils come with any of these",
        "es": "Llame al 911 si las pupilas muy pequeñas vienen con algo de esto",
    }[language]
    assert panel.startswith(expected)
    common = {"en": "Smaller pupils are common", "es": "Es común tener las pupilas más pequeñas"}
    assert common[language] in text_of(the_notice(page))
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
    breathing = notice_page(other, stop_at)
    assert the_notice(breathing).select_one(".urgent") is not None
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
        ("es", "La naloxona (Narcan) puede revertir una sobredosis,"),
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
        "en": "After even a few days of using less, the old amount can cause an overdose",
        "es": "Después de unos pocos días de tomar menos, la cantidad de antes puede causar",
    }[language]
    assert expected in group


def test_a_wrongly_answered_safety_question_changes_the_lead(client):
    """Changing the safety answer from yes to not sure shows the not-sure lead."""
    walk(client, audience="other", safety="yes", stop_at=EMERGENCY)
    submit(client, SAFETY, answer="not-sure")
    lead = text_of(the_notice(notice_page(client, EMERGENCY)).select_one(".lead"))
    assert lead.startswith("If you are not sure")
    # Once read, it is not shown again; a changed answer from check your
    # answers shows it again, with its own lead, at the top of that page.
    walk(client, audience="other", safety="not-sure", stop_at=CHECK)
    assert notices_on(client.get(USE)) == []
    assert notices_on(client.get(CHECK)) == []
    submit(client, SAFETY, answer="yes")
    changed = client.get(CHECK)
    assert notices_on(changed) == ["emergency"]
    page = soup(changed)
    lead = text_of(the_notice(page).select_one(".lead"))
    assert "This is an emergency." in lead and "not sure" not in lead
    assert the_notice(page).find("h1") is page.h1


DEPENDENCE = {"en": "When opioids are prescribed", "es": "Si le recetaron los opioides"}
SAFER_USE = {"en": "Staying safer with opioids", "es": "Cómo bajar el peligro de una sobredosis"}
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
            "en": "Physical dependence is not opioid use disorder.",
            "es": "La dependencia física no es un trastorno por consumo de opioides.",
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


# ---------------------------------------------------------------------------
# Third pass: the follow-up review (findings E1 to E20).

CONTENTS = load_all_content()
SPEECH = "speech-problems"
SPEECH_HEADING = {
    "en": "Slurred speech: when to get help right away",
    "es": "Habla arrastrada: cuándo pedir ayuda enseguida",
}
SPEECH_WHEN = {
    "en": "Call 911 if slurred speech comes with any of these",
    "es": "Llame al 911 si el habla arrastrada viene con algo de esto",
}
STROKE = {"en": "can be a stroke", "es": "puede ser un derrame cerebral"}
NALOXONE = ("Narcan", "naloxona", "naloxone")


def naloxone_only_under_the_condition(box, language: str, audience: str) -> None:
    """Naloxone and the side position come only under "if hard to wake or breathing slowly"."""
    steps = box.select_one("ol")
    assert steps is not None, "no steps in the box"
    condition = steps.find_previous_sibling()
    expected = CONTENTS[language].sign(SPEECH).interruption_now.steps_heading
    assert text_of(condition) == expected.for_(Audience(audience))
    assert condition.name in {"h3", "h4"}
    outside = [
        text_of(tag)
        for tag in box.find_all(["p", "li"])
        if any(word in text_of(tag) for word in NALOXONE) and steps not in tag.parents
    ]
    assert not outside, f"naloxone outside the condition: {outside}"
    assert any(word in text_of(steps) for word in NALOXONE)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("value", ["sometimes", "often", "not-sure"])
def test_slurred_speech_alone_says_when_to_call_and_never_gives_naloxone_to_someone_awake(
    app, client, language, audience, value
):
    """E1: its own calm page, 911 with other signs, naloxone if hard to wake, stroke signs.

    The summary's "if it is happening now" is that same conditional box.
    """
    stop_at = INTERRUPTION[SPEECH]
    walk(in_language(client, language), audience=audience, answers={SPEECH: value}, stop_at=stop_at)
    page = notice_page(client, stop_at)
    assert text_of(page.h1) == SPEECH_HEADING[language]
    assert page.select_one("main .urgent") is None, "styled as an emergency"
    panel = the_notice(page).select_one(".panel")
    assert text_of(panel).startswith(SPEECH_WHEN[language])
    naloxone_only_under_the_condition(panel, language, audience)
    assert STROKE[language] in text_of(panel)

    later = in_language(app.test_client(), language)
    walk(later, audience=audience, answers={SPEECH: value})
    summary = soup(later.get("/summary"))
    urgent = summary.select_one("main section.urgent")
    assert urgent is not None and summary.main.find("section") is urgent
    now = urgent.find("section")
    assert text_of(now).startswith(SPEECH_WHEN[language])
    naloxone_only_under_the_condition(now, language, audience)
    assert STROKE[language] in text_of(now)
    assert HAPPENING_NOW[language] not in text_of(urgent)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_slurred_speech_with_slow_breathing_gets_the_overdose_steps(client, language, audience):
    """E1: with slow breathing it is an overdose: the shared steps, with no condition."""
    answers = {SPEECH: "often", "shallow-breathing": "sometimes"}
    page = summary_text(client, language, audience, answers=answers)
    urgent = page.select_one("main section.urgent")
    now = urgent.find("section")
    assert text_of(now.find(["h3"])) == HAPPENING_NOW[language]
    assert SPEECH_WHEN[language] not in text_of(urgent)
    content = CONTENTS[language]
    steps = [text_of(li) for li in now.select("ol > li")]
    assert steps == list(content.summary.urgent.now.steps.for_(Audience(audience)))


def step_lists(part) -> list[list[str]]:
    return [[text_of(li) for li in ol.select("li")] for ol in part.select("ol")]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_overdose_steps_read_the_same_on_every_page_that_shows_them(app, language, audience):
    """E5: emergency page, interruptions and printed summary take each step from one place."""
    content = CONTENTS[language]
    library = set(content.steps.values())
    pages = []
    emergency = in_language(app.test_client(), language)
    walk(emergency, audience=audience, safety="yes", stop_at=EMERGENCY)
    pages.append(("emergency", the_notice(notice_page(emergency, EMERGENCY))))
    for sign_id in ["shallow-breathing", SPEECH]:
        interrupted = in_language(app.test_client(), language)
        stop_at = INTERRUPTION[sign_id]
        walk(interrupted, audience=audience, answers={sign_id: "often"}, stop_at=stop_at)
        pages.append((sign_id, the_notice(notice_page(interrupted, stop_at))))
    summary = in_language(app.test_client(), language)
    walk(summary, audience=audience, safety="yes", answers={"shallow-breathing": "often"})
    pages.append(("summary", soup(summary.get("/summary")).main))
    # The steps everyone needs, in the words of the one list of steps.
    needed = {
        "me": ["call", "get-someone", "ask-for-naloxone"],
        "other": ["call", "give-naloxone", "second-dose", "stay-with-them"],
    }[audience]
    for name, page in pages:
        shown = [step for steps in step_lists(page) for step in steps]
        assert shown, f"{name}: no steps"
        strays = [step for step in shown if step not in library]
        assert not strays, f"{name}: steps not from the one list: {strays}"
        for step_id in needed:
            assert content.steps[step_id] in shown, f"{name}: {step_id} missing"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_small_pupils_alone_are_explained_calmly_on_the_summary_and_their_page(
    app, client, language, audience
):
    """E9: no "can slow or stop breathing" after a sign the page calls common."""
    alarm = {"en": "slow or stop breathing", "es": "lenta o se pare"}[language]
    pupils = CONTENTS[language].sign("narrowed-pupils")
    page = summary_text(client, language, audience, answers={"narrowed-pupils": "often"})
    group = page.select_one(".sign-group")
    assert text_of(group.find("p")) == pupils.explanation_alone.for_(Audience(audience))
    assert alarm not in text_of(page.main)
    stop_at = INTERRUPTION["narrowed-pupils"]
    interrupted = in_language(app.test_client(), language)
    walk(interrupted, audience=audience, answers={"narrowed-pupils": "often"}, stop_at=stop_at)
    notice = notice_page(interrupted, stop_at)
    assert alarm not in text_of(notice.main)
    next_step = pupils.interruption_next.paragraphs[0].for_(Audience(audience))
    assert next_step in text_of(the_notice(notice))
    # Whenever the overdose guidance comes first, "not an emergency" would
    # mislead: with another sign of too much opioid, noticed or not sure, or an
    # emergency at the start, the kind's own explanation is back.
    kind = CONTENTS[language].kind("too-much-opioid")
    for safety, others in [
        ("no", {SPEECH: "often"}),
        ("no", {"shallow-breathing": "not-sure"}),
        ("yes", {}),
    ]:
        both = in_language(app.test_client(), language)
        walk(both, audience=audience, safety=safety, answers={"narrowed-pupils": "often", **others})
        summary = soup(both.get("/summary"))
        assert summary.select_one("main section.urgent") is not None
        group = summary.select_one(".sign-group")
        assert text_of(group.find("p")) == kind.explanation.for_(Audience(audience)), others


BUPRENORPHINE_QUESTION = {"en": "buprenorphine", "es": "buprenorfina"}


def section_headed(page, heading: str):
    found = next((h for h in page.select("main h2") if text_of(h) == heading), None)
    assert found is not None, f"no section {heading!r}"
    return found.parent


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_opioids_taken_as_prescribed_with_nothing_noticed_lead_with_what_fits(
    client, language, audience
):
    """E10: the prescribed-use section first; the medicines for opioid use disorder behind
    "if you ever find it hard to control your use"; no question that presumes it."""
    content = CONTENTS[language]
    who = Audience(audience)
    walk(in_language(client, language), audience=audience, use="as-prescribed")
    page = soup(client.get("/summary"))
    headings = [text_of(h) for h in page.select("main h2")]
    dependence = next(p for p in content.summary.tailored if p.id == "dependence")
    conditional = content.summary.help.headings["as-prescribed"].for_(who)
    assert headings.index(dependence.heading.for_(who)) < headings.index(conditional)
    assert content.summary.help.heading.for_(who) not in headings
    questions = text_of(section_headed(page, content.summary.questions.heading.for_(who)))
    assert BUPRENORPHINE_QUESTION[language] not in questions
    dose = content.summary.questions.items[1]
    assert dose.uses == ("as-prescribed",) and dose.text.for_(who) in questions


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "use", ["not-as-prescribed", "not-prescribed", "mix", "not-sure", "prefer-not"]
)
def test_other_answers_on_use_keep_the_medicines_and_the_buprenorphine_question(
    client, language, use
):
    """E10, the other side: the help section keeps its own heading and question."""
    content = CONTENTS[language]
    walk(in_language(client, language), audience="me", use=use)
    page = soup(client.get("/summary"))
    assert content.summary.help.heading.me in [text_of(h) for h in page.select("main h2")]
    questions = text_of(section_headed(page, content.summary.questions.heading.me))
    assert BUPRENORPHINE_QUESTION[language] in questions
    assert content.summary.questions.items[1].text.me not in questions


SAFETY_FACTS = {
    # E2: do not mix; E3: a negative strip is not "safe" (shown with safer use).
    "safer-use": {
        "en": ["alcohol, sleep pills", "does not mean the drug is safe"],
        "es": ["alcohol, pastillas para dormir", "no quiere decir que la droga sea segura"],
    },
    # E6: the medicines work without counseling, and keep people alive.
    "help": {
        "en": ["the medicine works without it", "less likely to die of an overdose"],
        "es": ["la medicina funciona sin ella", "menos personas mueran"],
    },
    # E7: a calm line for a person who is or might be pregnant.
    "safety": {"en": ["might be pregnant"], "es": ["podría estar embarazada"]},
    "questions": {"en": ["might be pregnant"], "es": ["podría estar embarazada"]},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_says_the_safety_facts_the_review_found_missing(client, language):
    """E2, E3, E6, E7, each in the section where it belongs."""
    content = CONTENTS[language]
    walk(in_language(client, language), audience="me", use="mix")
    page = soup(client.get("/summary"))
    safer_use = next(p for p in content.summary.tailored if p.id == "safer-use")
    headings = {
        "safer-use": safer_use.heading.me,
        "help": content.summary.help.heading.me,
        "safety": content.summary.safety.heading.me,
        "questions": content.summary.questions.heading.me,
    }
    for part, facts in SAFETY_FACTS.items():
        text = text_of(section_headed(page, headings[part]))
        for fact in facts[language]:
            assert fact in text, f"{part}: {fact!r}"


TOLERANCE_ACTION = {
    "en": "ask your doctor before going back to your usual amount",
    "es": "pregunte a su médico antes de volver a su cantidad de siempre",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("answers", [{}, {"sweating": "often"}])
def test_the_tolerance_warning_comes_once_with_what_to_do(client, language, answers):
    """E4 and E13: the action next to the warning; said once, with withdrawal when shown."""
    page = summary_text(client, language, "me", answers=answers)
    assert text_of(page.main).count(TOLERANCE_ACTION[language]) == 1
    group = page.select_one(".sign-group")
    if answers:
        assert TOLERANCE_ACTION[language] in text_of(group)


@pytest.mark.parametrize(
    ("language", "protection"),
    [("en", "arrest or charges"), ("es", "arresto o de cargos")],
)
def test_the_good_samaritan_line_says_what_it_protects_from(client, language, protection):
    """E14."""
    walk(in_language(client, language), audience="other", safety="yes", stop_at=EMERGENCY)
    assert protection in text_of(the_notice(notice_page(client, EMERGENCY)))


@pytest.mark.parametrize(
    ("language", "encourage"),
    [
        ("en", "Encourage them to tell their clinician about all the medicines"),
        ("es", "Anime a esa persona a contarle a su propio médico todas las medicinas"),
    ],
)
def test_someone_else_is_encouraged_to_tell_their_own_clinician(client, language, encourage):
    """E15: the reader cannot tell another adult's clinician."""
    assert encourage in text_of(summary_text(client, language, "other").main)


CLOSING = {"en": r"\bclos(e|es|ing)\b.*\bbrowser", "es": r"\bcerr(ar|ando|a|ar el)\b.*\bnavegador"}


@pytest.mark.parametrize(
    ("language", "broken", "promised", "copy"),
    [
        ("en", "close your browser", "may not clear them", "The copy stays on paper"),
        ("es", "cierre el navegador", "puede no borrarlas", "La copia se queda en papel"),
    ],
)
def test_only_what_the_check_controls_is_promised(client, language, broken, promised, copy):
    """E8 and C10: Exit and Start again clear at once; closing a browser may not."""
    start = text_of(soup(in_language(client, language).get("/")).main)
    assert broken not in start
    # Any sentence about closing the browser says it may not clear the answers.
    closing = [
        s for s in re.split(r"(?<=[.!?])\s+", start) if re.search(CLOSING[language], s, re.I)
    ]
    assert closing and all(promised in sentence for sentence in closing), closing
    assert copy in text_of(summary_text(client, language, "me").main)


def test_prescriber_is_never_used_and_opioid_use_disorder_is_explained_where_first_said(client):
    """E11: plain words in place of "prescriber"; the term explained at its first use."""
    texts = [text for _, text in reader_texts(CONTENTS["en"])]
    assert not [text for text in texts if "prescriber" in text.lower()]
    for language, explained in [("en", "to control"), ("es", "controlar")]:
        term = {"en": "opioid use disorder", "es": "trastorno por consumo de opioides"}[language]
        for use in ["as-prescribed", "not-prescribed", "mix"]:
            for answers in [{}, {"sweating": "often"}]:
                fresh = in_language(client.application.test_client(), language)
                walk(fresh, audience="me", use=use, answers=answers)
                text = text_of(soup(fresh.get("/summary")).main)
                sentences = re.split(r"(?<=[.:?])\s+", text)
                first = next(s for s in sentences if term in s)
                following = sentences[sentences.index(first) + 1]
                assert explained in first or explained in following, (use, answers, first)


def test_every_spanish_question_about_someone_else_names_them_in_its_heading():
    """E18: the heading is what heading navigation and many screen readers read alone."""
    content = CONTENTS["es"]
    prompts = [content.use, *content.signs, content.checklist]
    unnamed = [
        f"{prompt.id}: {prompt.question.other}"
        for prompt in prompts
        if prompt is not None and "esa persona" not in prompt.question.other.lower()
    ]
    assert not unnamed, "\n".join(unnamed)
