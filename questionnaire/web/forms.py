"""The form adapters: radios for a question, checkboxes for a checklist, both from content."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import StopValidation

from questionnaire.content import Audience, Checklist, Option


class ChoiceForm(FlaskForm):
    """A single choice among a question's options.

    Any value that is not one of the options, sent or forged, gets the
    question's own error message, written for people, rather than WTForms'
    generic "Not a valid choice".
    """

    answer = RadioField(validate_choice=False)

    def __init__(
        self,
        options: tuple[Option, ...],
        error: str,
        audience: Audience,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.answer.choices = [
            SelectChoice(option.value, option.label.for_(audience)) for option in options
        ]
        self._values = {option.value for option in options}
        self._error = error

    def validate_answer(self, field: Field) -> None:
        if field.data not in self._values:
            raise StopValidation(self._error)


class ChecklistForm(FlaskForm):
    """Any of a checklist's signs, or one of its two answers that stand alone.

    Without JavaScript nothing stops a person ticking a sign and "None of
    these" together; they are asked to choose, in words written for people.
    """

    answer = SelectMultipleField(validate_choice=False)

    def __init__(self, checklist: Checklist, audience: Audience, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer.choices = [
            SelectChoice(option.value, option.label.for_(audience)) for option in checklist.options
        ]
        self._checklist = checklist
        self._audience = audience

    def validate_answer(self, field: Field) -> None:
        values = tuple(field.data or ())
        if self._checklist.accepts(values):
            return
        alone = {self._checklist.none.value, self._checklist.unsure.value}
        mixed = len(values) > 1 and bool(alone & set(values))
        error = self._checklist.error_alone if mixed else self._checklist.error
        raise StopValidation(error.for_(self._audience))


class ContinueForm(FlaskForm):
    """A Continue button on a page without a question: only the CSRF token is checked."""


class NoticeForm(ContinueForm):
    """The Continue of a notice, which says which notice was read.

    A notice is shown in the place of the question after it, so a post there
    must say which of the two it comes from.
    """

    FIELD = "notice"
    notice = HiddenField()

    def __init__(self, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind
        # Always this notice's kind, whatever a post said.
        self.notice.data = kind
