"""Unknown or repeated query parameters are refused, not ignored: `?limt=5` or a misspelt `?as_of=` would
otherwise answer as if the caller had asked for the default, and `?as_of=2026-01-01&as_of=2026-02-01`
would answer for whichever one the framework kept, and an operator's script would never know."""

from __future__ import annotations

from collections.abc import Sequence
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError


def known_query_only(request: Request) -> None:
    """A dependency for a router: 422 naming each query parameter its operation does not take, and each
    single-valued one given more than once."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if not isinstance(dependant, Dependant):
        return
    names = _query_names(dependant)
    allowed = set(names)
    unknown = sorted(set(request.query_params) - allowed)
    takes = f"; this operation takes {', '.join(sorted(allowed))}" if allowed else "; it takes none"
    problems: list[dict[str, Any]] = [
        {
            "type": "extra_forbidden",
            "loc": ("query", name),
            "msg": f"Unknown query parameter{takes}",
            "input": request.query_params.get(name),
        }
        for name in unknown
    ]
    problems += [
        {
            "type": "too_long",
            "loc": ("query", name),
            "msg": "Given more than once; give it once",
            "input": request.query_params.getlist(name),
        }
        for name, many in sorted(names.items())
        if not many and len(request.query_params.getlist(name)) > 1
    ]
    if problems:
        raise RequestValidationError(problems)


def _query_names(dependant: Dependant) -> dict[str, bool]:
    """Each query parameter's name, and whether it takes several values (a list)."""
    names = {param.alias: _is_sequence(param.field_info.annotation) for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _is_sequence(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Union or origin is UnionType:
        return any(_is_sequence(arg) for arg in get_args(annotation))
    candidate = origin or annotation
    return isinstance(candidate, type) and issubclass(candidate, Sequence) and candidate not in (str, bytes)
