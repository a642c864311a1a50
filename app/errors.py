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
