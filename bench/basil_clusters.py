"""Story clustering on BASIL (100 real events x 3 publishers) with Aube's default settings.

    .venv/bin/python bench/basil_clusters.py [--data PATH] [--embedder minilm] [--no-sweep]

Prints B-cubed precision/recall/F1 for the defaults and for the plain average-link baseline,
the seconds each stage took, and the machine. Then a sensitivity sweep: the same figures with
one setting moved at a time. The sweep shows how robust the defaults are; it is NOT how they
were chosen (see ``ClusterParams``: from principle and unlabelled data).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
from dataclasses import replace
from pathlib import Path

from aube.enrich.cluster import ClusterParams
from aube.enrich.embed import cpu_has_bf16, get_embedder, item_text
from aube.evaluate.clusters import evaluate_basil, load_basil

DEFAULT_DATA = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "basil_event_triplets"
    / "articles_flat.jsonl"
)


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def _row(label: str, figures: dict) -> str:
    return (
        f"{label:<34} P {figures['precision']:.3f}  R {figures['recall']:.3f}  "
        f"F1 {figures['f1']:.3f}  clusters {figures['clusters']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    path = args.data.resolve()

    report = evaluate_basil(path, args.embedder)
    n = report["articles"]
    print(f"machine   {os.cpu_count()} CPUs, {_cpu_model()}, bf16 instructions: {cpu_has_bf16()}")
    print(f"embedder  {report['embedder']}")
    print(f"data      {n} articles, {report['events']} gold events ({path.name})")
    print()
    print("Default settings (no label was used to choose them):")
    print(_row("  aube (nightly batches, evidence)", report["aube"]))
    print(_row("  baseline (average link, d=0.4)", report["baseline"]))
    print()
    embed = report["embed_seconds"]
    cluster = report["evidence_and_cluster_seconds"]
    print(
        f"seconds   model load {report['load_seconds']:.2f}, embedding {embed:.2f} "
        f"({n / embed:.0f} articles/s), evidence + clustering {cluster:.3f}; "
        f"end to end without the load {n / (embed + cluster):.0f} articles/s"
    )
    if args.no_sweep:
        return

    rows = load_basil(path)
    vectors = get_embedder(args.embedder).embed(
        [item_text(r.get("title") or "", r.get("body") or "") for r in rows]
    )
    base = ClusterParams()
    print()
    print("Sensitivity sweep, one setting moved at a time (NOT how the defaults were chosen):")
    variants: list[tuple[str, ClusterParams]] = [
        (f"threshold {t}", replace(base, threshold=t)) for t in (0.5, 0.55, 0.6, 0.65, 0.7)
    ]
    variants += [(f"window {w:g} h", replace(base, window_hours=w)) for w in (24, 48, 96, 168)]
    variants += [
        ("no entity/number evidence", replace(base, entity_weight=0.0, number_weight=0.0)),
        ("no time decay", replace(base, time_decay_per_day=0.0)),
        ("publisher penalty 0.05", replace(base, publisher_penalty=0.05)),
    ]
    for label, params in variants:
        figures = evaluate_basil(path, args.embedder, params, vectors=vectors)["aube"]
        mark = "  <- default" if params == base else ""
        print(_row(f"  {label}", figures) + mark)


if __name__ == "__main__":
    main()
