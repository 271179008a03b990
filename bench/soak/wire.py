"""The sizes on the wire: every exchange at a place the same for everyone.

TLS hides what a request or a page says, not how long it is. The check is
built so that every journey is the same on the wire whatever was answered:
the same requests in the same order, each request's body as long as anyone
else's at that place, and each response's body (compressed and padded by the
app) as long as anyone else's there, with the same status.

Each exchange a simulated person makes is recorded (an Exchange) with the
sizes as they were sent: the request's body as sent, and the response's body
as received, still compressed (httpx's ``num_bytes_downloaded``, which counts
the raw bytes before it decodes them); and the heads of both (the request or
status line and the headers, as HTTP/1.1 writes them), which hold the cookie,
padded by the app too. Afterwards they are grouped by place (language,
method and path): a place where the status or any of the sizes were not
always the same is a difference, reported with the sizes and how often each
was seen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where an exchange is: the same for everyone who is there."""

    language: str
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.language})"


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as long as each was on the wire."""

    place: Place
    status: int
    # The request's body as sent (0 for a GET).
    sent: int
    # The response's body as received, before it is decoded.
    received: int
    # The request line and headers as sent; the status line and headers as received.
    sent_head: int = 0
    received_head: int = 0

    @property
    def sizes(self) -> Sizes:
        return Sizes(self.status, self.sent_head, self.sent, self.received_head, self.received)


@dataclass(frozen=True, order=True)
class Sizes:
    """What an exchange looked like on the wire: its status, and the length of each part."""

    status: int
    sent_head: int
    sent: int
    received_head: int
    received: int

    def __str__(self) -> str:
        return (
            f"{self.status}: sent {self.sent_head:,} + {self.sent:,} B, "
            f"received {self.received_head:,} + {self.received:,} B"
        )


def sizes_by_place(exchanges: Iterable[Exchange]) -> dict[Place, Counter[Sizes]]:
    """How often each status and set of sizes was seen at each place."""
    seen: dict[Place, Counter[Sizes]] = defaultdict(Counter)
    for exchange in exchanges:
        seen[exchange.place][exchange.sizes] += 1
    return dict(seen)


def size_differences(exchanges: Iterable[Exchange]) -> list[str]:
    """Each place whose exchanges were not all the same status and sizes, and what they were.

    Sizes are written head + body, in bytes: "200: sent 310 + 0 B, received 402 + 1,827 B".
    """
    differences = []
    for place, counts in sorted(
        sizes_by_place(exchanges).items(),
        key=lambda item: (item[0].language, item[0].path, item[0].method),
    ):
        if len(counts) < 2:
            continue
        statuses = {sizes.status for sizes in counts}
        what = "statuses and sizes" if len(statuses) > 1 else "sizes"
        seen = ", ".join(f"{sizes} (×{count:,})" for sizes, count in sorted(counts.items()))
        differences.append(f"{place}: {len(counts)} different {what}: {seen}")
    return differences
