"""The default summarizer: no model, faithful by construction.

The headline is one of the items' own titles (the one most central to the story); the
summary is 2–4 sentences copied verbatim from the items, chosen by centrality (degree
centrality over TF-IDF cosine, as in LexRank) with a lead bias, redundancy removed
with maximal marginal relevance, and put back in reading order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from aube.config import Settings
from aube.summarize.base import StoryInput
from aube.summarize.sentences import split_sentences
from aube.types import Summary

PROMPT_VERSION = "extractive-2"
_MIN_CHARS, _MAX_CHARS = 25, 400
# Lines that are page furniture, not news.
_BOILERPLATE = re.compile(
    r"(click here|sign up|subscribe|newsletter|all rights reserved|read more|continue reading"
    r"|follow us|cookie|advertisement|getty images|photograph:|share this)",
    re.IGNORECASE,
)
_REDUNDANT = 0.55  # a sentence this close to a chosen one says the same thing
_LEAD_BIAS = 0.15  # news puts what matters first


@dataclass(frozen=True)
class _Candidate:
    story: int
    item: int
    position: int
    text: str


class ExtractiveSummarizer:
    name = "extractive"
    model = ""

    def __init__(self, sentences: int = 3) -> None:
        self.sentences = sentences
        self.prompt_version = f"{PROMPT_VERSION}/{sentences}"

    def summarize(self, stories: Sequence[StoryInput]) -> list[Summary]:
        candidates: list[_Candidate] = []
        for s_index, story in enumerate(stories):
            for i_index, item in enumerate(story.items):
                title = item.title.strip().lower()
                for position, sentence in enumerate(split_sentences(item.text or item.summary)):
                    if not _MIN_CHARS <= len(sentence) <= _MAX_CHARS:
                        continue
                    if sentence.strip().lower() == title or _BOILERPLATE.search(sentence):
                        continue
                    candidates.append(_Candidate(s_index, i_index, position, sentence))
        titles = [item.title for story in stories for item in story.items]
        texts = [c.text for c in candidates] + titles
        matrix = None
        if any(t.strip() for t in texts):
            # One vocabulary for the whole batch: IDF then reflects the night's news.
            vectorizer = TfidfVectorizer(
                sublinear_tf=True, min_df=1, token_pattern=r"(?u)\b\w\w+\b"
            )
            try:
                matrix = vectorizer.fit_transform(texts)
            except ValueError:  # only stop words / empty vocabulary
                matrix = None
        by_story: dict[int, list[int]] = {}
        for index, c in enumerate(candidates):
            by_story.setdefault(c.story, []).append(index)
        results = []
        title_offset = len(candidates)
        for s_index, story in enumerate(stories):
            rows = by_story.get(s_index, [])
            title_rows = list(range(title_offset, title_offset + len(story.items)))
            title_offset += len(story.items)
            headline = self._headline(story, matrix, title_rows)
            chosen = self._choose(candidates, rows, matrix)
            results.append(
                Summary(
                    headline=headline,
                    sentences=tuple(_closed(candidates[i].text) for i in chosen),
                    backend=self.name,
                    model=self.model,
                    prompt_version=self.prompt_version,
                )
            )
        return results

    def _headline(self, story: StoryInput, matrix: object, rows: list[int]) -> str:
        titles = [item.title.strip() for item in story.items]
        if len(titles) <= 2 or matrix is None:
            # With one or two titles there is no centre: take the earliest report's.
            return next((t for t in titles if t), "")
        vectors = matrix[rows]  # type: ignore[index]
        sims = (vectors @ vectors.T).toarray()
        np.fill_diagonal(sims, 0.0)
        score = sims.sum(axis=1)
        # Very short or very long titles make poor headlines.
        lengths = np.array([len(t) for t in titles])
        score = score - 0.5 * ((lengths < 20) | (lengths > 140))
        return titles[int(np.argmax(score))]

    def _choose(self, candidates: list[_Candidate], rows: list[int], matrix: object) -> list[int]:
        if not rows:
            return []
        if matrix is None or len(rows) <= self.sentences:
            chosen = rows[: self.sentences]
        else:
            vectors = matrix[rows]  # type: ignore[index]
            sims = (vectors @ vectors.T).toarray()
            np.fill_diagonal(sims, 0.0)
            centrality = sims.sum(axis=1) / max(len(rows) - 1, 1)
            positions = np.array([candidates[r].position for r in rows], dtype=float)
            score = centrality + _LEAD_BIAS / (1.0 + positions)
            picked: list[int] = []
            max_sim = np.zeros(len(rows))
            for _ in range(self.sentences):
                value = score - 0.5 * max_sim  # maximal marginal relevance
                value[max_sim > _REDUNDANT] = -np.inf
                if picked:
                    value[picked] = -np.inf
                best = int(np.argmax(value))
                if not np.isfinite(value[best]):
                    break
                picked.append(best)
                max_sim = np.maximum(max_sim, sims[best])
            chosen = [rows[j] for j in picked]
        # Reading order: by item (oldest first), then by position in the item.
        return sorted(chosen, key=lambda r: (candidates[r].item, candidates[r].position))


def _closed(sentence: str) -> str:
    """Feed summaries often end without a full stop; joined, they would run together."""
    return sentence if sentence[-1:] in ".!?…\"'”’)" else sentence + "."


def from_settings(settings: Settings) -> ExtractiveSummarizer:
    """The registry's factory (``aube.summarize.base``)."""
    return ExtractiveSummarizer(settings.summary_sentences)
