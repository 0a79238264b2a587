"""Embeddings, keyed by (content hash, model): an unchanged text is never embedded twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import Connection, insert, select

from aube.store.base import StoreBase, chunks
from aube.store.schema import embeddings


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


class EmbeddingsMixin(StoreBase):
    def get_embeddings(self, hashes: Sequence[str], model: str) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(hashes))):
                query = select(embeddings.c.content_hash, embeddings.c.vector).where(
                    embeddings.c.model == model, embeddings.c.content_hash.in_(part)
                )
                for h, blob in conn.execute(query):
                    found[h] = from_blob(blob)
        return found

    def put_embeddings(
        self, model: str, vectors: Mapping[str, np.ndarray], conn: Connection | None = None
    ) -> None:
        """Store vectors not already stored (a concurrent run may have stored some meanwhile)."""
        if not vectors:
            return
        with self.transaction(conn) as tx:
            present: set[str] = set()
            keys = sorted(vectors)
            for part in chunks(keys):
                present.update(
                    tx.execute(
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
                tx.execute(insert(embeddings), list(part))
