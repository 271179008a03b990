"""Walk the check as a person does: GET a page, fill it in, POST, follow the redirect."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from questionnaire.content import Checklist, Content
from questionnaire.flow import StepKind, places, question_steps
from questionnaire.web.forms import codes
from questionnaire.web.views import LAYOUT
from tests.pages import soup


def csrf_token(page: TestResponse) -> str:
    field = soup(page).select_one('input[name="csrf_token"]')
    assert field is not None, f"{page.request.path}: no CSRF token on the page"
    return str(field["value"])


def hidden_fields(page: TestResponse) -> dict[str, str]:
    """The hidden fields of the page's form (its token, and which notice it is), sent with it."""
    form = soup(page).select_one('main form[method="post"]')
    assert form is not None, f"{page.request.path}: no form on the page"
    return {
        str(field["name"]): str(field["value"]) for field in form.select('input[type="hidden"]')
    }


def form_action(page: TestResponse) -> str:
    """Where the page's form posts to, as a browser reads it from the page."""
    form = soup(page).select_one('main form[method="post"]')
    assert form is not None, f"{page.request.path}: no form on the page"
    return str(form["action"])


def submit(client: FlaskClient, path: str, **fields: str | list[str]) -> TestResponse:
    """Open ``path``, then post its form with ``fields`` where the form says, as a browser would.

    An ``answer`` is said by its value, and sent as the page's form sends it (``coded``).
    """
    page = client.get(path)
    assert page.status_code == 200, f"GET {path} gave {page.status_code}"
    action = form_action(page)
    assert action == path, f"{path}: the form posts to {action}"
    if "answer" in fields and "/question/" in path:
        answer = fields.pop("answer")
        fields = {**fields, **coded(_content(client), path[path.index("/question/") :], answer)}
    return client.post(action, data={**hidden_fields(page), **fields})


def redirected_to(response: TestResponse) -> str:
    assert response.status_code == 303, (
        f"{response.request.path}: expected a redirect, got {response.status_code}"
    )
    assert response.location is not None
    return urlsplit(response.location).path


# The check's places, as a person's browser and the server's log see them.
# Questions are numbered as the person sees them ("Question 3 of 13").
WHO = "/question/1"
SAFETY = "/question/2"
USE = "/question/3"
SIGN = {
    "shallow-breathing": "/question/4",
    "narrowed-pupils": "/question/5",
    "speech-problems": "/question/6",
    "pain-sensitivity": "/question/7",
    "sweating": "/question/8",
    "nausea": "/question/9",
    "irritability": "/question/10",
    "craving": "/question/11",
    "headaches": "/question/13",
}
CHECKLIST = "/question/12"
CHECK = "/check-answers"
SUMMARY = "/summary"


def notice(path: str, kind: str) -> str:
    """How ``walk`` names a notice (emergency, interruption) shown at ``path``."""
    return f"{path} ({kind})"


def place(page: str) -> str:
    """The path a page named by ``walk`` is shown at."""
    return page.split(" (")[0]


# The notices of the English content, each shown in the place of the step after it.
EMERGENCY = notice(USE, "emergency")
INTERRUPTION = {
    "shallow-breathing": notice(SIGN["narrowed-pupils"], "interruption"),
    "narrowed-pupils": notice(SIGN["speech-problems"], "interruption"),
    "speech-problems": notice(SIGN["pain-sensitivity"], "interruption"),
}


def notices_on(page: TestResponse) -> list[str]:
    """The kinds of the notices shown at the top of a page (emergency, interruption), in order."""
    return [str(part["data-notice"]) for part in soup(page).select("main section[data-notice]")]


def coded(content: Content, path: str, answer: str | list[str]) -> dict[str, str]:
    """The fields a browser sends for ``answer`` to the question at ``path``.

    Tests say answers by their values ("often", or the ticked checklist signs,
    or ["none"] / ["not-sure"]); a page's form sends each as a code of fixed
    length, and the checklist as one field per sign, as a person's choice on
    the page does. With them goes the check the page was made for (its
    ``layout`` field): an answer without it is not saved.
    """
    return {LAYOUT: places(content).layout, **_answer_fields(content, path, answer)}


def _answer_fields(content: Content, path: str, answer: str | list[str]) -> dict[str, str]:
    step = question_steps(content)[int(path.rsplit("/", 1)[1]) - 1]
    if step.kind is StepKind.CHECKLIST:
        checklist = content.checklist
        assert checklist is not None
        ticked = [answer] if isinstance(answer, str) else list(answer)
        every = Checklist.UNSURE if ticked == [checklist.unsure.value] else Checklist.NO
        each = {
            item.value: Checklist.YES if item.value in ticked else every for item in checklist.items
        }
        return checklist_fields(content, each)
    options = {
        StepKind.AUDIENCE: content.audience.options,
        StepKind.SAFETY: content.safety.options,
        StepKind.USE: content.use.options,
    }.get(step.kind, content.answer_options)
    values = [option.value for option in options]
    assert isinstance(answer, str), f"{path}: one answer, not {answer!r}"
    # An answer that is not an option is sent as it is: a forged post.
    return {"answer": codes(values).get(answer, answer)}


