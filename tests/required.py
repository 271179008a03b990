"""Tests that need something from outside Python: skipped where it is missing, failed on CI."""

from __future__ import annotations

import os

import pytest


def ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def need(condition: bool, reason: str) -> None:
    """Skip on a developer's machine when something is missing; fail on CI."""
    if condition:
        return
    if ci():
        pytest.fail(f"{reason} (CI is set, so this test cannot be skipped)")
    pytest.skip(reason)
