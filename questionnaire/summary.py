"""The educational summary: what was noticed, grouped by kind of sign.

It never scores, counts or labels. It only sorts the signs a person said
they noticed by what kind of sign they are, so each can be explained, and
says whether the too-much-opioid guidance must come first, and whether an
emergency was reported at the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.content import (
    AnswerOption,
    Audience,
    Content,
    Kind,
    OptionMeaning,
    Sign,
    TailoredSection,
)
from questionnaire.flow import Progress, needs_emergency


@dataclass(frozen=True)
class NotedSign:
    sign: Sign
    answer: AnswerOption


@dataclass(frozen=True)
class SignGroup:
    kind: Kind
    signs: tuple[NotedSign, ...]


@dataclass(frozen=True)
class Summary:
    audience: Audience
    urgent_first: bool
    # The safety question was answered with an emergency answer (yes, or not sure).
    emergency_reported: bool
    groups: tuple[SignGroup, ...]
    unsure: tuple[NotedSign, ...]
    # What the answer on how opioids are taken asks the summary to explain.
    tailored: tuple[TailoredSection, ...] = ()

    @property
    def nothing_reported(self) -> bool:
        """Nothing noticed, nothing unsure, no emergency: only then is it said so."""
        return not self.groups and not self.unsure and not self.emergency_reported


def summarise(content: Content, progress: Progress) -> Summary:
    """Group the noticed signs by kind, in content order; kinds with none are left out."""
    noted = [
        NotedSign(sign, option)
        for sign in content.signs
        if (option := content.answer_option(progress.answers.get(sign.id, ""))) is not None
    ]
    noticed = [n for n in noted if n.answer.meaning is OptionMeaning.NOTICED]
    groups = tuple(
        SignGroup(kind, signs)
        for kind in content.kinds
        if (signs := tuple(n for n in noticed if n.sign.kind == kind.id))
    )
    unsure = tuple(n for n in noted if n.answer.meaning is OptionMeaning.UNSURE)
    emergency_reported = needs_emergency(content, progress)
    # "Not sure" about a too-much-opioid sign is treated like noticing it, as
    # CDC advises: "If you aren't sure, treat it like an overdose."
    urgent_first = emergency_reported or any(
        content.kind(n.sign.kind).urgent for n in (*noticed, *unsure)
    )
    use = content.use.use_option(progress.use or "")
    shown = use.shows if use is not None else ()
    return Summary(
        audience=progress.audience or Audience.ME,
        urgent_first=urgent_first,
        emergency_reported=emergency_reported,
        groups=groups,
        unsure=unsure,
        tailored=tuple(part for part in content.summary.tailored if part.id in shown),
    )
