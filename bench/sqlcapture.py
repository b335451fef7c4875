"""Capture the SQL a request issues and write it as a pgbench script.

:class:`StatementRecorder` listens on engines while a real request runs
and keeps every statement as the database received it (parameters bound
by the driver), whether it ran in a transaction or in autocommit mode,
and how many connections were checked out of the pool: with
``pool_pre_ping`` each checkout costs a ``SELECT 1`` that the driver
sends outside SQLAlchemy's statement events. :func:`pgbench_script`
turns that into a script pgbench can replay, with the same transactions,
and with chosen literals (ids that must differ per transaction) replaced
by pgbench expressions.
"""

import re

from sqlalchemy import event


class StatementRecorder:
    """Record the statements engines execute inside a ``with`` block.

    ``statements`` holds ``(sql, autocommit)`` pairs in the order they
    ran; ``autocommit`` is true for a statement that committed on its own.
    """

    def __init__(self, *engines):
        self.engines = engines
        self.statements: list[tuple[str, bool]] = []
        self.checkouts = 0
        self.pre_ping = any(
            getattr(engine.pool, "_pre_ping", False) for engine in engines
        )

    def _before_cursor_execute(
        self, conn, cursor, statement, parameters, context, executemany
    ):
        autocommit = bool(getattr(cursor.connection, "autocommit", False))
        batches = parameters if executemany else [parameters]
        for batch in batches:
            bound = statement
            mogrify = getattr(cursor, "mogrify", None)
            if mogrify is not None:
                bound = mogrify(statement, batch)
                if isinstance(bound, bytes):
                    bound = bound.decode("utf-8")
            self.statements.append((bound, autocommit))

    def _checkout(self, dbapi_connection, record, proxy):
        self.checkouts += 1

    def __enter__(self) -> "StatementRecorder":
        for engine in self.engines:
            event.listen(
                engine, "before_cursor_execute", self._before_cursor_execute
            )
            event.listen(engine.pool, "checkout", self._checkout)
        return self

    def __exit__(self, *exc_info) -> None:
        for engine in self.engines:
            event.remove(
                engine, "before_cursor_execute", self._before_cursor_execute
            )
            event.remove(engine.pool, "checkout", self._checkout)


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
    """Return a pgbench script of the recorded SQL, one request per run.

    ``replacements`` maps literal UUIDs to SQL expressions (which may use
    pgbench variables set by the ``preamble`` meta-commands). Statements
    that ran in a transaction are wrapped in ``BEGIN`` and ``COMMIT`` as
    the application sent them; statements that ran in autocommit mode
    stand alone. The pool's pre-ping, when an engine has one, comes first
    as it does in the application.
    """
    lines = [f"-- {line}" for line in title.splitlines()]
    lines.extend(preamble or [])
    if recorder.pre_ping:
        lines.append("-- the pool's pre-ping as a request takes a connection")
        lines.extend(["SELECT 1;"] * recorder.checkouts)
    in_transaction = False
    for statement, autocommit in recorder.statements:
        if in_transaction and autocommit:
            lines.append("COMMIT;")
        elif not in_transaction and not autocommit:
            lines.append("BEGIN;")
        in_transaction = not autocommit
        for value, expression in (replacements or {}).items():
            statement = replace_uuid(statement, value, expression)
        lines.append(statement.strip().rstrip(";") + ";")
    if in_transaction:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"
