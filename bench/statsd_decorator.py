"""Measure what the ``@statsd`` decorator adds to a function call.

Run from the repository root with notify_statsd and statsd installed::

    python bench/statsd_decorator.py

It prints the cost per call, in nanoseconds, of a bare call; of the same
call inside ``statsd.StatsClient.timer()`` followed by ``incr()``, the
usual way to count and time with the statsd package (two datagrams); of
the call decorated with ``@statsd`` and an enabled client (one datagram);
and of the decorated call with a disabled client. Every datagram goes to
a UDP socket that this script binds on 127.0.0.1, so each send is real.
Each figure is the best of several repeats.
"""

from __future__ import annotations

import os
import platform
import socket
import timeit
from collections.abc import Callable

import statsd as statsd_package

from notify_statsd import Client, NullClient, StatsdClient, configure, statsd

NAME = "bench.work"
REPEATS = 7


def work() -> int:
    return 1


def main() -> None:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    port = sink.getsockname()[1]

    package_client = statsd_package.StatsClient(
        "127.0.0.1", port, prefix="notifications.api"
    )

    def timer_and_incr() -> None:
        with package_client.timer(NAME):
            work()
        package_client.incr(NAME)

    decorated = statsd(namespace="bench")(work)
    enabled = StatsdClient(host="127.0.0.1", port=port)
    disabled = StatsdClient(host="127.0.0.1", port=port, enabled=False)
    enabled.incr("bench.warm_up")  # looks the address up

    # label, client to configure first, function, calls per repeat
    cases: list[tuple[str, Client | None, Callable[[], object], int]] = [
        ("bare call", None, work, 2_000_000),
        ("statsd timer() + incr()", None, timer_and_incr, 20_000),
        ("@statsd, enabled", enabled, decorated, 20_000),
        ("@statsd, disabled", disabled, decorated, 2_000_000),
        ("@statsd, NullClient", NullClient(), decorated, 2_000_000),
    ]

    # the repeats take turns, so a slow spell of the machine does not
    # fall on one case only; each case keeps its best repeat
    results = dict.fromkeys([case[0] for case in cases], float("inf"))
    for _ in range(REPEATS):
        for label, client, func, number in cases:
            configure(client)
            seconds = timeit.timeit(func, number=number)
            results[label] = min(results[label], seconds / number * 1e9)

    configure(None)
    enabled.close()
    package_client.close()
    sink.close()

    print(
        f"python {platform.python_version()} on {platform.machine()},"
        f" {platform.system()}, {os.cpu_count()} cores"
    )
    width = max(len(label) for label in results)
    for label, ns in results.items():
        print(f"{label:<{width}}  {ns:10.1f} ns/call")

    ratio = results["@statsd, enabled"] / results["statsd timer() + incr()"]
    overhead = results["@statsd, disabled"] - results["bare call"]
    print()
    print(
        f"enabled / statsd timer()+incr(): {ratio:.2f}"
        f" (goal <= 0.50: {'met' if ratio <= 0.5 else 'missed'})"
    )
    print(
        f"disabled - bare call: {overhead:.1f} ns"
        f" (goal < 1000 ns: {'met' if overhead < 1000 else 'missed'})"
    )


if __name__ == "__main__":
    main()
