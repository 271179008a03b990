"""The check's pages.

The check has a fixed set of places: the numbered questions, check your
answers and the summary. Each place first asks the flow whether this person
may be there yet (if not: a redirect to where they really are), and which
notices to show at the top of its page. Every step follows one pattern: GET
shows it with any saved answer, POST validates, saves (the notices shown
above it now read) and redirects (post/redirect/get).

Every person makes the same requests in the same order, and every request
and response at a place has the same size whatever was answered (forms send
fixed-length codes; ``questionnaire.web.padding`` evens out the pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

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
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from questionnaire import flow
from questionnaire.content import (
    Audience,
    Content,
    Option,
    Prompt,
    Section,
    Sign,
    Wording,
    cited_parts,
)
from questionnaire.flow import Progress, Step, StepKind
from questionnaire.summary import summarise
from questionnaire.web.context import (
    LANGUAGE,
    LANGUAGE_LINK,
    all_content,
    current_content,
    exit_url,
)
from questionnaire.web.context import gettext as _
from questionnaire.web.forms import ChecklistForm, ChoiceForm, ContinueForm, checklist_form
from questionnaire.web.padding import measuring
from questionnaire.web.state import (
    answers_end_in,
    answers_kept_for,
    clear_progress,
    has_progress,
    keep_answers,
    load_progress,
    save_progress,
)
from questionnaire.web.totals import count, store_of
from questionnaire.web.trust import made_at

bp = Blueprint("check", __name__)


def url_for_step(step: Step) -> str:
    """The address of the place where ``step`` is shown.

    Questions are numbered, as the person sees them ("Question 3 of 13"), so
    no address names a sign or an answer.
    """
    content = current_content()
    match step.kind:
        case StepKind.CHECK:
            return url_for("check.check_answers")
        case StepKind.SUMMARY:
            return url_for("check.summary")
        case _:
            return url_for("check.question", number=flow.question_number(content, step))


@dataclass(frozen=True)
class Visit:
    """What every step's view needs: the content, the person's progress, the step, its notices."""

    content: Content
    progress: Progress
    step: Step
    # Shown at the top of the page, and read once its form is sent.
    notices: list[Step]

    @property
    def audience(self) -> Audience:
        return self.progress.audience or Audience.ME

    @property
    def sign(self) -> Sign:
        """The sign a sign's question or interruption is about."""
        sign = self.content.sign(self.step.sign_id or "")
        assert sign is not None, f"the flow gave a step for no sign: {self.step}"
        return sign

    def go_on(self, progress: Progress) -> Response:
        """Save progress and move on from this step (the redirect of post/redirect/get).

        The notices read are those this page shows now and its form says it
        showed: a form sent from a tab opened before a notice was called for
        does not mark it read.
        """
        sent = request.form.get(NOTICES_SHOWN, "")
        every = flow.possible_notices(self.content)
        shown = {notice for notice, flag in zip(every, sent, strict=False) if flag == "1"}
        progress = progress.with_read([n for n in self.notices if n in shown])
        for event in save_progress(progress):
            count(event)
        return redirect(url_for_step(flow.step_after(self.content, progress, self.step)), 303)

    def render(self, template: str, **context: object) -> str:
        before = flow.step_before(self.content, self.step)
        questions = flow.places(self.content).questions
        return render_template(
            template,
            content=self.content,
            back_url=url_for_step(before) if before else url_for("check.start"),
            question_number=flow.question_number(self.content, self.step),
            question_total=len(questions),
            place_title=self.place_title(),
            idle_warning=_idle_warning(),
            notices=[_notice(self, notice) for notice in self.notices],
            notices_shown=self.notices_shown(),
            layout=flow.places(self.content).layout,
            **context,
        )

    def made_for_this_check(self) -> bool:
        """Whether the form sent was made for the check this server has, question for question.

        A form made by another release (a page left open across an upgrade,
        or served by another server during a rolling one) may have asked
        another question at this place, or numbered its answers otherwise: its
        answer is never saved, wherever it would land.
        """
        return request.form.get(LAYOUT) == flow.places(self.content).layout

    def notices_shown(self) -> str:
        """Which of the possible notices this page shows, one "0" or "1" for each.

        Sent back with its form, always as long: the request's length does
        not tell whether a notice was shown.
        """
        return "".join(
            "1" if n in self.notices else "0" for n in flow.possible_notices(self.content)
        )

    def place_title(self) -> str | None:
        """The page's title when it is the same whatever was answered; None for its own.

        A browser's history keeps the last title seen at each address. So every
        page at a question's address, a notice shown on it included, is titled
        by the place ("Question 3 of 13"), never by what it says: not "Call 911
        now", and not a question worded for "you" or "they".
        """
        number = flow.question_number(self.content, self.step)
        if number is not None:
            total = len(flow.places(self.content).questions)
            return str(_("Question %(number)s of %(total)s", number=number, total=total))
        return None


