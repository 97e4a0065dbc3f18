"""What a consumer may say about an error, without repeating the data that caused it.

A driver or validator often quotes the value it refused (`invalid input syntax for type integer:
"MOS-123456"`, pydantic's `input_value='...'`): a child's case reference or a line of an audit's
free text would then reach the readiness answer, the status endpoints and the logs. What we show is
the error's kind, its SQLSTATE when a database raised it, and the first line of its message with
every quoted literal masked; for a validation error, the fields and the rules they broke.
"""

from __future__ import annotations

import re
import traceback

from pydantic import ValidationError

MAX_LENGTH = 240
MASK = "…"
# '…', "…" and the "(…)=(…)" of a key detail: where drivers and Python put the values they quote.
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|=\([^)]*\)")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def error_kind(exc: BaseException) -> str:
    """A short, bounded name for the kind of error: a label for metrics."""
    return type(exc).__name__


def describe(exc: BaseException) -> str:
    """One line an operator can act on, free of the values the error was about."""
    if isinstance(exc, ValidationError):
        return _validation(exc)
    kind = error_kind(exc)
    code = getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)
    if code:
        kind = f"{kind} (SQLSTATE {code})"
    lines = str(exc).strip().splitlines()
    message = QUOTED.sub(MASK, lines[0]) if lines else ""
    text = f"{kind}: {message}" if message else kind
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + MASK


def _validation(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    fields = [f"{_location(e['loc'])}: {e['type']}" for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"ValidationError ({exc.title}): {'; '.join(fields)}{more}"


def _location(loc: tuple[int | str, ...]) -> str:
    """Field names and list indexes; a dict key (which is data) is masked."""
    parts = [str(p) if isinstance(p, int) or IDENTIFIER.fullmatch(p) else MASK for p in loc]
    return ".".join(parts) or "(root)"


def frames(exc: BaseException) -> str:
    """Where it failed (file, line, code) for a log's `stack`, without the message, which may quote data."""
    return "".join(traceback.format_tb(exc.__traceback__))
