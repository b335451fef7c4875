"""Capture the SQL a request issues and write it as a pgbench script.

:class:`StatementRecorder` listens on an engine while a real request runs
and keeps every statement as the database received it (parameters bound
by the driver), and how many connections were checked out of the pool:
with ``pool_pre_ping`` each checkout costs a ``SELECT 1`` that the driver
sends outside SQLAlchemy's statement events. :func:`pgbench_script`
turns that into a transaction pgbench can replay, with chosen literals
(ids that must differ per transaction) replaced by pgbench expressions.
"""

import re

from sqlalchemy import event


class StatementRecorder:
    """Record the statements an engine executes inside a ``with`` block."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []
        self.checkouts = 0
        self.pre_ping = bool(getattr(engine.pool, "_pre_ping", False))

    def _before_cursor_execute(
        self, conn, cursor, statement, parameters, context, executemany
    ):
        batches = parameters if executemany else [parameters]
        for batch in batches:
            bound = statement
            mogrify = getattr(cursor, "mogrify", None)
            if mogrify is not None:
                bound = mogrify(statement, batch)
                if isinstance(bound, bytes):
                    bound = bound.decode("utf-8")
            self.statements.append(bound)

    def _checkout(self, dbapi_connection, record, proxy):
        self.checkouts += 1

    def __enter__(self) -> "StatementRecorder":
        event.listen(
            self.engine, "before_cursor_execute", self._before_cursor_execute
        )
        event.listen(self.engine.pool, "checkout", self._checkout)
        return self

    def __exit__(self, *exc_info) -> None:
        event.remove(
            self.engine, "before_cursor_execute", self._before_cursor_execute
        )
        event.remove(self.engine.pool, "checkout", self._checkout)


def replace_uuid(sql: str, value: str, expression: str) -> str:
    """Replace the literal UUID ``value`` in ``sql`` by ``expression``.

    The literal may be quoted text or carry a ``::uuid`` cast; the result
    is ``(expression)::uuid`` either way.
    """
    pattern = re.compile(
        r"'" + re.escape(str(value)) + r"'(?:::uuid|::UUID)?", re.IGNORECASE
    )
    return pattern.sub(lambda match: f"({expression})::uuid", sql)


def pgbench_script(
    recorder: StatementRecorder,
    replacements: dict[str, str] | None = None,
    preamble: list[str] | None = None,
    title: str = "",
) -> str:
    """Return a pgbench script of one transaction of the recorded SQL.

    ``replacements`` maps literal UUIDs to SQL expressions (which may use
    pgbench variables set by the ``preamble`` meta-commands). The pool's
    pre-ping, when the engine has one, opens the transaction as it does in
    the application.
    """
    lines = [f"-- {line}" for line in title.splitlines()]
    lines.extend(preamble or [])
    lines.append("BEGIN;")
    if recorder.pre_ping:
        lines.append("-- the pool's pre-ping as a request takes a connection")
        lines.extend(["SELECT 1;"] * recorder.checkouts)
    for statement in recorder.statements:
        for value, expression in (replacements or {}).items():
            statement = replace_uuid(statement, value, expression)
        lines.append(statement.strip().rstrip(";") + ";")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"
