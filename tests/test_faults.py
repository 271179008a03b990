"""Faults a clinic's server meets, in the middle of a person's check.

A worker killed (out of memory, say), the server restarted for an update,
the secret key rotated: none of them may cost a person the answers they
gave, nor show their browser an error page. The answers live only in the
person's cookie, so any worker, or any server with the key, can go on from
where they were. Everything here is the real gunicorn on 127.0.0.1, over
HTTPS, and each fault is made for real: processes killed, servers stopped.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.pages import text_of
from tests.server import ENGLISH, ProductionServer, Visitor, production_server
from tests.walk import CHECKLIST, SAFETY, SIGN, SUMMARY, USE, WHO, coded

# What the person answers before the fault, in order: the check is for
# someone else, who sweats a lot; nothing else noticed so far.
BEFORE: dict[str, str] = {
    WHO: "other",
    SAFETY: "no",
    USE: "as-prescribed",
    SIGN["shallow-breathing"]: "no",
    SIGN["narrowed-pupils"]: "no",
    SIGN["speech-problems"]: "no",
    SIGN["pain-sensitivity"]: "no",
    SIGN["sweating"]: "often",
}
# The page open in the person's browser when the fault happens.
OPEN = SIGN["nausea"]
# What is left to answer once that page's form is sent.
AFTER: dict[str, str | list[str]] = {
    SIGN["irritability"]: "no",
    SIGN["craving"]: "no",
    CHECKLIST: ["none"],
    SIGN["headaches"]: "no",
}
APOLOGY = "We could not read your earlier answers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionServer]:
    with production_server(tmp_path_factory.mktemp("faults")) as running:
        yield running


@pytest.fixture(scope="module")
def new_key() -> str:
    return secrets.token_hex(32)


@pytest.fixture(scope="module")
def rotated(
    tmp_path_factory: pytest.TempPathFactory, server: ProductionServer, new_key: str
) -> Iterator[ProductionServer]:
    """The server restarted with a new key, the old one (and an older one) kept as fallbacks."""
    environment = {
        "SELFCHECK_SECRET_KEY": new_key,
        "SELFCHECK_SECRET_KEY_FALLBACKS": f"{secrets.token_hex(32)},{server.secret_key}",
    }
    with production_server(tmp_path_factory.mktemp("rotated"), environment) as running:
        yield running


@pytest.fixture(scope="module")
def new_key_only(
    tmp_path_factory: pytest.TempPathFactory, new_key: str
) -> Iterator[ProductionServer]:
    """The server restarted with the new key and no fallback: the old key is gone."""
    environment = {"SELFCHECK_SECRET_KEY": new_key}
    with production_server(tmp_path_factory.mktemp("new-key-only"), environment) as running:
        yield running


def begin(person: Visitor) -> str:
    """Answer everything in BEFORE, then open the next page; its form token."""
    for path, answer in BEFORE.items():
        response = person.answer(path, answer, Origin=person.server.url)
        assert response.status == 303, f"POST {path} gave {response.status}"
    return person.token(OPEN)


def code(path: str, answer: str) -> str:
    """How the page at ``path`` sends ``answer``: its option's code."""
    return coded(ENGLISH, path, answer)["answer"]


def send_open_page(person: Visitor, token: str, answer: str = "no") -> None:
    """Send the form of the page opened before the fault, with the token it came with."""
    # As the page sends it: the answer's code, with the check the page was made for.
    form = {"csrf_token": token, **coded(ENGLISH, OPEN, answer)}
    response, _ = person.send("POST", OPEN, form, Origin=person.server.url)
    assert response.status == 303, f"POST {OPEN} gave {response.status}"
    assert urlsplit(response.headers["Location"]).path == SIGN["irritability"]


def checked(person: Visitor, path: str) -> list[str]:
    """The answers shown chosen on the page at ``path``, as their codes."""
    response, page = person.send("GET", path)
    assert response.status == 200, f"GET {path} gave {response.status}"
    chosen = BeautifulSoup(page, "html.parser").select("input[checked]")
    return [str(field["value"]) for field in chosen]


def assert_answers_kept(person: Visitor) -> None:
    """The answers given before the fault are shown chosen where they were given."""
    assert checked(person, WHO) == [code(WHO, "other")]
    assert checked(person, SIGN["sweating"]) == [code(SIGN["sweating"], "often")]


def go_on(person: Visitor, resumes_at: str) -> BeautifulSoup:
    """From where the server says the person is, answer what is left (AFTER
    only: nothing given before the fault is given again) as Visitor.walk
    does, and return the summary."""
    response, _ = person.send("GET", "/continue")
    assert response.status == 303, f"GET /continue gave {response.status}"
    path = urlsplit(response.headers["Location"]).path
    assert path == resumes_at
    return BeautifulSoup(person.walk(AFTER, start=path, stop=SUMMARY), "html.parser")


def assert_summary_of_the_answers(summary: BeautifulSoup) -> None:
    """The summary is of the answers given before the fault and after it."""
    assert summary.main is not None
    text = text_of(summary.main)
    # Who the check is for was the first answer, given before the fault.
    assert "Signs you noticed in them that are worth talking about" in text
    noticed = [text_of(item) for item in summary.select(".sign-list li")]
    assert len(noticed) == 1, noticed
    assert noticed[0].startswith("Sweating (your answer: Often)"), noticed


