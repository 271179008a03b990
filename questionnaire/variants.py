"""The answers that make a place's page longest, to size the padding of every page there.

Each page of the check is sent at the same size for everyone at its place
(``questionnaire.web.padding``), so the size must be that of the longest page
anyone can be shown there. What changes a page at a place, and so what is
searched:

- a question: who the check is for, the answer before it (which can put a
  notice on top), whether it was answered before (its answer shown chosen),
  and whether its form was just refused (the error shown; for the
  checklist, with which signs were answered and how);
- check your answers and the summary: who the check is for, and every
  answer: the safety answer, how opioids are taken, each sign, the checklist.

Trying every set of answers would take hours, so ``longest`` climbs: from a
full set of answers it changes one answer at a time, keeps any change that
makes the page longer, and goes round twice. The padding adds a margin on
top, and the tests and the soak check random journeys against the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from questionnaire import flow
from questionnaire.content import Audience, Checklist, Content
from questionnaire.flow import Progress, Step, StepKind


@dataclass(frozen=True)
class Variant:
    """One way a place's page can look: for someone with ``progress``, maybe just refused."""

    progress: Progress
    refused: bool = False
    # What a refused checklist sent: each sign's answer, or None for one left out.
    sent_checklist: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class _Choice:
    audience: Audience
    safety: str
    use: str
    # One answer for each sign, in the content's order.
    signs: tuple[str, ...]
    # Every checklist sign's answer (yes, no or not sure).
    checklist: str
    # Whether the place's own question was answered before.
    saved: bool = False
    refused: bool = False
    # A refused checklist: the answer sent for each sign (None: left out).
    sent: tuple[str | None, ...] = ()


_Dimension = tuple[Callable[[_Choice, Any], _Choice], tuple[Any, ...]]


def longest(content: Content, place: Step, size: Callable[[Variant], int]) -> None:
    """Try the variants of ``place`` that may be longest, telling ``size`` each one."""
    sizes: dict[_Choice, int] = {}

    def measured(choice: _Choice) -> int:
        if choice not in sizes:
            sizes[choice] = size(_variant(content, place, choice))
        return sizes[choice]

    best = _fullest(content)
    for _round in range(2):
        for change, values in _dimensions(content, place):
            for value in values:
                candidate = change(best, value)
                if measured(candidate) > measured(best):
                    best = candidate


def _fullest(content: Content) -> _Choice:
    """Where the climb starts: someone else, every answer that says most."""
    noticed = [o.value for o in content.answer_options if o.value in _alarming(content)]
    return _Choice(
        audience=Audience.OTHER,
        safety=content.safety.emergency_on[-1],
        use=content.use.options[-1].value,
        signs=tuple(
            noticed[-1] if noticed else content.answer_options[0].value for _s in content.signs
        ),
        checklist=Checklist.YES,
    )


def _alarming(content: Content) -> set[str]:
    return {value for sign in content.signs for value in sign.interrupt_on}


def _dimensions(content: Content, place: Step) -> Iterator[_Dimension]:
    audiences = tuple(Audience)
    yield (lambda c, v: replace(c, audience=v)), audiences
    if place.kind in (StepKind.CHECK, StepKind.SUMMARY):
        yield (lambda c, v: replace(c, safety=v)), _values(content.safety.options)
        yield (lambda c, v: replace(c, use=v)), _values(content.use.options)
        for index in range(len(content.signs)):
            yield _sign_at(index), _values(content.answer_options)
        if content.checklist is not None:
            yield (
                (lambda c, v: replace(c, checklist=v)),
                tuple(value for value, _label in content.checklist.item_answers),
            )
        return
    steps = flow.path(content)
    before = steps[steps.index(place) - 1] if steps.index(place) else None
    if before == flow.SAFETY:
        yield (lambda c, v: replace(c, safety=v)), _values(content.safety.options)
    elif before is not None and before.kind is StepKind.SIGN:
        index = [sign.id for sign in content.signs].index(before.sign_id or "")
        yield _sign_at(index), _values(content.answer_options)
    if flow.asks(place):
        yield (lambda c, v: replace(c, saved=v)), (False, True)
        yield (lambda c, v: replace(c, refused=v)), (False, True)
    if place.kind is StepKind.CHECKLIST and content.checklist is not None:
        # Refused with some signs answered: the answers given stay chosen,
        # the others are marked, and which is longest depends on the mix.
        answers = (None, *(value for value, _label in content.checklist.item_answers))
        for index in range(len(content.checklist.items)):
            yield _sent_at(index, len(content.checklist.items)), answers


def _values(options: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(option.value for option in options)


def _sent_at(index: int, count: int) -> Callable[[_Choice, Any], _Choice]:
    def change(choice: _Choice, value: Any) -> _Choice:
        sent = list(choice.sent or (None,) * count)
        sent[index] = value
        return replace(choice, refused=True, sent=tuple(sent))

    return change


def _sign_at(index: int) -> Callable[[_Choice, Any], _Choice]:
    def change(choice: _Choice, value: Any) -> _Choice:
        signs = list(choice.signs)
        signs[index] = value
        return replace(choice, signs=tuple(signs))

    return change


def _variant(content: Content, place: Step, choice: _Choice) -> Variant:
    """The progress of someone at ``place`` who answered as ``choice`` says."""
    steps = flow.path(content)
    answered = steps[: steps.index(place) + (1 if choice.saved else 0)]
    progress = Progress()
    signs = dict(zip((sign.id for sign in content.signs), choice.signs, strict=True))
    for step in answered:
        match step.kind:
            case StepKind.AUDIENCE:
                progress = progress.with_audience(choice.audience)
            case StepKind.SAFETY:
                progress = progress.with_safety(choice.safety)
            case StepKind.USE:
                progress = progress.with_use(choice.use)
            case StepKind.SIGN:
                progress = progress.with_answer(step.sign_id or "", signs[step.sign_id or ""])
            case StepKind.CHECKLIST if content.checklist is not None:
                items = content.checklist.items
                progress = progress.with_checklist({i.value: choice.checklist for i in items})
            case StepKind.CHECK:
                progress = progress.with_read(flow.notices(content, progress)).with_confirmed()
    refused = choice.refused and flow.asks(place)
    sent: dict[str, str | None] = {}
    if refused and place.kind is StepKind.CHECKLIST and content.checklist is not None:
        items = content.checklist.items
        sent = dict(zip((i.value for i in items), choice.sent or (None,) * len(items), strict=True))
    return Variant(progress, refused=refused, sent_checklist=sent)
