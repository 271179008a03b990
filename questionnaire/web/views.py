"""The check's pages.

Every question step follows one pattern: GET shows the question with any
saved answer, POST validates, saves and redirects (post/redirect/get). Every
step first asks the flow whether the person may be there, and otherwise
sends them to the step they are really at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from questionnaire import flow
from questionnaire.content import Audience, Content, Option, Prompt, Sign
from questionnaire.flow import Progress, Step, StepKind
from questionnaire.summary import summarise
from questionnaire.web.forms import ChecklistForm, ChoiceForm, ContinueForm
from questionnaire.web.state import clear_progress, load_progress, save_progress

bp = Blueprint("check", __name__)
_LANGUAGE = "language"


def all_content() -> dict[str, Content]:
    contents: dict[str, Content] = current_app.extensions["selfcheck_content"]
    return contents


def select_language() -> str:
    """The language chosen with the link on every page, else the browser's, else the clinic's."""
    available = list(all_content())
    chosen = session.get(_LANGUAGE)
    if chosen in available:
        return str(chosen)
    preferred = request.accept_languages.best_match(available)
    return preferred or str(current_app.config["DEFAULT_LANGUAGE"])


def current_content() -> Content:
    return all_content()[get_locale().language]


def url_for_step(step: Step) -> str:
    match step.kind:
        case StepKind.AUDIENCE:
            return url_for("check.audience")
        case StepKind.SAFETY:
            return url_for("check.safety")
        case StepKind.EMERGENCY:
            return url_for("check.emergency")
        case StepKind.USE:
            return url_for("check.use")
        case StepKind.SIGN:
            return url_for("check.sign", sign_id=step.sign_id)
        case StepKind.INTERRUPTION:
            return url_for("check.interruption", sign_id=step.sign_id)
        case StepKind.CHECKLIST:
            return url_for("check.checklist")
        case StepKind.CHECK:
            return url_for("check.check_answers")
        case StepKind.SUMMARY:
            return url_for("check.summary")


@dataclass(frozen=True)
class Visit:
    """What every step's view needs: the content, the person's progress, and the step."""

    content: Content
    progress: Progress
    step: Step

    @property
    def audience(self) -> Audience:
        return self.progress.audience or Audience.ME

    def go_on(self, progress: Progress) -> Response:
        """Save progress and move on from this step (the redirect of post/redirect/get)."""
        save_progress(progress)
        return redirect(url_for_step(flow.step_after(self.content, progress, self.step)), 303)

    def render(self, template: str, **context: object) -> str:
        before = flow.step_before(self.content, self.progress, self.step)
        questions = flow.question_steps(self.content)
        return render_template(
            template,
            content=self.content,
            back_url=url_for_step(before) if before else url_for("check.start"),
            question_number=(questions.index(self.step) + 1 if self.step in questions else None),
            question_total=len(questions),
            **context,
        )


def enter(step: Step) -> Visit | Response:
    """Open ``step`` for this person, or redirect them to where they really are."""
    content = current_content()
    progress = load_progress(content)
    if not flow.may_visit(content, progress, step):
        return redirect(url_for_step(flow.current_step(content, progress)), 303)
    visit = Visit(content, progress, step)
    g.audience = visit.audience  # for the |worded filter in templates
    return visit


def ask(
    visit: Visit,
    prompt: Prompt,
    options: tuple[Option, ...],
    saved: str | None,
    record: Callable[[str], Progress],
) -> Response | str:
    """GET shows the question with the saved answer; POST validates, saves, redirects."""
    form = ChoiceForm(
        options=options,
        error=prompt.error.for_(visit.audience),
        audience=visit.audience,
        data=_shown(saved),
    )
    return answer_with(visit, prompt, form, record)


def answer_with(
    visit: Visit,
    prompt: Prompt,
    form: ChoiceForm | ChecklistForm,
    record: Callable[[Any], Progress],
) -> Response | str:
    """Save a valid answer and move on (post/redirect/get), or show the question again."""
    if form.validate_on_submit():
        return visit.go_on(record(form.answer.data))
    return visit.render("question.html", form=form, prompt=prompt)


def _shown(saved: object) -> dict[str, object] | None:
    """The saved answer to show on GET. On POST only what was sent counts:
    a saved answer never fills a gap."""
    return {"answer": saved} if request.method == "GET" else None


def acknowledge(
    visit: Visit, template: str, record: Callable[[], Progress], **context: object
) -> Response | str:
    """A page to read, whose Continue button records that it was seen and moves on."""
    form = ContinueForm()
    if form.validate_on_submit():
        return visit.go_on(record())
    return visit.render(template, form=form, **context)


@bp.get("/")
def start() -> str:
    content = current_content()
    g.audience = Audience.ME
    idle_minutes = current_app.config["ANSWERS_IDLE_SECONDS"] // 60
    return render_template("start.html", content=content, idle_minutes=idle_minutes)


@bp.get("/private-window")
def private_window() -> str:
    """How to open a private window, for a person on a shared or watched device."""
    g.audience = Audience.ME
    return render_template(
        "private_window.html", content=current_content(), back_url=url_for("check.start")
    )


@bp.app_context_processor
def other_languages() -> dict[str, object]:
    """The links to switch language, each named in its own language."""
    current = get_locale().language
    links = [
        (
            code,
            content.language_name,
            url_for("check.choose_language", code=code, next=request.path),
        )
        for code, content in all_content().items()
        if code != current
    ]
    return {"other_languages": links}


@bp.get("/language/<code>")
def choose_language(code: str) -> Response:
    """Switch language and go back to the same page; the answers so far are kept."""
    if code not in all_content():
        raise NotFound()
    session[_LANGUAGE] = code
    return redirect(_page_of_this_check(request.args.get("next", "")), 303)


# Pages the language switch may return to: the ones a person reads, not actions.
_NOT_RETURNED_TO = {"check.choose_language", "check.exit_page"}


def _page_of_this_check(path: str) -> str:
    """``path`` rebuilt from the app's own routes, or the start page.

    The address is never passed on as it came: it is matched against the
    URL map and the page's address is built afresh, so nothing that merely
    looks like a path (``/%09/elsewhere``, ``//elsewhere``, encoded slashes,
    control characters) can lead to another site.
    """
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, values = adapter.match(path, method="GET")
    except (HTTPException, ValueError):
        return url_for("check.start")
    if not str(endpoint).startswith("check.") or endpoint in _NOT_RETURNED_TO:
        return url_for("check.start")
    return url_for(str(endpoint), **values)


@bp.get("/continue")
def resume() -> Response:
    """Back to wherever the person really is in the check."""
    content = current_content()
    return redirect(url_for_step(flow.current_step(content, load_progress(content))), 303)


@bp.route("/who", methods=["GET", "POST"])
def audience() -> Response | str:
    visit = enter(flow.AUDIENCE)
    if isinstance(visit, Response):
        return visit
    progress = visit.progress
    question = visit.content.audience
    return ask(
        visit,
        question,
        question.options,
        progress.audience.value if progress.audience else None,
        lambda value: progress.with_audience(Audience(value)),
    )


@bp.route("/safety", methods=["GET", "POST"])
def safety() -> Response | str:
    visit = enter(flow.SAFETY)
    if isinstance(visit, Response):
        return visit
    question = visit.content.safety
    return ask(visit, question, question.options, visit.progress.safety, visit.progress.with_safety)


@bp.route("/help-now", methods=["GET", "POST"])
def emergency() -> Response | str:
    visit = enter(flow.EMERGENCY)
    if isinstance(visit, Response):
        return visit
    lead = visit.content.emergency.leads[visit.progress.safety or ""]
    return acknowledge(visit, "emergency.html", visit.progress.with_emergency_seen, lead=lead)


@bp.route("/how-taken", methods=["GET", "POST"])
def use() -> Response | str:
    visit = enter(flow.USE)
    if isinstance(visit, Response):
        return visit
    question = visit.content.use
    return ask(visit, question, question.options, visit.progress.use, visit.progress.with_use)


@bp.route("/signs/<sign_id>", methods=["GET", "POST"])
def sign(sign_id: str) -> Response | str:
    sign = _known_sign(sign_id)
    visit = enter(flow.sign_step(sign_id))
    if isinstance(visit, Response):
        return visit
    return ask(
        visit,
        sign,
        visit.content.answer_options,
        visit.progress.answers.get(sign_id),
        lambda value: visit.progress.with_answer(sign_id, value),
    )


@bp.route("/signs/<sign_id>/help-now", methods=["GET", "POST"])
def interruption(sign_id: str) -> Response | str:
    sign = _known_sign(sign_id)
    visit = enter(flow.interruption_step(sign_id))
    if isinstance(visit, Response):
        return visit
    return acknowledge(
        visit,
        "interruption.html",
        lambda: visit.progress.with_interruption_seen(sign_id),
        sign=sign,
        # The shared emergency box, unless the sign says when it would be one.
        now=sign.interruption_now or visit.content.interruption.now,
        now_is_urgent=sign.interruption_now is None,
    )


@bp.route("/other-signs", methods=["GET", "POST"])
def checklist() -> Response | str:
    visit = enter(flow.CHECKLIST)
    if isinstance(visit, Response):
        return visit
    checklist = visit.content.checklist
    if checklist is None:  # a content without one has no such step: enter() redirected
        raise NotFound()
    saved = visit.progress.checklist
    form = ChecklistForm(checklist, visit.audience, data=_shown(list(saved or ())))
    return answer_with(
        visit, checklist, form, lambda ticked: visit.progress.with_checklist(tuple(ticked))
    )


@bp.route("/check-answers", methods=["GET", "POST"])
def check_answers() -> Response | str:
    visit = enter(flow.CHECK)
    if isinstance(visit, Response):
        return visit
    content, progress = visit.content, visit.progress
    rows: list[tuple[str, list[Option | None], str]] = [
        (
            _("Who the check is for"),
            [content.audience.option(progress.audience or "")],
            url_for_step(flow.AUDIENCE),
        ),
        (
            _("Emergency signs right now"),
            [content.safety.option(progress.safety or "")],
            url_for_step(flow.SAFETY),
        ),
        (
            _("How opioids are taken"),
            [content.use.option(progress.use or "")],
            url_for_step(flow.USE),
        ),
    ]
    for step in flow.path(content, progress):
        if step.kind is StepKind.SIGN and (sign := content.sign(step.sign_id or "")):
            answer = content.answer_option(progress.answers[sign.id])
            rows.append((sign.label.for_(visit.audience), [answer], url_for_step(step)))
        elif step.kind is StepKind.CHECKLIST and (checklist := content.checklist):
            ticked = [checklist.option(value) for value in progress.checklist or ()]
            rows.append((checklist.label.for_(visit.audience), ticked, url_for_step(step)))
    return acknowledge(visit, "check_answers.html", progress.with_confirmed, rows=rows)


@bp.get("/summary")
def summary() -> Response | str:
    visit = enter(flow.SUMMARY)
    if isinstance(visit, Response):
        return visit
    return visit.render(
        "summary.html",
        summary=summarise(visit.content, visit.progress),
        form=ContinueForm(),
    )


@bp.post("/start-again")
def start_again() -> Response:
    # CSRFProtect has checked the token before this runs.
    clear_progress()
    return redirect(url_for("check.start"), 303)


@bp.get("/exit")
def exit_page() -> Response:
    """Clear everything and leave for a neutral site. Works as a plain link."""
    session.clear()
    response = redirect(current_app.config["EXIT_URL"], 303)
    response.headers["Clear-Site-Data"] = '"cookies"'
    return response


def _known_sign(sign_id: str) -> Sign:
    """A sign the content does not have is a 404, not a redirect into the check."""
    sign = current_content().sign(sign_id)
    if sign is None:
        raise NotFound()
    return sign
