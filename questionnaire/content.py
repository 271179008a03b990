"""The self-check's content: questions, signs, guidance and resources.

Everything a person reads about the signs lives in one TOML file per language
under ``questionnaire/content/``. This module turns such a file into typed,
immutable objects and refuses a file that is incomplete or inconsistent,
naming the file, the entry and the field, so that a content edit can never
silently change how the check behaves.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

CONTENT_DIR = Path(__file__).parent / "content"
# The language the content is written in first: every other is translated from it.
SOURCE_LANGUAGE = "en"


class Audience(StrEnum):
    """Who the check is about: the wording of every later page follows it."""

    ME = "me"
    OTHER = "other"


class ContentError(Exception):
    """A content file that cannot be used, with where the problem is."""


def _same_for_both(value: object) -> object:
    """Let a plain string stand for wording that does not depend on the audience."""
    if isinstance(value, str):
        return {"me": value, "other": value}
    if not isinstance(value, dict):
        raise ValueError("should be text, or a table with 'me' and 'other' texts")
    return value


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Wording(_Model):
    me: Line
    other: Line

    def for_(self, audience: Audience) -> str:
        return self.me if audience == Audience.ME else self.other


# Wording that is written once for "me" and once for "someone else", or once
# for both when it reads the same either way.
Wording = Annotated[_Wording, BeforeValidator(_same_for_both)]


class Option(_Model):
    value: Slug
    label: Wording


class OptionMeaning(StrEnum):
    """What an answer to a sign question says about that sign."""

    NOTICED = "noticed"
    NOT_NOTICED = "not-noticed"
    UNSURE = "unsure"


class AnswerOption(Option):
    meaning: OptionMeaning


class Prompt(_Model):
    """The words of a question page: the question is the page's heading."""

    id: Slug
    # A line above the question, such as the time it is about, so that the
    # question itself stays short.
    lead_in: Wording | None = None
    question: Wording
    hint: Wording | None = None
    # A short list shown with the hint, such as the signs the question is about.
    hint_items: tuple[Wording, ...] = ()
    details: tuple[Wording, ...] = ()
    error: Wording

    @model_validator(mode="after")
    def _hint_items_go_with_a_hint(self) -> Prompt:
        if self.hint_items and self.hint is None:
            raise ValueError("hint_items need a hint to go with them")
        return self


