"""The soak's own model of the rules: what a journey's pages and summary must say.

Given one person's answers, it derives from the content files which pages
they see (each question worded for who the check is about, with each notice
the answers call for at the top of the page after the answer) and what their
summary must say (which sections, in which order, which signs under which
kind, with which words); and it reads what a summary page did say, to
compare the two.

It does not ask questionnaire.summary (or the templates) what the summary
should be. A check that calls the code it checks can only agree with it: a
rule broken in summary.py would be broken in the expectation too, and every
journey would pass. Derived again here, independently, from the content
files, the expectation disagrees with a summary.py that breaks a rule, and
the journey is counted as a mismatch. Only which question is at which address
is taken from the app's flow, as tests/walk.py does: that is the flow's to
say, not a rule of the summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bs4 import BeautifulSoup, Tag

from questionnaire.content import (
    Audience,
    Checklist,
    Content,
    OptionMeaning,
    Section,
    UseOption,
    UseSection,
)
from questionnaire.flow import StepKind, question_steps

FIRST = "/question/1"
CHECK = "/check-answers"


@dataclass(frozen=True)
class Answers:
    """One person's answers: every question of the check, in one language."""

    language: str
    audience: str
    safety: str
    use: str
    # Sign id to the value of its answer option.
    signs: Mapping[str, str]
    # Each checklist sign's answer, by the sign's value: yes, no or not sure
    # (Checklist.YES, NO, UNSURE); empty when the content has no checklist.
    checklist: Mapping[str, str]

    def values(self) -> set[str]:
        """The values these answers are made of, as the person's session holds them."""
        return {
            self.audience,
            self.safety,
            self.use,
            *self.signs.values(),
            *self.checklist,
            *self.checklist.values(),
        }


def checklist_reading(checklist: Checklist, answers: Mapping[str, str]) -> tuple[str, ...]:
    """The checklist page read as a whole, as the summary reads it.

    The signs answered yes, in the checklist's order; if there are none, "not
    sure" when any sign was answered not sure; otherwise "none of these".
    """
    ticked = tuple(
        item.value for item in checklist.items if answers.get(item.value) == Checklist.YES
    )
    if ticked:
        return ticked
    if Checklist.UNSURE in answers.values():
        return (checklist.unsure.value,)
    return (checklist.none.value,)


def places(content: Content) -> list[tuple[str, StepKind, str | None]]:
    """Each question's address, what it asks and (for a sign) which sign.

    Which question is at which address is the app's to say: it is taken from
    the app's own flow, as tests/walk.py does. What the pages and the summary
    must then say is derived here.
    """
    return [
        (f"/question/{number}", step.kind, step.sign_id)
        for number, step in enumerate(question_steps(content), start=1)
    ]


def normal(text: str) -> str:
    """Text as compared: runs of white space made one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class SectionView:
    """A summary section with an h2: its heading, its own paragraphs and list items."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupView:
    """One kind of sign on the summary, with each sign and the answer shown with it."""

    heading: str
    explanation: str
    signs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SummaryView:
    """What a summary says that depends on the answers."""

    language: str
    lead: str
    sections: tuple[SectionView, ...]
    groups: tuple[GroupView, ...]


class Wording(Protocol):
    """A text written for the person themselves and for someone else."""

    def for_(self, audience: Audience) -> str: ...


def _section(part: Section, audience: Audience) -> SectionView:
    return SectionView(
        normal(part.heading.for_(audience)),
        tuple(normal(paragraph.for_(audience)) for paragraph in part.paragraphs),
        tuple(normal(item.for_(audience)) for item in part.items),
    )


