"""The local Ray instance the executor tests run on: two CPUs, tasks in other processes,
and the day's story matrix put in the object store once and read by every task as it is."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_local_ray_instance_has_two_cpus_and_runs_tasks_elsewhere(local_ray) -> None:
    ray = local_ray
    assert ray.cluster_resources()["CPU"] == 2

    @ray.remote
    def pid() -> int:
        return os.getpid()

    pids = set(ray.get([pid.remote() for _ in range(8)]))
    assert pids and os.getpid() not in pids


def test_the_story_matrix_goes_to_the_object_store_once_and_reads_back_unchanged(
    local_ray,
) -> None:
    ray = local_ray
    stories = np.random.default_rng(7).standard_normal((2000, 384)).astype(np.float32)
    stories /= np.linalg.norm(stories, axis=1, keepdims=True)
    users = np.random.default_rng(8).standard_normal((3000, 384)).astype(np.float32)
    ref = ray.put(stories)

    @ray.remote
    def best(matrix: np.ndarray, shard: np.ndarray) -> np.ndarray:
        assert not matrix.flags.writeable  # a view of the shared object, not a copy
        return np.argmax(shard @ matrix.T, axis=1)

    shards = np.array_split(users, 3)
    remote = np.concatenate(ray.get([best.remote(ref, s) for s in shards]))
    assert np.array_equal(remote, np.argmax(users @ stories.T, axis=1))
    assert np.array_equal(ray.get(ref), stories)
