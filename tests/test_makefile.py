"""The Makefile's set-up, run in a copy with a stand-in Python: the version it
needs, said before anything is made; .venv made again when the Python changes;
`make run PORT=...`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

# A stand-in for a Python of a given version: it answers the Makefile's
# version questions as that version would, makes a .venv whose python is the
# same stand-in, and logs the installs instead of making them.
FAKE_PYTHON = """#!{real}
import shutil, sys
from pathlib import Path
VERSION = {version!r}
args = sys.argv[1:]
if args[:1] == ["-c"]:
    sys.version_info = VERSION + (0, "final", 0)
    exec(args[1])
elif args[:2] == ["-m", "venv"]:
    (Path(args[2]) / "bin").mkdir(parents=True)
    shutil.copy(__file__, Path(args[2]) / "bin" / "python")
elif args[:2] == ["-m", "pip"]:
    with open("installs.log", "a") as log:
        log.write("%d.%d\\n" % VERSION)
else:
    sys.exit("unexpected: " + " ".join(args))
"""


def fake_python(folder: Path, name: str, version: tuple[int, int]) -> Path:
    path = folder / name
    path.write_text(FAKE_PYTHON.format(real=sys.executable, version=version))
    path.chmod(0o755)
    return path


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ["Makefile", "pyproject.toml", "constraints.txt"]:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def make(checkout: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_older_python_is_refused_before_anything_is_made(checkout):
    old = fake_python(checkout, "python3.10", (3, 10))
    result = make(checkout, f"PYTHON={old}", ".venv/.installed")
    assert result.returncode != 0
    assert f"needs Python 3.11 or later; {old} is 3.10." in result.stdout, result.stdout
    assert "make PYTHON=python3.11" in result.stdout
    assert not (checkout / ".venv").exists()
    assert not (checkout / "installs.log").exists()


def test_a_missing_python_is_named(checkout):
    result = make(checkout, "PYTHON=python3.0-nowhere", ".venv/.installed")
    assert result.returncode != 0
    assert "needs Python 3.11 or later; python3.0-nowhere is not found." in result.stdout


def test_venv_is_made_once_then_again_when_the_python_changes(checkout):
    python311 = fake_python(checkout, "python3.11", (3, 11))
    python312 = fake_python(checkout, "python3.12", (3, 12))
    log = checkout / "installs.log"

    assert make(checkout, f"PYTHON={python311}", ".venv/.installed").returncode == 0
    assert log.read_text().split() == ["3.11"]
    # Nothing changed: nothing is made.
    again = make(checkout, f"PYTHON={python311}", ".venv/.installed")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout
    assert log.read_text().split() == ["3.11"]

    # Another Python: .venv is made again with it.
    result = make(checkout, f"PYTHON={python312}", ".venv/.installed")
    assert result.returncode == 0, result.stdout + result.stderr
    assert ".venv was made with Python 3.11; making it again with 3.12" in result.stdout
    assert log.read_text().split() == ["3.11", "3.12"]
    venv_python = checkout / ".venv/bin/python"
    assert "VERSION = (3, 12)" in venv_python.read_text()

    # The Python .venv was made with is gone (its python no longer runs): made again.
    venv_python.write_text("#!/nonexistent/python\n")
    result = make(checkout, f"PYTHON={python312}", ".venv/.installed")
    assert "that is no longer there; making it again with 3.12" in result.stdout
    assert log.read_text().split() == ["3.11", "3.12", "3.12"]


def test_make_run_takes_a_port(checkout):
    default = make(checkout, "-n", "run")
    assert "--host 127.0.0.1 --port 5000" in default.stdout, default.stdout + default.stderr
    other = make(checkout, "-n", "run", "PORT=8123")
    assert "--host 127.0.0.1 --port 8123" in other.stdout
    assert "--port 5000" not in other.stdout


def test_make_serve_takes_the_key_or_a_file_holding_it(checkout):
    python311 = fake_python(checkout, "python3.11", (3, 11))
    assert make(checkout, f"PYTHON={python311}", ".venv/.installed").returncode == 0
    gunicorn = checkout / ".venv/bin/gunicorn"
    gunicorn.write_text('#!/bin/sh\necho gunicorn started with "$@"\n')
    gunicorn.chmod(0o755)

    def serve(**environment: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SELFCHECK_")}
        return subprocess.run(
            ["make", "--no-print-directory", f"PYTHON={python311}", "serve"],
            cwd=checkout,
            capture_output=True,
            text=True,
            timeout=60,
            env={**clean, **environment},
        )

    refused = serve()
    assert refused.returncode != 0 and "SELFCHECK_SECRET_KEY is not set" in refused.stdout
    assert "SELFCHECK_SECRET_KEY_FILE=<its path> make serve" in refused.stdout
    from_file = serve(SELFCHECK_SECRET_KEY_FILE=str(checkout / "key"))
    assert "gunicorn started with -c gunicorn.conf.py" in from_file.stdout, from_file.stdout
    assert "gunicorn started" in serve(SELFCHECK_SECRET_KEY="k" * 64).stdout
