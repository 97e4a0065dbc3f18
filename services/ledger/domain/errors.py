"""Named domain errors. The HTTP layer maps each class to one status code."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class: a command was refused and nothing was recorded."""


class InvalidCommand(LedgerError):
    """The input breaks a rule (HTTP 422). Names the field and the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class StateConflict(LedgerError):
    """The aggregate's state forbids the command, e.g. moderating an unsubmitted audit (HTTP 409)."""


class VersionConflict(StateConflict):
    """If-Match named a version that is no longer current (HTTP 409)."""


class NotPermitted(LedgerError):
    """The actor's role or scope may not do this (HTTP 403)."""


class NotFound(LedgerError):
    """No aggregate with that id (HTTP 404)."""
