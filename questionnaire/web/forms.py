"""One form adapter for every question: radios built from a content question."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice
from wtforms.validators import StopValidation

from questionnaire.content import Audience, Option


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


class ContinueForm(FlaskForm):
    """A Continue button on a page without a question: only the CSRF token is checked."""
