"""Walk the check as a person does: GET a page, fill it in, POST, follow the redirect."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.pages import soup


def csrf_token(page: TestResponse) -> str:
    field = soup(page).select_one('input[name="csrf_token"]')
    assert field is not None, f"{page.request.path}: no CSRF token on the page"
    return str(field["value"])


def submit(client: FlaskClient, path: str, **fields: str | list[str]) -> TestResponse:
    """Open ``path``, then post its form with ``fields``, as a browser would."""
    page = client.get(path)
    assert page.status_code == 200, f"GET {path} gave {page.status_code}"
    return client.post(path, data={"csrf_token": csrf_token(page), **fields})


def redirected_to(response: TestResponse) -> str:
    assert response.status_code == 303, (
        f"{response.request.path}: expected a redirect, got {response.status_code}"
    )
    assert response.location is not None
    return urlsplit(response.location).path


def walk(
    client: FlaskClient,
    audience: str = "me",
    safety: str = "no",
    answers: Mapping[str, str] | None = None,
    use: str = "as-prescribed",
    default: str = "no",
    checklist: tuple[str, ...] = ("none",),
    stop_at: str = "/summary",
) -> list[str]:
    """Answer every step until ``stop_at`` and return the paths visited, in order.

    Signs not in ``answers`` get ``default``; ``checklist`` is what is ticked
    on the page of other withdrawal signs. Emergency and interruption pages
    are read and continued past, as a person would.
    """
    answers = answers or {}
    path = "/who"
    visited = []
    while path != stop_at:
        visited.append(path)
        assert len(visited) < 100, f"the check never reached {stop_at}: {visited}"
        if path == "/who":
            response = submit(client, path, answer=audience)
        elif path == "/safety":
            response = submit(client, path, answer=safety)
        elif path == "/how-taken":
            response = submit(client, path, answer=use)
        elif path == "/other-signs":
            response = submit(client, path, answer=list(checklist))
        elif path.startswith("/signs/") and not path.endswith("/help-now"):
            response = submit(client, path, answer=answers.get(path.split("/")[2], default))
        else:  # emergency, interruption, check answers: read, then Continue
            response = submit(client, path)
        path = redirected_to(response)
    visited.append(path)
    return visited