def expected_summary(content: Content, answers: Answers) -> SummaryView:
    """The summary these answers must give, derived from the content's rules.

    Signs answered with a "noticed" option are listed under their kind (kinds
    and signs in content order), each with the label of the answer; checklist
    signs answered yes go with the other signs of the checklist's kind. Signs
    answered "not sure", and a checklist with no yes and some "not sure"
    (checklist_reading), are listed apart. The
    too-much-opioid guidance comes first for an emergency answer at the start,
    for a noticed or unsure sign of an urgent kind that is urgent on its own,
    or for two such signs of any sort; the emergency answer itself is recalled;
    "nothing reported" is said only when none of this applies. A kind with
    one sign that has words of its own for being alone says those instead of
    the kind's explanation, unless the overdose guidance comes first. The use
    answer adds the sections it names, picks the help section's heading and
    the questions meant for it; the tolerance warning is among the safety
    notes unless a sign of its kind was noticed.
    Every text is worded for the audience.
    """
    audience = Audience(answers.audience)

    def worded(wording: Wording) -> str:
        return normal(wording.for_(audience))

    text = content.summary
    meaning = {
        sign.id: option.meaning
        for sign in content.signs
        if (option := content.answer_option(answers.signs[sign.id])) is not None
    }
    noticed = [sign for sign in content.signs if meaning[sign.id] is OptionMeaning.NOTICED]
    unsure = [sign for sign in content.signs if meaning[sign.id] is OptionMeaning.UNSURE]
    checklist = content.checklist
    reading = checklist_reading(checklist, answers.checklist) if checklist else ()
    ticked = [item for item in checklist.items if item.value in reading] if checklist else []
    checklist_unsure = checklist is not None and reading == (checklist.unsure.value,)
    emergency = answers.safety in content.safety.emergency_on
    urgent = [sign for sign in (*noticed, *unsure) if content.kind(sign.kind).urgent]
    urgent_first = emergency or any(sign.urgent_alone for sign in urgent) or len(urgent) > 1

    groups = []
    for kind in content.kinds:
        signs = [
            (worded(sign.label), worded(option.label))
            for sign in noticed
            if sign.kind == kind.id and (option := content.answer_option(answers.signs[sign.id]))
        ]
        with_ticked = checklist is not None and checklist.kind == kind.id and bool(ticked)
        own = [sign for sign in noticed if sign.kind == kind.id]
        explanation = kind.explanation
        alone = len(own) == 1 and not with_ticked and not urgent_first
        if alone and own[0].explanation_alone is not None:
            explanation = own[0].explanation_alone
        if checklist is not None and with_ticked:
            signs.append((worded(checklist.label), ", ".join(worded(i.label) for i in ticked)))
        if signs:
            groups.append(GroupView(worded(kind.heading), worded(explanation), tuple(signs)))
    nothing = not groups and not unsure and not checklist_unsure and not emergency

    sections = []
    if urgent_first:
        paragraphs = (*text.urgent.paragraphs, *text.urgent.after)
        sections.append(SectionView(worded(text.urgent.heading), tuple(map(worded, paragraphs))))
    if emergency:
        sections.append(_section(text.emergency_reported[answers.safety], audience))
    if nothing:
        sections.append(_section(text.nothing_reported, audience))
    elif groups:
        sections.append(SectionView(worded(text.reported_heading)))
    if unsure or checklist_unsure:
        listed = [worded(sign.label) for sign in unsure]
        if checklist is not None and checklist_unsure:
            listed.append(worded(checklist.label))
        unsure_section = _section(text.unsure, audience)
        sections.append(
            SectionView(unsure_section.heading, unsure_section.paragraphs, tuple(listed))
        )
    use = content.use.option(answers.use)
    shows = use.shows if isinstance(use, UseOption) else ()
    sections += [_section(part, audience) for part in text.tailored if part.id in shows]

    def for_use(part: UseSection) -> SectionView:
        heading = part.headings.get(answers.use, part.heading)
        items = [
            item.text
            for item in part.items
            if (answers.use in item.uses if item.uses else answers.use not in item.not_uses)
        ]
        return SectionView(worded(heading), (), tuple(map(worded, items)))

    sections.append(for_use(text.help))
    tolerance_in_group = any(sign.kind == text.tolerance.kind for sign in noticed) or (
        checklist is not None and checklist.kind == text.tolerance.kind and bool(ticked)
    )
    safety = _section(text.safety, audience)
    if not tolerance_in_group:
        safety = SectionView(
            safety.heading, safety.paragraphs, (*safety.items, worded(text.tolerance.text))
        )
    sections += [
        safety,
        _section(text.talk, audience),
        for_use(text.questions),
    ]
    return SummaryView(
        content.language,
        worded(text.intro[0]),
        tuple(sections),
        tuple(groups),
    )


def summary_headings(content: Content) -> set[str]:
    """Every h2 a summary in this language can have, for either audience."""
    text = content.summary
    parts: list[Section] = [
        text.nothing_reported,
        text.unsure,
        text.talk,
        text.safety,
        *text.emergency_reported.values(),
        *text.tailored,
    ]
    wordings = [part.heading for part in parts] + [text.urgent.heading, text.reported_heading]
    for use_part in (text.help, text.questions):
        wordings += [use_part.heading, *use_part.headings.values()]
    return {normal(wording.for_(audience)) for wording in wordings for audience in Audience}


def _text(tag: Tag) -> str:
    return normal(tag.get_text())