def checklist_fields(content: Content, answers: Mapping[str, str]) -> dict[str, str]:
    """The checklist page's fields for each sign's answer (yes, no or not sure)."""
    checklist = content.checklist
    assert checklist is not None
    names = codes([item.value for item in checklist.items])
    answer_codes = codes([value for value, _label in checklist.item_answers])
    return {
        f"sign{names[sign]}": answer_codes.get(answer, answer) for sign, answer in answers.items()
    }


# Two journeys' answers by place, for Visitor.walk (tests/server.py): for myself,
# nothing noticed; and someone else, the emergency answer, every sign often (three
# interruptions), some checklist signs noticed: every notice, and the longest summary.
QUIET: dict[str, str | list[str]] = {
    WHO: "me",
    SAFETY: "no",
    USE: "as-prescribed",
    **dict.fromkeys(SIGN.values(), "no"),
    CHECKLIST: ["none"],
}
ALARMED: dict[str, str | list[str]] = {
    WHO: "other",
    SAFETY: "yes",
    USE: "not-prescribed",
    **dict.fromkeys(SIGN.values(), "often"),
    CHECKLIST: ["yawning", "goosebumps"],
}


def walk(
    client: FlaskClient,
    audience: str = "me",
    safety: str = "no",
    answers: Mapping[str, str] | None = None,
    use: str = "as-prescribed",
    default: str = "no",
    checklist: tuple[str, ...] = ("none",),
    stop_at: str = SUMMARY,
    shown: list[TestResponse] | None = None,
    prefix: str = "",
) -> list[str]:
    """Answer every step until ``stop_at`` and return the pages seen, in order.

    Pages are named by their paths; a notice by ``notice(path, kind)``.
    ``stop_at=USE`` stops on arriving there, whatever is shown first;
    ``stop_at=notice(USE, "emergency")`` stops there only if the emergency
    page is shown.
    Signs not in ``answers`` get ``default``; ``checklist`` is what is ticked
    on the page of other withdrawal signs. Notices are read and continued
    past, as a person would. Which question a place asks comes from the app's
    content, so a content with other signs can be walked too. Each page as
    it was shown on the way (notices too) is added to ``shown``, if given.
    ``prefix`` is a clinic's (``/c/<slug>``): every path, ``stop_at`` too, is under it.
    """
    answers = answers or {}
    path = prefix + WHO
    stop_at = stop_at if stop_at.startswith(prefix + "/") else prefix + stop_at
    visited: list[str] = []
    while path != stop_at:
        assert len(visited) < 100, f"the check never reached {stop_at}: {visited}"
        page = client.get(path)
        assert page.status_code == 200, f"GET {path} gave {page.status_code}"
        if shown is not None:
            shown.append(page)
        for kind in notices_on(page):
            visited.append(notice(path, kind))
            if visited[-1] == stop_at:
                return visited
        visited.append(path)
        if path == stop_at:
            return visited
        fields: dict[str, str | list[str]] = {**hidden_fields(page)}
        answer = _answer_for(client, path, audience, safety, use, answers, default, checklist)
        if answer is not None:
            fields.update(coded(_content(client), path.removeprefix(prefix), answer))
        action = form_action(page)
        assert action == path, f"{path}: the form posts to {action}"
        response = client.post(action, data=fields)
        path = redirected_to(response)
    visited.append(path)
    return visited


def _content(client: FlaskClient) -> Content:
    app = client.application
    return app.extensions["selfcheck_content"][app.config["DEFAULT_LANGUAGE"]]


def _answer_for(
    client: FlaskClient,
    path: str,
    audience: str,
    safety: str,
    use: str,
    answers: Mapping[str, str],
    default: str,
    checklist: tuple[str, ...],
) -> str | list[str] | None:
    """The answer to the question at ``path``, found from the app's own content."""
    if "/question/" not in path:
        return None  # check your answers: Continue
    content = _content(client)
    step = question_steps(content)[int(path.rsplit("/", 1)[1]) - 1]
    match step.kind:
        case StepKind.AUDIENCE:
            return audience
        case StepKind.SAFETY:
            return safety
        case StepKind.USE:
            return use
        case StepKind.CHECKLIST:
            return list(checklist)
        case _:
            return answers.get(step.sign_id or "", default)
