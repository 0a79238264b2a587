"""Capacity: the arithmetic of a night for N readers, and where ``aube capacity`` gets each
figure (a benchmark's result file, this installation's runs and ledger, or a default with
its source), labelled measured, assumed, projected or stated."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from support import NOW
from typer.testing import CliRunner

from aube.cli import app
from aube.clock import fixed_clock
from aube.config import load_settings
from aube.errors import InvalidInput
from aube.pipeline.capacity import Figure, Inputs, plan
from aube.pipeline.capacity_inputs import BENCH_EDITIONS, editions_from_bench, gather
from aube.store import LlmCall, Store


def _f(value: float, unit: str = "", label: str = "measured") -> Figure:
    return Figure(value, unit, label, "test")  # type: ignore[arg-type]


def _inputs(**kw: float) -> Inputs:
    values = {
        "editions_per_s": 1_000.0,
        "shared_seconds": 600.0,
        "shared_prompt_tokens": 2_000_000.0,
        "shared_completion_tokens": 1_000_000.0,
        "reader_prompt_tokens": 0.0,
        "reader_completion_tokens": 0.0,
        "server_tokens_per_s": 5_000.0,
    } | kw
    return Inputs(**{k: _f(v) for k, v in values.items()})


def test_a_million_readers_split_the_window_between_model_and_per_user_work() -> None:
    p = plan(_inputs(), 1_000_000, window_hours=1.0)
    # One machine: 1,000 s of ranking; one server: 600 s of model work; 3,000 s left after
    # the shared stage, shared 600:1,000 between them → 1 server and 1 machine suffice.
    assert (p.per_user_seconds, p.model_seconds) == (1_000.0, 600.0)
    assert (p.machines, p.servers) == (1, 1)
    assert p.night_seconds == 600 + 600 + 1_000 and p.fits
    assert p.gpu_hours == pytest.approx(600 / 3600)
    assert p.per_reader_gpu_seconds == pytest.approx(600 / 1_000_000)
    # Ten times the readers in half the window: 1,200 s for 600 s of model work and 10,000 s
    # of ranking. Fewest together: 3 servers (200 s) and 10 machines (1,000 s); 2 servers
    # would leave 900 s, so 12 machines.
    q = plan(_inputs(), 10_000_000, window_hours=0.5)
    assert (q.servers, q.machines) == (3, 10)
    assert q.fits and q.night_seconds == 600 + 200 + 1_000


def test_per_reader_model_work_grows_with_readers_and_is_priced() -> None:
    p = plan(
        _inputs(reader_prompt_tokens=40, reader_completion_tokens=10),
        100_000,
        window_hours=6,
        price_per_gpu_hour=3.6,
    )
    tokens = 3_000_000 + 100_000 * 50
    assert p.model_seconds == pytest.approx(tokens / 5_000)
    assert p.per_reader_cost == pytest.approx(p.model_seconds / 100_000 / 3600 * 3.6)


def test_given_machines_and_servers_the_plan_says_how_long_and_whether_it_fits() -> None:
    p = plan(_inputs(), 1_000_000, window_hours=0.5, machines=1, servers=1)
    assert p.night_seconds == 2_200 and not p.fits and "2 machine" not in p.why_not
    assert "0.61 h with 1 machine(s) and 1 server(s)" in p.why_not
    q = plan(_inputs(), 1_000_000, window_hours=0.5, servers=1)  # machines: the fewest
    assert q.fits and q.machines == 2


def test_a_shared_stage_longer_than_the_window_cannot_be_helped_by_machines() -> None:
    p = plan(_inputs(shared_seconds=8 * 3600), 1_000, window_hours=6)
    assert not p.fits and "shared stage alone (8.00 h) does not fit" in p.why_not


def test_no_model_work_needs_no_server() -> None:
    p = plan(
        _inputs(shared_prompt_tokens=0, shared_completion_tokens=0, server_tokens_per_s=0),
        1_000,
    )
    assert p.servers == 0 and p.model_seconds == 0 and p.gpu_hours == 0 and p.fits


def test_bad_figures_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="editions/s: -1"):
        _f(-1, "editions/s")
    with pytest.raises(ValueError, match="users"):
        plan(_inputs(), 0)


def _bench_file(tmp_path: Path, **over) -> Path:  # type: ignore[no-untyped-def]
    data = {
        "benchmark": "editions_throughput",
        "format": 1,
        "measured_at": "2026-12-01T10:00:00+00:00",
        "command": "bench/editions_throughput.py --runs 3",
        "machine": {"cpu": "Test CPU 9000", "cores": 2, "bf16": True},
        "store": "sqlite",
        "end_to_end": [
            {"users": 1000, "editions_per_s": 700.0},
            {"users": 10000, "editions_per_s": 950.0},
        ],
    } | over
    path = tmp_path / "editions_throughput.json"
    path.write_text(json.dumps(data))
    return path


def test_the_benchmark_file_gives_a_measured_figure_with_its_machine_and_date(tmp_path) -> None:
    figure = editions_from_bench(_bench_file(tmp_path))
    assert figure.value == 950.0 and figure.label == "measured"
    assert "10,000 readers" in figure.source and "Test CPU 9000, 2 cores" in figure.source
    assert "2026-12-01T10:00:00" in figure.source


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{not json", "is not JSON"),
        (json.dumps({"benchmark": "web_load"}), "not a result file of bench/editions_throughput"),
        (
            json.dumps({"benchmark": "editions_throughput", "end_to_end": [{"users": 5}]}),
            "'end_to_end' must list objects",
        ),
    ],
)
def test_a_broken_benchmark_file_is_an_error_naming_it(tmp_path, content, said) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InvalidInput, match=said) as caught:
        editions_from_bench(path)
    assert str(path.name) in str(caught.value)
    with pytest.raises(InvalidInput, match="cannot read"):
        editions_from_bench(tmp_path / "absent.json")


def _record_night(store: Store) -> None:
    """Runs and ledger rows as a real night leaves them."""
    clock = fixed_clock(NOW - timedelta(hours=3))
    for job, seconds, counts in (
        ("ingest", 40.0, {"fetched": 10}),
        ("stories", 80.0, {"embedded": 300}),
        ("editions", 4.0, {"built": 2_000, "users": 2_000}),
        ("editions", 1.0, {"built": 50, "users": 50}),  # too small to measure readers by
    ):
        run = store.start_run(job, now=clock())
        store.finish_run(run, now=clock(), status="ok", counts=counts, seconds=seconds)
    calls = [
        LlmCall(
            at=NOW - timedelta(hours=3),
            stage="shared",
            purpose="summary",
            backend="openai",
            model="m",
            prompt_tokens=300,
            completion_tokens=100,
            seconds=2.0,
            story_id=None,
        )
        for _ in range(10)
    ]
    store.record_llm_calls(calls)


def test_this_installations_runs_and_ledger_are_measured_figures(any_store, tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        summary_backend="llm",
        llm_backend="openai",
        openai_base_url="http://127.0.0.1:9/v1",  # never asked: the figures are the ledger's
    )
    store = any_store
    _record_night(store)
    inputs = gather(store, settings, clock=fixed_clock(NOW))
    assert inputs.editions_per_s.value == 500.0 and inputs.editions_per_s.label == "measured"
    assert "2,000 editions in 4.0 s" in inputs.editions_per_s.source
    # 120 s of runs, less the model's 20 s of calls over the 4 the backend runs at once
    assert inputs.shared_seconds.value == pytest.approx(120 - 20 / 4)
    assert inputs.shared_seconds.label == "measured"
    assert (inputs.shared_prompt_tokens.value, inputs.shared_completion_tokens.value) == (
        3_000,
        1_000,
    )
    assert inputs.shared_prompt_tokens.label == "measured"
    assert inputs.reader_prompt_tokens.value == 0 and inputs.reader_prompt_tokens.label == "stated"
    # The server: the ledger's per-request rate (a floor), unless a GPU is named.
    assert (
        inputs.server_tokens_per_s.value == 200 and inputs.server_tokens_per_s.label == "measured"
    )
    projected = gather(store, settings, clock=fixed_clock(NOW), gpu="h200")
    assert projected.server_tokens_per_s.label == "projected"
    assert "MLPerf" in projected.server_tokens_per_s.source
    with pytest.raises(InvalidInput, match="unknown --gpu 'tpu'; known: h100, h200, l40s"):
        gather(store, settings, clock=fixed_clock(NOW), gpu="tpu")


def test_an_empty_installation_falls_back_to_defaults_that_name_their_source(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", summary_backend="llm")
    store = Store.open(settings)
    inputs = gather(store, settings, clock=fixed_clock(NOW))
    assert inputs.editions_per_s == BENCH_EDITIONS and "docs/benchmarks.md" in BENCH_EDITIONS.source
    assert (
        inputs.shared_seconds.label == "assumed" and "350 items/s" in inputs.shared_seconds.source
    )
    assert inputs.shared_prompt_tokens.label == "assumed"
    assert "bench/llm_cost.py" in inputs.shared_prompt_tokens.source
    assert inputs.server_tokens_per_s.label == "projected"


def test_aube_capacity_prints_the_plan_and_labels_every_figure(tmp_path) -> None:
    data = tmp_path / "data"
    store = Store.open(load_settings(data_dir=data))
    _record_night(store)
    bench = _bench_file(tmp_path)
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "--data-dir",
            str(data),
            "capacity",
            "--users",
            "1000000",
            "--bench",
            str(bench),
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    out = json.loads(done.output)
    assert out["figures"]["per-user stage, one machine"]["label"] == "measured"
    assert out["figures"]["per-user stage, one machine"]["value"] == 950.0
    assert out["plan"]["per_user_seconds_one_machine"] == pytest.approx(1_000_000 / 950)
    assert out["plan"]["servers"] == 0  # extractive summaries: no model work
    h100 = out["projections"]["h100"]
    assert h100["server"]["label"] == "projected" and h100["servers"] == 1
    assert h100["model_seconds_one_server"] > 0  # priced with LLM summaries
    text = runner.invoke(
        app, ["--data-dir", str(data), "capacity", "--users", "1000", "--bench", str(bench)]
    )
    assert text.exit_code == 0, text.output
    assert "Capacity for 1,000 readers" in text.output and "measured" in text.output
    assert "Projections on published GPU figures" in text.output
    assert "not measured here" in text.output
    bad = runner.invoke(app, ["--data-dir", str(data), "capacity", "--users", "0"])
    assert bad.exit_code != 0
