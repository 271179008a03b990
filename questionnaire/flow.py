"""Where a person is in the check, and where they may go next.

The path through the check is derived from the content and the answers given
so far, never stored: who the check is for, the safety question, how opioids
are taken, each sign in content order (the last sign of the checklist's kind
followed by the checklist of further signs of that kind), check your
answers, and the summary. A person may visit any step up to the first one
not yet done; anything further redirects there.

A notice (the emergency guidance after the safety question, or an
interruption after a sign) is not a step: it is shown at the top of the page
after the answer that calls for it, above that page's own question, and is
read once that page's form is sent. So every person passes through the same
places, making the same requests in the same order, whatever they answer:
neither the network nor the server's log can tell who saw a notice.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from questionnaire.content import Audience, Content


class StepKind(StrEnum):
    AUDIENCE = "audience"
    SAFETY = "safety"
    EMERGENCY = "emergency"
    USE = "use"
    SIGN = "sign"
    INTERRUPTION = "interruption"
    CHECKLIST = "checklist"
    CHECK = "check"
    SUMMARY = "summary"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    sign_id: str | None = None


AUDIENCE = Step(StepKind.AUDIENCE)
SAFETY = Step(StepKind.SAFETY)
EMERGENCY = Step(StepKind.EMERGENCY)
USE = Step(StepKind.USE)
CHECKLIST = Step(StepKind.CHECKLIST)
CHECK = Step(StepKind.CHECK)
SUMMARY = Step(StepKind.SUMMARY)


def sign_step(sign_id: str) -> Step:
    return Step(StepKind.SIGN, sign_id)


def interruption_step(sign_id: str) -> Step:
    return Step(StepKind.INTERRUPTION, sign_id)


@dataclass(frozen=True)
class Progress:
    """Everything a person has answered or seen. Kept only in their browser."""

    audience: Audience | None = None
    safety: str | None = None
    use: str | None = None
    answers: Mapping[str, str] = field(default_factory=dict)
    # Each checklist sign's answer (yes, no or not sure); None until it is answered.
    checklist: Mapping[str, str] | None = None
    emergency_seen: bool = False
    interruptions_seen: frozenset[str] = frozenset()
    confirmed: bool = False

    def with_audience(self, audience: Audience) -> Progress:
        return replace(self, audience=audience, confirmed=False)

    def with_safety(self, value: str) -> Progress:
        # A changed answer shows the emergency page again if it calls for it.
        seen = self.emergency_seen and value == self.safety
        return replace(self, safety=value, emergency_seen=seen, confirmed=False)

    def with_use(self, value: str) -> Progress:
        return replace(self, use=value, confirmed=False)

    def with_answer(self, sign_id: str, value: str) -> Progress:
        seen = self.interruptions_seen
        if self.answers.get(sign_id) != value:
            seen = seen - {sign_id}
        answers = {**self.answers, sign_id: value}
        return replace(self, answers=answers, interruptions_seen=seen, confirmed=False)

    def with_checklist(self, answers: Mapping[str, str]) -> Progress:
        return replace(self, checklist=dict(answers), confirmed=False)

    def with_read(self, notices: list[Step]) -> Progress:
        """Record that ``notices`` were shown on a page whose form was then sent."""
        emergency = self.emergency_seen or EMERGENCY in notices
        read = {notice.sign_id for notice in notices if notice.kind is StepKind.INTERRUPTION}
        seen = self.interruptions_seen | {sign_id for sign_id in read if sign_id}
        return replace(self, emergency_seen=emergency, interruptions_seen=seen)

    def with_confirmed(self) -> Progress:
        return replace(self, confirmed=True)

    def to_dict(self) -> dict[str, Any]:
        """A compact, JSON-friendly form for the session cookie."""
        return {
            "audience": self.audience.value if self.audience else None,
            "safety": self.safety,
            "use": self.use,
            "answers": dict(self.answers),
            "checklist": dict(self.checklist) if self.checklist is not None else None,
            "emergency_seen": self.emergency_seen,
            "interruptions_seen": sorted(self.interruptions_seen),
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_dict(cls, data: object, content: Content) -> Progress:
        """Rebuild progress, keeping only what the current content still knows.

        The cookie is encrypted and authenticated, so this guards against
        content that changed while a person was part-way through, not against
        forgery.
        """
        if not isinstance(data, dict):
            return cls()
        audience = data.get("audience")
        safety = data.get("safety")
        use = data.get("use")
        raw_answers = data.get("answers")
        answers = {
            sign_id: value
            for sign_id, value in (raw_answers.items() if isinstance(raw_answers, dict) else ())
            if content.sign(sign_id) is not None and content.answer_option(value) is not None
        }
        raw_checklist = data.get("checklist")
        checklist = (
            dict(raw_checklist)
            if content.checklist is not None
            and isinstance(raw_checklist, dict)
            and content.checklist.accepts(raw_checklist)
            else None
        )
        raw_seen = data.get("interruptions_seen")
        seen = frozenset(
            sign_id
            for sign_id in (raw_seen if isinstance(raw_seen, list) else ())
            if isinstance(sign_id, str) and sign_id in answers
        )
        return cls(
            audience=Audience(audience) if audience in set(Audience) else None,
            safety=safety if isinstance(safety, str) and content.safety.option(safety) else None,
            use=use if isinstance(use, str) and content.use.option(use) else None,
            answers=answers,
            checklist=checklist,
            emergency_seen=data.get("emergency_seen") is True,
            interruptions_seen=seen,
            confirmed=data.get("confirmed") is True,
        )


def needs_emergency(content: Content, progress: Progress) -> bool:
    return progress.safety in content.safety.emergency_on


def interrupts(content: Content, progress: Progress, sign_id: str) -> bool:
    sign = content.sign(sign_id)
    return sign is not None and progress.answers.get(sign_id) in sign.interrupt_on


def path(content: Content) -> list[Step]:
    """Every step of the check, in order: the same for everyone."""
    return list(places(content).plain_path)


def _path(content: Content, checklist_after: str | None) -> list[Step]:
    # The safety question comes second: nothing delays emergency guidance.
    steps = [AUDIENCE, SAFETY, USE]
    for sign in content.signs:
        steps.append(sign_step(sign.id))
        if sign.id == checklist_after:
            steps.append(CHECKLIST)
    steps += [CHECK, SUMMARY]
    return steps


def is_done(step: Step, progress: Progress) -> bool:
    match step.kind:
        case StepKind.AUDIENCE:
            return progress.audience is not None
        case StepKind.SAFETY:
            return progress.safety is not None
        case StepKind.EMERGENCY:
            return progress.emergency_seen
        case StepKind.USE:
            return progress.use is not None
        case StepKind.SIGN:
            return step.sign_id in progress.answers
        case StepKind.INTERRUPTION:
            return step.sign_id in progress.interruptions_seen
        case StepKind.CHECKLIST:
            return progress.checklist is not None
        case StepKind.CHECK:
            return progress.confirmed
        case StepKind.SUMMARY:
            return False


def current_step(content: Content, progress: Progress) -> Step:
    """The first step not yet done: where the person really is."""
    return next(step for step in path(content) if not is_done(step, progress))


def may_visit(content: Content, progress: Progress, step: Step) -> bool:
    """A step is open when it is not past where the person is."""
    steps = path(content)
    return step in steps and steps.index(step) <= steps.index(current_step(content, progress))


def step_after(content: Content, progress: Progress, step: Step) -> Step:
    """Where to go once ``step`` is done (``progress`` already records it).

    Until every question is answered, that is the next step on the path, so a
    person who went back walks forward through their saved answers. After
    that, it is the first step not done: back to check your answers after a
    change, where any notice the change called for is shown first.
    """
    steps = path(content)
    questions_done = all(is_done(s, progress) for s in steps if s.kind in _QUESTION_KINDS)
    if questions_done:
        return current_step(content, progress)
    return steps[steps.index(step) + 1]


def step_before(content: Content, step: Step) -> Step | None:
    """Where the back link goes; ``None`` means the start page."""
    steps = path(content)
    if step not in steps or steps.index(step) == 0:
        return None
    return steps[steps.index(step) - 1]


def possible_notices(content: Content) -> list[Step]:
    """Every notice the content can call for, in the order of the check."""
    found = [EMERGENCY]
    found += [interruption_step(sign.id) for sign in content.signs if sign.interrupt_on]
    return found


def notices(content: Content, progress: Progress) -> list[Step]:
    """Every notice this person's answers call for, in the order of the check."""
    found = [EMERGENCY] if needs_emergency(content, progress) else []
    found += [interruption_step(s.id) for s in content.signs if interrupts(content, progress, s.id)]
    return found


