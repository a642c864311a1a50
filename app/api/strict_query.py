"""Unknown query parameters are refused, not ignored: `?limt=5` or a misspelt `?as_of=` would otherwise
answer as if the caller had asked for the default, and an operator's script would never know."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError


def known_query_only(request: Request) -> None:
    """A dependency for a router: 422 naming each query parameter its operation does not take."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if not isinstance(dependant, Dependant):
        return
    allowed = _query_names(dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if not unknown:
        return
    takes = f"; this operation takes {', '.join(sorted(allowed))}" if allowed else "; it takes none"
    raise RequestValidationError(
        [
            {
                "type": "extra_forbidden",
                "loc": ("query", name),
                "msg": f"Unknown query parameter{takes}",
                "input": request.query_params.get(name),
            }
            for name in unknown
        ]
    )


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
