"""The educational summary: what was noticed, grouped by kind of sign.

It never scores, counts or labels. It only sorts the signs a person said
they noticed by what kind of sign they are, so each can be explained, and
says whether the too-much-opioid guidance must come first (and which steps it
gives), whether an emergency was reported at the start, and which of the
explanations fit the answer on how opioids are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.content import (
    AnswerOption,
    Audience,
    Checklist,
    Content,
    Kind,
    Option,
    OptionMeaning,
    Section,
    Sign,
    TailoredSection,
    UseOption,
    Wording,
)
from questionnaire.flow import Progress, needs_emergency


@dataclass(frozen=True)
class NotedSign:
    sign: Sign
    answer: AnswerOption


@dataclass(frozen=True)
class TickedSigns:
    """The signs ticked on the checklist page, shown with the others of their kind."""

    checklist: Checklist
    items: tuple[Option, ...]


@dataclass(frozen=True)
class SignGroup:
    kind: Kind
    signs: tuple[NotedSign, ...]
    ticked: TickedSigns | None = None
    # What the group says about its signs: the kind's explanation, unless its
    # one sign has words of its own for being alone (small pupils).
    explanation: Wording | None = None
    # Said after the signs: the tolerance warning, with the kind it belongs to.
    notes: tuple[Wording, ...] = ()

    @property
    def text(self) -> Wording:
        return self.explanation or self.kind.explanation


@dataclass(frozen=True)
class Summary:
    audience: Audience
    urgent_first: bool
    # What to do if it is happening now, when urgent_first: the shared steps,
    # or the conditional box of a sign that is an emergency only with others.
    now: Section
    # The safety answer, when it was an emergency answer (yes, or not sure).
    emergency_answer: str | None
    groups: tuple[SignGroup, ...]
    unsure: tuple[NotedSign, ...]
    # The checklist, when its answer was "not sure".
    unsure_checklist: Checklist | None = None
    # What the answer on how opioids are taken asks the summary to explain.
    tailored: tuple[TailoredSection, ...] = ()
    # The sections that follow the use answer, as this person reads them.
    help: Section | None = None
    safety: Section | None = None
    questions: Section | None = None

    @property
    def emergency_reported(self) -> bool:
        return self.emergency_answer is not None

    @property
    def nothing_reported(self) -> bool:
        """Nothing noticed, nothing unsure, no emergency: only then is it said so."""
        return (
            not self.groups
            and not self.unsure
            and self.unsure_checklist is None
            and not self.emergency_reported
        )


def summarise(content: Content, progress: Progress) -> Summary:
    """Group the noticed signs by kind, in content order; kinds with none are left out."""
    noted = [
        NotedSign(sign, option)
        for sign in content.signs
        if (option := content.answer_option(progress.answers.get(sign.id, ""))) is not None
    ]
    noticed = [n for n in noted if n.answer.meaning is OptionMeaning.NOTICED]
    checklist = content.checklist
    reading = checklist.reading(progress.checklist) if checklist and progress.checklist else ()
    ticked = _ticked(checklist, reading)
    unsure = tuple(n for n in noted if n.answer.meaning is OptionMeaning.UNSURE)
    unsure_checklist = (
        checklist if checklist is not None and reading == (checklist.unsure.value,) else None
    )
    emergency_answer = progress.safety if needs_emergency(content, progress) else None
    # "Not sure" about a too-much-opioid sign is treated like noticing it, as
    # CDC advises: "If you aren't sure, treat it like an overdose." A sign that
    # is not urgent on its own (small pupils) counts only with another one.
    urgent = [n.sign for n in (*noticed, *unsure) if content.kind(n.sign.kind).urgent]
    urgent_first = (
        emergency_answer is not None or any(sign.urgent_alone for sign in urgent) or len(urgent) > 1
    )
    tolerance = content.summary.tolerance
    groups = []
    for kind in content.kinds:
        signs = tuple(n for n in noticed if n.sign.kind == kind.id)
        extra = ticked if ticked is not None and ticked.checklist.kind == kind.id else None
        if signs or extra:
            # Words for a sign alone only while nothing puts the overdose
            # guidance first: beside it, "not an emergency" would mislead.
            alone = (
                signs[0].sign.explanation_alone
                if len(signs) == 1 and not extra and not urgent_first
                else None
            )
            notes = (tolerance.text,) if kind.id == tolerance.kind else ()
            groups.append(SignGroup(kind, signs, extra, alone, notes))
    tolerance_said = any(group.notes for group in groups)
    use = content.use.option(progress.use or "")
    shown = use.shows if isinstance(use, UseOption) else ()
    text = content.summary
    safety = text.safety
    if not tolerance_said:
        safety = safety.model_copy(update={"items": (*safety.items, tolerance.text)})
    return Summary(
        audience=progress.audience or Audience.ME,
        urgent_first=urgent_first,
        now=_now(content, urgent, emergency_answer),
        emergency_answer=emergency_answer,
        groups=tuple(groups),
        unsure=unsure,
        unsure_checklist=unsure_checklist,
        tailored=tuple(part for part in text.tailored if part.id in shown),
        help=text.help.for_use(progress.use),
        safety=safety,
        questions=text.questions.for_use(progress.use),
    )


def _now(content: Content, urgent: list[Sign], emergency_answer: str | None) -> Section:
    """The "if it is happening now" steps for these urgent signs.

    The shared overdose steps, unless every sign of too much opioid noted is
    an emergency only together with other signs (slurred speech, small pupils)
    and no emergency was reported: then the conditional box of the first of
    them that leads the summary on its own, which says when to call and keys
    naloxone to being hard to wake or breathing slowly.
    """
    conditional = [sign for sign in urgent if sign.interruption_now is not None]
    if emergency_answer is None and urgent and len(conditional) == len(urgent):
        leading = next((sign for sign in conditional if sign.urgent_alone), conditional[0])
        assert leading.interruption_now is not None
        return leading.interruption_now
    return content.summary.urgent.now


def _ticked(checklist: Checklist | None, values: tuple[str, ...]) -> TickedSigns | None:
    """The checklist's signs among ``values``, in the checklist's order."""
    if checklist is None:
        return None
    items = tuple(item for item in checklist.items if item.value in values)
    return TickedSigns(checklist, items) if items else None