@dataclass(frozen=True)
class Notice:
    """What a notice's part of a page needs: its kind, and what it says."""

    kind: str
    # The emergency guidance: what leads it, for the safety answer given.
    lead: Wording | None = None
    # An interruption: its sign, its box of what to do now (urgent or not),
    # what to do next.
    sign: Sign | None = None
    now: Section | None = None
    now_is_urgent: bool = True
    next_section: Section | None = None


def _notice(visit: Visit, notice: Step) -> Notice:
    content = visit.content
    if notice.kind is StepKind.EMERGENCY:
        return Notice("emergency", lead=content.emergency.leads[visit.progress.safety or ""])
    sign = content.sign(notice.sign_id or "")
    assert sign is not None, f"the flow gave a notice for no sign: {notice}"
    return Notice(
        "interruption",
        sign=sign,
        # The shared emergency box, unless the sign says when it would be one.
        now=sign.interruption_now or content.interruption.now,
        now_is_urgent=sign.interruption_now is None,
        next_section=sign.interruption_next or content.interruption.next,
    )


@dataclass(frozen=True)
class IdleWarning:
    """When the script warns that answers left idle are about to be cleared.

    Counted from the page's loading: ``left`` is how long the server will
    still keep the answers then, ``limit`` how long after "Keep my answers".
    """

    limit: int
    left: int
    # How long the answers are kept at most, from the first one, and how
    # much of that is left: nothing extends it.
    maximum: int
    end: int
    # Two minutes ahead: WCAG 2.2.1 asks for at least 20 seconds.
    ahead: int = 2 * 60


def _idle_warning() -> IdleWarning | None:
    """A warning before the idle limit, on a page where answers would be lost; else None."""
    if not has_progress():
        return None
    limit = int(current_app.config["ANSWERS_IDLE_SECONDS"])
    maximum = int(current_app.config["ANSWERS_MAX_SECONDS"])
    # A page rendered to measure its place's size says the same whenever it
    # is rendered, or two workers could measure a place a byte apart.
    if measuring():
        return IdleWarning(limit, limit, maximum, maximum)
    return IdleWarning(limit, answers_kept_for(), maximum, answers_end_in())


def show(place: Step) -> Response | str:
    """The page at ``place``, or a redirect to where this person really is."""
    content = current_content()
    progress = load_progress(content)
    if not flow.may_visit(content, progress, place):
        return redirect(url_for_step(flow.current_step(content, progress)), 303)
    visit = Visit(content, progress, place, flow.notices_at(content, progress, place))
    g.audience = visit.audience  # for the |worded filter in templates
    return _PAGES[place.kind](visit)


def ask(
    visit: Visit,
    prompt: Prompt,
    options: tuple[Option, ...],
    saved: str | None,
    record: Callable[[str], Progress],
) -> Response | str:
    """GET shows the question with the saved answer; POST validates, saves, redirects."""

    def form(**filled: Any) -> ChoiceForm:
        return ChoiceForm(
            options=options,
            error=prompt.error.for_(visit.audience),
            audience=visit.audience,
            saved=saved,
            **filled,
        )

    return answer_with(visit, prompt, form, record)


