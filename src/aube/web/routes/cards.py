"""One card: its detail (every source, the story's timeline, earlier cards about it), and
feedback on it (thumbs, less like this, save, dismiss) with or without JavaScript."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from aube.errors import NotFound
from aube.signals import service
from aube.types import Story, StoryItem
from aube.web.auth import ViewerDep
from aube.web.context import WebDep
from aube.web.routes.common import local_next, redirect, wants_json
from aube.web.templating import when

router = APIRouter()

FEEDBACK_WORDS = {
    "up": "Noted: more like this.",
    "down": "Noted: not for you.",
    "less": "Noted: less like this.",
    "save": "Saved.",
    "unsave": "Removed from saved cards.",
    "dismiss": "Dismissed.",
    "open": "",
}


def timeline(story: Story, tz: str) -> list[tuple[str, list[StoryItem]]]:
    """The story's reports grouped by the reader's local day, oldest day first."""
    days: dict[str, list[StoryItem]] = defaultdict(list)
    for item in sorted(story.items, key=lambda i: i.published_at):
        days[when(item.published_at, tz, "day")].append(item)
    return list(days.items())


@router.get("/cards/{card_id}")
def card_page(request: Request, card_id: int, w: WebDep, viewer: ViewerDep) -> Response:
    user = viewer.user
    card = w.store.get_card(user.id, card_id)
    story, days, related = None, [], []
    if card.story_id is not None:
        try:
            story = w.store.get_story(card.story_id)
        except NotFound:
            story = None
        if story is not None:
            days = timeline(story, user.timezone)
        related = [c for c in w.store.cards_for_story(user.id, card.story_id) if c.id != card.id]
    return w.templates.render(
        request, "card.html", card=card, story=story, days=days, related=related, tz=user.timezone
    )


@router.post("/cards/{card_id}/feedback")
def feedback(
    request: Request,
    card_id: int,
    action: Annotated[str, Form(max_length=20)],
    w: WebDep,
    viewer: ViewerDep,
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    card = service.give_feedback(w.store, viewer.user, card_id, action, now=w.clock())
    if wants_json(request):
        return JSONResponse(
            {
                "card": {
                    "id": card.id,
                    "saved": card.saved,
                    "dismissed": card.dismissed,
                    "feedback": card.feedback,
                },
                "message": FEEDBACK_WORDS.get(action, ""),
            }
        )
    return redirect(local_next(next, f"/#card-{card.id}"))
