"""Request ids on log lines, and the formatters the ini files name.

The request id tween stores the current request's id in a context variable,
and a log record factory installed by this module copies it onto every
record, so each line logged while a request is being handled carries the
id, whichever module logged it.
"""

import contextvars
import json
import logging
import time

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)


def _install_record_factory() -> None:
    # stamp the id when the record is made, not when it is formatted: a
    # handler may format it later, after the request has ended
    previous = logging.getLogRecordFactory()
    if getattr(previous, "notify_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get()
        return record

    factory.notify_request_id = True
    logging.setLogRecordFactory(factory)


_install_record_factory()

# attributes every LogRecord has; anything else was passed in ``extra=``
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__.keys()
) | {"message", "asctime", "request_id", "taskName"}


class RequestFormatter(logging.Formatter):
    """A plain text formatter that adds ``%(request_id)s`` and extras.

    Fields passed with ``extra=`` are appended as ``key=value`` pairs so
    that they are not lost in plain text logs.
    """

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        line = super().format(record)
        extras = _extras(record)
        if extras:
            pairs = " ".join(f"{k}={v}" for k, v in extras.items())
            line = f"{line} [{pairs}]"
        return line


class JSONFormatter(logging.Formatter):
    """One JSON object a line, for log collectors in production."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": time.strftime(
                "%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)
            )
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        data.update(_extras(record))
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def _extras(record: logging.LogRecord) -> dict:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRS and not key.startswith("_")
    }