def answer_with(
    visit: Visit,
    prompt: Prompt,
    form_for: Callable[..., ChoiceForm | ChecklistForm],
    record: Callable[[Any], Progress],
) -> Response | str:
    """Save a valid answer and move on (post/redirect/get), or show the question again.

    ``form_for(**filled)`` makes the page's form, filled as ``_shown`` says.
    An answer sent from a form made for another release of the check is not
    saved: the question is asked again, as this release asks it.
    """
    form = form_for(**_shown())
    if form.validate_on_submit():
        if visit.made_for_this_check():
            return visit.go_on(record(form.value))
        asked_again = form_for(formdata=None)
        return visit.render("question.html", form=asked_again, prompt=prompt, changed=True)
    return visit.render("question.html", form=form, prompt=prompt)


def _shown() -> dict[str, object]:
    """How the form is filled: with what was sent, or else with the saved answer.

    When a person sends this question's form, only what they sent counts: a
    saved answer never fills a gap.
    """
    return {} if request.method == "POST" else {"formdata": None}


def acknowledge(
    visit: Visit, template: str, record: Callable[[], Progress], **context: object
) -> Response | str:
    """A page to read, whose button records that it was read and moves on."""
    form = ContinueForm()
    if form.validate_on_submit():
        if visit.made_for_this_check():
            return visit.go_on(record())
        return visit.render(template, form=form, changed=True, **context)
    return visit.render(template, form=form, **context)


@bp.get("/")
def start() -> str:
    content = current_content()
    g.audience = Audience.ME
    idle_minutes = current_app.config["ANSWERS_IDLE_SECONDS"] // 60
    counted = store_of(current_app) is not None
    return render_template(
        "start.html", content=content, idle_minutes=idle_minutes, counted=counted
    )


@bp.get("/private-window")
def private_window() -> str:
    """How to open a private window, for a person on a shared or watched device."""
    g.audience = Audience.ME
    return render_template(
        "private_window.html", content=current_content(), back_url=url_for("check.start")
    )


@bp.get("/sources")
def sources() -> str:
    """What the check's words rest on, part by part: each source's address and the day it
    was checked. The same for everyone: it neither reads nor changes any answers."""
    g.audience = Audience.ME
    content = current_content()
    return render_template("sources.html", content=content, parts=cited_parts(content))


@bp.app_context_processor
def other_languages() -> dict[str, object]:
    """The links to switch language, each named in its own language.

    Each is this page's own address with ``?language=``: the page is shown
    again in that language, straight away. (Not a redirect back to the same
    address: a text browser would show the page it has already, unchanged.)
    """
    current = get_locale().language
    here = request.script_root + request.path
    links = [
        (code, content.language_name, f"{here}?{urlencode({LANGUAGE_LINK: code})}")
        for code, content in all_content().items()
        if code != current
    ]
    return {"other_languages": links}


# The hidden field that says which notices a page's form was shown with.
NOTICES_SHOWN = "shown"

# The hidden field that says which check a page's form was made for (``flow.layout``).
LAYOUT = "layout"


# Pages that set no cookie: the clinic's card, shown in a frame on another site.
_NO_COOKIE = {"clinic.card", "totals_page.totals", "totals_page.no_such_clinic"}


@bp.before_app_request
def language_from_link() -> None:
    """Show this page in the language a link chose (``?language=es``), and keep it for the
    pages after this one too (but on a page that sets no cookie)."""
    code = request.args.get(LANGUAGE_LINK)
    if request.method == "GET" and code in all_content():
        g.language = code
        if request.endpoint not in _NO_COOKIE:
            session[LANGUAGE] = code


@bp.get("/language/<code>")
def choose_language(code: str) -> Response:
    """Switch language and go back to a page: for links made before ``?language=``."""
    if code not in all_content():
        raise NotFound()
    session[LANGUAGE] = code
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


