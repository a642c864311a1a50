"""Errors a person can act on. The CLI prints them; the API returns them as 4xx with the message."""

from __future__ import annotations


class DoorstepError(Exception):
    """Base for expected failures: the message says what was wrong and how to fix it."""

    status_code = 400


class NotFound(DoorstepError):
    status_code = 404


class Conflict(DoorstepError):
    status_code = 409


class InvalidInput(DoorstepError):
    status_code = 422


class ConfigurationError(DoorstepError, ValueError):
    """A setting the requested feature needs is missing or wrong (a ValueError too: a bad setting is a
    bad value, and callers that predate this class catch that)."""

    status_code = 503


NUMERIC_VALUE_OUT_OF_RANGE = "22003"
"""PostgreSQL's SQLSTATE for a number its column type cannot hold (an id beyond INTEGER)."""


def number_out_of_range(exc: BaseException) -> bool:
    """Whether the database refused a number given to it as too large for its column: PostgreSQL's
    `integer out of range`, or SQLite's driver refusing an int beyond 64 bits. Input the edge did not
    bound, never a fault of the data: the caller answers it as bad input, not as a crash."""
    if isinstance(exc, OverflowError):
        return "SQLite INTEGER" in str(exc)
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == NUMERIC_VALUE_OUT_OF_RANGE
