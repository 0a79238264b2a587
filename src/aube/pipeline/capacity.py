"""Capacity: what N readers need in machines, model servers (GPU-hours) and night length.
Pure arithmetic over figures that each say where they come from.

A night is, in order: the shared stage without the model (fetch, embed, cluster: depends on
the news, not on the readers), the shared model work (story summaries), the per-user stage
(rank and write every edition: readers ÷ editions per second per machine, spread over
machines in shards) and the per-user model work (per-user lines, when on). So with M
machines and G model servers

    night = shared + (shared tokens + N × tokens per reader) ÷ (G × server rate)
                   + N ÷ (M × editions per second)

The shared stage runs on one machine (it does not grow with the readers); the model work
spreads over servers (replicas) and the per-user stage over machines, both assumed linear
(a projection: shards of thousands of readers cost Ray milliseconds each, see
bench/ray_overhead.py). Given the night's window, the time left after the shared stage is
split between the model work and the per-user stage so that the servers and machines
together are the fewest that fit (or, given one of the two, the fewest of the other).

Every input is a :class:`Figure`, labelled measured (here, by a benchmark or this
installation: when, on what machine), assumed (a default, with its source) or projected
(from published figures, with their sources); the plan carries them so that a report can
say which is which."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Label = Literal["measured", "assumed", "projected", "stated"]


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    label: Label
    source: str  # the command, machine and date; or the publication

    def __post_init__(self) -> None:
        if not math.isfinite(self.value) or self.value < 0:
            raise ValueError(f"{self.unit}: {self.value} is not a non-negative number")


@dataclass(frozen=True)
class Inputs:
    editions_per_s: Figure  # the per-user stage on one machine, end to end
    shared_seconds: Figure  # the shared stage without the model, one night
    shared_prompt_tokens: Figure  # the shared model work of one night
    shared_completion_tokens: Figure
    reader_prompt_tokens: Figure  # the per-user model work of one reader, one night
    reader_completion_tokens: Figure
    server_tokens_per_s: Figure  # one model server under a full batch (aggregate)

    def figures(self) -> list[tuple[str, Figure]]:
        return [
            ("per-user stage, one machine", self.editions_per_s),
            ("shared stage without the model", self.shared_seconds),
            ("shared model work, prompt", self.shared_prompt_tokens),
            ("shared model work, completion", self.shared_completion_tokens),
            ("per-reader model work, prompt", self.reader_prompt_tokens),
            ("per-reader model work, completion", self.reader_completion_tokens),
            ("one model server", self.server_tokens_per_s),
        ]


@dataclass(frozen=True)
class Plan:
    users: int
    window_hours: float
    machines: int  # for the per-user stage
    servers: int  # model servers (GPUs); 0 when the night has no model work
    per_user_seconds: float  # the per-user stage on one machine
    model_seconds: float  # the model work on one server
    night_seconds: float  # with ``machines`` and ``servers``
    gpu_hours: float  # model-server hours, whatever their number
    fits: bool  # the night fits the window
    why_not: str  # when it does not
    per_reader_gpu_seconds: float
    per_reader_cost: float | None  # at a stated price per GPU-hour
    inputs: Inputs

    @property
    def night_hours(self) -> float:
        return self.night_seconds / 3600


def model_tokens(inputs: Inputs, users: int) -> tuple[float, float]:
    """(prompt, completion) tokens of one night for ``users`` readers."""
    prompt = inputs.shared_prompt_tokens.value + users * inputs.reader_prompt_tokens.value
    completion = (
        inputs.shared_completion_tokens.value + users * inputs.reader_completion_tokens.value
    )
    return prompt, completion


def _fewest(model: float, per_user: float, room: float) -> tuple[int, int]:
    """The servers and machines, fewest together (fewer servers on a tie), for which
    ``model / servers + per_user / machines`` fits in ``room`` seconds."""
    if not model:
        return 0, math.ceil(per_user / room)
    best: tuple[int, int] | None = None
    first = math.floor(model / room) + 1  # fewer servers leave no time for the rest
    # The continuous optimum has servers ∝ √model; the integer one is near it.
    guess = math.sqrt(model) * (math.sqrt(model) + math.sqrt(per_user)) / room
    # Bounded: past twice the optimum, more servers only add to the sum.
    for servers in range(first, max(first, math.ceil(guess) * 2) + 1):
        rest = room - model / servers
        machines = math.ceil(per_user / rest)
        if best is None or servers + machines < sum(best):
            best = (servers, machines)
    assert best is not None
    return best


def plan(
    inputs: Inputs,
    users: int,
    *,
    window_hours: float = 6.0,
    machines: int | None = None,
    servers: int | None = None,
    price_per_gpu_hour: float | None = None,
) -> Plan:
    """The machines and servers ``users`` readers need for the night to fit ``window_hours``
    (or, given ``machines`` and/or ``servers``, how long the night is with those)."""
    if users < 1:
        raise ValueError("users must be at least 1")
    if window_hours <= 0:
        raise ValueError("the night's window must be positive")
    if inputs.editions_per_s.value <= 0:
        raise ValueError("editions per second must be positive")
    prompt, completion = model_tokens(inputs, users)
    tokens = prompt + completion
    rate = inputs.server_tokens_per_s.value
    if tokens and rate <= 0:
        raise ValueError("the night has model work: the server's tokens/s must be positive")
    model_one = tokens / rate if tokens else 0.0  # on one server
    per_user_one = users / inputs.editions_per_s.value  # on one machine
    shared = inputs.shared_seconds.value
    window = window_hours * 3600
    left = window - shared  # for the model work and the per-user stage
    why_not = ""
    if left <= 0:
        why_not = (
            f"the shared stage alone ({shared / 3600:.2f} h) does not fit the "
            f"{window_hours:g} h window: it runs once, on one machine"
        )
    room = max(left, 1e-9)
    if not model_one:
        servers = 0
    if why_not:  # no split can help: one of each, to say how long it would take
        machines = machines or 1
        servers = servers if servers is not None else (1 if model_one else 0)
    elif machines is None and servers is None:
        servers, machines = _fewest(model_one, per_user_one, room)
    elif machines is None:
        assert servers is not None
        rest = room - (model_one / servers if servers else 0.0)
        machines = math.ceil(per_user_one / rest) if rest > 0 else 0
        if not machines:
            why_not = why_not or f"the model work alone needs more than {servers} server(s)"
    elif servers is None:
        rest = room - per_user_one / machines
        servers = math.ceil(model_one / rest) if rest > 0 else 0
        if not servers:
            why_not = why_not or f"the per-user stage alone needs more than {machines} machine(s)"
    machines = max(machines or 0, 1)
    servers = servers or 0
    if model_one and servers < 1:
        servers = 1
    night = shared + (model_one / servers if servers else 0.0) + per_user_one / machines
    fits = not why_not and night <= window * (1 + 1e-9)
    if not fits and not why_not:
        why_not = f"{night / 3600:.2f} h with {machines} machine(s) and {servers} server(s)"
    gpu_hours = model_one / 3600
    per_reader = model_one / users
    return Plan(
        users=users,
        window_hours=window_hours,
        machines=machines,
        servers=servers,
        per_user_seconds=per_user_one,
        model_seconds=model_one,
        night_seconds=night,
        gpu_hours=gpu_hours,
        fits=fits,
        why_not=why_not,
        per_reader_gpu_seconds=per_reader,
        per_reader_cost=(
            None if price_per_gpu_hour is None else per_reader / 3600 * price_per_gpu_hour
        ),
        inputs=inputs,
    )
