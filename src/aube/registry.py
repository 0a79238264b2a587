"""Named backends (embedders, summarizers, LLM backends, delivery channels), built in or
added by a plugin, all registered the same way: a plugin is an entry point in the
registry's group, called with the registry's ``register`` function."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from aube.errors import ConfigError

F = TypeVar("F", bound=Callable[..., object])


class Registry(Generic[F]):
    """Factories by name. ``builtins`` registers the built-in ones, and ``group``'s entry
    points the plugins', once, on first use; a later registration of a name wins."""

    def __init__(
        self,
        what: str,
        *,
        setting: str = "",
        group: str = "",
        builtins: Callable[[Callable[[str, F], None]], None] | None = None,
        error: type[Exception] = ConfigError,
    ) -> None:
        self.what, self.setting, self.group, self.error = what, setting, group, error
        self._builtins = builtins
        self._factories: dict[str, F] = {}
        self._loaded = False

    def register(self, name: str, factory: F) -> None:
        self._factories[name] = factory

    def names(self) -> list[str]:
        self._load()
        return sorted(self._factories)

    def factory(self, name: str) -> F:
        """The factory registered as ``name``; an unknown name is an error naming the setting
        and every known name."""
        self._load()
        try:
            return self._factories[name]
        except KeyError:
            where = f" ({self.setting})" if self.setting else ""
            raise self.error(
                f"unknown {self.what} {name!r}{where}; known: " + ", ".join(sorted(self._factories))
            ) from None

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._builtins is not None:
            self._builtins(self.register)
        if self.group:
            for ep in entry_points(group=self.group):
                ep.load()(self.register)
