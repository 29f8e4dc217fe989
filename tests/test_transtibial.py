"""The transtibial template on the real limb: shape, rectification, walls, adapter, trim."""

import numpy as np
import pytest
import trimesh

from prosthetics.errors import ParameterError
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.limb.measure import sections, volume_below
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.sockets.engine import trim_curve
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial


@pytest.fixture(scope="module")
def limb(aligned_truth):
    return aligned_truth.mesh


@pytest.fixture(scope="module")
def exact(limb):
    """No reduction, no liner: the cavity is the limb."""
    return build_transtibial(limb, TranstibialParams(reduction_percent=0.0, liner_offset_mm=0.0))


@pytest.fixture(scope="module")
def default(limb):
    return build_transtibial(limb, TranstibialParams())


def wall(sock):
    return measure_wall(sock.mesh, sock.inner_surface,
                        above_z_mm=sock.adapter.pedestal_top_z_mm + 1.0,
                        brim_clearance_mm=float(sock.wall_target_mm.max()) + 0.5)


def test_one_watertight_body(default):
    c = solid_checks(default.mesh)
    assert c["watertight"] and c["winding_consistent"] and c["volume_positive"]
    assert c["bodies"] == 1
    assert 200 < c["volume_ml"] < 800


def test_cavity_matches_the_limb_below_the_trim(exact, limb):
    zt = exact.trim_lowest_z_mm
    pts, _ = trimesh.sample.sample_surface(exact.inner_surface, 30_000, seed=3)
    d = SurfaceQuery(limb).distance(pts)
    assert d.mean() < 0.1 and np.percentile(d, 95) < 0.3
    lp, _ = trimesh.sample.sample_surface(limb, 30_000, seed=4)
    lp = lp[lp[:, 2] < zt - 1.0]
    d2 = SurfaceQuery(exact.inner_surface).distance(lp)
    assert d2.mean() < 0.1 and np.percentile(d2, 95) < 0.3
    v_in = exact.inner_volume_below_ml(zt)
    v_limb = volume_below(limb, zt) / 1000.0
    assert v_in == pytest.approx(v_limb, rel=0.002)
    # The final mesh's cavity is that surface: its points lie on the printed part.
    on = SurfaceQuery(exact.mesh).distance(pts[pts[:, 2] > exact.adapter.pedestal_top_z_mm + 2])
    assert np.percentile(on, 99) < 1e-3


def test_reduction_tapers_from_trim_to_distal_end(exact, limb):
    red = build_transtibial(limb, TranstibialParams(reduction_percent=6.0))
    za, zl = red.trim_anterior_z_mm, red.trim_lowest_z_mm
    # Closed sections stop at the posterior trim; the reduction is 6 % at za, linear to 0.
    for z in (zl - 2.0, 0.5 * za, 0.25 * za):
        expected = 6.0 * z / za
        a0 = sections(exact.inner_surface, [z])[0].area_mm2
        a1 = sections(red.inner_surface, [z])[0].area_mm2
        assert 100 * (1 - a1 / a0) == pytest.approx(expected, abs=0.15), z
    # The distal dome is untouched.
    assert red.grid.inner_pole == pytest.approx(exact.grid.inner_pole)


def test_liner_offset_moves_the_cavity_out(limb):
    sock = build_transtibial(limb, TranstibialParams(reduction_percent=0.0, liner_offset_mm=4.0))
    pts, _ = trimesh.sample.sample_surface(sock.inner_surface, 20_000, seed=5)
    pts = pts[(pts[:, 2] > 30) & (pts[:, 2] < sock.trim_lowest_z_mm - 10)]
    d = SurfaceQuery(limb).distance(pts)
    assert np.median(d) == pytest.approx(4.0, abs=0.15)


@pytest.mark.parametrize("t", [3.0, 5.0, 6.5])
def test_thinnest_wall_is_at_least_the_set_thickness(limb, t):
    sock = build_transtibial(limb, TranstibialParams(wall_thickness_mm=t))
    w = wall(sock)
    assert w["min_wall_mm"] >= t - 0.1
    assert w["p01_mm"] < t + 0.4            # and not much thicker than asked
    assert w["samples"] > 20_000 and w["rays_without_hit"] == 0
    assert sock.mesh.is_watertight


def test_distal_end_is_thicker(default):
    g = default.grid
    bottom = default.grid.inner_pole[2] - default.grid.outer_pole[2]
    # At least the distal thickness (the wall correction may push the pole a little further).
    assert default.params.distal_wall_thickness_mm <= bottom < default.params.distal_wall_thickness_mm + 0.5
    # Below the pole, the adapter adds its disc: material under the limb's tip, measured
    # along the interface's axis (the socket is set in flexion over it: the distal wall is
    # crossed on a slant; the interface sits lower by what the turn would sink it deeper).
    a = default.adapter
    pole_i = trimesh.transform_points([g.inner_pole], np.linalg.inv(a.interface_to_design))[0]
    tip_material = pole_i[2] - a.interface.bottom_z_mm
    tilt = np.arccos(a.axis[2])
    drop = a.alignment["dropped_along_axis_mm"]
    assert np.degrees(tilt) == pytest.approx(default.params.socket_flexion_deg, abs=1e-6)
    assert 0.0 <= drop < 2.0
    assert tip_material == pytest.approx(default.params.distal_wall_thickness_mm * np.cos(tilt)
                                         + default.params.adapter_plate_thickness_mm + drop)


