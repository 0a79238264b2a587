"""Sending one day's edition on one channel, exactly once.

The steps, each committed before the next (see ``aube.store.delivery`` for the states):

1. **claim** the (channel, day) delivery: a unique row, taken by one worker with a lease;
2. **prepare** the message (nothing has left; a failure here is a clean retry);
3. **begin sending**: record the attempt (``sending``), fenced by the claim;
4. **send**; then record ``sent``, or ``retry`` with a backoff, or ``failed``.

The choice for the one ambiguous case — the worker dies, or the connection drops, after step
3 and before the outcome is known — is *at most once*: the delivery becomes ``unknown``
("perhaps delivered") and is never sent again automatically, because the promise is that an
edition is never sent twice. It shows in the delivery history for the user and the admin,
who may send it again on purpose (``aube deliveries resend``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from aube.clock import Clock
from aube.config import Settings
from aube.deliver.base import Channel, DeliveryError, Outgoing
from aube.deliver.retry import RetryPolicy
from aube.store import ChannelRecord, Store
from aube.types import Edition, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """``status``: sent, retry, failed, unknown, skipped — or busy (another worker holds it, or
    it is already finished) and waiting (no edition yet), which change nothing."""

    status: str
    delivery_id: int | None = None
    error: str | None = None
    detail: str | None = None


def deliver(
    store: Store,
    settings: Settings,
    channel_impl: Channel,
    *,
    user: User,
    channel: ChannelRecord,
    edition: Edition | None,
    worker: str,
    clock: Clock,
    policy: RetryPolicy,
    date: str,
) -> Outcome:
    if edition is None:
        return Outcome("waiting")
    lease = timedelta(seconds=settings.delivery_lease_seconds)
    now = clock()
    # Each step is its own unit, committed before the next: what the store says is what
    # happened, whatever stops this process in between.
    with store.write() as uow:
        claim = uow.deliveries.claim(
            user_id=user.id,
            channel_id=channel.id,
            kind=channel.kind,
            date=date,
            edition_id=edition.id,
            worker=worker,
            now=now,
            lease_until=now + lease,
        )
    if claim is None:
        return Outcome("busy")

    def finish(
        status: str, *, error: str | None = None, detail: str | None = None, counted: bool = False
    ) -> Outcome:
        at = clock()
        retry_at = None
        if status == "retry":
            attempts = claim.attempts + 1
            retry_at = policy.next_attempt(attempts, at, key=claim.id)
            if retry_at is None:
                status, error = "failed", f"gave up after {attempts} tries: {error}"
        with store.write() as uow:
            uow.deliveries.finish(
                claim.id,
                worker=worker,
                now=at,
                status=status,
                error=error,
                detail=detail,
                next_attempt_at=retry_at,
                count_attempt=counted,
            )
        return Outcome(status, claim.id, error, detail)

    if not edition.cards and not settings.delivery_send_empty:
        return finish("skipped", detail="no cards today (delivery_send_empty is off)")
    try:
        prepared = channel_impl.prepare(
            Outgoing(user=user, edition=edition, channel=channel, now=now, delivery_id=claim.id)
        )
    except DeliveryError as exc:
        return finish("failed" if exc.permanent else "retry", error=str(exc), counted=True)
    except Exception as exc:  # a bug rendering one message must not stop the others
        log.exception("preparing delivery %s failed", claim.id)
        return finish("retry", error=f"could not prepare the message: {exc!r}", counted=True)

    with store.write() as uow:  # committed before the message leaves: "perhaps sent" from here
        sending = uow.deliveries.begin_sending(
            claim.id, worker=worker, now=clock(), lease_until=clock() + lease
        )
    if not sending:
        return Outcome("busy", claim.id)  # our lease ran out and another worker took over
    try:
        receipt = channel_impl.send(prepared)
    except DeliveryError as exc:
        if exc.maybe_sent:
            return finish("unknown", error=f"perhaps delivered, so not sent again: {exc}")
        return finish("failed" if exc.permanent else "retry", error=str(exc))
    except Exception as exc:  # unknown failure mid-send: it may have left
        log.exception("sending delivery %s failed", claim.id)
        return finish("unknown", error=f"perhaps delivered, so not sent again: {exc!r}")
    return finish("sent", detail=receipt)
