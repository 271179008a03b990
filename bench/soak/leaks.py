"""The server's log searched for anything private a journey sent it.

Answer values, cookie values, form tokens and the names of the form's fields
must never reach the log; log_leaks says on which lines they did, without
repeating them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Runs of the characters that cookie values and form tokens are made of
# (base64url: they are split into runs at their dots). A run this long is
# never an ordinary word of the log.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{16,}")
# An access line: "GET /question/4 200 12ms", with the client's address first if asked for.
ACCESS_LINE = re.compile(r"(?:\S+ )?([A-Z]+) (\S+) \d{3} (\d+)ms")
# The names of the form's fields and of the cookie, as a form body, a query
# string or a Cookie header would write them: never in a private log.
_FIELD_NAMES = re.compile(r"\b(answer|sign\d+|csrf_token|session)=")


def log_leaks(
    log: str, values: Iterable[str], cookies: Iterable[str], tokens: Iterable[str]
) -> list[str]:
    """Each place in the log that holds an answer value, a cookie value or a form token.

    Cookie values and tokens are long random strings: any run of 16 or more
    of their characters in the log that is part of one of them, or contains
    one of their parts, is a leak, so a cut-off or re-wrapped value counts too.

    Answer values are short words ("no", "me", "other", "sleep") that ordinary
    log text can hold ("no such file"), or hold inside other words ("now",
    "some"). So only whole words count, and only where a request, a form or a
    data structure would put them: after "=" or ":" (a query string, a form
    body, "answer: often"), in quotes ('often', "no"), or as a segment of a
    logged request path. A value that no English sentence of the log would
    use (with a hyphen, or of six letters or more: "not-prescribed",
    "goosebumps", "sometimes") counts as a whole word anywhere.
    """
    values = sorted(set(values), key=len, reverse=True)
    secret_parts = {
        part
        for secret in (*cookies, *tokens)
        for part in re.split(r"[^A-Za-z0-9_-]+", secret)
        if len(part) >= 16
    }
    secret_text = "\n".join(secret_parts)
    either = "|".join(map(re.escape, values)) or r"(?!)"
    distinctive = "|".join(re.escape(v) for v in values if "-" in v or len(v) >= 6) or r"(?!)"
    carried = re.compile(rf"(?:[=:]\s*[\"']?|[\"'])({either})(?![\w-])")
    anywhere = re.compile(rf"(?<![\w-])({distinctive})(?![\w-])")
    value_set = set(values)
    leaks = []
    for number, line in enumerate(log.splitlines(), start=1):
        found = []
        if field_name := _FIELD_NAMES.search(line):
            found.append(f"a form field or cookie name ({field_name.group(1)}=)")
        for run in _TOKEN_RUN.findall(line):
            if run in secret_text or any(part in run for part in secret_parts):
                found.append("a cookie value or form token")
                break
        if match := carried.search(line) or anywhere.search(line):
            found.append(f"the answer value {match.group(1)!r}")
        access = ACCESS_LINE.fullmatch(line)
        if access:
            segments = set(re.split(r"[/?&=;,.]+", access.group(2)))
            if hit := segments & value_set:
                found.append(f"the answer value {sorted(hit)[0]!r} in a path")
        if found:
            leaks.append(f"log line {number}: " + "; ".join(dict.fromkeys(found)))
    return leaks
