"""The one mechanism behind every named backend: built-ins, plugins, errors."""

from __future__ import annotations

import pytest

from aube.deliver.base import channel_kinds
from aube.enrich.embed import available_embedders, get_embedder
from aube.errors import ConfigError
from aube.llm.base import available_backends
from aube.registry import Registry
from aube.summarize.base import available_summarizers


def test_builtins_load_once_on_first_use_and_a_later_registration_wins() -> None:
    calls = []

    def builtins(register) -> None:  # type: ignore[no-untyped-def]
        calls.append(1)
        register("a", lambda: "built-in a")

    reg: Registry = Registry("widget", setting="widget_backend", builtins=builtins)
    assert calls == []
    assert reg.names() == ["a"] and reg.names() == ["a"]
    assert calls == [1]
    reg.register("a", lambda: "mine")
    assert reg.factory("a")() == "mine"


def test_an_unknown_name_names_the_setting_and_every_known_name() -> None:
    reg: Registry = Registry(
        "widget", setting="widget_backend", builtins=lambda register: register("b", object)
    )
    with pytest.raises(ConfigError, match=r"unknown widget 'c' \(widget_backend\); known: b$"):
        reg.factory("c")


def test_the_real_registries_hold_their_built_ins() -> None:
    assert {"extractive", "llm"} <= set(available_summarizers())
    assert {"llama-cpp", "openai"} <= set(available_backends())
    assert {"email", "atom"} <= set(channel_kinds())
    assert {"minilm", "hashing"} <= set(available_embedders())
    with pytest.raises(ValueError, match="unknown embedder 'nope'"):
        get_embedder("nope")
