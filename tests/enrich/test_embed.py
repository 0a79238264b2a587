from collections.abc import Sequence

import numpy as np
import pytest

from aube.enrich.embed import (
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    available_embedders,
    get_embedder,
    item_text,
    register_embedder,
)


def test_item_text_is_title_then_the_start_of_the_body():
    body = "word " * 400
    text = item_text("A  title\n", body, max_chars=100)
    title, rest = text.split("\n")
    assert title == "A title"
    assert len(rest) <= 100 and rest.endswith("word")


def test_item_text_drops_a_summary_that_repeats_the_title():
    assert item_text("Fed cuts rates", "Fed cuts rates. The first cut this year.") == (
        "Fed cuts rates\nThe first cut this year."
    )
    assert item_text("Only a title", "") == "Only a title"
    assert item_text("", "Only a body") == "Only a body"


def test_builtins_are_registered_like_plugins():
    assert {"minilm", "hashing"} <= set(available_embedders())
    with pytest.raises(ValueError, match=r"known: .*hashing"):
        get_embedder("no-such-model")


class _Constant:
    name = "constant@1"
    dim = 2

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return np.tile(np.array([[1.0, 0.0]], dtype=np.float32), (len(texts), 1))


def test_a_registered_backend_is_found_by_name():
    register_embedder("test-constant", _Constant)
    got = get_embedder("test-constant")
    assert isinstance(got, Embedder)
    assert got.embed(["a", "b"]).shape == (2, 2)


def test_hashing_vectors_are_unit_float32_and_deterministic():
    e = get_embedder("hashing", dim=128)
    texts = ["Fed cuts interest rates", "Fed cuts interest rates again", "Football final", ""]
    a = e.embed(texts)
    assert a.shape == (4, 128) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(a, HashingEmbedder(dim=128).embed(texts))
    assert a[0] @ a[1] > a[0] @ a[2]
    assert e.embed([]).shape == (0, 128)
    assert e.name == "hashing-12@128"


def test_minilm_name_says_model_precision_and_length_without_loading():
    e = SentenceTransformerEmbedder(precision="fp32")
    assert e.name == "all-MiniLM-L6-v2@fp32/128"
    assert e.dim == 384 and e._model is None
    assert SentenceTransformerEmbedder(precision="auto").precision in ("bf16", "fp32")
    with pytest.raises(ValueError):
        SentenceTransformerEmbedder(precision="int8")  # type: ignore[arg-type]


@pytest.mark.slow
def test_minilm_embeds_meaning():
    e = get_embedder("minilm")
    v = e.embed(
        [
            "Fed Cuts Rates for First Time This Year",
            "The Federal Reserve lowered interest rates by a quarter point",
            "Arsenal win the north London derby",
        ]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2]
    assert e.embed([]).shape == (0, 384)
