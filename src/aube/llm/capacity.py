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


@dataclass(frozen=True)
class Published:
    """A model server's throughput as published (a projection for Aube: not measured here)."""

    name: str
    tokens_per_s: float  # generated tokens per second, aggregate, under a full batch
    source: str


# Small instruct models on one GPU, batched offline. MLPerf Inference v5.1's Llama 3.1 8B
# task is summarization (CNN/DailyMail), the work of Aube's shared stage; its tokens/s
# counts the generated tokens, the prompts' prefill included in the time. Aube's
# projection charges prompt tokens at the same rate (prompt + completion ÷ this), which
# overstates the time of prompt-heavy work: a cautious projection.
_REDHAT = (
    "Red Hat's MLPerf Inference v5.1 submission, offline scenario: 'Efficient and reproducible "
    "LLM inference: Red Hat MLPerf Inference v5.1 results', Red Hat blog, September 2025 "
    "(redhat.com/…/blog/efficient-and-reproducible-llm-inference-red-hat-mlperf-inference-v51-"
    "results); the task: mlcommons.org/2025/09/small-llm-inference-5-1"
)
H200_OVER_H100 = 118.5 / 84.2  # MLPerf Inference v4.1, Llama 2 70B offline, 8 GPUs each
PUBLISHED: dict[str, Published] = {
    "h100": Published(
        "one H100, Llama 3.1 8B Instruct FP8, vLLM 0.10.0", 5_777, _REDHAT + ": 5,777 tokens/s"
    ),
    "h200": Published(
        "one H200, Llama 3.1 8B Instruct FP8, vLLM",
        5_777 * H200_OVER_H100,
        "the H100 figure × 1.41, the H200's lead over the H100 in MLPerf Inference v4.1 "
        "(Llama 2 70B offline: 118.5 against 84.2 samples/s on 8 GPUs, MLCommons' results as "
        "tabulated at alpha-one-index.github.io/ai-infra-index/specs/inference-benchmarks.html)",
    ),
    "l40s": Published(
        "one L40S, Llama 3.1 8B Instruct FP8, vLLM 0.10.0", 1_642, _REDHAT + ": 1,642 tokens/s"
    ),
}
