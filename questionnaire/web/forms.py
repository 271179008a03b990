"""The form adapters: radios for a question, a row of radios for each checklist sign.

Every form sends the same number of bytes whatever is chosen: an answer is
sent as a code of fixed length (its place among the question's options), not
as its value, and the checklist sends one such code for every sign. The
length of a request, which the network can see, then never tells an answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice
from wtforms.validators import StopValidation

from questionnaire.content import Audience, Checklist, Option


def codes(values: Sequence[str]) -> dict[str, str]:
    """Each value's code: its place among ``values``, all written with the same width."""
    width = len(str(max(len(values) - 1, 0)))
    return {value: f"{index:0{width}d}" for index, value in enumerate(values)}


class _Coded:
    """Sends codes, shows labels, and gives back values."""

    def __init__(self, values: Sequence[str]) -> None:
        self._codes = codes(values)
        self._values = {code: value for value, code in self._codes.items()}

    def code(self, value: str | None) -> str | None:
        return self._codes.get(value or "")

    def value(self, code: object) -> str | None:
        return self._values.get(code) if isinstance(code, str) else None


class ChoiceForm(FlaskForm):
    """A single choice among a question's options, sent as its code.

    Any code that is not one of the options, sent or forged, gets the
    question's own error message, written for people, rather than WTForms'
    generic "Not a valid choice".
    """

    answer = RadioField(validate_choice=False)

    def __init__(
        self,
        options: tuple[Option, ...],
        error: str,
        audience: Audience,
        saved: str | None,
        **kwargs: Any,
    ) -> None:
        self._coded = _Coded([option.value for option in options])
        if "formdata" in kwargs:  # shown with the saved answer, not with what was sent
            kwargs["data"] = {"answer": self._coded.code(saved)}
        super().__init__(**kwargs)
        self.answer.choices = [
            SelectChoice(self._coded.code(option.value), option.label.for_(audience))
            for option in options
        ]
        self._error = error

    @property
    def value(self) -> str | None:
        """The value of the option chosen."""
        return self._coded.value(self.answer.data)

    def validate_answer(self, field: Field) -> None:
        if self.value is None:
            raise StopValidation(self._error)


class ChecklistForm(FlaskForm):
    """Yes, no or not sure for each sign of a checklist: one field per sign, always all sent.

    Built for a checklist by ``checklist_form``. A sign left without an answer
    gets the checklist's error, written for people; the answers given stay
    chosen on the page.
    """

    checklist: Checklist
    names: dict[str, str]  # each sign's field name, by the sign's value

    def __init__(
        self,
        audience: Audience,
        saved: Mapping[str, str] | None,
        **kwargs: Any,
    ) -> None:
        self._coded = _Coded([value for value, _label in self.checklist.item_answers])
        if "formdata" in kwargs:
            kwargs["data"] = {
                name: self._coded.code((saved or {}).get(value))
                for value, name in self.names.items()
            }
        super().__init__(**kwargs)
        choices = [
            SelectChoice(self._coded.code(value), label)
            for value, label in self.checklist.item_answers
        ]
        for item in self.checklist.items:
            field = self[self.names[item.value]]
            field.choices = choices
            field.label.text = item.label.for_(audience)
        self.error = self.checklist.error.for_(audience)

    @property
    def rows(self) -> list[Field]:
        """Each sign's field, in the checklist's order."""
        return [self[self.names[item.value]] for item in self.checklist.items]

    @property
    def value(self) -> dict[str, str]:
        """Each sign's answer (yes, no or not sure), for the signs answered."""
        answers = {item.value: self._coded.value(self[name].data) for item, name in self._named}
        return {sign: answer for sign, answer in answers.items() if answer is not None}

    @property
    def _named(self) -> list[tuple[Option, str]]:
        return [(item, self.names[item.value]) for item in self.checklist.items]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        if self.checklist.accepts(self.value):
            return valid
        for item, name in self._named:
            if item.value not in self.value:
                self[name].errors = [self.error]
        return False


_CHECKLIST_FORMS: dict[int, type[ChecklistForm]] = {}


def checklist_fields(checklist: Checklist, answers: Mapping[str, str | None]) -> dict[str, str]:
    """The fields the checklist page sends for ``answers`` (a sign's answer, or None: none)."""
    form_class = _checklist_form_class(checklist)
    answer_codes = codes([value for value, _label in checklist.item_answers])
    return {
        form_class.names[sign]: answer_codes[answer]
        for sign, answer in answers.items()
        if answer is not None
    }


def checklist_form(
    checklist: Checklist, audience: Audience, saved: Mapping[str, str] | None, **kwargs: Any
) -> ChecklistForm:
    """The form for ``checklist``: a field for each of its signs, named by its place."""
    return _checklist_form_class(checklist)(audience, saved, **kwargs)


def _checklist_form_class(checklist: Checklist) -> type[ChecklistForm]:
    form_class = _CHECKLIST_FORMS.get(id(checklist))
    if form_class is None or form_class.checklist is not checklist:
        numbered = codes([item.value for item in checklist.items])
        names = {value: f"sign{code}" for value, code in numbered.items()}
        fields = {name: RadioField(validate_choice=False) for name in names.values()}
        form_class = type(
            "ChecklistPage", (ChecklistForm,), {**fields, "checklist": checklist, "names": names}
        )
        _CHECKLIST_FORMS[id(checklist)] = form_class
    return form_class


class ContinueForm(FlaskForm):
    """A Continue button on a page without a question: only the CSRF token is checked."""
