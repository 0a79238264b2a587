"""Named backends (embedders, summarizers, LLM backends, delivery channels), built in or
added by a plugin, all found the same way.

Built-ins are named by ``"module:attribute"`` strings and imported only when first asked
for, so a base module never imports its built-ins (which import the base back) and Aube
runs without the optional libraries of backends it does not use. A plugin is an entry point
in the registry's group, called with the registry's ``register`` function; what it registers
(or any later ``register``) wins over a built-in of the same name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from aube.errors import ConfigError

F = TypeVar("F", bound=Callable[..., object])


class Registry(Generic[F]):
    """Factories by name: ``builtins`` maps names to ``"module:attribute"`` (the attribute may
    be dotted, ``"aube.llm.openai_compat:OpenAICompatBackend.from_settings"``); ``group``'s
    entry points register the plugins', once, on first use."""

    def __init__(
        self,
        what: str,
        *,
        setting: str = "",
        group: str = "",
        builtins: Mapping[str, str] | None = None,
        error: type[Exception] = ConfigError,
    ) -> None:
        self.what, self.setting, self.group, self.error = what, setting, group, error
        self._builtins = dict(builtins or {})
        self._factories: dict[str, F] = {}
        self._loaded = False

    def register(self, name: str, factory: F) -> None:
        self._factories[name] = factory

    def names(self) -> list[str]:
        self._load()
        return sorted(set(self._factories) | set(self._builtins))

    def factory(self, name: str) -> F:
        """The factory registered as ``name``; an unknown name is an error naming the setting
        and every known name."""
        self._load()
        found = self._factories.get(name)
        if found is not None:
            return found
        path = self._builtins.get(name)
        if path is None:
            where = f" ({self.setting})" if self.setting else ""
            raise self.error(
                f"unknown {self.what} {name!r}{where}; known: " + ", ".join(self.names())
            )
        factory: F = _resolve(path)
        self._factories[name] = factory
        return factory

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.group:
            for ep in entry_points(group=self.group):
                ep.load()(self.register)


def _resolve(path: str) -> Any:
    """The object a ``"module:attribute.attribute"`` string names."""
    module, _, attribute = path.partition(":")
    found: Any = import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found
