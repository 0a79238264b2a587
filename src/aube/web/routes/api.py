"""The JSON API, ``/api/v1``: today's edition, feedback, curate, saved cards, profile.
Bearer-token authentication only (tokens are made in Settings); its OpenAPI document is
``/openapi.json`` and its reference page ``/api``."""

from __future__ import annotations

import re

from fastapi import APIRouter, Response

from aube.enrich.factory import embedder_for
from aube.errors import NotFound
from aube.signals import service
from aube.types import User
from aube.web.auth import ApiUser
from aube.web.context import Web, WebDep
from aube.web.routes.common import build_today, today
from aube.web.schemas import (
    CardOut,
    CardsOut,
    CurateIn,
    DatesOut,
    EditionOut,
    FeedbackIn,
    ImportOut,
    InterestOut,
    InterestPatch,
    ProfileOut,
    RequestOut,
    RequestsOut,
    TopicsIn,
    UserOut,
)

router = APIRouter(prefix="/api/v1", responses={401: {"description": "No valid API token"}})
NOT_FOUND = {404: {"description": "Not found (or not yours)"}}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _edition(w: Web, user: User, day: str) -> EditionOut:
    edition = w.store.get_edition(user.id, day)
    if edition is None:
        hint = "; POST /api/v1/editions/today/regenerate builds today's now"
        raise NotFound(f"no edition for {day}" + (hint if day == today(w, user) else ""))
    return EditionOut.of(edition)


@router.get("/me", tags=["account"], summary="Who the token belongs to")
def me(user: ApiUser) -> UserOut:
    return UserOut.of(user)


@router.get("/editions", tags=["editions"], summary="Dates of your editions, newest first")
def edition_dates(user: ApiUser, w: WebDep) -> DatesOut:
    return DatesOut(dates=w.store.edition_dates(user.id, limit=365))


@router.get(
    "/editions/today",
    tags=["editions"],
    responses=NOT_FOUND,
    summary="Today's edition (your local today)",
)
def today_edition(user: ApiUser, w: WebDep) -> EditionOut:
    return _edition(w, user, today(w, user))


@router.post(
    "/editions/today/regenerate",
    tags=["editions"],
    summary="Build today's edition again from what Aube knows about you now",
)
def regenerate(user: ApiUser, w: WebDep) -> EditionOut:
    build_today(w, user)
    return _edition(w, user, today(w, user))


@router.get(
    "/editions/{date}",
    tags=["editions"],
    responses=NOT_FOUND,
    summary="The edition of one day (YYYY-MM-DD)",
)
def edition(date: str, user: ApiUser, w: WebDep) -> EditionOut:
    if not _DAY.match(date):
        raise NotFound(f"no edition for {date!r} (dates are YYYY-MM-DD)")
    return _edition(w, user, date)


@router.get("/cards/{card_id}", tags=["cards"], responses=NOT_FOUND, summary="One of your cards")
def card(card_id: int, user: ApiUser, w: WebDep) -> CardOut:
    return CardOut.of(w.store.get_card(user.id, card_id))


@router.post(
    "/cards/{card_id}/feedback",
    tags=["cards"],
    responses=NOT_FOUND,
    summary="Thumbs up/down, less like this, save/unsave, dismiss, open",
)
def feedback(card_id: int, body: FeedbackIn, user: ApiUser, w: WebDep) -> CardOut:
    return CardOut.of(service.give_feedback(w.store, user, card_id, body.action, now=w.clock()))


@router.get("/saved", tags=["cards"], summary="Your saved cards, newest edition first")
def saved(user: ApiUser, w: WebDep) -> CardsOut:
    return CardsOut(cards=[CardOut.of(c) for c in w.store.saved_cards(user.id)])


@router.get("/curate", tags=["curate"], summary="Your active curate requests")
def requests(user: ApiUser, w: WebDep) -> RequestsOut:
    active = w.store.list_requests(user.id, now=w.clock())
    return RequestsOut(requests=[RequestOut.of(r) for r in active])


@router.post(
    "/curate",
    tags=["curate"],
    status_code=201,
    summary="A request in plain words, e.g. 'nothing about crypto'",
)
def curate(body: CurateIn, user: ApiUser, w: WebDep) -> RequestOut:
    request_id, _ = service.curate(
        w.store, embedder_for(w.settings), user, body.text.strip(), now=w.clock()
    )
    made = next(
        r
        for r in w.store.list_requests(user.id, now=w.clock(), active_only=False)
        if r.id == request_id
    )
    return RequestOut.of(made)


@router.delete(
    "/curate/{request_id}",
    tags=["curate"],
    status_code=204,
    responses=NOT_FOUND,
    summary="Withdraw a request",
)
def remove_request(request_id: int, user: ApiUser, w: WebDep) -> Response:
    w.store.remove_request(user.id, request_id)
    return Response(status_code=204)


def _profile(w: Web, user: User) -> ProfileOut:
    return ProfileOut(
        interests=[InterestOut.of(i) for i in w.store.list_interests(user.id, now=w.clock())],
        imports=[
            ImportOut(**{k: i[k] for k in ("id", "kind", "name", "created_at", "stats")})
            for i in w.store.list_imports(user.id)
        ],
    )


@router.get("/profile", tags=["profile"], summary="Every interest with its weight and evidence")
def profile(user: ApiUser, w: WebDep) -> ProfileOut:
    return _profile(w, user)


@router.post("/profile/topics", tags=["profile"], summary="Add topics you follow")
def add_topics(body: TopicsIn, user: ApiUser, w: WebDep) -> ProfileOut:
    service.add_topics(
        w.store, embedder_for(w.settings), user, body.topics, now=w.clock(), origin="manual"
    )
    return _profile(w, user)


@router.patch(
    "/profile/interests/{interest_id}",
    tags=["profile"],
    responses=NOT_FOUND,
    summary="Rename, reweight or flip an interest",
)
def edit_interest(interest_id: int, body: InterestPatch, user: ApiUser, w: WebDep) -> InterestOut:
    changes = body.model_dump(exclude_none=True)
    if not changes:
        return InterestOut.of(w.store.get_interest(user.id, interest_id))
    return InterestOut.of(w.store.edit_interest(user.id, interest_id, now=w.clock(), **changes))


@router.delete(
    "/profile/interests/{interest_id}",
    tags=["profile"],
    status_code=204,
    responses=NOT_FOUND,
    summary="Delete an interest and its evidence",
)
def delete_interest(interest_id: int, user: ApiUser, w: WebDep) -> Response:
    w.store.delete_interest(user.id, interest_id)
    return Response(status_code=204)


@router.delete(
    "/profile/imports/{import_id}",
    tags=["profile"],
    status_code=204,
    responses=NOT_FOUND,
    summary="Delete an import and what only it contributed",
)
def delete_import(import_id: int, user: ApiUser, w: WebDep) -> Response:
    w.store.delete_import(user.id, import_id)
    return Response(status_code=204)
