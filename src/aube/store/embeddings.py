"""Embeddings, keyed by (content hash, model): an unchanged text is never embedded twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import insert, select

from aube.store.base import Repo, chunks
from aube.store.schema import embeddings


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


class EmbeddingsRepo(Repo):
    def get_many(self, hashes: Sequence[str], model: str) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for part in chunks(sorted(set(hashes))):
            query = select(embeddings.c.content_hash, embeddings.c.vector).where(
                embeddings.c.model == model, embeddings.c.content_hash.in_(part)
            )
            for h, blob in self.conn.execute(query):
                found[h] = from_blob(blob)
        return found

    def put(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store vectors not already stored (a concurrent run may have stored some meanwhile)."""
        if not vectors:
            return
        present: set[str] = set()
        keys = sorted(vectors)
        for part in chunks(keys):
            present.update(
                self.conn.execute(
                    select(embeddings.c.content_hash).where(
                        embeddings.c.model == model, embeddings.c.content_hash.in_(part)
                    )
                ).scalars()
            )
        rows = [
            {"content_hash": h, "model": model, "vector": to_blob(vectors[h])}
            for h in keys
            if h not in present
        ]
        for part in chunks(rows, 500):
            self.conn.execute(insert(embeddings), list(part))
