"""The one mechanism behind every named backend: built-ins, plugins, errors."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import pytest

from aube.deliver.base import channel_kinds
from aube.enrich.embed import available_embedders, get_embedder
from aube.errors import ConfigError
from aube.llm.base import available_backends
from aube.registry import Registry
from aube.summarize.base import available_summarizers


def test_builtins_are_imported_on_first_use_and_a_registration_wins() -> None:
    reg: Registry = Registry(
        "widget",
        setting="widget_backend",
        builtins={"a": "collections:OrderedDict", "b": "aube_no_such_module:make"},
    )
    # Naming the built-ins imports nothing: "b" is listed though its module does not exist.
    assert reg.names() == ["a", "b"]
    assert reg.factory("a") is OrderedDict
    with pytest.raises(ModuleNotFoundError, match="aube_no_such_module"):
        reg.factory("b")
    reg.register("a", dict)
    assert reg.factory("a") is dict
    reg.register("c", list)
    assert reg.names() == ["a", "b", "c"]


def test_a_dotted_attribute_names_a_factory_inside_a_class() -> None:
    reg: Registry = Registry(
        "backend", builtins={"x": "aube.llm.llamacpp:LlamaCppBackend.from_settings"}
    )
    from aube.llm.llamacpp import LlamaCppBackend

    assert reg.factory("x") == LlamaCppBackend.from_settings


def test_an_unknown_name_names_the_setting_and_every_known_name() -> None:
    reg: Registry = Registry("widget", setting="widget_backend", builtins={"b": "builtins:object"})
    with pytest.raises(ConfigError, match=r"unknown widget 'c' \(widget_backend\); known: b$"):
        reg.factory("c")


def test_the_real_registries_hold_their_built_ins() -> None:
    assert {"extractive", "llm"} <= set(available_summarizers())
    assert {"llama-cpp", "openai"} <= set(available_backends())
    assert {"email", "atom"} <= set(channel_kinds())
    assert {"minilm", "hashing"} <= set(available_embedders())
    with pytest.raises(ValueError, match="unknown embedder 'nope'"):
        get_embedder("nope")


def test_naming_the_built_ins_imports_none_of_them() -> None:
    """A base module no longer imports its built-ins: listing the backends loads no backend
    (nor the libraries they need), which stay unimported until one is asked for. (The
    ``aube.deliver`` package itself re-exports its channels, so it is not checked here; the
    module-level circle test in test_architecture covers ``aube.deliver.base``.)"""
    code = (
        "import sys\n"
        "from aube.llm.base import available_backends\n"
        "from aube.summarize.base import available_summarizers\n"
        "available_backends(); available_summarizers()\n"
        "loaded = [m for m in ('aube.llm.llamacpp', 'aube.llm.openai_compat', 'openai',"
        " 'aube.summarize.llm', 'aube.summarize.extractive', 'sklearn') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
