"""One of everything a user can own, made through the real routes and the store, so that
tests can aim another user's requests at it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from newsworld import chat_export
from web.client import Browser
from web.world import NOW

from aube.compose.edition import local_date
from aube.store import NewCard, NewEdition, Store
from aube.types import User
from aube.web.tokens import digest, new_api_token


@dataclass(frozen=True)
class Owned:
    user: User
    card: int
    day: str  # a date only this user has an edition for
    request: int
    interest: int
    import_id: int
    job: str
    source: int
    token_id: int
    token: str  # the secret, for the API
    channel: int  # a delivery channel (a notification URL)
    invite: int | None  # only an administrator owns invites
    markers: tuple[str, ...]  # words only this user's data contains


def wait_for_job(b: Browser, path: str) -> dict:
    for _ in range(400):
        status = b.client.get(path, headers={"Accept": "application/json"}).json()
        if status["state"] in ("done", "failed"):
            return status  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"the import at {path} did not finish")


def make_owned(store: Store, b: Browser, user: User, tag: str, *, day: str) -> Owned:
    """``tag`` makes every marker unique to this user (e.g. "quokka")."""
    today = store.get_edition(user.id, local_date(user, NOW))
    assert today is not None and today.cards
    past = store.get_edition(user.id, day)
    if past is None:
        store.save_editions(
            [
                NewEdition(
                    user_id=user.id,
                    date=day,
                    quiet=True,
                    cards=[
                        NewCard(
                            kind="story",
                            story_id=None,
                            story_version=1,
                            headline=f"{tag} old headline",
                            summary="",
                            reason="",
                            interest_id=None,
                            interest_label="",
                            sources=[],
                            changes=[],
                            score=0.1,
                        )
                    ],
                )
            ],
            now=NOW,
        )
    b.get("/curate")
    b.post("/curate", {"text": f"nothing about {tag} ferries"})
    request = next(r for r in store.list_requests(user.id, now=NOW) if tag in r.text)
    b.post("/profile/topics", {"topics": f"{tag} conservation"})
    interest = next(i for i in store.list_interests(user.id) if i.label == f"{tag} conservation")
    export = chat_export(
        {f"{tag} private chat": [f"Where do {tag}s live and what do they eat?"]}, NOW
    )
    upload = b.client.post(
        "/profile/imports",
        data={"kind": "chatgpt", "csrf_token": b.token},
        files={"file": (f"{tag}-chats.json", export, "application/json")},
        follow_redirects=False,
    )
    job_path = upload.headers["location"]
    assert wait_for_job(b, job_path)["state"] == "done"
    (imported,) = [i for i in store.list_imports(user.id) if i["name"] == f"{tag}-chats.json"]
    b.post("/settings/sources", {"url": f"https://{tag}-private.example/feed.xml"})
    source = store.get_source(f"https://{tag}-private.example/feed.xml")
    secret = new_api_token()
    token = store.add_api_token(
        user.id, name=f"{tag}-token", prefix=secret[:9], token_hash=digest(secret), now=NOW
    )
    channel = store.add_channel(user.id, "apprise", now=NOW, target=f"ntfys://ntfy.sh/{tag}-alerts")
    invite = None
    if user.is_admin:
        invite = store.add_invite(
            user.id,
            token_hash=digest(f"{tag}-invite"),
            note=f"{tag}-friend",
            now=NOW,
            expires_at=NOW.replace(year=NOW.year + 1),
        ).id
    return Owned(
        user=user,
        card=today.cards[0].id,
        day=day,
        request=request.id,
        interest=interest.id,
        import_id=imported["id"],
        job=job_path.rsplit("/", 1)[1],
        source=source.id,
        token_id=token.id,
        token=secret,
        channel=channel.id,
        invite=invite,
        markers=(
            f"{tag} ferries",
            f"{tag} conservation",
            f"{tag}-chats.json",
            f"{tag}-private.example",
            f"{tag}-token",
            f"{tag} old headline",
            f"{tag}-friend",
            f"{tag}-alerts",
            user.email or f"{tag}@",
        ),
    )