@bp.get("/keep-answers")
def keep() -> Response:
    """For the script's "Keep my answers": 204 if they are kept, 410 if they are gone."""
    return Response(status=204 if keep_answers() else 410)


@bp.get("/continue")
def resume() -> Response:
    """Back to wherever the person really is in the check."""
    content = current_content()
    return redirect(url_for_step(flow.current_step(content, load_progress(content))), 303)


@bp.route("/question/<int:number>", methods=["GET", "POST"])
def question(number: int) -> Response | str:
    questions = flow.places(current_content()).questions
    if not 1 <= number <= len(questions):
        raise NotFound()
    return show(questions[number - 1])


@bp.route("/check-answers", methods=["GET", "POST"])
def check_answers() -> Response | str:
    return show(flow.CHECK)


@bp.get("/summary")
def summary() -> Response | str:
    return show(flow.SUMMARY)


# What each kind of step shows, once show() has decided which step it is.


def _audience(visit: Visit) -> Response | str:
    progress = visit.progress
    question = visit.content.audience
    return ask(
        visit,
        question,
        question.options,
        progress.audience.value if progress.audience else None,
        lambda value: progress.with_audience(Audience(value)),
    )


def _safety(visit: Visit) -> Response | str:
    question = visit.content.safety
    return ask(visit, question, question.options, visit.progress.safety, visit.progress.with_safety)


def _use(visit: Visit) -> Response | str:
    question = visit.content.use
    return ask(visit, question, question.options, visit.progress.use, visit.progress.with_use)


def _sign(visit: Visit) -> Response | str:
    sign = visit.sign
    return ask(
        visit,
        sign,
        visit.content.answer_options,
        visit.progress.answers.get(sign.id),
        lambda value: visit.progress.with_answer(sign.id, value),
    )


def _checklist(visit: Visit) -> Response | str:
    checklist = visit.content.checklist
    assert checklist is not None, "a content without a checklist has no checklist step"

    def form(**filled: Any) -> ChecklistForm:
        return checklist_form(checklist, visit.audience, visit.progress.checklist, **filled)

    return answer_with(visit, checklist, form, visit.progress.with_checklist)


def _check_answers(visit: Visit) -> Response | str:
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
    for step in flow.path(content):
        if step.kind is StepKind.SIGN and (sign := content.sign(step.sign_id or "")):
            answer = content.answer_option(progress.answers[sign.id])
            rows.append((sign.label.for_(visit.audience), [answer], url_for_step(step)))
        elif step.kind is StepKind.CHECKLIST and (checklist := content.checklist):
            reading = checklist.reading(progress.checklist or {})
            ticked = [checklist.option(value) for value in reading]
            rows.append((checklist.label.for_(visit.audience), ticked, url_for_step(step)))
    return acknowledge(visit, "check_answers.html", progress.with_confirmed, rows=rows)


def _summary(visit: Visit) -> Response | str:
    return visit.render(
        "summary.html",
        summary=summarise(visit.content, visit.progress),
        form=ContinueForm(),
        made_at=made_at(),
    )


_PAGES: dict[StepKind, Callable[[Visit], Response | str]] = {
    StepKind.AUDIENCE: _audience,
    StepKind.SAFETY: _safety,
    StepKind.USE: _use,
    StepKind.SIGN: _sign,
    StepKind.CHECKLIST: _checklist,
    StepKind.CHECK: _check_answers,
    StepKind.SUMMARY: _summary,
}


@bp.post("/start-again")
def start_again() -> Response:
    # CSRFProtect has checked the token before this runs.
    clear_progress()
    return redirect(url_for("check.start"), 303)


@bp.get("/exit")
def exit_page() -> Response:
    """Clear everything and leave for a neutral site. Works as a plain link.

    Clearing the session deletes this check's own cookie. Not
    ``Clear-Site-Data: "cookies"``: that clears every cookie of the whole
    registrable domain (a clinic's patient portal on a sibling subdomain
    too), and any other site could set it off with a link.
    """
    session.clear()
    return redirect(exit_url(), 303)