def read_summary(page: str, headings: set[str]) -> SummaryView:
    """What a summary page says, read as expected_summary describes it.

    Only sections whose heading is one a summary can have are read: a section
    added to the page later does not make every journey a mismatch.
    """
    document = BeautifulSoup(page, "html.parser")
    root = document.find("html")
    main = document.find("main")
    if not isinstance(main, Tag) or not isinstance(root, Tag):
        return SummaryView("", "", (), ())
    lead = main.select_one("p.lead")
    sections = []
    for title in main.find_all("h2"):
        name = _text(title)
        parent = title.parent
        if name not in headings or not isinstance(parent, Tag):
            continue
        paragraphs = tuple(_text(p) for p in parent.find_all("p", recursive=False))
        items = tuple(
            _text(item)
            for listing in parent.find_all("ul", recursive=False)
            for item in listing.find_all("li", recursive=False)
        )
        sections.append(SectionView(name, paragraphs, items))
    groups = []
    for group in main.select("section.sign-group"):
        kind = group.find("h3")
        explanation = group.find("p", recursive=False)
        signs = []
        for item in group.select("ul.sign-list > li"):
            label, answer = item.find("strong"), item.select_one(".sign-list__answer")
            shown = _text(answer) if answer is not None else ""
            # "(your answer: Often)", "(su respuesta: A menudo)": the answer is after the colon.
            shown = shown.removeprefix("(").removesuffix(")").partition(": ")[2]
            signs.append((_text(label) if isinstance(label, Tag) else "", shown))
        groups.append(
            GroupView(
                _text(kind) if isinstance(kind, Tag) else "",
                _text(explanation) if isinstance(explanation, Tag) else "",
                tuple(signs),
            )
        )
    return SummaryView(
        str(root.get("lang", "")),
        _text(lead) if lead is not None else "",
        tuple(sections),
        tuple(groups),
    )


def summary_differences(content: Content, answers: Answers, page: str) -> list[str]:
    """How a summary page differs from what ``answers`` must make it say; empty if it does not."""
    expected = expected_summary(content, answers)
    found = read_summary(page, summary_headings(content))
    differences = []
    if found.language != expected.language:
        differences.append(f"in language {found.language!r}, not {expected.language!r}")
    if found.lead != expected.lead:
        differences.append(f"opening for the wrong person: {found.lead[:60]!r}")
    if [s.heading for s in found.sections] != [s.heading for s in expected.sections]:
        differences.append(
            f"sections {[s.heading for s in found.sections]}, "
            f"expected {[s.heading for s in expected.sections]}"
        )
    else:
        for mine, theirs in zip(found.sections, expected.sections, strict=True):
            if mine != theirs:
                differences.append(f"section {mine.heading!r} says other things")
    if found.groups != expected.groups:
        differences.append(
            f"signs {[(g.heading, g.signs) for g in found.groups]}, "
            f"expected {[(g.heading, g.signs) for g in expected.groups]}"
        )
    return differences


@dataclass(frozen=True)
class Seen:
    """One page of a journey: where, the notices at its top (in order), and its question."""

    path: str
    notices: tuple[str, ...]
    # The question's heading (the page's h1, or its h2 below a notice); empty
    # for check your answers.
    title: str


Page = tuple[str, tuple[str, ...], str]


def expected_pages(content: Content, answers: Answers) -> list[Page]:
    """The pages a journey with these answers sees, up to check your answers.

    Each question at its address, with its heading worded for the audience
    (the first, before anyone is chosen, for the person themselves), and then
    check your answers: the same pages for everyone. The notices are not
    pages: the emergency guidance is at the top of the page after the safety
    question when the safety answer is one of its answers, and a sign's
    interruption at the top of the page after that sign when its answer is
    one that interrupts (in the order of the check when a page has more than
    one). Each is read once that page's form is sent, so check your answers,
    reached without changing an answer, has none. A notice's words are not
    compared, nor the heading of check your answers.
    """
    audience = Audience(answers.audience)
    at = places(content)
    after = {i: at[i + 1][0] if i + 1 < len(at) else CHECK for i in range(len(at))}
    notices_at: dict[str, list[str]] = {}
    for index, (_, kind, sign_id) in enumerate(at):
        if kind is StepKind.SAFETY and answers.safety in content.safety.emergency_on:
            notices_at.setdefault(after[index], []).append(StepKind.EMERGENCY.value)
        if kind is StepKind.SIGN:
            sign = content.sign(sign_id or "")
            if sign is not None and answers.signs[sign.id] in sign.interrupt_on:
                notices_at.setdefault(after[index], []).append(StepKind.INTERRUPTION.value)
    pages: list[Page] = []
    for path, kind, sign_id in at:
        prompt = {
            StepKind.AUDIENCE: content.audience,
            StepKind.SAFETY: content.safety,
            StepKind.USE: content.use,
            StepKind.CHECKLIST: content.checklist,
        }.get(kind) or content.sign(sign_id or "")
        asked = prompt.question.for_(Audience.ME if path == FIRST else audience) if prompt else ""
        pages.append((path, tuple(notices_at.get(path, ())), normal(asked)))
    pages.append((CHECK, tuple(notices_at.get(CHECK, ())), ""))
    return pages


def page_differences(content: Content, answers: Answers, seen: Sequence[Seen]) -> list[str]:
    """How the pages a journey saw differ from what its answers lead through."""
    expected = expected_pages(content, answers)
    found = [(page.path, page.notices, "" if page.path == CHECK else page.title) for page in seen]
    if found == expected:
        return []
    for index, (mine, theirs) in enumerate(zip(found, expected, strict=False)):
        if mine != theirs:
            return [f"page {index + 1} was {mine}, expected {theirs}"]
    return [f"{len(found)} pages seen, expected {len(expected)}"]
