"""Sections, circumferences, widths and volume on shapes with known answers."""

import numpy as np
import pytest
import trimesh

from prosthetics.errors import GeometryError
from prosthetics.limb.measure import (
    MeasureParams,
    measure_limb,
    proximal_rim_z,
    sections,
    volume_below,
)


def open_cup(radius=40.0, height=200.0, rx=None, ry=None, n=720):
    """A cylinder (or elliptic cylinder) closed at z = 0 and open at z = height, mm."""
    rx = rx or radius
    ry = ry or radius
    cyl = trimesh.creation.cylinder(radius=1.0, height=height, sections=n)
    cyl.apply_translation([0, 0, height / 2])
    cyl.apply_scale([rx, ry, 1.0])
    top = cyl.triangles_center[:, 2] > height - 1e-6
    cup = trimesh.Trimesh(cyl.vertices, cyl.faces[~top], process=True)
    cup.remove_unreferenced_vertices()
    return cup


def test_circumference_of_a_cylinder_within_0_05_percent():
    cup = open_cup(40.0, 200.0)
    m = measure_limb(cup, MeasureParams(circumference_spacing_mm=10.0))
    expected = 2 * np.pi * 40.0
    assert [s.z_mm for s in m.levels] == pytest.approx(np.arange(10.0, 200.0, 10.0))
    for s in m.levels:
        assert s.perimeter_mm == pytest.approx(expected, rel=5e-4)
        assert s.ap_mm == pytest.approx(80.0, abs=0.01)
        assert s.ml_mm == pytest.approx(80.0, abs=0.01)
    assert m.length_mm == pytest.approx(200.0, abs=1e-6)
    assert m.volume_top_z_mm == pytest.approx(200.0)
    assert m.volume_ml == pytest.approx(np.pi * 40.0 ** 2 * 200.0 / 1000.0, rel=1e-4)


def test_ellipse_widths_and_perimeter():
    cup = open_cup(rx=50.0, ry=35.0)
    s = sections(cup, [100.0])[0]
    assert s.ml_mm == pytest.approx(100.0, abs=0.01)
    assert s.ap_mm == pytest.approx(70.0, abs=0.01)
    # Ramanujan's perimeter of an ellipse.
    a, b = 50.0, 35.0
    h = ((a - b) / (a + b)) ** 2
    ramanujan = np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))
    assert s.perimeter_mm == pytest.approx(ramanujan, rel=5e-4)
    assert s.area_mm2 == pytest.approx(np.pi * a * b, rel=5e-4)
    assert np.allclose(s.centroid_xy, 0.0, atol=1e-6)


def test_volume_below_any_level_and_orientation_free():
    cup = open_cup(30.0, 150.0)
    for z in (20.0, 75.5, 149.0):
        assert volume_below(cup, z) == pytest.approx(np.pi * 900.0 * z, rel=1e-4)
    flipped = cup.copy()
    flipped.invert()
    assert volume_below(flipped, 75.5) == pytest.approx(volume_below(cup, 75.5), rel=1e-9)


def test_rim_of_a_slanted_opening():
    cup = open_cup(30.0, 150.0)
    cut = cup.slice_plane([0, 0, 120.0], [0.2, 0.0, -1.0])
    rim = proximal_rim_z(cut)
    # The slanted plane z = 120 + 0.2 x meets the cylinder lowest at x = -30.
    assert rim == pytest.approx(120.0 - 0.2 * 30.0, abs=0.05)


def test_no_level_is_none_for_an_unaligned_limb():
    cup = open_cup()
    cup.apply_translation([0, 0, -50.0])
    with pytest.raises(GeometryError, match="not aligned"):
        measure_limb(cup)


def test_real_limb_measurements(aligned_truth):
    m = measure_limb(aligned_truth.mesh)
    assert 250 < m.length_mm < 270
    # The clean limb is one closed-at-the-bottom surface: volume by sections agrees with the
    # divergence-theorem volume within 0.3 %.
    z = np.arange(0.25, m.volume_top_z_mm, 0.5)
    areas = [s.area_mm2 if s is not None else 0.0 for s in sections(aligned_truth.mesh, z)]
    assert np.sum(areas) * 0.5 / 1000.0 == pytest.approx(m.volume_ml, rel=3e-3)
    circ = np.array([s.perimeter_mm for s in m.levels])
    assert circ.min() > 100 and circ.max() < 450


def _trimesh_section(mesh, z):
    """trimesh's own section at z: the largest closed polygon's perimeter, area, centroid."""
    path = mesh.section(plane_origin=[0.0, 0.0, z], plane_normal=[0.0, 0.0, 1.0])
    poly = max(path.to_2D()[0].polygons_full, key=lambda p: p.area)
    return poly.exterior.length, poly.area


def test_sections_match_trimesh_on_a_real_limb_and_on_unshared_vertices(aligned_truth):
    limb = aligned_truth.mesh
    zs = np.linspace(5.0, proximal_rim_z(limb) - 5.0, 9)
    # The same surface with every triangle on its own three vertices (as an STL reads).
    loose = trimesh.Trimesh(limb.triangles.reshape(-1, 3),
                            np.arange(3 * len(limb.faces)).reshape(-1, 3), process=False)
    for mesh in (limb, loose):
        for z, s in zip(zs, sections(mesh, zs)):
            perimeter, area = _trimesh_section(limb, z)
            assert s.perimeter_mm == pytest.approx(perimeter, rel=1e-9)
            assert s.area_mm2 == pytest.approx(area, rel=1e-9)
            np.testing.assert_array_equal(s.loop[0], s.loop[-1])       # closed


def test_sections_take_the_largest_loop_and_skip_open_chains():
    cup = open_cup(radius=40.0, height=100.0, n=360)
    small = open_cup(radius=5.0, height=100.0, n=90)
    small.apply_translation([100.0, 0.0, 0.0])
    both = trimesh.util.concatenate([cup, small])
    s = sections(both, [50.0])[0]
    assert s.area_mm2 == pytest.approx(np.pi * 40.0 ** 2, rel=1e-3)
    np.testing.assert_allclose(s.centroid_xy, [0.0, 0.0], atol=1e-6)
    # Half the cup: the plane cuts an open arc, which is no section.
    half = trimesh.Trimesh(cup.vertices, cup.faces[cup.triangles_center[:, 0] > 0],
                           process=True)
    assert sections(half, [50.0]) == [None]
    assert sections(cup, [150.0]) == [None]
