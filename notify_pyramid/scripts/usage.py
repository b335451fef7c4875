"""``notify_usage <ini> recount [--day YYYY-MM-DD]``: fix daily counters.

Recomputes each service's daily usage counters from
``notification_history`` (normal and team keys, per UTC day), for one day
or for every day that history or the counters hold, corrects those that
drifted, and prints each correction and a summary.
"""

import argparse
import datetime
import sys

from pyramid.paster import bootstrap, setup_logging

from ..notifications.limits import RecountResult, recount_daily_usage


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a day in the form YYYY-MM-DD: {value!r}"
        ) from None


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="notify_usage", description=__doc__.splitlines()[0]
    )
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    commands = parser.add_subparsers(dest="command", required=True)
    recount = commands.add_parser(
        "recount", help="recompute the daily counters from history"
    )
    recount.add_argument(
        "--day",
        type=parse_day,
        help="only this UTC day (default: every day)",
    )
    return parser.parse_args(argv[1:])


def report(result: RecountResult) -> list[str]:
    """Return the lines that describe ``result``."""
    lines = []
    for correction in result.corrections:
        line = (
            f"service {correction.service_id} day {correction.day}: "
            f"{correction.old} -> {correction.new}"
        )
        if not correction.applied:
            line += " (not applied: a send changed it meanwhile)"
        lines.append(line)
    applied = sum(1 for c in result.corrections if c.applied)
    skipped = len(result.corrections) - applied
    counters = "counter" if result.checked == 1 else "counters"
    summary = f"{result.checked} daily {counters} checked, {applied} corrected"
    if skipped:
        summary += f", {skipped} changed during the recount (run it again)"
    lines.append(summary)
    return lines


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    args = parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            result = recount_daily_usage(request.dbsession, args.day)

    # printed only once the corrections are committed
    for line in report(result):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