class Question(Prompt):
    """A question with its own options."""

    options: tuple[Option, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _option_values_are_unique(self) -> Question:
        _require_unique([option.value for option in self.options], "options", "value")
        return self

    def option(self, value: str) -> Option | None:
        return _option_with(self.options, value)


class AudienceQuestion(Question):
    @model_validator(mode="after")
    def _offers_each_audience(self) -> AudienceQuestion:
        values = {option.value for option in self.options}
        expected = {audience.value for audience in Audience}
        if values != expected:
            raise ValueError(f"options must have exactly the values {sorted(expected)}")
        return self


class UseOption(Option):
    # The summary's tailored sections this answer shows (ids in summary.tailored).
    shows: tuple[Slug, ...] = ()


class UseQuestion(Question):
    """How opioids are taken: used only to choose what the summary explains."""

    options: tuple[UseOption, ...] = Field(min_length=2)


class SafetyQuestion(Question):
    emergency_on: tuple[Slug, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _emergency_answers_exist(self) -> SafetyQuestion:
        _require_known(self.emergency_on, {o.value for o in self.options}, "field 'emergency_on'")
        return self


class Kind(_Model):
    """A kind of sign, as the summary groups them."""

    id: Slug
    heading: Wording
    explanation: Wording
    urgent: bool = False


def _steps_by_id(value: object, info: ValidationInfo) -> object:
    """Turn ``{me = [ids], other = [ids]}`` into the texts of those steps.

    The steps are written once, in the content's ``[steps]`` table, so that
    every page that lists them says the same words.
    """
    context = info.context or {}
    library = context.get(_STEPS, {})
    if not isinstance(value, dict) or set(value) != {"me", "other"}:
        raise ValueError("should be a table with 'me' and 'other' lists of step ids")
    texts: dict[str, list[object]] = {}
    for audience, ids in value.items():
        if not isinstance(ids, list):
            raise ValueError(f"'{audience}' should be a list of step ids")
        unknown = [step for step in ids if step not in library]
        if unknown:
            raise ValueError(
                f"{unknown!r} in '{audience}' is not among the steps {sorted(library)}"
            )
        texts[audience] = [library[step] for step in ids]
        context.get(_STEPS_USED, set()).update(ids)
    return texts


class _Steps(_Model):
    """What to do, step by step, for the person themselves and for someone else."""

    me: tuple[Line, ...] = Field(min_length=1)
    other: tuple[Line, ...] = Field(min_length=1)

    def for_(self, audience: Audience) -> tuple[str, ...]:
        return self.me if audience == Audience.ME else self.other


# Steps named by their ids in the content's [steps] table (see _steps_by_id).
Steps = Annotated[_Steps, BeforeValidator(_steps_by_id)]
_STEPS = "steps"
_STEPS_USED = "steps used"


class Section(_Model):
    """A heading with paragraphs, and optionally a list, as pages show them.

    A section of guidance can also list steps (by id, from the content's
    ``[steps]``), under their own heading when they apply only in some
    case, and end with paragraphs after them.
    """

    heading: Wording
    paragraphs: tuple[Wording, ...] = ()
    items: tuple[Wording, ...] = ()
    steps_heading: Wording | None = None
    steps: Steps | None = None
    after: tuple[Wording, ...] = ()
    # What the words rest on: ids of the content's [[sources]], listed on the
    # Sources page under this section's heading.
    sources: tuple[Slug, ...] = ()

    @model_validator(mode="after")
    def _steps_heading_goes_with_steps(self) -> Section:
        if self.steps_heading is not None and self.steps is None:
            raise ValueError("steps_heading needs steps to go with it")
        return self


def _as_item(value: object) -> object:
    """Let a plain wording stand for an item shown whatever the use answer."""
    if isinstance(value, dict) and "text" in value:
        return value
    return {"text": value}


class _UseItem(_Model):
    text: Wording
    # The answers to the use question it is shown for, or those it is not
    # shown for (so that an answer added later gets it); at most one of them.
    uses: tuple[Slug, ...] = ()
    not_uses: tuple[Slug, ...] = ()

    @model_validator(mode="after")
    def _one_way_of_choosing(self) -> _UseItem:
        if self.uses and self.not_uses:
            raise ValueError("an item has 'uses' or 'not_uses', not both")
        return self

    def shown_for(self, use: str | None) -> bool:
        if self.uses:
            return use in self.uses
        return use not in self.not_uses


UseItem = Annotated[_UseItem, BeforeValidator(_as_item)]


class UseSection(_Model):
    """A summary section that follows the answer on how opioids are used.

    Its heading can differ for some answers, and some items are shown only
    for the answers they name.
    """

    heading: Wording
    # Said instead of the heading for these answers to the use question.
    headings: dict[Slug, Wording] = {}
    paragraphs: tuple[Wording, ...] = ()
    items: tuple[UseItem, ...] = ()
    sources: tuple[Slug, ...] = ()

    def for_use(self, use: str | None) -> Section:
        """The section as a person who gave ``use`` reads it (its parts already checked)."""
        return Section.model_construct(
            heading=self.headings.get(use or "", self.heading),
            paragraphs=self.paragraphs,
            items=tuple(item.text for item in self.items if item.shown_for(use)),
        )

    def use_values(self) -> set[str]:
        """The use answers this section names, to check that each exists."""
        return set(self.headings) | {
            use for item in self.items for use in item.uses + item.not_uses
        }


class Sign(Prompt):
    """One of the signs: asked with the shared answer options, explained on the summary."""

    kind: Slug
    label: Wording
    hint: Wording
    details: tuple[Wording, ...] = Field(min_length=1)
    summary: Wording
    interrupt_on: tuple[Slug, ...] = ()
    interruption: Wording | None = None
    # Said on the summary instead of its kind's explanation when it is the
    # only sign of its kind noticed (small pupils alone are common).
    explanation_alone: Wording | None = None
    # Replaces the shared heading of the interruption pages, for a sign that
    # is not a sign of too much opioid on its own (small pupils).
    interruption_heading: Wording | None = None
    # Replaces the shared "if it is happening right now" box on this sign's
    # interruption page, for a sign that is an emergency only together with
    # others (the box then says when to call, and is not styled as urgent).
    # It is also the summary's "if it is happening now" when the signs of
    # too much opioid noted are only such signs.
    interruption_now: Section | None = None
    # Replaces the shared "tell a clinician" section of the interruption pages.
    interruption_next: Section | None = None
    # False for a sign of an urgent kind that is not urgent on its own (small
    # pupils): it puts the overdose guidance first only with another such sign.
    urgent_alone: bool = True
    sources: tuple[Slug, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _interruption_has_words(self) -> Sign:
        if self.interrupt_on and self.interruption is None:
            raise ValueError("a sign with interrupt_on needs an interruption text")
        extras = (
            self.interruption,
            self.interruption_now,
            self.interruption_heading,
            self.interruption_next,
        )
        if any(extra is not None for extra in extras) and not self.interrupt_on:
            raise ValueError("interruption is set but interrupt_on is empty")
        own = self.interruption_now
        if own is not None and own.steps is not None and own.steps_heading is None:
            # The sign is an emergency only with others: its steps (naloxone, the
            # side position) must say the case they are for.
            raise ValueError("interruption_now.steps need a steps_heading saying when they apply")
        return self


class ItemAnswers(_Model):
    """The three answers every sign on a checklist page is given."""

    yes: Line
    no: Line
    unsure: Line


class Checklist(Prompt):
    """One page of further signs of one kind, each answered yes, no or not sure.

    Every sign has its own answer, so the page always sends the same fields
    whatever is chosen. Read as a whole (``reading``), the page says which
    signs were noticed, or none of these, or not sure: the summary lists the
    noticed signs with the other signs of that kind.
    """

    YES: ClassVar[str] = "yes"
    NO: ClassVar[str] = "no"
    UNSURE: ClassVar[str] = "not-sure"

    kind: Slug
    label: Wording
    items: tuple[Option, ...] = Field(min_length=2)
    answers: ItemAnswers
    # How check your answers shows a page with no sign noticed, and one
    # where no sign was noticed but some were not sure.
    none: Option
    unsure: Option
    summary: Wording
    sources: tuple[Slug, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _values_are_unique(self) -> Checklist:
        values = [item.value for item in self.items] + [self.none.value, self.unsure.value]
        _require_unique(values, "items", "value")
        return self

    @property
    def options(self) -> tuple[Option, ...]:
        """Everything check your answers may show: the signs, then the two readings alone."""
        return (*self.items, self.none, self.unsure)

    @property
    def item_answers(self) -> tuple[tuple[str, Line], ...]:
        """Each sign's three answers, as (value, label), in the order the page shows them."""
        return (
            (self.YES, self.answers.yes),
            (self.NO, self.answers.no),
            (self.UNSURE, self.answers.unsure),
        )

    def option(self, value: str) -> Option | None:
        return _option_with(self.options, value)

    def accepts(self, answers: Mapping[str, str]) -> bool:
        """Whether ``answers`` answers every sign, and only the signs, with one of the three."""
        known = {value for value, _label in self.item_answers}
        return set(answers) == {item.value for item in self.items} and all(
            value in known for value in answers.values()
        )

    def reading(self, answers: Mapping[str, str]) -> tuple[str, ...]:
        """The page read as a whole: the signs noticed, else "not sure" if any was, else "none"."""
        noticed = tuple(item.value for item in self.items if answers.get(item.value) == self.YES)
        if noticed:
            return noticed
        if self.UNSURE in answers.values():
            return (self.unsure.value,)
        return (self.none.value,)


class Link(_Model):
    label: Line
    href: Annotated[str, StringConstraints(pattern=r"^(https://|tel:|sms:)\S+$")]


class Resource(_Model):
    id: Slug
    name: Line
    # The number people call, as they read it ("911"): texts say "{emergency}"
    # for the emergency resource's number, so that a clinic outside the US
    # changes it here only.
    number: Line | None = None
    text: Wording
    links: tuple[Link, ...] = Field(min_length=1)


class Source(_Model):
    """A document the words rest on, as the Sources page lists it.

    Parts of the content cite it by ``id`` (their ``sources`` lists).
    """

    id: Slug
    # Plain words in the file's language: the organisation, and what the
    # page or paper is.
    title: Line
    # None while no address is known for certain.
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    # The day someone last read the page at ``url`` and confirmed what the
    # content rests on; none until someone has.
    checked: datetime.date | None = None

    @model_validator(mode="after")
    def _checked_at_an_address(self) -> Source:
        if self.checked is not None and self.url is None:
            raise ValueError("'checked' is the day the page at 'url' was read: it needs a 'url'")
        return self


class Emergency(_Model):
    heading: Wording
    # One lead for each safety answer that leads here: "yes" says what it is,
    # "not sure" says to treat it as an emergency all the same.
    leads: dict[Slug, Wording] = Field(min_length=1)
    steps: Steps
    paragraphs: tuple[Wording, ...] = ()
    sources: tuple[Slug, ...] = ()


class Interruption(_Model):
    heading: Wording
    now: Section
    next: Section
    naloxone: Section


class TailoredSection(Section):
    """A summary section shown only for some answers to the use question."""

    id: Slug


class UrgentSummary(_Model):
    """The summary's first section when too much opioid may be involved.

    What to do in an emergency sits under its own "if it is happening now"
    heading, so that a printed summary never reads as a standing instruction.
    """

    heading: Wording
    paragraphs: tuple[Wording, ...] = Field(min_length=1)
    now: Section
    after: tuple[Wording, ...] = ()


class Tolerance(_Model):
    """The warning that tolerance drops after using less, said once on a summary.

    It is said with the signs of ``kind`` when any were noticed, where
    cutting down is being explained; otherwise among the safety notes.
    """

    kind: Slug
    text: Wording
    sources: tuple[Slug, ...] = ()


class Summary(_Model):
    heading: Wording
    intro: tuple[Wording, ...] = Field(min_length=1)
    urgent: UrgentSummary
    # Said when the safety question was answered with an emergency answer: one
    # for each such answer (the safety question's emergency_on).
    emergency_reported: dict[Slug, Section] = Field(min_length=1)
    reported_heading: Wording
    nothing_reported: Section
    unsure: Section
    talk: Section
    help: UseSection
    # Safety notes for everyone; the tolerance warning joins them unless it
    # is said with the signs of its kind.
    safety: Section
    tolerance: Tolerance
    questions: UseSection
    # Shown for the answers to the use question that name them (UseOption.shows).
    tailored: tuple[TailoredSection, ...] = ()


class Person(_Model):
    """Someone who wrote, translated or reviewed the words, as the operator records them."""

    # Left out when the operator records only the role (an outside review).
    name: Line | None = None
    role: Line


class Translation(_Model):
    """How a language other than the source language was made from it."""

    translated_by: tuple[Person, ...] = Field(min_length=1)
    reviewed_by: tuple[Person, ...] = Field(min_length=1)
    # ``source_text_hash`` of the source language's content it was made from:
    # when the source changes, the translation is out of date until redone.
    source_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


_VERSION = r"^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$"


class Review(_Model):
    """Who checked the words, and when: shown on the summary, signed in the review copy."""

    # Changes with every reviewed change of the words (CHANGELOG.md, Content).
    version: Annotated[str, StringConstraints(pattern=_VERSION)]
    # The day of the last clinical check of the facts, not of publishing, and
    # the version it checked: left out when it is this version.
    reviewed_on: datetime.date
    reviewed_version: Annotated[str, StringConstraints(pattern=_VERSION)] | None = None
    next_review_due: datetime.date
    reviewed_by: tuple[Person, ...] = Field(min_length=1)
    # This language's hash in the review copy that was read and signed
    # (``flask --app app review-copy``); none until someone signs it.
    signed_copy: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    # For every language but the source language.
    translation: Translation | None = None

    @property
    def unreviewed_changes(self) -> bool:
        """Whether the words changed since their last review (a version not yet reviewed)."""
        return self.reviewed_version not in (None, self.version)

    @model_validator(mode="after")
    def _due_after_review(self) -> Review:
        if self.next_review_due <= self.reviewed_on:
            raise ValueError("next_review_due must come after reviewed_on")
        return self


class Content(_Model):
    """One language's complete content, checked for consistency."""

    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
    language_name: Line
    review: Review
    # Each step of what to do in an overdose, written once: pages list them by id.
    steps: dict[Slug, Line] = Field(min_length=1)
    audience: AudienceQuestion
    safety: SafetyQuestion
    use: UseQuestion
    emergency: Emergency
    emergency_box: Section
    answer_options: tuple[AnswerOption, ...] = Field(min_length=2)
    kinds: tuple[Kind, ...] = Field(min_length=1)
    signs: tuple[Sign, ...] = Field(min_length=1)
    # Asked right after the last sign of its kind; optional in the content.
    checklist: Checklist | None = None
    interruption: Interruption
    summary: Summary
    resources: tuple[Resource, ...] = Field(min_length=1)
    # The documents the words rest on, cited by id: each is listed on the
    # Sources page under every part that cites it.
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _translation_recorded(self) -> Content:
        if self.language == SOURCE_LANGUAGE and self.review.translation is not None:
            raise ValueError(
                f"field 'review.translation': {SOURCE_LANGUAGE!r} is the language the others "
                "are translated from, so it has no translation record"
            )
        if self.language != SOURCE_LANGUAGE and self.review.translation is None:
            raise ValueError(
                "field 'review.translation' is required, and missing: who translated this "
                f"language, who reviewed it, and the source_hash of the {SOURCE_LANGUAGE!r} "
                "content it was made from (check-content prints it)"
            )
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> Content:
        _require_unique([o.value for o in self.answer_options], "answer_options", "value")
        meanings = {o.meaning for o in self.answer_options}
        if OptionMeaning.NOTICED not in meanings or OptionMeaning.NOT_NOTICED not in meanings:
            raise ValueError("answer_options need a 'noticed' and a 'not-noticed' option")
        _require_unique([kind.id for kind in self.kinds], "kinds", "id")
        _require_unique([sign.id for sign in self.signs], "signs", "id")
        _require_unique([resource.id for resource in self.resources], "resources", "id")
        for needed in NUMBERED_RESOURCES:
            found = next((r for r in self.resources if r.id == needed), None)
            if found is None or found.number is None:
                raise ValueError(f"resources need an entry {needed!r} with a 'number'")
        for where, text in reader_texts(self):
            if unknown := _PLACEHOLDER.search(text):
                raise ValueError(f"field {where!r}: {unknown.group(0)} is not a resource's number")
        emergency_on = set(self.safety.emergency_on)
        for field, keys in [
            ("emergency.leads", set(self.emergency.leads)),
            ("summary.emergency_reported", set(self.summary.emergency_reported)),
        ]:
            if keys != emergency_on:
                raise ValueError(
                    f"field {field!r}: needs one entry for each of {sorted(emergency_on)}, "
                    f"has {sorted(keys)}"
                )
        tailored_ids = {section.id for section in self.summary.tailored}
        _require_unique([section.id for section in self.summary.tailored], "summary.tailored", "id")
        for index, option in enumerate(self.use.options):
            missing = [shown for shown in option.shows if shown not in tailored_ids]
            if missing:
                raise ValueError(
                    f"entry use.options[{index}], field 'shows': {missing!r} is not among "
                    f"the summary's tailored sections {sorted(tailored_ids)}"
                )
        use_values = {option.value for option in self.use.options}
        use_sections = [
            ("summary.help", self.summary.help),
            ("summary.questions", self.summary.questions),
        ]
        for field, section in use_sections:
            if unknown_uses := section.use_values() - use_values:
                raise ValueError(
                    f"field {field!r}: {sorted(unknown_uses)} are not answers to the use question "
                    f"{sorted(use_values)}"
                )
        kind_ids = {kind.id for kind in self.kinds}
        if self.summary.tolerance.kind not in kind_ids:
            raise ValueError(
                f"field 'summary.tolerance.kind': {self.summary.tolerance.kind!r} "
                "is not one of the kinds"
            )
        values = {option.value for option in self.answer_options}
        for index, sign in enumerate(self.signs):
            where = f"entry signs[{index}] (id {sign.id!r})"
            if sign.kind not in kind_ids:
                raise ValueError(f"{where}, field 'kind': {sign.kind!r} is not one of the kinds")
            _require_known(sign.interrupt_on, values, f"{where}, field 'interrupt_on'")
        if self.checklist is not None:
            kind = self.checklist.kind
            if kind not in kind_ids or not any(sign.kind == kind for sign in self.signs):
                raise ValueError(f"field 'checklist.kind': {kind!r} is not the kind of any sign")
            if self.kind(kind).urgent:
                # An urgent sign needs its own question, and its own interruption.
                raise ValueError(f"field 'checklist.kind': {kind!r} is urgent")
        return self

    @model_validator(mode="after")
    def _sources_resolve(self) -> Content:
        _require_unique([source.id for source in self.sources], "sources", "id")
        known = {source.id for source in self.sources}
        cited: set[str] = set()
        for where, ids in citations(self):
            if unknown := [source for source in ids if source not in known]:
                raise ValueError(f"{where}: {unknown!r} is not the id of any [[sources]] entry")
            if len(set(ids)) != len(ids):
                raise ValueError(f"{where}: a source is cited twice")
            cited.update(ids)
        for index, source in enumerate(self.sources):
            if source.id not in cited:
                raise ValueError(
                    f"entry sources[{index}] (id {source.id!r}): no part of the content cites it"
                )
        return self

    def sign(self, sign_id: str) -> Sign | None:
        return self._signs_by_id.get(sign_id)

    def kind(self, kind_id: str) -> Kind:
        return next(kind for kind in self.kinds if kind.id == kind_id)

    def answer_option(self, value: str) -> AnswerOption | None:
        return self._answer_options_by_value.get(value)

    # Looked up on every page: found by key, not by a scan of the list.
    @cached_property
    def _signs_by_id(self) -> dict[str, Sign]:
        return {sign.id: sign for sign in self.signs}

    @cached_property
    def _answer_options_by_value(self) -> dict[str, AnswerOption]:
        return {option.value: option for option in self.answer_options}

    def resource(self, resource_id: str) -> Resource:
        return next(resource for resource in self.resources if resource.id == resource_id)

    def source(self, source_id: str) -> Source:
        return next(source for source in self.sources if source.id == source_id)


# Fields that hold identifiers, rules or citations: nothing a person reads on a page.
# The citations (``sources``, and the registry of the same name) stay out even
# though the Sources page shows the registry's titles: those name
# organisations and documents, in their own terms, and are not held to the
# reading-grade or word rules of the check's own words.
_NOT_READ = {
    "id",
    "value",
    "kind",
    # What an answer says about a sign (noticed, not-noticed, unsure): a rule.
    "meaning",
    "href",
    "interrupt_on",
    "emergency_on",
    "shows",
    "uses",
    "not_uses",
    "sources",
    "language",
    # Who reviewed it and when: shown on the summary through the interface's
    # own words (a date, a version), not read as content.
    "review",
}
# Shown on every page (the help line and the Call buttons): they must have a number.
NUMBERED_RESOURCES = ("emergency", "crisis")
# "{emergency}" in a text stands for the number of the resource with that id.
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9-]*)\}")


def reader_texts(content: Content) -> list[tuple[str, str]]:
    """Every text a person can read, with where it is (``signs[4].hint.me``).

    Used to hold all of it to the plain-language and word rules.
    """
    found: list[tuple[str, str]] = []

    def visit(node: object, where: str) -> None:
        if isinstance(node, _Wording):
            found.extend([(f"{where}.me", node.me), (f"{where}.other", node.other)])
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                if name not in _NOT_READ:
                    visit(getattr(node, name), f"{where}.{name}" if where else name)
        elif isinstance(node, tuple):
            for index, item in enumerate(node):
                visit(item, f"{where}[{index}]")
        elif isinstance(node, dict):
            for key, value in node.items():
                visit(value, f"{where}.{key}")
        elif isinstance(node, str):
            found.append((where, node))

    visit(content, "")
    return found


def citations(content: Content) -> list[tuple[str, tuple[str, ...]]]:
    """Every ``sources`` list of the content's parts, with where it is.

    Where is said as errors say it ("entry signs[2] (id 'speech-problems'),
    field 'interruption_now.sources'"); the registry itself is not a citation.
    """
    found: list[tuple[str, tuple[str, ...]]] = []

    def visit(node: object, entry: str, field: tuple[str, ...]) -> None:
        if isinstance(node, BaseModel):
            for name in type(node).model_fields:
                value = getattr(node, name)
                if name != "sources":
                    visit(value, entry, (*field, name))
                elif node is not content:
                    named = [f"entry {entry}"] if entry else []
                    named.append(f"field {'.'.join((*field, name))!r}")
                    found.append((", ".join(named), value))
        elif isinstance(node, tuple):
            for index, item in enumerate(node):
                if isinstance(item, BaseModel):
                    at = ".".join(filter(None, [entry, ".".join(field)])) + f"[{index}]"
                    if isinstance(identifier := getattr(item, "id", None), str):
                        at += f" (id {identifier!r})"
                    visit(item, at, ())
        elif isinstance(node, dict):
            for key, value in node.items():
                visit(value, entry, (*field, str(key)))

    visit(content, "", ())
    return found


@dataclass(frozen=True)
class CitedPart:
    """A part of the check, named as a person reads it, and the documents it rests on."""

    name: str
    sources: tuple[Source, ...]


def cited_parts(content: Content) -> list[CitedPart]:
    """Every part that cites a source, in the order a person meets them.

    The start page's emergency box, the emergency guidance, each sign (by its
    label) followed by its own interruption sections (by its page's heading), the
    checklist after the last sign of its kind, the shared interruption
    sections, then the summary's sections in the order the summary shows
    them. Wording that differs by audience is named in its "me" form. The
    tolerance warning, which has no heading, is listed with the safety notes
    it joins unless signs of its kind were noticed.
    """
    summary = content.summary
    checklist = content.checklist
    last_of_kind = (
        next(s.id for s in reversed(content.signs) if s.kind == checklist.kind)
        if checklist
        else None
    )
    parts: list[tuple[str, tuple[str, ...]]] = [
        (content.emergency_box.heading.me, content.emergency_box.sources),
        (content.emergency.heading.me, content.emergency.sources),
    ]
    for sign in content.signs:
        parts.append((sign.label.me, sign.sources))
        # A sign's own interruption sections, named by the sign's page
        # ("Slurred speech: when to get help right away"), not by a heading
        # that reads as an instruction out of its page.
        own_now, own_next = sign.interruption_now, sign.interruption_next
        if own_now is not None:
            named = sign.interruption_heading or own_now.heading
            parts.append((named.me, own_now.sources))
        if own_next is not None:
            parts.append((f"{sign.label.me}: {own_next.heading.me}", own_next.sources))
        if checklist is not None and sign.id == last_of_kind:
            parts.append((checklist.label.me, checklist.sources))
    sections: list[Section | UseSection] = [
        content.interruption.now,
        content.interruption.next,
        content.interruption.naloxone,
        summary.urgent.now,
        *summary.emergency_reported.values(),
        summary.nothing_reported,
        summary.unsure,
        *summary.tailored,
        summary.help,
    ]
    parts += [(section.heading.me, section.sources) for section in sections]
    safety = tuple(dict.fromkeys(summary.safety.sources + summary.tolerance.sources))
    parts.append((summary.safety.heading.me, safety))
    parts += [(part.heading.me, part.sources) for part in (summary.talk, summary.questions)]
    return [
        CitedPart(name, tuple(content.source(source) for source in ids))
        for name, ids in parts
        if ids
    ]


def _option_with(options: tuple[Option, ...], value: str) -> Option | None:
    """The option with ``value``, for a question's or a checklist's options."""
    return next((option for option in options if option.value == value), None)


def _require_unique(values: list[str], entry: str, field: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"entry {entry}[{index}], field {field!r}: {value!r} is used twice")
        seen.add(value)


def _require_known(values: tuple[str, ...], known: set[str], where: str) -> None:
    unknown = [value for value in values if value not in known]
    if unknown:
        raise ValueError(f"{where}: {unknown!r} is not among the answer values {sorted(known)}")


def parse_content(data: Mapping[str, Any], source: str) -> Content:
    """Check already-parsed content; ``source`` names it in any error."""
    filled = _with_numbers(data)
    steps = filled.get(_STEPS)
    used: set[str] = set()
    context = {_STEPS: steps if isinstance(steps, dict) else {}, _STEPS_USED: used}
    try:
        content = Content.model_validate(filled, context=context)
    except ValidationError as error:
        raise ContentError(describe_error(error, data, source)) from None
    if unused := sorted(set(content.steps) - used):
        raise ContentError(f"{source}: field 'steps': {unused} are not used by any page")
    return content


def _with_numbers(data: Mapping[str, Any]) -> Any:
    """``data`` with each "{id}" in a text replaced by that resource's number."""
    resources = data.get("resources")
    numbers = {
        resource["id"]: resource["number"]
        for resource in (resources if isinstance(resources, list) else [])
        if isinstance(resource, dict)
        and isinstance(resource.get("id"), str)
        and isinstance(resource.get("number"), str)
    }

    def fill(node: Any) -> Any:
        if isinstance(node, str):
            return _PLACEHOLDER.sub(lambda m: numbers.get(m.group(1), m.group(0)), node)
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        if isinstance(node, list):
            return [fill(item) for item in node]
        return node

    return fill(data)


def read_content_data(path: Path) -> dict[str, Any]:
    """One content file as TOML data, not yet checked."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ContentError(f"{path}: cannot be read as TOML: {error}") from None


def load_content(path: Path) -> Content:
    """Read and check one content file."""
    content = parse_content(read_content_data(path), str(path))
    if content.language != path.stem:
        raise ContentError(
            f"{path}: field 'language': {content.language!r} does not match the file name"
        )
    return content


def load_all_content(directory: Path = CONTENT_DIR) -> dict[str, Content]:
    """Every language's content, keyed by language code; fails on the first bad file.

    The languages must ask the same questions in the same order: a question's
    address is its number, and a person can switch language on any page.
    """
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ContentError(f"{directory}: no content files (*.toml) found")
    contents = {path.stem: load_content(path) for path in paths}
    first_path, first = paths[0], contents[paths[0].stem]
    same_questions = "every language asks the same questions in the same order"
    same_sources = "every language rests on the same documents"
    for path in paths[1:]:
        content = contents[path.stem]
        for field, mine, theirs, rule in [
            ("signs", _sign_order(content), _sign_order(first), same_questions),
            ("checklist.kind", _checklist_kind(content), _checklist_kind(first), same_questions),
            ("sources", _source_ids(content), _source_ids(first), same_sources),
        ]:
            if mine != theirs:
                raise ContentError(
                    f"{path}: field {field!r}: {mine} differs from {theirs} in {first_path.name}; "
                    f"{rule}"
                )
        # Part by part too: a part rests on the same documents in every language.
        mine_cited, theirs_cited = dict(citations(content)), dict(citations(first))
        for where in dict.fromkeys([*mine_cited, *theirs_cited]):
            here, there = list(mine_cited.get(where, ())), list(theirs_cited.get(where, ()))
            if here != there:
                raise ContentError(
                    f"{path}: {where}: {here} differs from {there} in {first_path.name}; "
                    f"{same_sources}"
                )
    return contents


def source_text_hash(content: Content) -> str:
    """A digest of every text a person can read in ``content``, and where it is.

    A translation records the source language's hash it was made from
    (``Translation.source_hash``): a changed word in the source changes it,
    and the translation is then out of date. The sources' titles count (the
    Sources page shows them); rules, ids and addresses do not: changing
    them asks nothing of a translator.
    """
    digest = hashlib.sha256()
    for where, text in reader_texts(content):
        digest.update(f"{where}\t{text}\n".encode())
    # The sources' titles, which the Sources page shows.
    for source in content.sources:
        digest.update(f"sources.{source.id}.title\t{source.title}\n".encode())
    return digest.hexdigest()[:16]


def stale_translations(contents: Mapping[str, Content]) -> list[str]:
    """A warning for each language translated from a source text that has changed since."""
    source = contents.get(SOURCE_LANGUAGE)
    if source is None:
        return []
    current = source_text_hash(source)
    return [
        f"{language}: the translation was made from the {SOURCE_LANGUAGE!r} text "
        f"{translation.source_hash}, and that text is now {current}: translate what changed, "
        f'have it reviewed, then set review.translation.source_hash = "{current}"'
        for language, content in sorted(contents.items())
        if (translation := content.review.translation) is not None
        and translation.source_hash != current
    ]


def content_warnings(contents: Mapping[str, Content], today: datetime.date) -> list[str]:
    """Everything the operator should hear about the content: stale translations, reviews."""
    return stale_translations(contents) + review_warnings(contents, today)


def review_warnings(contents: Mapping[str, Content], today: datetime.date) -> list[str]:
    """A warning for each language whose next review date has passed, or whose
    version has changes its last review did not see."""
    warnings = []
    for language, content in sorted(contents.items()):
        review = content.review
        if review.next_review_due < today:
            warnings.append(
                f"{language}: the content's next review was due on "
                f"{review.next_review_due.isoformat()}: review it, then update "
                "review.reviewed_on and review.next_review_due"
            )
        if review.unreviewed_changes:
            warnings.append(
                f"{language}: version {review.version} has changes not yet reviewed (the review "
                f"of {review.reviewed_on.isoformat()} read version {review.reviewed_version}): "
                "review them, then update review.reviewed_on and leave out reviewed_version"
            )
    return warnings


def content_version(contents: Mapping[str, Content]) -> str:
    """A short digest of every language's content as read: it changes with any word.

    Shown by /healthz, so an operator can see which content each server has
    during a rolling update (``flow.layout`` says whether forms still fit).
    """
    digest = hashlib.sha256()
    for language in sorted(contents):
        # Not the sign-off itself: recording a signature changes no word.
        dumped = contents[language].model_dump_json(exclude={"review": {"signed_copy"}})
        digest.update(f"{language}\n{dumped}\n".encode())
    return digest.hexdigest()[:12]


def _sign_order(content: Content) -> list[str]:
    return [f"{sign.id} ({sign.kind})" for sign in content.signs]


def _checklist_kind(content: Content) -> str | None:
    return content.checklist.kind if content.checklist else None


def _source_ids(content: Content) -> list[str]:
    return sorted(source.id for source in content.sources)


# Pydantic's words for the two commonest mistakes, said for the person editing the file.
_PLAIN_MESSAGES = {
    "extra_forbidden": "is not a key this file can have (check its spelling)",
    "missing": "is required, and missing",
}


def describe_error(
    error: ValidationError,
    data: Mapping[str, Any],
    source: str,
    names: tuple[str, ...] = ("id",),
) -> str:
    """Name the file, the entry (with its id where it has one) and the field of each problem.

    ``names`` are the fields that name an entry, the first found being used.
    """
    problems = []
    for detail in error.errors(include_url=False):
        message = _PLAIN_MESSAGES.get(detail["type"], detail["msg"].removeprefix("Value error, "))
        where = _where(list(detail["loc"]), data, names)
        problems.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
    return "\n".join(problems)


def _where(location: list[str | int], data: Any, names: tuple[str, ...]) -> str:
    """Say "entry signs[4] (id 'sweating'), field 'question.other'" for a location."""
    entry = ""
    field: list[str] = []
    node = data
    for part in location:
        if isinstance(part, int) and field:
            item = node[part] if isinstance(node, list) and part < len(node) else None
            if not isinstance(item, dict):
                # A value in a list (an origin, a label): part of the field's name.
                field[-1] += f"[{part}]"
                node = item
                continue
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            entry = ".".join(filter(None, [entry, ".".join(field)])) + f"[{part}]"
            name = next(
                (n for n in names if isinstance(node, dict) and isinstance(node.get(n), str)), None
            )
            if name is not None and isinstance(node, dict):
                entry += f" ({name} {node[name]!r})"
            field = []
        else:
            node = node.get(part) if isinstance(node, dict) else None
            field.append(part)
    named = []
    if entry:
        named.append(f"entry {entry}")
    if field:
        named.append(f"field {'.'.join(field)!r}")
    return ", ".join(named)
