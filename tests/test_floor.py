"""Floor removal shared by limb and foot cleaning, on synthetic scenes."""

import numpy as np
import pytest

pytest.importorskip("open3d")

from prosthetics.scan.floor import find_floor, remove_floors  # noqa: E402


def _floor(rng, n=6000, size=400.0, z=0.0):
    xy = rng.uniform(-size / 2, size / 2, (n, 2))
    return np.column_stack([xy, z + rng.normal(0.0, 0.3, n)])


def _blob(rng, n=4000, centre=(0.0, 0.0, 80.0), radius=50.0):
    d = rng.normal(size=(n, 3))
    return np.asarray(centre) + radius * d / np.linalg.norm(d, axis=1, keepdims=True)


def test_a_floor_and_everything_beyond_it_go():
    rng = np.random.default_rng(1)
    below = _floor(rng, 100, size=100.0, z=-40.0)      # a little clutter under the floor
    scene = np.vstack([_floor(rng), _blob(rng), below])
    out = remove_floors(scene, 2.0, 6.0, max_planes=3)
    assert len(out.planes) >= 1 and not out.only_floor
    normal, offset = out.planes[0]
    assert normal @ [0, 0, 1] > 0.99 and abs(offset) < 1.0      # z = 0, pointing up
    assert (out.points[:, 2] > 6.0).all()
    assert len(out.points) >= 3900
    assert out.removed == len(scene) - len(out.points)


def test_only_a_floor():
    rng = np.random.default_rng(2)
    scene = np.vstack([_floor(rng), _blob(rng, n=100, radius=5.0, centre=(0, 0, 20))])
    out = remove_floors(scene, 2.0, 2.5, max_planes=1, min_object_points=500)
    assert out.only_floor and len(out.points) < 500


def test_a_plane_through_the_object_is_not_a_floor():
    rng = np.random.default_rng(3)
    # A wide flat object with as much on both sides of its mid plane: not a floor.
    slab = np.column_stack([rng.uniform(-200, 200, (8000, 2)), rng.uniform(-60, 60, 8000)])
    slab = np.vstack([slab, _floor(rng, 4000, z=0.0)])
    out = remove_floors(slab, 2.0, 6.0, max_planes=3)
    assert out.planes == [] and len(out.points) == len(slab)
    assert find_floor(slab, 2.0) is not None        # the plane is found, then refused


def test_a_narrow_strip_is_not_a_floor():
    rng = np.random.default_rng(4)
    strip = np.column_stack([rng.uniform(-150, 150, 3000), rng.normal(0, 5, 3000),
                             rng.normal(0, 0.2, 3000)])
    assert find_floor(strip, 2.0) is None
