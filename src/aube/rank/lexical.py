"""Word evidence next to embeddings: a topic the person typed ("crypto", "Rust 2027 edition")
matches a story that contains all of its words, whatever the embedding thinks.

Small sentence models place a one-word topic poorly (MiniLM puts "crypto" at cosine 0.28 from
a story about Bitcoin's price), and "nothing about X" must hide stories that say X. Words are
compared by a crude truncation stem (the first six letters), so "tariff" finds "tariffs" and
"crypto" finds "cryptocurrency"; the match is computed for all interests × stories at once as
a sparse product."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

STEM = 6
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_EXTRA_STOP = {"news", "story", "stories", "latest", "update", "updates", "things", "stuff"}


def terms(text: str) -> set[str]:
    """The stems of the content words of ``text``."""
    out = set()
    for word in _WORD.findall(text.lower()):
        word = word.split("'")[0].split("’")[0]
        if len(word) < 2 or word in ENGLISH_STOP_WORDS or word in _EXTRA_STOP:
            continue
        out.add(word[:STEM])
    return out


class LexicalIndex:
    """The day's stories as a binary term matrix."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for i, text in enumerate(texts):
            for t in terms(text):
                j = self.vocabulary.setdefault(t, len(self.vocabulary))
                rows.append(i)
                cols.append(j)
        self.matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(texts), max(len(self.vocabulary), 1)),
        )

    def full_matches(self, labels: Sequence[str]) -> sparse.csr_matrix:
        """(len(labels), stories) boolean: the story contains every word of the label."""
        rows, cols, needed = [], [], np.zeros(len(labels), dtype=np.float32)
        for i, label in enumerate(labels):
            label_terms = terms(label)
            needed[i] = len(label_terms) if label_terms else np.inf
            for t in label_terms:
                j = self.vocabulary.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        queries = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(labels), self.matrix.shape[1]),
        )
        hits = (queries @ self.matrix.T).tocsr()  # (labels, stories): words found
        hits.data = hits.data >= needed[np.repeat(np.arange(len(labels)), np.diff(hits.indptr))]
        hits.eliminate_zeros()
        return hits.astype(bool)
