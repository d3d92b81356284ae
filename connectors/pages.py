"""Serving a channel's own page and its static files (the agent console, the dashboard).

Only the files named are served (no path from the request reaches the file system), with
no-store caching and, for the page, a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

NO_STORE = {"Cache-Control": "no-store"}
STRICT_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def page_headers(csp: str = STRICT_CSP) -> dict[str, str]:
    return {
        **NO_STORE,
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def serve_page(
    blueprint: Blueprint,
    *,
    route: str,
    directory: Path,
    files: Mapping[str, str],
    csp: str = STRICT_CSP,
) -> None:
    """`GET {route}` answers directory/index.html; `GET {route}static/<name>` one of `files`
    (name -> MIME type), anything else 404 with a Vietnamese message."""
    headers = page_headers(csp)
    name_prefix = route.strip("/").replace("/", "_") or "root"

    async def page(request: Request) -> HTTPResponse:
        return await response.file(
            directory / "index.html", mime_type="text/html; charset=utf-8", headers=headers
        )

    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in files:
            return response.json(
                {"error": "not_found", "message": "Không có tệp này."}, status=404, headers=NO_STORE
            )
        return await response.file(directory / name, mime_type=files[name], headers=NO_STORE)

    blueprint.add_route(page, route, methods=["GET"], name=f"{name_prefix}_page")
    blueprint.add_route(
        static, f"{route.rstrip('/')}/static/<name>", methods=["GET"], name=f"{name_prefix}_static"
    )
