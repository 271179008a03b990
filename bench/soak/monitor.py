"""The server's workers watched from /proc (Linux): their memory and processor time.

gunicorn's workers are found as its master's children. Their resident memory
is read after the warm-up, every few seconds and at the end (Memory, with the
soak's limit on its growth); processor time is counted from the end of the
warm-up until the load is over, for the workers, this load generator and the
rest of the machine (CpuMark, Processor).
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MEMORY_GROWTH_LIMIT = 0.10
SAMPLE_EVERY = 5.0


def workers(master: int) -> list[int]:
    """gunicorn's workers: the master's children, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # After the command name in parentheses: the state, then the parent's pid.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            found.append(int(entry.name))
    return sorted(found)


def resident_kib(pid: int) -> int | None:
    """A process's resident memory (VmRSS), in KiB; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s*(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else None


def worker_memory(master: int) -> dict[int, int]:
    """Each worker's resident memory in KiB, by pid."""
    found = {pid: resident_kib(pid) for pid in workers(master)}
    return {pid: kib for pid, kib in found.items() if kib is not None}


def scheduled_seconds(pid: int) -> tuple[float, float]:
    """The time a process's main thread has spent on a core, and runnable but
    waiting for one, from /proc/<pid>/schedstat; zeros once it is gone."""
    try:
        on_core, waiting = Path(f"/proc/{pid}/schedstat").read_text().split()[:2]
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(on_core) / 1e9, int(waiting) / 1e9


def machine_busy_seconds() -> float:
    """The processor time all the machine's cores have spent on anything but waiting."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user, nice, system, (idle, iowait,) irq, softirq
    return sum(ticks[i] for i in (0, 1, 2, 5, 6)) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Processor:
    """Where the machine's processor time went while measured, in seconds.

    A sync worker that is neither on a core nor waiting for one is waiting
    for the network: for a connection, or for a client to send its request.
    """

    wall: float
    worker_count: int
    # The workers' time on a core, and runnable but waiting for a core.
    workers: float
    workers_waiting: float
    generator: float
    generator_waiting: float
    machine: float
    cores: int
    # The machine's load average over the minute before the run.
    load_before: float

    @property
    def others(self) -> float:
        return max(0.0, self.machine - self.workers - self.generator)

    def cores_used(self, seconds: float) -> float:
        return seconds / self.wall if self.wall else math.nan

    def worker_share(self, seconds: float) -> float:
        """``seconds`` of all the workers as a share of each one's time."""
        whole = self.wall * self.worker_count
        return seconds / whole if whole else math.nan


@dataclass(frozen=True)
class CpuMark:
    """The processor time counters at one moment."""

    at: float
    worker_count: int
    workers: float
    workers_waiting: float
    generator: float
    generator_waiting: float
    machine: float

    @classmethod
    def now(cls, master: int) -> CpuMark:
        pids = workers(master)
        scheduled = [scheduled_seconds(pid) for pid in pids]
        _, generator_waiting = scheduled_seconds(os.getpid())
        return cls(
            time.monotonic(),
            len(pids),
            sum(on_core for on_core, _ in scheduled),
            sum(waiting for _, waiting in scheduled),
            # Every thread of this process: name lookups may run in others.
            time.process_time(),
            generator_waiting,
            machine_busy_seconds(),
        )

    def until(self, end: CpuMark, load_before: float) -> Processor:
        return Processor(
            end.at - self.at,
            self.worker_count,
            end.workers - self.workers,
            end.workers_waiting - self.workers_waiting,
            end.generator - self.generator,
            end.generator_waiting - self.generator_waiting,
            end.machine - self.machine,
            os.cpu_count() or 1,
            load_before,
        )


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass(frozen=True)
class Memory:
    """The workers' resident memory after the warm-up, at its highest, and at the end."""

    start: Mapping[int, int]
    peak: Mapping[int, int]
    end: Mapping[int, int]
    # All the workers' memory together, after the warm-up and every few seconds after.
    samples: Sequence[int] = ()

    @property
    def same_workers(self) -> bool:
        return bool(self.start) and set(self.start) == set(self.end)

    def growth(self, pid: int) -> float:
        return self.end[pid] / self.start[pid] - 1

    @property
    def largest_growth(self) -> float:
        if not self.same_workers:
            return math.inf
        return max(self.growth(pid) for pid in self.start)

    @property
    def met(self) -> bool:
        return self.same_workers and self.largest_growth < MEMORY_GROWTH_LIMIT
