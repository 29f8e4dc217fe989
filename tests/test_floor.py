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


def _box(rng, size=(130.0, 60.0, 250.0), corner=(-65.0, -30.0, 15.0), spacing=2.0):
    """Points over the closed surface of a box (a thin, flat-sided object), ~1 per spacing^2."""
    size, corner = np.asarray(size), np.asarray(corner)
    faces = []
    for axis in range(3):
        a, b = [k for k in range(3) if k != axis]
        n = int(size[a] * size[b] / spacing ** 2)
        for at in (0.0, size[axis]):
            p = np.empty((n, 3))
            p[:, a], p[:, b] = rng.uniform(0, size[a], n), rng.uniform(0, size[b], n)
            p[:, axis] = at
            faces.append(p)
    return corner + np.vstack(faces) + rng.normal(0.0, 0.3, (sum(map(len, faces)), 3))


def test_a_flat_side_of_the_object_is_not_a_wall():
    """A flat-sided object 15 mm above a floor: its wide side (all of the object on one side
    of it, and wider than 30 mm) lies within its own outline, and stays."""
    rng = np.random.default_rng(5)
    box = _box(rng)
    scene = np.vstack([_floor(rng, 20_000, size=500.0), box])
    out = remove_floors(scene, 2.0, 6.0, max_planes=3)
    assert len(out.planes) == 1 and out.planes[0][0] @ [0, 0, 1] > 0.99
    assert len(out.points) == len(box)
    assert [r.reason for r in out.refused][:1] == ["part of the object"]
    assert out.refused[0].outside_share < 0.05


def test_a_plane_that_would_take_the_object_is_left_in():
    """The same object lying on its wide side, on a table: the table reaches well beyond it,
    but its bottom lies on the table; removing the table would take it."""
    rng = np.random.default_rng(6)
    box = _box(rng, size=(250.0, 130.0, 60.0), corner=(-125.0, -65.0, 0.0))
    scene = np.vstack([_floor(rng, 20_000, size=500.0), box])
    out = remove_floors(scene, 2.0, 6.0, max_planes=1, max_object_share=0.02)
    assert out.planes == [] and len(out.points) == len(scene)
    (touching,) = out.touching
    assert touching.outside_share > 0.5 and 0.2 < touching.object_share < 0.45
    # Without a limit (the foot's way), the table goes with the box's bottom and sides.
    bare = remove_floors(scene, 2.0, 6.0, max_planes=1)
    assert len(bare.planes) == 1 and len(bare.points) < 0.75 * len(box)


def test_the_objects_end_within_the_clearance_is_kept():
    """An object standing 3 mm above a floor (closer than the clearance): with the object's
    share limited, the floor goes and the object's points near it stay."""
    rng = np.random.default_rng(7)
    blob = _blob(rng, n=8000, centre=(0.0, 0.0, 53.0), radius=50.0)
    scene = np.vstack([_floor(rng, 20_000, size=500.0), blob])
    out = remove_floors(scene, 2.0, 6.0, max_planes=1, max_object_share=0.02)
    assert len(out.planes) == 1 and not out.refused
    assert len(out.points) == len(blob)
    bare = remove_floors(scene, 2.0, 6.0, max_planes=1)
    assert len(bare.points) < len(blob) - 100       # the clearance takes the blob's end


def test_a_floors_own_points_behind_it_are_not_an_object_sunk_into_it():
    """A floor seen with a thick scatter (a phone's noise far from its path, or a mesh
    floor's underside 2 mm below): its points a few millimetres behind the plane, under the
    object, are the floor's, and the floor goes.  An object really sunk into the plane,
    further than the clearance, still keeps it in."""
    rng = np.random.default_rng(8)
    blob = _blob(rng, n=8000, centre=(0.0, 0.0, 60.0), radius=50.0)
    floor = _floor(rng, 20_000, size=500.0)
    under = _floor(rng, 20_000, size=500.0, z=-2.6)       # the underside, 2.6 mm below
    scene = np.vstack([floor, under, blob])
    out = remove_floors(scene, 2.0, 6.0, max_planes=1, max_object_share=0.02)
    assert len(out.planes) == 1 and not out.refused
    assert len(out.points) == len(blob)
    # the same object pressed 5 mm into the floor: the floor stays in
    sunk = remove_floors(np.vstack([floor, blob - [0.0, 0.0, 15.0]]), 2.0, 6.0,
                         max_planes=1, max_object_share=0.02)
    assert sunk.planes == [] and [r.reason for r in sunk.refused] == ["takes the object"]
    assert sunk.refused[0].object_share > 0.05
