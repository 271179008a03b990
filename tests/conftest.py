from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from app import create_app
from tests.pages import check_page

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test secret key",
    "SESSION_COOKIE_SECURE": True,
}


class CheckedClient(FlaskClient):
    """A test client that checks every HTML page it receives (see tests/pages.py).

    It also keeps every URL requested, redirects included, so tests can show
    that no answer ever appears in one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls: list[str] = []

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        for step in [*response.history, response]:
            self.urls.append(step.request.url)
            if step.location:
                self.urls.append(step.location)
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            check_page(response)
        return response


def make_app(**overrides: Any) -> Flask:
    app = create_app({**TEST_CONFIG, **overrides})
    app.test_client_class = CheckedClient
    return app


@pytest.fixture
def app() -> Iterator[Flask]:
    yield make_app()


@pytest.fixture
def client(app: Flask) -> CheckedClient:
    client = app.test_client()
    assert isinstance(client, CheckedClient)
    return client


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
