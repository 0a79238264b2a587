"""What every request handler reaches: settings, the store, the clock, templates, jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from aube.clock import Clock
from aube.config import Settings
from aube.store import Store
from aube.web.jobs import Jobs

if TYPE_CHECKING:
    from aube.web.templating import Templates


@dataclass
class Web:
    settings: Settings
    store: Store
    clock: Clock
    templates: Templates
    jobs: Jobs


async def web(request: Request) -> Web:
    """A dependency; async because it does no I/O (a sync one would cost a thread hop)."""
    found: Web = request.app.state.web
    return found


WebDep = Annotated[Web, Depends(web)]
