"""Capacity projection: how many people one model server can brief in a night, and what
N people cost. Pure arithmetic over measured token counts and a server's throughput.

A night's model work is a shared part (story summaries: depends on the news, not on the
number of users) plus a per-user part (per-user lines), so for N users

    seconds(N) = shared / throughput + N * per_user / throughput

where a throughput is the server's *aggregate* tokens per second under a full batch (what
serving benchmarks publish), given for prompt and generated tokens separately when known
(prefill is far faster than decoding on a GPU)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Throughput:
    completion: float  # generated tokens per second (aggregate, batched)
    prompt: float | None = None  # prompt tokens per second; None: as ``completion``

    def seconds(self, prompt_tokens: float, completion_tokens: float) -> float:
        if self.completion <= 0 or (self.prompt is not None and self.prompt <= 0):
            raise ValueError("a throughput must be positive")
        prompt_rate = self.prompt if self.prompt is not None else self.completion
        return prompt_tokens / prompt_rate + completion_tokens / self.completion


@dataclass(frozen=True)
class Work:
    """Tokens of one night: the shared part, and the per-user part of one user."""

    shared_prompt: float
    shared_completion: float
    user_prompt: float
    user_completion: float

    def tokens(self, users: int) -> float:
        return (
            self.shared_prompt
            + self.shared_completion
            + users * (self.user_prompt + self.user_completion)
        )


@dataclass(frozen=True)
class Projection:
    users: int
    shared_seconds: float
    per_user_seconds: float
    seconds: float  # the whole night for ``users``
    server_hours: float
    users_per_server_night: int | None  # None: no per-user work, so no limit from it
    servers_needed: int
    cost: float | None  # for a stated price per server-hour


def project(
    work: Work,
    throughput: Throughput,
    *,
    users: int,
    night_hours: float = 6.0,
    price_per_hour: float | None = None,
) -> Projection:
    shared = throughput.seconds(work.shared_prompt, work.shared_completion)
    per_user = throughput.seconds(work.user_prompt, work.user_completion)
    total = shared + users * per_user
    night = night_hours * 3600
    if per_user > 0:
        per_server = max(int((night - shared) // per_user), 0)
    else:
        per_server = None
    servers = max(math.ceil(total / night), 1) if night > 0 else 1
    hours = total / 3600
    return Projection(
        users=users,
        shared_seconds=shared,
        per_user_seconds=per_user,
        seconds=total,
        server_hours=hours,
        users_per_server_night=per_server,
        servers_needed=servers,
        cost=None if price_per_hour is None else hours * price_per_hour,
    )


def ratio(agent_tokens_per_user: float, work: Work, users: int) -> float:
    """The tokens of the per-user-agent way (each user's model reads their candidate
    stories and writes their cards) divided by Aube's, for ``users`` users."""
    ours = work.tokens(users)
    return users * agent_tokens_per_user / ours if ours else math.inf
