"""Sections of the limb and the socket's wall at one level, and the tape measure, on shapes
with known answers and on the sample socket."""

from __future__ import annotations

import types

import numpy as np
import pytest
import trimesh

from prosthetics.errors import GeometryError
from prosthetics.limb.tape import TapeMeasure, tape
from prosthetics.sockets.sections import socket_section, surface_contour


def tube(radius=40.0, height=100.0, sections=128, row_mm=2.0) -> trimesh.Trimesh:
    """An open cylinder of ``radius`` around the z axis, z from 0 to ``height``, as a
    regular grid of triangles (rows every ``row_mm``), mm."""
    th = np.linspace(0.0, 2 * np.pi, sections, endpoint=False)
    zs = np.linspace(0.0, height, int(round(height / row_mm)) + 1)
    v = np.array([[radius * np.cos(t), radius * np.sin(t), z] for z in zs for t in th])
    faces = []
    for r in range(len(zs) - 1):
        for c in range(sections):
            a, b = r * sections + c, r * sections + (c + 1) % sections
            faces += [[a, b, b + sections], [a, b + sections, a + sections]]
    return trimesh.Trimesh(v, np.array(faces), process=False)


def cylinder(radius, height=200.0, sections=256) -> trimesh.Trimesh:
    c = trimesh.creation.cylinder(radius=radius, height=height, sections=sections)
    return c.apply_translation([0.0, 0.0, height / 2])


# ---------------------------------------------------------------------------- sections
def test_limb_only_section_of_a_cylinder_within_0_5_percent():
    s = socket_section(cylinder(40.0), None, 80.0)
    assert s.limb.closed
    assert s.limb.circumference_mm == pytest.approx(2 * np.pi * 40.0, rel=0.005)
    assert s.limb.area_mm2 == pytest.approx(np.pi * 40.0 ** 2, rel=0.005)
    loop = s.limb.loop
    assert np.allclose(loop[0], loop[-1])
    assert np.allclose(np.linalg.norm(loop, axis=1), 40.0, atol=0.05)
    assert s.cavity is None and s.outer is None and s.wall is None
    assert s.cavity_area_change_percent is None


def test_concentric_wall_thickness_circumferences_and_area_change():
    limb = cylinder(40.0)
    sock = types.SimpleNamespace(inner_surface=cylinder(38.0), outer_surface=cylinder(43.0))
    s = socket_section(limb, sock, 100.0)
    assert s.cavity.circumference_mm == pytest.approx(2 * np.pi * 38.0, rel=0.005)
    assert s.outer.circumference_mm == pytest.approx(2 * np.pi * 43.0, rel=0.005)
    assert s.cavity_area_change_percent == pytest.approx(100 * (38.0 ** 2 / 40.0 ** 2 - 1),
                                                         abs=0.1)
    w = s.wall
    # A 256-gon's chords sit up to r (1 - cos(pi/256)) = 0.003 mm inside the circle.
    for v in (w.min_mm, w.mean_mm, w.max_mm):
        assert v == pytest.approx(5.0, abs=0.01)
    assert len(w.angle_deg) == len(w.thickness_mm) == len(w.points_xy) == 360
    # Evenly spaced round the axis.
    assert np.ptp(np.diff(np.sort(w.angle_deg))) < 0.05
    assert np.linalg.norm(w.thinnest_xy[1] - w.thinnest_xy[0]) == pytest.approx(w.min_mm)
    d = s.as_dict()
    assert d["wall_mm"]["min"] == pytest.approx(5.0, abs=0.01)
    assert d["limb_circumference_mm"] == pytest.approx(2 * np.pi * 40.0, rel=0.005)


def test_an_offset_wall_is_thinnest_where_it_is_offset():
    sock = types.SimpleNamespace(inner_surface=cylinder(38.0),
                                 outer_surface=cylinder(43.0).apply_translation([0, 2.0, 0]))
    w = socket_section(cylinder(40.0), sock, 50.0).wall
    assert w.min_mm == pytest.approx(3.0, abs=0.02)
    assert w.max_mm == pytest.approx(7.0, abs=0.02)
    # The thinnest place is posterior (-Y: 270 deg), the thickest anterior (90 deg).
    assert w.angle_deg[np.argmin(w.thickness_mm)] == pytest.approx(270.0, abs=1.5)
    assert w.angle_deg[np.argmax(w.thickness_mm)] == pytest.approx(90.0, abs=1.5)


