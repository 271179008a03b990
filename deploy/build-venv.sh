#!/bin/sh
# Makes the virtual environment the self-check runs in, with the runtime
# dependencies only: the [project] dependencies of pyproject.toml, at the
# versions pinned in constraints.txt. Test and development tools are not
# installed, and neither is the project itself: the app runs from its source
# folder (see compile-app.sh).
#
# The Dockerfile runs this script, and so does tests/test_deployment.py, so
# the image and the test install in the same way.
#
# Usage, from a folder that holds pyproject.toml and constraints.txt:
#     build-venv.sh VENV
# PYTHON names the interpreter to make the environment with (default: python3).
set -eu

venv="${1:?usage: build-venv.sh VENV}"
python="${PYTHON:-python3}"

requirements="$(mktemp)"
trap 'rm -f "$requirements"' EXIT

"$python" -m venv "$venv"
# tomllib is in the standard library from Python 3.11 on.
"$venv/bin/python" - >"$requirements" <<'PY'
import tomllib

with open("pyproject.toml", "rb") as file:
    print("\n".join(tomllib.load(file)["project"]["dependencies"]))
PY

# Wheels only: the image has no compilers, and needs none.
"$venv/bin/python" -m pip install --no-input --disable-pip-version-check \
    --only-binary=:all: -c constraints.txt -r "$requirements"
