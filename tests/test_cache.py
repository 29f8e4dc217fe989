"""The per-user geometry cache: a hit gives what was built; damage or no folder only costs time."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from prosthetics import cache


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(tmp_path / "c"))
    return tmp_path / "c"


def _box_builder(calls):
    def build():
        calls.append(1)
        return {"box": trimesh.creation.box((10, 20, 30)),
                "ball": trimesh.creation.icosphere(subdivisions=2, radius=5.0)}
    return build


def test_hit_returns_the_built_meshes(folder):
    calls = []
    first, hit1 = cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    second, hit2 = cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    assert (hit1, hit2) == (False, True) and len(calls) == 1
    for name in ("box", "ball"):
        np.testing.assert_array_equal(first[name].vertices, second[name].vertices)
        np.testing.assert_array_equal(first[name].faces, second[name].faces)
    assert second["box"].volume == pytest.approx(6000.0)
    assert len(list((folder / "demo").glob("*.npz"))) == 1


def test_other_parameters_or_sources_are_other_entries(folder, tmp_path):
    calls = []
    src = tmp_path / "builder.py"
    src.write_text("x = 1\n")
    cache.cached_meshes("demo", {"a": 1}, _box_builder(calls), sources=[src])
    cache.cached_meshes("demo", {"a": 2}, _box_builder(calls), sources=[src])
    assert len(calls) == 2
    cache._file_digest.cache_clear()
    src.write_text("x = 2\n")          # the builder changed: its old entry is not used
    _, hit = cache.cached_meshes("demo", {"a": 1}, _box_builder(calls), sources=[src])
    assert not hit and len(calls) == 3


@pytest.mark.parametrize("damage", [b"", b"not a zip at all", None])
def test_damaged_entry_is_rebuilt(folder, damage):
    calls = []
    cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    (entry,) = (folder / "demo").glob("*.npz")
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2] if damage is None else damage)
    meshes, hit = cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    assert not hit and len(calls) == 2 and meshes["box"].volume == pytest.approx(6000.0)
    _, hit = cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    assert hit and len(calls) == 2                     # rewritten whole


def test_unwritable_folder_and_off_still_build(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(blocker / "c"))
    calls = []
    meshes, hit = cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    assert not hit and meshes["box"].volume == pytest.approx(6000.0)
    monkeypatch.setenv(cache.CACHE_ENV_VAR, "off")
    assert cache.cache_dir() is None
    cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    cache.cached_meshes("demo", {"a": 1}, _box_builder(calls))
    assert len(calls) == 3