def test_open_arcs_above_the_trim_have_no_circumference_but_a_wall():
    # Half tubes (y >= 0), as a wall cut down by the trim line.
    def half(r):
        t = tube(r, 100.0, 128)
        keep = t.triangles_center[:, 1] > 0
        return trimesh.Trimesh(t.vertices, t.faces[keep], process=False)

    sock = types.SimpleNamespace(inner_surface=half(38.0), outer_surface=half(43.0))
    s = socket_section(cylinder(40.0), sock, 41.0)
    assert not s.cavity.closed and s.cavity.circumference_mm is None
    assert s.cavity.length_mm == pytest.approx(np.pi * 38.0, rel=0.01)
    assert s.cavity_area_change_percent is None
    assert s.wall.min_mm == pytest.approx(5.0, abs=0.02)
    assert s.as_dict()["cavity_circumference_mm"] is None


def test_no_section_beyond_the_surface():
    assert surface_contour(cylinder(40.0), 250.0) is None
    assert socket_section(cylinder(40.0), None, -5.0).limb is None
    with pytest.raises(ValueError):
        socket_section(cylinder(40.0), None, float("nan"))


def test_wall_thickness_of_a_horizontal_section_never_understates_a_sloped_wall():
    # Cones: the outer wall slopes 20 degrees; its true thickness is 5 mm, the section
    # reads 5 / cos(20 deg) = 5.32 mm.
    tan = np.tan(np.radians(20.0))
    inner = trimesh.creation.cone(radius=40.0, height=40.0 / tan, sections=256)
    outer = trimesh.creation.cone(radius=40.0 + 5.0 / np.cos(np.radians(20.0)),
                                  height=(40.0 + 5.0 / np.cos(np.radians(20.0))) / tan,
                                  sections=256)
    s = socket_section(inner, types.SimpleNamespace(inner_surface=inner, outer_surface=outer),
                       20.0)
    assert s.wall.mean_mm == pytest.approx(5.0 / np.cos(np.radians(20.0)), abs=0.02)
    assert s.wall.min_mm >= 5.0


# ---------------------------------------------------------------------------- the tape
def test_straight_tape_is_the_euclidean_distance():
    t = tube()
    a, b = t.triangles_center[[5, 4000]]
    r = tape(t, a, b)
    assert r.straight_mm == pytest.approx(float(np.linalg.norm(b - a)), abs=1e-3)
    assert np.allclose(r.a_mm, a, atol=1e-3) and np.allclose(r.b_mm, b, atol=1e-3)
    assert r.off_surface_mm.max() < 1e-3
    assert r.geodesic_mm >= r.straight_mm


def test_geodesic_half_way_round_a_cylinder_is_pi_r():
    t = tube(40.0, 100.0, 128)
    # Between grid points (mid-row, a third of a column off), so both ends are snapped.
    th = 0.3 * 2 * np.pi / 128
    a = [40.0 * np.cos(th), 40.0 * np.sin(th), 51.0]
    b = [40.0 * np.cos(th + np.pi), 40.0 * np.sin(th + np.pi), 51.0]
    r = TapeMeasure(t).measure(a, b)
    assert r.method == "edge_flip"
    assert r.geodesic_mm == pytest.approx(np.pi * 40.0, rel=0.02)
    # Tighter than asked: the polygon's half perimeter (the exact geodesic on this mesh),
    # within 0.5 % (the ends, a row's half height from the vertices they are joined to,
    # add about 0.25 mm each).
    half = 128 * 40.0 * np.sin(np.pi / 128)
    assert half <= r.geodesic_mm <= half * 1.005
    assert r.straight_mm == pytest.approx(80.0, abs=0.05)
    # The path lies on the surface, within a row of the ends' height, from a to b.
    assert np.allclose(np.hypot(r.path_mm[:, 0], r.path_mm[:, 1]), 40.0, atol=0.05)
    assert np.all(np.abs(r.path_mm[:, 2] - 51.0) <= 1.0 + 1e-6)
    assert np.allclose(r.path_mm[0], r.a_mm) and np.allclose(r.path_mm[-1], r.b_mm)
    # Ends on vertices: the exact geodesic.
    r = TapeMeasure(t).measure([40.0, 0.0, 50.0], [-40.0, 0.0, 50.0])
    assert r.geodesic_mm == pytest.approx(half, rel=1e-6)


