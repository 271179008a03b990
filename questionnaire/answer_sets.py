"""The sets of answers a review copy shows its pages for.

A summary (and check your answers) reads differently for different
answers, and there are millions of sets of answers. ``candidates`` lists the
sets that may each say something no other says, calmest first; the review
copy (``questionnaire.web.review_copy``) renders them and keeps a set only
when its page says a sentence no set before it said. ``answered_before``
is someone at a question who answered everything before it so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

from questionnaire import flow
from questionnaire.content import Audience, Checklist, Content, OptionMeaning
from questionnaire.flow import Progress, Step, StepKind


@dataclass(frozen=True)
class Answers:
    """Answers to every question of the check (a summary's, check your answers')."""

    audience: Audience
    safety: str
    use: str
    # Each sign's answer, in the content's order.
    signs: tuple[tuple[str, str], ...]
    # Each checklist sign's answer (yes, no or not sure); empty without a checklist.
    checklist: tuple[tuple[str, str], ...] = ()

    def progress(self, content: Content, confirmed: bool) -> Progress:
        """Someone who answered so, every notice read (and, if ``confirmed``, at the summary)."""
        progress = Progress(
            audience=self.audience,
            safety=self.safety,
            use=self.use,
            answers=dict(self.signs),
            checklist=dict(self.checklist) if content.checklist is not None else None,
        )
        progress = progress.with_read(flow.notices(content, progress))
        return progress.with_confirmed() if confirmed else progress

    def code(self) -> str:
        """A short name for these answers, the same in every copy: a page's id."""
        said = repr((self.audience.value, self.safety, self.use, self.signs, self.checklist))
        return hashlib.sha256(said.encode()).hexdigest()[:10]

    def label(self, content: Content) -> str:
        """The answers in plain words ("safety: No · use: … · Often: Sweating, Nausea"); the
        page's heading says for whom."""
        audience = self.audience
        safety = content.safety.option(self.safety)
        use = content.use.option(self.use)
        parts = [
            f"safety: {safety.label.for_(audience) if safety else self.safety}",
            f"use: {use.label.for_(audience) if use else self.use}",
        ]
        by_answer: dict[str, list[str]] = {}
        for sign_id, value in self.signs:
            option = content.answer_option(value)
            sign = content.sign(sign_id)
            if option is None or sign is None or option.meaning is OptionMeaning.NOT_NOTICED:
                continue
            by_answer.setdefault(option.label.for_(audience), []).append(sign.label.for_(audience))
        parts += [f"{answer}: {', '.join(signs)}" for answer, signs in by_answer.items()]
        if not by_answer:
            parts.append("no sign noticed")
        checklist = content.checklist
        if checklist is not None and self.checklist:
            read = [checklist.option(value) for value in checklist.reading(dict(self.checklist))]
            said = ", ".join(option.label.for_(audience) for option in read if option)
            parts.append(f"{checklist.label.for_(audience)}: {said}")
        return " · ".join(parts)


