"""docs/performance.md: each measurement writes its own section, the others are kept."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

PERFORMANCE = Path(__file__).parent.parent / "docs" / "performance.md"
TITLE = (
    "# Performance\n\nWritten by `make bench` and `make soak`; every figure here was measured.\n"
)


def machine() -> str:
    """The machine the figures come from, in one line."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = f", {found.group(1).strip()}" if found else ""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f", {int(found.group(1)) / 1024 / 1024:.0f} GiB" if found else ""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{model}{memory}, "
        f"Python {platform.python_version()}"
    )


def revision() -> str:
    """The commit measured, "-dirty" if files other than this document differ from it."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments],
            capture_output=True,
            text=True,
            check=True,
            cwd=PERFORMANCE.parent.parent,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        document = PERFORMANCE.relative_to(PERFORMANCE.parent.parent).as_posix()
        changed = git("status", "--porcelain", "--", ".", f":!{document}")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}-dirty" if changed else commit


def heading(command: str) -> str:
    """When, where and how a section was measured."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Measured {when} on {machine()}, at commit {revision()}, with:\n\n```\n{command}\n```\n"


def write_section(name: str, body: str, path: Path = PERFORMANCE) -> None:
    """Put ``body`` between this section's markers, keeping every other section."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