def test_geodesic_along_the_axis_and_over_a_helix():
    t = tube(40.0, 100.0, 128)
    m = TapeMeasure(t)
    r = m.measure([40.0, 0.0, 10.0], [40.0, 0.0, 90.0])
    assert r.geodesic_mm == pytest.approx(80.0, abs=0.01)
    # A quarter turn while rising 60 mm: the cylinder unrolls to a plane.
    r = m.measure([40.0, 0.0, 20.0], [0.0, 40.0, 80.0])
    assert r.geodesic_mm == pytest.approx(np.hypot(np.pi * 20.0, 60.0), rel=0.005)


def test_points_off_the_surface_are_laid_on_it():
    r = tape(tube(40.0), [45.0, 0.0, 50.0], [-40.0, 0.0, 50.0])
    assert r.off_surface_mm[0] == pytest.approx(5.0, abs=0.02)
    assert r.a_mm[0] == pytest.approx(40.0, abs=0.02)
    assert r.straight_mm == pytest.approx(80.0, abs=0.02)


def test_a_non_manifold_surface_falls_back_to_the_edges():
    t = tube(40.0, 100.0, 128)
    # A fin: a third triangle on one edge of the wall.
    e = t.faces[100, :2]
    v = np.vstack([t.vertices, [[60.0, 0.0, 30.0]]])
    f = np.vstack([t.faces, [[e[0], e[1], len(v) - 1]]])
    fin = trimesh.Trimesh(v, f, process=False)
    a, b = [40.0, 0.0, 51.0], [-40.0, 0.0, 51.0]
    r = tape(fin, a, b)
    assert r.method == "edges"
    # Along the edges of one ring: the same polygon here; a path along edges is never shorter.
    assert r.geodesic_mm >= tape(t, a, b).geodesic_mm - 1e-6
    assert r.geodesic_mm == pytest.approx(np.pi * 40.0, rel=0.05)


def test_two_separate_pieces_are_an_error():
    two = trimesh.util.concatenate([tube(40.0), tube(40.0).apply_translation([200.0, 0, 0])])
    with pytest.raises(GeometryError, match="separate pieces"):
        tape(two, [40.0, 0.0, 50.0], [240.0, 0.0, 50.0])


def test_the_same_point_twice_measures_nothing():
    r = tape(tube(), [40.0, 0.0, 50.0], [40.0, 0.0, 50.0])
    assert r.straight_mm == pytest.approx(0.0, abs=1e-6)
    assert r.geodesic_mm == pytest.approx(0.0, abs=1e-6)


# ---------------------------------------------------------------------------- the sample
@pytest.mark.slow
def test_sample_socket_wall_and_circumferences_at_mid_level(sample_design):
    sock = sample_design.socket_result
    limb = sample_design.limb
    wall = sock.params.wall_thickness_mm
    z = 0.5 * (sock.wall_check_above_z_mm + sock.trim_lowest_z_mm)
    s = socket_section(limb, sock, z)
    assert s.limb.closed and s.cavity.closed and s.outer.closed
    assert s.wall.min_mm >= wall - 0.1
    assert s.wall.max_mm < wall + 2.0
    gap = s.outer.circumference_mm - s.cavity.circumference_mm
    # A convex wall w thick adds 2 pi w to the circumference.
    assert gap == pytest.approx(2 * np.pi * wall, rel=0.10)
    assert gap == pytest.approx(2 * np.pi * s.wall.mean_mm, rel=0.03)
    # The cavity is reduced: smaller than the limb there, by no more than a few per cent.
    assert s.cavity.circumference_mm < s.limb.circumference_mm
    assert -10.0 < s.cavity_area_change_percent < 0.0


@pytest.mark.slow
def test_sample_limb_tape_round_the_limb(sample_design):
    limb = sample_design.limb
    m = TapeMeasure(limb)
    z = 100.0
    sec = socket_section(limb, None, z).limb
    loop = sec.loop
    # Two points of the section on opposite sides of the limb.
    ia, ib = sorted((int(np.argmax(loop[:, 1])), int(np.argmin(loop[:, 1]))))
    a, b = loop[ia], loop[ib]
    r = m.measure([*a, z], [*b, z])
    assert r.method == "edge_flip"
    assert r.off_surface_mm.max() < 0.05
    assert r.straight_mm == pytest.approx(float(np.linalg.norm(a - b)), abs=0.05)
    # The section's shorter arc between the two is a path on the surface: the geodesic is
    # no longer, and longer than the straight line through the limb.
    seg = np.linalg.norm(np.diff(loop, axis=0), axis=1)
    arc = float(seg[ia:ib].sum())
    shorter = min(arc, sec.circumference_mm - arc)
    assert r.straight_mm + 10.0 < r.geodesic_mm <= shorter + 0.05
    assert r.geodesic_mm > 0.9 * shorter