def notices_at(content: Content, progress: Progress, place: Step) -> list[Step]:
    """The notices shown at the top of ``place``'s page: called for, and not yet read.

    A notice is shown on the page after the answer that calls for it, and at
    check your answers when that answer was changed from there. Sending that
    page's form records it as read (``Progress.with_read``); a changed answer
    calls for it again.
    """
    unread = [notice for notice in notices(content, progress) if not is_done(notice, progress)]
    if place == CHECK:
        return unread
    return [notice for notice in unread if place_of(content, notice) == place]


def place_of(content: Content, notice: Step) -> Step:
    """The step after the answer that calls for ``notice``: where it is shown."""
    before = SAFETY if notice.kind is StepKind.EMERGENCY else sign_step(notice.sign_id or "")
    steps = places(content).plain_path
    return steps[steps.index(before) + 1]


def asks(step: Step) -> bool:
    """Whether ``step`` asks a question (a form with answers to choose)."""
    return step.kind in _QUESTION_KINDS


_QUESTION_KINDS = {
    StepKind.AUDIENCE,
    StepKind.SAFETY,
    StepKind.USE,
    StepKind.SIGN,
    StepKind.CHECKLIST,
}


def question_steps(content: Content) -> list[Step]:
    """The steps that ask a question, in order: what "Question N of M" counts."""
    return list(places(content).questions)


