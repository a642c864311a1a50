"""The OpenAPI document says what the API really answers, and bounds what it takes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.bounds import text_problem
from app.main import create_app
from app.schemas import ErrorPublic, ValidationErrorPublic

DOCUMENT: dict[str, Any] = create_app().openapi()
API = {(method.upper(), path): op for path, ops in DOCUMENT["paths"].items() for method, op in ops.items()}


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = DOCUMENT["components"]["schemas"][name]
    return schema


def _ref(response: dict[str, Any]) -> str:
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


@pytest.mark.parametrize("key", [k for k in API if k[1].startswith("/api/")])
def test_every_staff_operation_documents_its_refusals(key: tuple[str, str]) -> None:
    responses = API[key]["responses"]
    expected = {"401", "403", "422"} | ({"400", "404", "409", "413"} if key[0] == "POST" else set())
    if "{ref}" in key[1]:
        expected.add("404")
    assert expected <= set(responses)
    for status in expected:
        assert _ref(responses[status]) == ("ValidationErrorPublic" if status == "422" else "ErrorPublic")


def test_request_lists_and_strings_are_bounded() -> None:
    for name in ("LeaseCreate", "EntryCreate"):
        for field, prop in _schema(name)["properties"].items():
            options = prop.get("anyOf", [prop])
            for option in options:
                if option.get("type") == "array":
                    assert "maxItems" in option, f"{name}.{field}"
                    assert {"maxLength", "enum", "$ref"} & set(option["items"]), f"{name}.{field}"
                if option.get("type") == "string" and "format" not in option:
                    assert "maxLength" in option, f"{name}.{field}"


def test_the_posting_date_is_not_the_clients_to_choose() -> None:
    assert "posted_on" not in _schema("EntryCreate")["properties"]


def test_the_documented_text_pattern_refuses_only_what_the_api_refuses() -> None:
    """Every control and format character (NUL, bidi overrides, zero-width) and line or paragraph
    separator is in the pattern; nothing the API accepts is."""
    documented = _schema("EntryCreate")["properties"]["description"]["pattern"]
    pattern = re.compile(documented)
    for cp in range(0x10000):
        ch = chr(cp)
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            assert pattern.fullmatch(ch) is None and text_problem(ch) is not None, hex(cp)
        elif text_problem(ch) is None:
            assert pattern.fullmatch(ch) is not None, hex(cp)
    assert pattern.fullmatch("Llave — reposición 钥匙")


def test_errors_have_the_documented_shapes(api: TestClient) -> None:
    not_found = api.get("/api/residents/R99999")
    invalid = api.get("/api/residents", params={"limit": 0})
    unauthorised = api.get("/api/properties", headers={"Authorization": "Bearer nope"})
    assert (not_found.status_code, invalid.status_code, unauthorised.status_code) == (404, 422, 401)
    ErrorPublic.model_validate(not_found.json())
    ErrorPublic.model_validate(unauthorised.json())
    body = ValidationErrorPublic.model_validate(invalid.json())
    assert body.errors and body.errors[0].startswith("query.limit:")


def test_a_domain_422_has_the_validation_shape(api: TestClient) -> None:
    lease = {
        "property_code": "maple-court",
        "unit": "A-101",
        "residents": ["R10001", "r10001"],
        "start_on": "2027-06-01",
        "rent_cents": 1_400_00,
    }
    response = api.post("/api/leases", json=lease)
    assert response.status_code == 422
    body = ValidationErrorPublic.model_validate(response.json())
    assert body.errors == [body.detail] and "named twice" in body.detail
