"""Fixtures shared by every test: settings in a temporary folder, a store on SQLite and,
when AUBE_TEST_POSTGRES_URL is set (scripts/test sets it), on a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import NOW, REPO, SHARED_DATA, needs_shared_data  # noqa: F401  (re-exported)

from aube.config import Settings, load_settings
from aube.store import Store

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own configuration or data."""
    for key in list(os.environ):
        if (
            key.startswith("AUBE_")
            and key != "AUBE_TEST_POSTGRES_URL"
            and not key.startswith("AUBE_TEST_")
        ):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", embed_backend="hashing")


def _postgres_database() -> Iterator[str]:
    admin_url = os.environ["AUBE_TEST_POSTGRES_URL"]
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        store = Store.open(load_settings(data_dir=tmp_path / "data"))
        yield store
        store.close()
        return
    if not os.environ.get("AUBE_TEST_POSTGRES_URL"):
        pytest.skip("AUBE_TEST_POSTGRES_URL is not set (scripts/test starts a PostgreSQL server)")
    gen = _postgres_database()
    url = next(gen)
    store = Store.open(load_settings(data_dir=tmp_path / "data", database_url=url))
    try:
        yield store
    finally:
        store.close()
        next(gen, None)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = Store.open(settings)
    yield store
    store.close()
