"""``/api``: the JSON API's reference, rendered on the server from its OpenAPI document
(no third-party script: the app works offline and under a strict CSP)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aube.web.context import WebDep

router = APIRouter()
METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "")


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = op.get("responses", {})
            ok = next((r for code, r in responses.items() if code.startswith("2")), {})
            returns = ok.get("content", {}).get("application/json", {}).get("schema")
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "tag": (op.get("tags") or ["other"])[0],
                    "params": [p["name"] for p in op.get("parameters", [])],
                    "body": _schema_name(body.get("schema")),
                    "returns": _schema_name(returns),
                }
            )
    return found


@router.get("/api")
def reference(request: Request, w: WebDep) -> Response:
    document = request.app.openapi()
    return w.templates.render(
        request,
        "api.html",
        ops=operations(document),
        schemas=document.get("components", {}).get("schemas", {}),
        version=document.get("info", {}).get("version", ""),
    )


@router.get("/healthz")
def health() -> dict[str, str]:
    """For a load balancer or a container's health check: the process answers."""
    return {"status": "ok"}
