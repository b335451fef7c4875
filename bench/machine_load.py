"""How much of the machine other programs used while a run was measured.

On a shared machine a benchmark's figures are only as good as the quiet
around it. :class:`CpuWatch` reads ``/proc`` before and after a run and
splits the CPU time spent meanwhile into the benchmark's own (this
process's descendants, and the PostgreSQL backends serving its database)
and everybody else's. Linux only; elsewhere it reports nothing.
"""

import os
import resource
import threading
from pathlib import Path

PROC = Path("/proc")
SAMPLE_INTERVAL = 0.5
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_jiffies() -> tuple[int, int]:
    """Return the jiffies of all CPUs: in all, and busy (not idle)."""
    fields = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    values = [int(value) for value in fields[:8]]
    # user nice system idle iowait irq softirq steal
    return sum(values), sum(values) - values[3] - values[4]


def _children_jiffies() -> int:
    # children that already ended (the load generator, pgbench)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * _TICKS)


def _processes() -> dict[int, tuple[int, int, str]]:
    """Return ``pid -> (parent pid, CPU jiffies, command line)``."""
    result = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces
        fields = stat[stat.rindex(")") + 2 :].split()
        parent = int(fields[1])
        jiffies = int(fields[11]) + int(fields[12])
        result[int(entry.name)] = (
            parent,
            jiffies,
            cmdline.replace(b"\0", b" ").decode(errors="replace"),
        )
    return result


class CpuWatch:
    """CPU use of the whole machine and of others, over one run."""

    def __init__(self, database: str, watched: list[int] = ()):
        self.database = database
        self.watched = list(watched)
        self.available = (PROC / "stat").exists()

    def start(self) -> None:
        if not self.available:
            return
        self._machine = _machine_jiffies()
        self._children = _children_jiffies()
        self._before = _processes()
        self._latest = dict(self._before)
        # backends that end before the run does (pgbench's) are only seen
        # while they live: look at /proc every half second
        self._stopping = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stopping.wait(SAMPLE_INTERVAL):
            self._latest.update(_processes())

    def stop(self) -> dict:
        """Return the shares of all CPUs used in all and by others.

        ``watched_cores`` is the CPU the watched processes used, in cores.
        """
        if not self.available:
            return {}
        total, busy = (
            now - then
            for now, then in zip(
                _machine_jiffies(), self._machine, strict=True
            )
        )
        after = _processes()
        ours_pids = self._descendants(after, os.getpid())
        ours = _children_jiffies() - self._children
        for pid, (_, jiffies, cmdline) in after.items():
            if pid in ours_pids or self._serves_us(cmdline):
                ours += jiffies - self._before.get(pid, (0, 0, ""))[1]
        # the watched processes' CPU, in cores (one core busy reads 1.0)
        cores = os.cpu_count() or 1
        watched = sum(
            after[pid][1] - self._before.get(pid, (0, 0, ""))[1]
            for pid in self.watched
            if pid in after
        )
        total = max(total, 1)
        return {
            "busy": busy / total,
            "others": max(0, busy - ours) / total,
            "watched_cores": watched * cores / total,
        }

    def _serves_us(self, cmdline: str) -> bool:
        # PostgreSQL titles a backend "postgres: user database host ..."
        words = cmdline.split()
        return (
            len(words) > 2
            and words[0] == "postgres:"
            and words[2] == self.database
        )

    @staticmethod
    def _descendants(processes, root: int) -> set[int]:
        children: dict[int, list[int]] = {}
        for pid, (parent, _, _) in processes.items():
            children.setdefault(parent, []).append(pid)
        found, stack = set(), [root]
        while stack:
            pid = stack.pop()
            found.add(pid)
            stack.extend(children.get(pid, []))
        return found
