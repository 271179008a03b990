#!/bin/sh
# Prepares the self-check's source folder to run from a read-only file
# system: registers the project in the environment (for its flask commands),
# compiles the interface catalogues (the app refuses to start without them)
# and the Python bytecode (nothing can be written at run time).
#
# The Dockerfile runs this script, and so does tests/test_deployment.py.
#
# Usage, from the source folder (pyproject.toml, app.py, questionnaire/, ...):
#     compile-app.sh VENV
# where VENV is the environment made by build-venv.sh.
set -eu

venv="${1:?usage: compile-app.sh VENV}"

# `flask --app app check-config` and `check-content` are entry points of the
# project (pyproject.toml), so the project itself must be installed, not only
# its dependencies. Installed as editable, nothing is copied: the environment
# points at this folder, and the app keeps running from here.
"$venv/bin/python" -m pip install --no-input --disable-pip-version-check \
    --no-deps --editable .
"$venv/bin/flask" --app app check-config --help >/dev/null

"$venv/bin/pybabel" compile --statistics -d questionnaire/translations
for po in questionnaire/translations/*/LC_MESSAGES/messages.po; do
    if [ ! -s "${po%.po}.mo" ]; then
        echo "compile-app.sh: no compiled catalogue for $po" >&2
        exit 1
    fi
done

# Checked against the source's hash, not its time stamp, so the bytecode
# stays valid whatever time stamps the files get when they are copied.
"$venv/bin/python" -m compileall -q --invalidation-mode checked-hash \
    app.py gunicorn.conf.py questionnaire
