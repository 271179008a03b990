from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from app import create_app
from questionnaire.flow import Progress
from tests.pages import check_page

# The totals the tests count go to a file of their own, never to the instance
# folder of the working tree (servers started by tests read it from here too).
_TOTALS_DIR = tempfile.mkdtemp(prefix="selfcheck-totals-")
atexit.register(shutil.rmtree, _TOTALS_DIR, ignore_errors=True)
os.environ.setdefault("SELFCHECK_TOTALS_URL", f"sqlite:///{_TOTALS_DIR}/totals.sqlite3")

TEST_CONFIG = {
    "TESTING": True,
    # A key as strong as production asks for (a fixed one: tests read cookies back).
    "SECRET_KEY": "5f0c1a9e7b3d2c48a6e1f7093b8d4c2e9a1f6b0d7c3e8a5f2b9d0c6e1a7f3b4d",
}


class CheckedClient(FlaskClient):
    """A test client that checks every HTML page it receives (see tests/pages.py).

    It also keeps every URL requested, redirects included, and every
    response, so tests can show what a journey leaves in addresses and logs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls: list[str] = []
        self.responses: list[TestResponse] = []

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        # Read the body, then close the response as a server does once it is sent:
        # what is done after sending (counting the totals) is done now.
        response.get_data()
        response.close()
        for step in [*response.history, response]:
            self.responses.append(step)
            self.urls.append(step.request.url)
            if step.location:
                self.urls.append(step.location)
        checkable = response.request.method != "HEAD" and not 300 <= response.status_code < 400
        if response.mimetype == "text/html" and checkable:
            check_page(response)
        return response


def seed_progress(client: FlaskClient, progress: Progress) -> None:
    """Put a person part-way through the check, as if they had answered so far."""
    with client.session_transaction() as session:
        session["progress"] = progress.to_dict()
        session["last_seen"] = int(time.time())


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
