"""``aube capacity``: what N readers need (machines, model servers, GPU-hours, night length),
and which figures that rests on were measured, assumed or projected."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aube.cli.common import console, state
from aube.errors import InvalidInput
from aube.llm.capacity import PUBLISHED
from aube.pipeline.capacity import Plan, plan
from aube.pipeline.capacity_inputs import describe, gather, published


def _h(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.2f} h"


def register(app: typer.Typer) -> None:
    @app.command("capacity")
    def capacity(
        ctx: typer.Context,
        users: Annotated[int, typer.Option(help="Readers to plan for.")],
        bench: Annotated[
            Path | None,
            typer.Option(help="Result file of bench/editions_throughput.py (per-user stage)."),
        ] = None,
        window_hours: Annotated[
            float, typer.Option(help="Hours in which the whole night must fit.")
        ] = 6.0,
        machines: Annotated[
            int | None, typer.Option(help="Machines for the per-user stage (default: fewest).")
        ] = None,
        servers: Annotated[
            int | None, typer.Option(help="Model servers (GPUs) (default: fewest).")
        ] = None,
        gpu: Annotated[
            str | None,
            typer.Option(
                help=f"Project a model server from published figures: {', '.join(PUBLISHED)}."
            ),
        ] = None,
        server_tokens_per_s: Annotated[
            float | None, typer.Option(help="A model server's aggregate tokens/s (stated).")
        ] = None,
        shared_seconds: Annotated[
            float | None,
            typer.Option(help="The shared stage's seconds a night, without the model (stated)."),
        ] = None,
        llm_summaries: Annotated[
            bool | None,
            typer.Option(
                "--llm-summaries/--no-llm-summaries",
                help="Plan with LLM story summaries (default: summary_backend).",
            ),
        ] = None,
        personal_lines: Annotated[
            bool | None,
            typer.Option(
                "--personal-lines/--no-personal-lines",
                help="Plan with per-user lines (default: personal_lines).",
            ),
        ] = None,
        price_per_gpu_hour: Annotated[
            float | None, typer.Option(help="Price of one GPU-hour, for a cost per reader.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Machines, model servers, GPU-hours and night length for --users readers, from the
        measured per-user throughput, the measured shared stage and the cost ledger; says
        which figures were measured, assumed or projected, and where each comes from."""
        if users < 1:
            raise InvalidInput("--users must be at least 1")
        if price_per_gpu_hour is not None and price_per_gpu_hour < 0:
            raise InvalidInput("--price-per-gpu-hour cannot be negative")
        st = state(ctx)
        inputs = gather(
            st.store,
            st.settings,
            clock=st.clock,
            bench=bench,
            shared_seconds=shared_seconds,
            server_tokens_per_s=server_tokens_per_s,
            gpu=gpu,
            llm_summaries=llm_summaries,
            personal_lines=personal_lines,
        )
        # The projections always price the model work: with LLM summaries when the settings
        # use none, so an operator sees what turning them on would need.
        with_model = inputs
        if not (inputs.shared_prompt_tokens.value or inputs.shared_completion_tokens.value):
            with_model = gather(
                st.store,
                st.settings,
                clock=st.clock,
                bench=bench,
                shared_seconds=shared_seconds,
                server_tokens_per_s=server_tokens_per_s,
                gpu=gpu,
                llm_summaries=True,
                personal_lines=personal_lines,
            )
        try:
            result = plan(
                inputs,
                users,
                window_hours=window_hours,
                machines=machines,
                servers=servers,
                price_per_gpu_hour=price_per_gpu_hour,
            )
            projections = {
                name: plan(
                    replace(with_model, server_tokens_per_s=published(name)),
                    users,
                    window_hours=window_hours,
                    price_per_gpu_hour=price_per_gpu_hour,
                )
                for name in PUBLISHED
            }
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if as_json:
            print(json.dumps(_json(result, projections), indent=2))
            return
        _print(result, projections)


