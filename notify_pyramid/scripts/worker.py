"""``notify-worker <ini> [--beat] [celery worker options]``: run tasks.

Loads the application from the ini file, so the worker uses the same
settings, database engine and providers as the API, and starts a Celery
worker on the configured broker. With ``--beat`` the worker also runs the
beat scheduler of the periodic tasks (run exactly one such worker). Any
other option is passed to ``celery worker``, for example
``--concurrency 8`` or ``--loglevel INFO``.
"""

import argparse
import sys

from pyramid.paster import bootstrap, setup_logging

from ..models import ping_before_use
from ..tasks import celery_app


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="notify-worker", description=__doc__.splitlines()[0]
    )
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument(
        "--beat",
        action="store_true",
        help="also schedule the periodic tasks (in one worker only)",
    )
    return parser.parse_known_args(argv[1:])


def worker_argv(extra: list[str], beat: bool) -> list[str]:
    """Return the ``celery worker`` command line to run."""
    argv = ["worker", *extra]
    if beat:
        argv.append("--beat")
    return argv


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    args, extra = parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        settings = env["registry"].settings
        if not settings.get("celery.broker_url"):
            print(
                "notify-worker cannot start: no broker configured: set the "
                "environment variable CELERY_BROKER_URL or ini key "
                "celery.broker_url",
                file=sys.stderr,
            )
            return 2
        # a task cannot be replayed as a request is: test each connection
        ping_before_use(env["registry"])
        # the app's own configuration, loaded by bootstrap, is the one used
        celery_app.worker_main(worker_argv(extra, args.beat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
