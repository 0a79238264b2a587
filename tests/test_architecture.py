"""The shape of the code, checked: no import circles (between packages, or between modules at
run time), only ``aube.pipeline`` chains the stages, only ``aube.store`` writes SQL.

A circle makes import order matter, turns a small change into a chain of surprises, and hides
which way a dependency was meant to go; each failure below names the imports to untangle."""

from __future__ import annotations

from collections import defaultdict
from graphlib import CycleError, TopologicalSorter

import grimp
import pytest
from support import REPO

# The stages: each owns one step of the morning; ``aube.pipeline`` runs them in order.
STAGES = ("ingest", "enrich", "summarize", "compose", "rank", "signals", "deliver")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # TYPE_CHECKING imports never run, so they cannot make a circle at run time.
    return grimp.build_graph(
        "aube", include_external_packages=True, exclude_type_checking_imports=True, cache_dir=None
    )


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imports(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    return [
        (module, imported)
        for module in sorted(graph.modules)
        if module.startswith("aube")
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if imported.startswith("aube")
    ]


def _circle(edges: dict[str, set[str]]) -> list[str] | None:
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return None


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> list[str]:
    return [
        f"{d['importer']}:{d['line_number']}: {d['line_contents']}"
        for d in graph.get_import_details(importer=importer, imported=imported)
    ]


def test_no_import_circle_between_packages(graph: grimp.ImportGraph) -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    why: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, imported in _imports(graph):
        a, b = _package(module), _package(imported)
        if a != b:
            edges[a].add(b)
            why[(a, b)].extend(_lines(graph, module, imported))
    circle = _circle(edges)
    if circle:
        # graphlib reports the circle backwards (each element is imported by the next).
        steps = [(circle[i + 1], circle[i]) for i in range(len(circle) - 1)]
        detail = "\n".join(f"{a} -> {b}: {why[(a, b)][:3]}" for a, b in steps)
        pytest.fail(f"import circle between packages {' <- '.join(circle)}:\n{detail}")


def test_no_import_circle_between_modules(graph: grimp.ImportGraph) -> None:
    """Stricter: none between any two modules either (a base module importing its built-ins,
    which import the base, was one)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imported in _imports(graph):
        edges[module].add(imported)
    circle = _circle(edges)
    if circle:
        detail = "\n".join(
            line for i in range(len(circle) - 1) for line in _lines(graph, circle[i + 1], circle[i])
        )
        pytest.fail(f"import circle {' <- '.join(circle)}:\n{detail}")


def test_only_the_pipeline_chains_the_stages(graph: grimp.ImportGraph) -> None:
    """A stage never reaches into ``aube.pipeline``: what runs after what is decided there
    (and by its callers, the CLI and the web app), never by a stage."""
    importers = {
        module
        for module, imported in _imports(graph)
        if _package(imported) == "aube.pipeline" and _package(module) != "aube.pipeline"
    }
    assert {_package(m) for m in importers} <= {"aube.cli", "aube.web"}, sorted(importers)
    for stage in STAGES:
        assert not graph.chain_exists(f"aube.{stage}", "aube.pipeline", as_packages=True), (
            graph.find_shortest_chain(f"aube.{stage}", "aube.pipeline")
        )


def test_only_the_store_writes_sql(graph: grimp.ImportGraph) -> None:
    outside = sorted(
        m
        for m in graph.find_modules_that_directly_import("sqlalchemy")
        if _package(m) != "aube.store"
    )
    assert outside == []


def test_every_folder_of_code_is_a_package() -> None:
    """A folder of modules without ``__init__.py`` is a namespace package, which the import
    graph above does not see: its circles would go unnoticed. (Alembic's revisions are
    scripts it loads by path, not modules.)"""
    src = REPO / "src" / "aube"
    missing = sorted(
        str(folder.relative_to(src))
        for folder in src.rglob("*")
        if folder.is_dir()
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
        and "migrations" not in folder.parts
    )
    assert missing == []
