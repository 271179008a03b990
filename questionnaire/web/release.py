"""Which release of the check answers, with which content: for /healthz.

During a rolling update an operator can watch every server come to the same
lines. ``layout`` is what forms carry (``flow.layout``): while two servers
show different layouts, a page made by one and sent to the other is asked
again rather than saved.
"""

from __future__ import annotations

from flask import Flask

from questionnaire import __version__, flow
from questionnaire.content import Content, content_version

# Kept on the app once worked out: the content does not change while it runs.
_RELEASE = "selfcheck_release"


def release_lines(app: Flask) -> str:
    """``version``, ``content`` and ``layout`` lines, each ``name value``."""
    found = app.extensions.get(_RELEASE)
    if found is None:
        contents: dict[str, Content] = app.extensions["selfcheck_content"]
        layouts = sorted({flow.places(content).layout for content in contents.values()})
        found = app.extensions[_RELEASE] = (
            f"version {__version__}\n"
            f"content {content_version(contents)}\n"
            f"layout {' '.join(layouts)}\n"
        )
    return str(found)