def process_state(pid: int) -> str | None:
    """A process's state letter from /proc (Z for a zombie), or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: the fields start after it.
    return stat.rpartition(")")[2].split()[0]


def workers_of(server: ProductionServer) -> list[int]:
    """The live worker processes of the server: its master's children, from /proc."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended while being looked at
        state, parent = fields[0], int(fields[1])
        if parent == server.pid and state != "Z":
            workers.append(int(stat.parent.name))
    return sorted(workers)


def kill_workers(server: ProductionServer) -> list[int]:
    """SIGKILL every worker, as the kernel's out-of-memory killer would, and
    return their ids once they are dead. The master is not told, nor waited
    for: it finds out for itself, and the next request goes to it as it is."""
    workers = workers_of(server)
    assert workers, f"gunicorn (pid {server.pid}) has no workers"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(process_state(pid) not in {None, "Z"} for pid in workers):
        assert time.monotonic() < deadline, f"workers {workers} outlived SIGKILL"
        time.sleep(0.01)
    return workers


def assert_replaced(server: ProductionServer, killed: list[int]) -> None:
    """The master saw each killed worker die, and the workers now are new ones."""
    for pid in killed:
        server.wait_for_log(rf".*Worker \(pid:{pid}\) was sent SIGKILL!.*")
    assert not set(killed) & set(workers_of(server))


def test_workers_killed_between_two_steps_cost_the_person_nothing(server):
    person = Visitor(server)
    token = begin(person)
    killed = kill_workers(server)
    # The form of the page the person had open is sent to workers that never saw them.
    send_open_page(person, token)
    assert_answers_kept(person)
    killed += kill_workers(server)
    summary = go_on(person, resumes_at=SIGN["irritability"])
    assert_summary_of_the_answers(summary)
    assert_replaced(server, killed)


def test_a_worker_killed_while_an_answer_is_on_its_way_loses_only_that_answer(server):
    person = Visitor(server)
    token = begin(person)
    body = urlencode({"csrf_token": token, **coded(ENGLISH, OPEN, "often")}).encode()
    connection = server.connection()
    try:
        connection.putrequest("POST", OPEN)
        for name, value in {
            "Cookie": person.cookie,
            "Origin": server.url,
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
        }.items():
            connection.putheader(name, value)
        # Half the form: a worker has taken the request and waits for the rest.
        connection.endheaders(body[: len(body) // 2])
        killed = kill_workers(server)
        # That request dies with its worker: closed with no answer, as a browser would show.
        with pytest.raises(ConnectionError):
            connection.getresponse()
    finally:
        connection.close()
    # The person loads the page again: the answer on its way was not saved, the others were.
    assert checked(person, OPEN) == []
    assert_answers_kept(person)
    send_open_page(person, person.token(OPEN))
    assert_summary_of_the_answers(go_on(person, resumes_at=SIGN["irritability"]))
    assert_replaced(server, killed)


def test_a_server_stopped_and_started_again_with_the_same_key_goes_on_with_the_answers(
    tmp_path,
):
    key = {"SELFCHECK_SECRET_KEY": secrets.token_hex(32)}
    with production_server(tmp_path / "before", key) as before:
        person = Visitor(before)
        token = begin(person)
    with production_server(tmp_path / "after", key) as after:
        person.server = after
        send_open_page(person, token)
        assert_answers_kept(person)
        assert_summary_of_the_answers(go_on(person, resumes_at=SIGN["irritability"]))


def test_after_the_key_is_rotated_with_the_old_one_kept_the_journey_goes_on(server, rotated):
    person = Visitor(server)
    token = begin(person)
    person.server = rotated
    send_open_page(person, token)
    _, page = person.send("GET", SIGN["irritability"])
    assert APOLOGY not in page
    assert_answers_kept(person)
    assert_summary_of_the_answers(go_on(person, resumes_at=SIGN["irritability"]))


def test_after_the_key_is_changed_without_the_old_one_the_answers_are_gone_with_an_apology(
    server, new_key_only
):
    """The control for the rotation above: without the fallback, it would fail."""
    person = Visitor(server)
    begin(person)
    person.server = new_key_only
    response, _ = person.send("GET", SIGN["sweating"])
    assert response.status == 303
    assert urlsplit(response.headers["Location"]).path == WHO
    response, page = person.send("GET", WHO)
    assert response.status == 200
    notice = BeautifulSoup(page, "html.parser").select_one(".notice")
    assert notice is not None and text_of(notice).startswith(APOLOGY)
    assert checked(person, WHO) == []
    response, _ = person.send("GET", "/continue")
    assert urlsplit(response.headers["Location"]).path == WHO


def test_answers_given_after_a_rotation_no_longer_need_the_old_key(server, rotated, new_key_only):
    """Once the person answers again, their cookie is under the new key: the
    old one can then be dropped without costing them anything."""
    person = Visitor(server)
    token = begin(person)
    person.server = rotated
    send_open_page(person, token)
    person.server = new_key_only
    assert_answers_kept(person)
    assert_summary_of_the_answers(go_on(person, resumes_at=SIGN["irritability"]))
