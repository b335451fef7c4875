"""The ``@statsd`` decorator and the process-wide client it reports to."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from time import perf_counter
from typing import Any, TypeVar, overload

from notify_statsd.client import Client, NullClient

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Read by every decorated call, so configure() takes effect at once even
# for functions decorated before it ran.
_client: Client = NullClient()


def configure(client: Client | None) -> None:
    """Make *client* the one that ``@statsd`` reports to in this process.

    Passing ``None`` goes back to a :class:`~notify_statsd.NullClient`.
    """
    global _client
    _client = NullClient() if client is None else client
    logger.debug("Configured statsd client %r", _client)


def get_client() -> Client:
    """Return the client that ``@statsd`` reports to.

    Until :func:`configure` is called this is a
    :class:`~notify_statsd.NullClient`, so decorated code runs anywhere.
    """
    return _client


def metric_name(func: Callable[..., Any], namespace: str | None) -> str:
    """Return the metric name that ``@statsd`` uses for *func*.

    It is ``<namespace>.<function name>`` when *namespace* is given, and
    otherwise the last part of the function's module in its place, so
    ``send`` in ``app.tasks.delivery`` becomes ``delivery.send``.
    """
    name = getattr(func, "__name__", None) or type(func).__name__
    if namespace is None:
        module = getattr(func, "__module__", None) or "__main__"
        namespace = module.rpartition(".")[2]
    return f"{namespace}.{name}" if namespace else name


def _wrap(func: F, namespace: str | None) -> F:
    name = metric_name(func, namespace)
    error_name = name + ".error"

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            client = _client
            if not client.enabled:
                return await func(*args, **kwargs)
            start = perf_counter()
            try:
                result = await func(*args, **kwargs)
            except BaseException:
                client.incr_and_time(
                    error_name, (perf_counter() - start) * 1000.0
                )
                raise
            client.incr_and_time(name, (perf_counter() - start) * 1000.0)
            return result

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        client = _client
        if not client.enabled:
            return func(*args, **kwargs)
        start = perf_counter()
        try:
            result = func(*args, **kwargs)
        except BaseException:
            client.incr_and_time(error_name, (perf_counter() - start) * 1000.0)
            raise
        client.incr_and_time(name, (perf_counter() - start) * 1000.0)
        return result

    return wrapper  # type: ignore[return-value]


@overload
def statsd(func: F, /) -> F: ...


@overload
def statsd(*, namespace: str | None = None) -> Callable[[F], F]: ...


def statsd(
    func: F | None = None, /, *, namespace: str | None = None
) -> F | Callable[[F], F]:
    """Count and time every call of the decorated function.

    Use it bare, ``@statsd``, or with a namespace,
    ``@statsd(namespace="dao")``; see :func:`metric_name` for the name it
    picks. Each call sends one :meth:`~notify_statsd.Client.incr_and_time`
    to the client set by :func:`configure`. A call that raises sends it
    under ``<name>.error`` instead and re-raises the same exception.
    ``async def`` functions are timed until their result is ready and
    stay coroutine functions. When the client is disabled the function is
    called straight through.
    """
    if func is not None:
        return _wrap(func, namespace)

    def decorate(func: F) -> F:
        return _wrap(func, namespace)

    return decorate
