"""``aube eval``: measured quality, on real data sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from aube.cli.common import console, state
from aube.enrich.factory import embedder_for

app = typer.Typer(
    help="Evaluate clustering and ranking quality on real data sets.", no_args_is_help=True
)


@app.command("clusters")
def clusters(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="BASIL articles_flat.jsonl (event_id, source, title, date, body)."),
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """B-cubed precision/recall/F1 of story clustering, with the default settings."""
    from aube.evaluate.clusters import evaluate_basil

    st = state(ctx)
    with console.status("embedding and clustering…"):
        result = evaluate_basil(
            file,
            st.settings.embed_backend,
            embedder_options={"precision": st.settings.embed_precision}
            if st.settings.embed_backend == "minilm"
            else None,
        )
    if as_json:
        console.print_json(json.dumps(result, default=str))
        return
    a, b = result["aube"], result["baseline"]
    console.print(
        f"{result['articles']} articles, {result['events']} events, embedder {result['embedder']}"
    )
    console.print(
        f"Aube (default settings): B-cubed P {a['precision']:.3f}  R {a['recall']:.3f}  "
        f"F1 {a['f1']:.3f}  ({a['clusters']} clusters)"
    )
    console.print(
        f"Baseline (average link, cosine distance {b['distance']}): P {b['precision']:.3f}  "
        f"R {b['recall']:.3f}  F1 {b['f1']:.3f}  ({b['clusters']} clusters)"
    )
    console.print(
        f"embedding {result['embed_seconds']:.1f}s, evidence + clustering "
        f"{result['evidence_and_cluster_seconds']:.2f}s"
    )


@app.command("mind")
def mind(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="A MIND folder with news.tsv and behaviors.tsv.")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """AUC, MRR, nDCG@5, nDCG@10 of Aube's ranker in the MIND protocol."""
    from aube.rank.mind import evaluate_mind

    st = state(ctx)
    with console.status("embedding news and scoring impressions…"):
        result = evaluate_mind(directory, embedder_for(st.settings))
    if as_json:
        console.print_json(json.dumps(result))
        return
    console.print(
        f"{result['evaluated']} of {result['impressions']} impressions evaluated "
        f"({result['skipped_no_history']} without history text, "
        f"{result['skipped_no_candidates']} without a clicked and an unclicked candidate "
        f"with text); {result['news']} news; {result['seconds']}s"
    )
    console.print(
        f"AUC {result['auc']:.4f}  MRR {result['mrr']:.4f}  nDCG@5 {result['ndcg5']:.4f}  "
        f"nDCG@10 {result['ndcg10']:.4f}"
    )
