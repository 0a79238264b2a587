"""The embedder the settings ask for, loaded once per process (models are costly to load)."""

from __future__ import annotations

from functools import lru_cache

from aube.config import Settings
from aube.enrich.embed import Embedder, available_embedders, get_embedder
from aube.errors import ConfigError


@lru_cache(maxsize=4)
def _cached(backend: str, precision: str, batch_size: int) -> Embedder:
    return get_embedder(
        backend,
        **({"precision": precision, "batch_size": batch_size} if backend == "minilm" else {}),
    )


def embedder_for(settings: Settings) -> Embedder:
    if settings.embed_backend not in available_embedders():
        raise ConfigError(
            f"unknown embed_backend {settings.embed_backend!r}; known: "
            + ", ".join(available_embedders())
        )
    return _cached(settings.embed_backend, settings.embed_precision, settings.embed_batch_size)