def question_number(content: Content, step: Step) -> int | None:
    """N in "Question N of M" for a step that asks a question; None for any other."""
    return places(content).numbers.get(step)


@dataclass(frozen=True)
class Places:
    """What is the same for everyone who takes a content's check: worked out once."""

    # The sign the checklist follows: the last one of the checklist's kind.
    checklist_after: str | None
    # Every step of the check, in order.
    plain_path: tuple[Step, ...]
    questions: tuple[Step, ...]
    numbers: Mapping[Step, int]
    # What each place asks and may show, in a few characters (see ``layout``).
    layout: str


# By the id of the content they are for, and forgotten with it.
_PLACES: dict[int, Places] = {}


def places(content: Content) -> Places:
    """The places of ``content``'s check, worked out on first use and then kept."""
    found = _PLACES.get(id(content))
    if found is None:
        checklist_after = None
        if content.checklist is not None:
            kind = content.checklist.kind
            checklist_after = [sign.id for sign in content.signs if sign.kind == kind][-1]
        plain = tuple(_path(content, checklist_after))
        questions = tuple(step for step in plain if step.kind in _QUESTION_KINDS)
        numbers = {step: number for number, step in enumerate(questions, start=1)}
        found = _PLACES[id(content)] = Places(
            checklist_after, plain, questions, numbers, layout(content, questions)
        )
        weakref.finalize(content, _PLACES.pop, id(content), None)
    return found


# The length of a layout: 12 hexadecimal digits, the same for every content.
LAYOUT_LENGTH = 12


def layout(content: Content, questions: tuple[Step, ...] | None = None) -> str:
    """What each place of ``content``'s check asks, and which notices it can show, as a digest.

    A page's form sends it back, so that an answer is only ever read
    against the question it was given for. A release that adds, removes or
    reorders a question, a sign's answers, the checklist's signs or the
    notices changes it; one that only rewords them does not (the digest is
    made of ids and values, never of words, so it is the same in every
    language of a check).
    """
    steps = questions if questions is not None else places(content).questions
    lines = []
    for step in steps:
        match step.kind:
            case StepKind.AUDIENCE:
                values = [option.value for option in content.audience.options]
            case StepKind.SAFETY:
                values = [option.value for option in content.safety.options]
            case StepKind.USE:
                values = [option.value for option in content.use.options]
            case StepKind.SIGN:
                values = [option.value for option in content.answer_options]
            case _:  # the checklist
                checklist = content.checklist
                assert checklist is not None, "a content without a checklist has no checklist step"
                values = [item.value for item in checklist.items]
                values += [value for value, _label in checklist.item_answers]
        lines.append(f"{step.kind} {step.sign_id or ''}: {' '.join(values)}")
    notices = " ".join(f"{n.kind} {n.sign_id or ''}" for n in possible_notices(content))
    lines.append(f"notices: {notices}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:LAYOUT_LENGTH]