def _json(result: Plan, projections: dict[str, Plan]) -> dict:
    def one(p: Plan) -> dict:
        return {
            "users": p.users,
            "window_hours": p.window_hours,
            "machines": p.machines,
            "servers": p.servers,
            "night_seconds": p.night_seconds,
            "fits": p.fits,
            "why_not": p.why_not,
            "per_user_seconds_one_machine": p.per_user_seconds,
            "model_seconds_one_server": p.model_seconds,
            "gpu_hours": p.gpu_hours,
            "per_reader_gpu_seconds": p.per_reader_gpu_seconds,
            "per_reader_cost": p.per_reader_cost,
        }

    return {
        "plan": one(result),
        "figures": {name: describe(f) for name, f in result.inputs.figures()},
        "projections": {
            name: one(p) | {"server": describe(p.inputs.server_tokens_per_s)}
            for name, p in projections.items()
        },
    }


def _print(p: Plan, projections: dict[str, Plan]) -> None:
    i = p.inputs
    console.print(f"[bold]Capacity for {p.users:,} readers[/bold], a night of {p.window_hours:g} h")
    console.print(
        f"  per-user stage: {_h(p.per_user_seconds)} on one machine "
        f"({i.editions_per_s.value:,.0f} editions/s) → [bold]{p.machines}[/bold] machine(s)"
    )
    tokens = sum(f.value for _, f in i.figures()[2:4]) + p.users * (
        i.reader_prompt_tokens.value + i.reader_completion_tokens.value
    )
    if p.model_seconds:
        console.print(
            f"  model work: {tokens:,.0f} tokens, {_h(p.model_seconds)} on one server "
            f"({i.server_tokens_per_s.value:,.0f} tokens/s) → [bold]{p.servers}[/bold] "
            f"server(s), {p.gpu_hours:,.2f} GPU-hours"
        )
    else:
        console.print("  model work: none (extractive summaries, no per-user lines)")
    console.print(f"  shared stage without the model: {_h(i.shared_seconds.value)}, once")
    verdict = "fits" if p.fits else f"[red]does not fit[/red]: {p.why_not}"
    console.print(f"  night: [bold]{_h(p.night_seconds)}[/bold] ({verdict})")
    if p.model_seconds:
        cost = f", {p.per_reader_cost:.6f} a reader" if p.per_reader_cost is not None else ""
        console.print(f"  per reader: {p.per_reader_gpu_seconds:.4f} GPU-seconds{cost}")

    console.print("\n[bold]What this rests on[/bold] (measured / assumed / projected / stated)")
    for name, f in i.figures():
        source = f" — {f.source}" if f.source else ""
        console.print(f"  {name}: {f.value:,.1f} {f.unit}, [bold]{f.label}[/bold]{source}")
    console.print()
    first = next(iter(projections.values()))
    extra = (
        ""
        if first.inputs is i or first.inputs.shared_prompt_tokens == i.shared_prompt_tokens
        else ", with LLM summaries"
    )
    console.print(f"[bold]Projections[/bold] on published GPU figures{extra}")
    console.print("(projected from their sources, not measured here)")
    table = Table()
    for col in ("server", "tokens/s", "model time", "servers", "GPU-hours", "GPU-s a reader"):
        table.add_column(col, justify="left" if col == "server" else "right")
    for name, q in projections.items():
        table.add_row(
            PUBLISHED[name].name,
            f"{q.inputs.server_tokens_per_s.value:,.0f}",
            _h(q.model_seconds),
            str(q.servers),
            f"{q.gpu_hours:,.3f}",
            f"{q.per_reader_gpu_seconds:.5f}",
        )
    console.print(table)
    for name in projections:
        console.print(f"  {name}: {PUBLISHED[name].source}")
    shared = first.inputs.shared_prompt_tokens
    console.print(f"  model work priced: {shared.label}, {shared.source}")
