"""The error answers each staff API operation can give, for `responses=` in the routers, so the OpenAPI
document lists what the API really returns (rendered by the handlers in `app/main.py`)."""

from __future__ import annotations

from typing import Any

from app.schemas import ErrorPublic, ValidationErrorPublic

Responses = dict[int | str, dict[str, Any]]

AUTH: Responses = {
    401: {"model": ErrorPublic, "description": "A staff API token is configured and this request lacks it."},
    403: {"model": ErrorPublic, "description": "No token is configured and the client is not on loopback."},
    422: {"model": ValidationErrorPublic, "description": "A parameter or the body is not acceptable."},
}
NOT_FOUND: Responses = {404: {"model": ErrorPublic, "description": "The resident, lease or unit is unknown."}}
CONFLICT: Responses = {
    409: {"model": ErrorPublic, "description": "Refused: it contradicts what is recorded."}
}
BODY: Responses = {
    400: {
        "model": ErrorPublic,
        "description": "The body cannot be read: not UTF-8, or a bad Content-Length.",
    },
    413: {"model": ErrorPublic, "description": "The body is larger than 64 KiB."},
}
