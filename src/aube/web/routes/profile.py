"""What Aube believes about you: every interest with its weight and evidence, editable and
deletable; topics added by hand; imports listed and deletable; everything exportable."""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aube.enrich.factory import embedder_for
from aube.errors import InvalidInput
from aube.signals import service
from aube.signals.export import export_user
from aube.web.auth import Viewer, ViewerDep
from aube.web.context import Web, WebDep
from aube.web.routes.common import redirect

router = APIRouter()


def _page(
    request: Request, w: Web, viewer: Viewer, *, error: str | None = None, status: int = 200
) -> Response:
    uid = viewer.user.id
    interests = w.store.list_interests(uid, now=w.clock())
    return w.templates.render(
        request,
        "profile.html",
        status=status,
        interests=interests,
        imports=w.store.list_imports(uid),
        error=error,
        tz=viewer.user.timezone,
    )


@router.get("/profile")
def profile_page(request: Request, w: WebDep, viewer: ViewerDep) -> Response:
    return _page(request, w, viewer)


@router.post("/profile/interests/{interest_id}")
def edit_interest(
    request: Request,
    interest_id: int,
    label: Annotated[str, Form(max_length=200)],
    weight: Annotated[float, Form(ge=0, le=10)],
    w: WebDep,
    viewer: ViewerDep,
    sign: Annotated[int, Form()] = 1,
) -> Response:
    current = w.store.get_interest(viewer.user.id, interest_id)  # another user's: not found
    changes: dict[str, object] = {}
    if label.strip() != current.label:
        changes["label"] = label.strip()
    if abs(weight - current.weight) > 1e-6:
        changes["weight"] = weight
    if (1 if sign >= 0 else -1) != current.sign:
        changes["sign"] = 1 if sign >= 0 else -1
    if changes:
        try:
            w.store.edit_interest(viewer.user.id, interest_id, now=w.clock(), **changes)
        except InvalidInput as exc:
            return _page(request, w, viewer, error=str(exc), status=400)
    return redirect(f"/profile#interest-{interest_id}", ok="interest")


@router.post("/profile/interests/{interest_id}/delete")
def delete_interest(interest_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    w.store.delete_interest(viewer.user.id, interest_id)
    return redirect("/profile", ok="interest-deleted")


@router.post("/profile/topics")
def add_topics(
    request: Request,
    topics: Annotated[str, Form(max_length=5000)],
    w: WebDep,
    viewer: ViewerDep,
) -> Response:
    try:
        service.add_topics(
            w.store,
            embedder_for(w.settings),
            viewer.user,
            [t for t in re.split(r"[\n,;]+", topics) if t.strip()][:30],
            now=w.clock(),
            origin="manual",
        )
    except InvalidInput as exc:
        return _page(request, w, viewer, error=str(exc), status=400)
    return redirect("/profile", ok="topics")


@router.post("/profile/imports/{import_id}/delete")
def delete_import(import_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    w.store.delete_import(viewer.user.id, import_id)
    return redirect("/profile", ok="import-deleted")


@router.get("/profile/export")
def export(w: WebDep, viewer: ViewerDep) -> Response:
    """Everything private Aube holds about you, as one JSON file to take away."""
    data = export_user(w.store, viewer.user, now=w.clock())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="aube-{viewer.user.handle}.json"'},
    )
