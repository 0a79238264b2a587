"""Importing a ChatGPT export or a notes archive by upload, with progress.

The upload is a plain form post; the import then runs in the background (``aube.web.jobs``)
and the browser lands on a progress page that refreshes itself (a ``<noscript>`` refresh
without JavaScript; with it, a small script polls the same address as JSON)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from aube.enrich.factory import embedder_for
from aube.errors import InvalidInput
from aube.signals import service
from aube.signals.documents import MAX_IMPORT_BYTES
from aube.types import User
from aube.web.auth import ViewerDep
from aube.web.context import Web, WebDep
from aube.web.jobs import Progress, ProgressEmbedder
from aube.web.routes.common import build_today, read_upload, redirect, wants_json

router = APIRouter()

Kind = Literal["chatgpt", "notes"]


def _safe_name(name: str, kind: Kind) -> str:
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name or "").name).strip(" .")[:100]
    return base or ("conversations.json" if kind == "chatgpt" else "notes.zip")


def run_import(
    w: Web, user: User, kind: Kind, name: str, data: bytes, first: bool, progress: Progress
) -> tuple[str, str]:
    """The job: parse, find topics (the slow part, shown step by step), store; then, on the
    first morning, build today's edition at once."""
    progress.step("reading the file")
    embedder = ProgressEmbedder(embedder_for(w.settings), progress, "finding your topics")
    if kind == "chatgpt":
        result = service.import_chats(w.store, embedder, user, data, name=name, now=w.clock())
        noun = "conversation"
    else:
        with tempfile.TemporaryDirectory(prefix="aube-notes-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            result = service.import_notes(w.store, embedder, user, path, now=w.clock())
        noun = "note"
    if result.already:
        message = "This file was imported before; nothing changed."
    else:
        message = (
            f"Read {result.documents} {noun}{'s' if result.documents != 1 else ''}: "
            f"{result.interests} interest{'s' if result.interests != 1 else ''} added "
            "to your profile."
        )
    if first:
        progress.step("building your first edition")
        w.store.get_user(user.id)  # the account may have gone meanwhile: NotFound ends the job
        build_today(w, user, reporter=progress)
        return message + " Your first edition is ready.", "/"
    return message, "/profile"


@router.post("/profile/imports")
async def upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    w: WebDep,
    viewer: ViewerDep,
    kind: Annotated[Kind, Form()] = "chatgpt",
    first: Annotated[bool, Form()] = False,
) -> Response:
    try:
        data = await read_upload(file, limit=MAX_IMPORT_BYTES, what="the file")
    except InvalidInput as exc:
        return w.templates.render(request, "import_job.html", status=400, job=None, error=str(exc))
    name = _safe_name(file.filename or "", kind)
    user = viewer.user
    job = w.jobs.submit(
        user.id,
        f"importing {name}",
        lambda progress: run_import(w, user, kind, name, data, first, progress),
    )
    return redirect(f"/profile/imports/jobs/{job.id}")


@router.get("/profile/imports/jobs/{job_id}")
def job_page(request: Request, job_id: str, w: WebDep, viewer: ViewerDep) -> Response:
    job = w.jobs.get(viewer.user.id, job_id)
    if wants_json(request):
        return JSONResponse(job.public())
    return w.templates.render(request, "import_job.html", job=job, error=None)
