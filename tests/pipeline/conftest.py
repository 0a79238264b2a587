"""A local Ray instance for the tests of the per-user stage's executors: 2 CPUs, a small
object store, its own temporary folder and home (Ray writes its token under ~/.ray), and shut
down after the session. It starts in the main thread (Ray's processes are tied to the
thread that starts them: from a helper thread they die with it); the time it may take is
bounded by the timeout of the test that first asks for it (pytest-timeout covers set-up)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    if importlib.util.find_spec("ray") is None:
        pytest.skip("ray is not installed (the cluster extra: scripts/install --test)")
    import ray

    home = tmp_path_factory.mktemp("ray-home")
    temp = tmp_path_factory.mktemp("ray")
    saved = {k: os.environ.get(k) for k in ("HOME", "RAY_USAGE_STATS_ENABLED")}
    os.environ["HOME"] = str(home)  # inherited by Ray's processes
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # nothing is sent anywhere
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            object_store_memory=256 * 2**20,
            _temp_dir=str(temp),
        )
    finally:  # Ray's processes keep theirs; the other tests get the real ones back
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield ray
    finally:
        ray.shutdown()
