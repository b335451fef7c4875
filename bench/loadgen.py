"""A closed-loop HTTP/1.1 load generator on raw asyncio sockets.

Each of ``connections`` persistent connections sends one request, waits
for the whole response, and sends the next at once. Requests come ready
made as bytes from a *source* (see :mod:`bench.sources`), so a request
costs the generator little more than two system calls. Responses are
parsed only as far as the status line and ``Content-Length``.

Responses completed during the warm-up are dropped; those completed in
the ``duration`` that follows are counted, with their latency from the
first byte written to the last byte read. The generator also measures its
own CPU time over the same window, so that a run can show that the
generator was not what limited the rate.

Run it in a process of its own, as :func:`run_in_subprocess` does: it
then competes with the server only for CPU, not for the GIL.
"""

import asyncio
import json
import resource
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = b"\r\ncontent-length:"
#: how many bodies of unexpected answers a result keeps
ERROR_SAMPLES = 3


class Run:
    """The shared state of one run: the clock, the counts, the source."""

    def __init__(self, source, expected_status: int, warmup, duration):
        self.source = source
        self.expected_status = expected_status
        self.started = time.perf_counter()
        self.measure_from = self.started + warmup
        self.measure_until = self.measure_from + duration
        self.stopping = False
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.error_samples: list[str] = []
        self.connection_errors = 0
        self.closed = 0

    def record(self, start: float, end: float, status: int, body: bytes):
        if self.measure_from <= start and end <= self.measure_until:
            self.latencies.append(end - start)
            self.statuses[status] += 1
        if status != self.expected_status and (
            len(self.error_samples) < ERROR_SAMPLES
        ):
            self.error_samples.append(
                f"{status} {body[:300].decode('utf-8', 'replace')}"
            )


class Connection(asyncio.Protocol):
    """One keep-alive connection that sends a request per response."""

    def __init__(self, run: Run, done: asyncio.Future):
        self.run = run
        self.done = done
        self.transport = None
        self.buffer = bytearray()
        self.needed = -1
        self.start = 0.0

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.send_next()

    def send_next(self):
        if self.run.stopping:
            self.transport.close()
            return
        self.buffer.clear()
        self.needed = -1
        request = self.run.source.next_request()
        self.start = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data):
        buffer = self.buffer
        buffer += data
        if self.needed < 0:
            end = buffer.find(HEADER_END)
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            at = head.find(CONTENT_LENGTH)
            if at < 0:
                # every server measured here sends a length
                self.run.connection_errors += 1
                self.transport.close()
                return
            line_end = head.find(b"\r\n", at + 2)
            if line_end < 0:
                line_end = len(head)
            length = int(head[at + len(CONTENT_LENGTH) : line_end])
            self.needed = end + len(HEADER_END) + length
            self.body_at = end + len(HEADER_END)
        if len(buffer) < self.needed:
            return

        now = time.perf_counter()
        status = int(buffer[9:12])
        self.run.record(self.start, now, status, bytes(buffer[self.body_at :]))
        self.send_next()

    def connection_lost(self, exc):
        if not self.run.stopping:
            self.run.connection_errors += 1
        if not self.done.done():
            self.done.set_result(None)


async def _drive(spec: dict, source) -> Run:
    loop = asyncio.get_running_loop()
    run = Run(
        source,
        spec.get("expected_status", 200),
        spec["warmup"],
        spec["duration"],
    )
    targets = [tuple(target) for target in spec["targets"]]

    async def keep_connected(index: int) -> None:
        # a dropped connection is counted and opened again
        host, port = targets[index % len(targets)]
        while not run.stopping:
            done = loop.create_future()
            await loop.create_connection(
                lambda done=done: Connection(run, done), host, port
            )
            await done

    tasks = [
        asyncio.create_task(keep_connected(index))
        for index in range(spec["connections"])
    ]

    await asyncio.sleep(run.measure_from - time.perf_counter())
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.sleep(run.measure_until - time.perf_counter())
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    run.stopping = True
    await asyncio.wait(tasks, timeout=30)
    run.cpu_seconds = (usage_after.ru_utime + usage_after.ru_stime) - (
        usage_before.ru_utime + usage_before.ru_stime
    )
    return run


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run(spec: dict) -> dict:
    """Drive the targets as ``spec`` says; return the counts and latencies.

    ``spec`` holds ``targets`` (``[host, port]`` pairs, connections being
    spread over them in turn), ``connections``, ``warmup`` and
    ``duration`` in seconds, ``expected_status`` and ``source`` (the
    arguments of :func:`bench.sources.make_source`).
    """
    from bench.sources import make_source

    source = make_source(spec["source"])
    result = asyncio.run(_drive(spec, source))
    latencies = sorted(result.latencies)
    count = len(latencies)
    expected = result.statuses.get(spec.get("expected_status", 200), 0)
    return {
        "requests": count,
        "expected": expected,
        "unexpected": count - expected,
        "rate": count / spec["duration"],
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "error_samples": result.error_samples,
        "connection_errors": result.connection_errors,
        "cpu_us_per_request": (
            result.cpu_seconds / count * 1e6 if count else float("nan")
        ),
        "issued": source.issued,
    }


def run_in_subprocess(spec: dict) -> dict:
    """Run :func:`run` in a new Python process and return its result."""
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
        timeout=spec["warmup"] + spec["duration"] + 120,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            "load generator failed:\n" + completed.stderr[-3000:]
        )
    return json.loads(completed.stdout)


def main() -> int:
    spec = json.load(sys.stdin)
    print(json.dumps(run(spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