def test_trim_line_with_posterior_cut(default):
    p = default.params
    theta = np.radians([90.0, -90.0, 0.0, 180.0])
    z = trim_curve(theta, p, default.trim_anterior_z_mm)
    assert z[0] == pytest.approx(default.trim_anterior_z_mm)
    assert z[1] == pytest.approx(default.trim_anterior_z_mm - p.posterior_trim_drop_mm)
    assert z[1] < z[2] <= z[0] and z[2] == pytest.approx(z[3])
    # The printed brim: highest point anterior, lowest posterior, rounded above the trim.
    v = default.mesh.vertices
    ang = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    ant = v[np.abs(ang - 90) < 10][:, 2].max()
    post = v[np.abs(ang + 90) < 10][:, 2].max()
    assert ant - post == pytest.approx(p.posterior_trim_drop_mm, abs=3.0)
    assert ant < default.trim_anterior_z_mm + p.wall_thickness_mm


def test_four_bolt_holes_and_recess(default):
    a = default.adapter
    # In the interface's own frame (the socket is set in flexion over it): z along its axis.
    mesh = default.mesh.copy().apply_transform(np.linalg.inv(a.interface_to_design))
    # Just above the recess: the disc with four round holes at the bolt circle.
    z = a.interface.bottom_z_mm + a.recess_depth_mm + 1.0
    s = mesh.section([0, 0, 1], [0, 0, z])
    polys = s.to_2D()[0].polygons_full if s is not None else []
    assert len(polys) == 1
    poly = polys[0]
    holes = [np.asarray(h.coords) for h in poly.interiors]
    to3 = s.to_2D()[1]
    assert len(holes) == 4
    centres = []
    for h in holes:
        xy = trimesh.transform_points(np.column_stack([h, np.zeros(len(h))]), to3)[:, :2]
        # A least-squares circle: the booleans leave the holes' walls unevenly divided.
        fit = np.linalg.lstsq(np.column_stack([2 * xy, np.ones(len(xy))]),
                              (xy ** 2).sum(axis=1), rcond=None)[0]
        c = fit[:2]
        r = np.linalg.norm(xy - c, axis=1)
        assert r.mean() == pytest.approx(a.bolt_hole_diameter_mm / 2, abs=0.03)
        assert np.ptp(r) < 0.05                      # round
        centres.append(c)
    centres = np.array(centres)
    assert np.linalg.norm(centres, axis=1) == pytest.approx([a.bolt_circle_radius_mm] * 4, abs=0.05)
    assert poly.exterior.length == pytest.approx(np.pi * a.plate_diameter_mm, rel=0.01)
    # The centres reported (design frame, on the bed face) are the holes measured.
    reported = trimesh.transform_points(a.hole_centres(), np.linalg.inv(a.interface_to_design))
    assert reported[:, 2] == pytest.approx([a.interface.bottom_z_mm] * 4, abs=1e-6)
    nearest = np.linalg.norm(reported[:, None, :2] - centres[None], axis=2).min(axis=1)
    assert nearest.max() < 0.05
    # In the recess: a ring (disc minus the recess), no holes are separate there.
    zr = a.interface.bottom_z_mm + 0.5 * a.recess_depth_mm
    sr = mesh.section([0, 0, 1], [0, 0, zr]).to_2D()[0].polygons_full
    assert len(sr) == 1
    assert sr[0].area == pytest.approx(np.pi / 4 * (a.plate_diameter_mm ** 2 - a.recess_diameter_mm ** 2)
                                       - 4 * np.pi / 4 * a.bolt_hole_diameter_mm ** 2, rel=0.02)


def test_holes_follow_the_parameters(limb):
    sock = build_transtibial(limb, TranstibialParams(adapter_bolt_circle_radius_mm=18.0,
                                                     adapter_bolt_hole_diameter_mm=6.0,
                                                     adapter_rotation_deg=0.0,
                                                     adapter_recess_diameter_mm=20.0))
    a = sock.adapter
    # On the disc (its own frame), and where that puts it under the socket (design frame).
    assert a.interface.hole_centres()[0] == pytest.approx([18.0, 0.0])
    to_design = a.interface_to_design
    assert a.hole_centres()[0] == pytest.approx(
        trimesh.transform_points([[18.0, 0.0, a.interface.bottom_z_mm]], to_design)[0])
    # The hole is empty space in the part, a point beside it is material.
    z = a.interface.bottom_z_mm + 3.0
    q = sock.mesh.contains(trimesh.transform_points([[18.0, 0.0, z], [18.0, 4.0, z]], to_design))
    assert list(q) == [False, True]


def test_trim_above_the_scan_is_a_parameter_error(limb):
    with pytest.raises(ParameterError, match="above the top of the scan"):
        build_transtibial(limb, TranstibialParams(trim_height_mm=400.0))
    with pytest.raises(ParameterError, match="posterior trim"):
        build_transtibial(limb, TranstibialParams(trim_height_mm=50.0, posterior_trim_drop_mm=30.0))


def test_a_limb_with_the_thigh_still_on_is_refused_with_how_to_cut_it(limb):
    # The knee cut not found: the limb runs on up the thigh (here stretched to 560 mm).
    long_limb = limb.copy()
    long_limb.vertices[:, 2] *= 560.0 / float(limb.vertices[:, 2].max())
    with pytest.raises(ParameterError, match=r"runs 5\d\d mm up.*set proximal_cut_mm"):
        build_transtibial(long_limb, TranstibialParams())