def candidates(content: Content, place: Step) -> list[Answers]:
    """Answer sets whose summary (or check your answers) may say something new, calmest first.

    Not every set of answers (there are millions). Check your answers says
    each answer's words, so each answer given once is enough. What a
    summary says (``questionnaire.summary``) depends on the use answer alone
    for its tailored sections, items and headings; on the safety answer
    for its own section, and, for the rest, only on whether it was an
    emergency answer; and on the signs: the signs noticed and not sure,
    sorted by kind; a sign of an urgent kind, alone or with another, which
    can put the overdose guidance first; a sign with words of its own for
    being alone. So: each safety answer with each use answer and nothing
    noticed; then, with no emergency and with the first emergency answer,
    every sign not sure, each sign of an urgent kind or with words of its
    own alone (noticed, and not sure), every sign of a kind noticed, each
    two signs of an urgent kind, the checklist's answers, and everything
    noticed.
    """
    options = content.answer_options
    no = next(o.value for o in options if o.meaning is OptionMeaning.NOT_NOTICED)
    noticed = [o.value for o in options if o.meaning is OptionMeaning.NOTICED]
    unsure = next((o.value for o in options if o.meaning is OptionMeaning.UNSURE), None)
    ids = [sign.id for sign in content.signs]
    checklist = content.checklist
    items = [item.value for item in checklist.items] if checklist else []

    def signs(chosen: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        return tuple((sign_id, chosen.get(sign_id, no)) for sign_id in ids)

    def ticked(answer: str, only: Sequence[str] | None = None) -> tuple[tuple[str, str], ...]:
        return tuple(
            (item, answer if only is None or item in only else Checklist.NO) for item in items
        )

    calm_checklist = ticked(Checklist.NO)
    everything = [(signs(dict.fromkeys(ids, value)), ticked(Checklist.YES)) for value in noticed]
    sets = []
    if unsure is not None:
        sets.append((signs(dict.fromkeys(ids, unsure)), ticked(Checklist.UNSURE)))
    if checklist is not None:
        sets.append((signs({}), ticked(Checklist.YES)))
        sets.append((signs({}), ticked(Checklist.YES, items[:1])))
        sets.append((signs({}), ticked(Checklist.UNSURE)))
    safeties = [option.value for option in content.safety.options]
    uses = [option.value for option in content.use.options]
    if place == flow.SUMMARY:
        urgent = {kind.id for kind in content.kinds if kind.urgent}
        for sign in content.signs:
            if sign.kind in urgent or sign.explanation_alone is not None:
                sets.append((signs({sign.id: noticed[0]}), calm_checklist))
                if unsure is not None and sign.kind in urgent:
                    sets.append((signs({sign.id: unsure}), calm_checklist))
        for kind in content.kinds:
            of_kind = [sign.id for sign in content.signs if sign.kind == kind.id]
            extra = checklist is not None and checklist.kind == kind.id
            sets.append(
                (
                    signs(dict.fromkeys(of_kind, noticed[0])),
                    ticked(Checklist.YES if extra else Checklist.NO),
                )
            )
            if kind.urgent:
                for pair in combinations(of_kind, 2):
                    sets.append((signs(dict.fromkeys(pair, noticed[0])), calm_checklist))
        sets.append(everything[-1])
        emergency = content.safety.emergency_on[0]
        safeties_with_signs = [_calm_safety(content), emergency]
    else:
        sets += everything
        safeties_with_signs = [_calm_safety(content)]
    found: list[Answers] = []
    for audience in Audience:
        for safety in safeties:
            for use in uses:
                found.append(Answers(audience, safety, use, signs({}), calm_checklist))
        for safety in safeties_with_signs:
            for chosen, answered in sets:
                found.append(Answers(audience, safety, uses[0], chosen, answered))
    # Each set once, in the order first met.
    return list(dict.fromkeys(found))


def _calm_safety(content: Content) -> str:
    """The first answer to the safety question that is not an emergency."""
    return next(o.value for o in content.safety.options if o.value not in _emergency(content))


def calm(content: Content, audience: Audience) -> Answers:
    """Answers that call for nothing: no emergency, nothing noticed."""
    no = next(o.value for o in content.answer_options if o.meaning is OptionMeaning.NOT_NOTICED)
    items = content.checklist.items if content.checklist else ()
    return Answers(
        audience,
        _calm_safety(content),
        content.use.options[0].value,
        tuple((sign.id, no) for sign in content.signs),
        tuple((item.value, Checklist.NO) for item in items),
    )


def _emergency(content: Content) -> set[str]:
    return set(content.safety.emergency_on)


def answered_before(content: Content, place: Step, answers: Answers) -> Progress:
    """Someone at ``place`` who answered every question before it as ``answers`` says.

    Notices called for before it were read where they were shown; a notice
    shown at ``place`` itself is not read yet.
    """
    steps = flow.path(content)
    if place == flow.AUDIENCE and answers.audience is not Audience.ME:
        # Back at the first question: only someone who answered it has an audience.
        return Progress().with_audience(answers.audience)
    progress = Progress()
    signs = dict(answers.signs)
    for step in steps[: steps.index(place)]:
        match step.kind:
            case StepKind.AUDIENCE:
                progress = progress.with_audience(answers.audience)
            case StepKind.SAFETY:
                progress = progress.with_safety(answers.safety)
            case StepKind.USE:
                progress = progress.with_use(answers.use)
            case StepKind.SIGN:
                progress = progress.with_answer(step.sign_id or "", signs[step.sign_id or ""])
            case StepKind.CHECKLIST:
                progress = progress.with_checklist(dict(answers.checklist))
    earlier = [n for n in flow.notices(content, progress) if flow.place_of(content, n) != place]
    return progress.with_read(earlier)


def unread(progress: Progress, notice: Step) -> Progress:
    """``progress`` with ``notice`` not yet read."""
    if notice.kind is StepKind.EMERGENCY:
        return replace(progress, emergency_seen=False)
    return replace(progress, interruptions_seen=progress.interruptions_seen - {notice.sign_id})


def with_answer(answers: Answers, step: Step, value: str) -> Answers:
    """``answers`` with ``value`` as the answer at ``step`` (the safety question, or a sign)."""
    if step == flow.SAFETY:
        return Answers(answers.audience, value, answers.use, answers.signs, answers.checklist)
    signs = tuple((s, value if s == step.sign_id else v) for s, v in answers.signs)
    return Answers(answers.audience, answers.safety, answers.use, signs, answers.checklist)
