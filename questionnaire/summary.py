"""The educational summary: what was noticed, grouped by kind of sign.

It never scores, counts or labels. It only sorts the signs a person said
they noticed by what kind of sign they are, so each can be explained, and
says whether the too-much-opioid guidance must come first.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.content import AnswerOption, Audience, Content, Kind, OptionMeaning, Sign
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
    groups: tuple[SignGroup, ...]
    unsure: tuple[NotedSign, ...]

    @property
    def nothing_reported(self) -> bool:
        return not self.groups


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
    urgent_first = needs_emergency(content, progress) or any(g.kind.urgent for g in groups)
    return Summary(
        audience=progress.audience or Audience.ME,
        urgent_first=urgent_first,
        groups=groups,
        unsure=tuple(n for n in noted if n.answer.meaning is OptionMeaning.UNSURE),
    )
