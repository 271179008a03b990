"""The domain stays plain Python: only questionnaire.web knows about Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).parent.parent / "questionnaire"
WEB_PACKAGES = ("flask", "flask_wtf", "flask_babel", "wtforms", "werkzeug", "jinja2")


@pytest.mark.parametrize(
    "module",
    ["content.py", "flow.py", "summary.py", "variants.py", "totals.py", "totals_store.py"],
    ids=lambda name: name,
)
def test_domain_modules_import_no_web_framework(module):
    tree = ast.parse((DOMAIN / module).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert imported, f"{module}: no imports found, so this test would prove nothing"
    assert not imported & set(WEB_PACKAGES), f"{module} imports {imported & set(WEB_PACKAGES)}"
