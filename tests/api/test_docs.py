"""/docs and /redoc work offline: every script, style and icon they load is served by the app."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

_REFERENCES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|\burl\s*:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(api: TestClient, page: str) -> None:
    response = api.get(page)
    assert response.status_code == 200
    urls = [a or b for a, b in _REFERENCES.findall(response.text)]
    assert urls, "the page references its assets"
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "cdn" not in response.text.lower() and "fonts.googleapis" not in response.text
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts
    for url in urls:
        asset = api.get(url)
        assert asset.status_code == 200, url
        if url in scripts:
            assert "javascript" in asset.headers["content-type"]
            assert len(asset.content) > 100_000  # the real bundle, not a stub
