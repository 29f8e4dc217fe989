"""Shared socket geometry: regional wall targets, the distal fillet, strength warnings."""

import numpy as np
import pytest
import trimesh

from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.printing.checks import solid_checks
from prosthetics.printing.profiles import get_material
from prosthetics.sockets.regions import wall_targets
from prosthetics.sockets.strength import strength_warnings
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial

COARSE = dict(grid_rows=40, grid_columns=48)


@pytest.fixture(scope="module")
def limb(aligned_truth):
    return aligned_truth.mesh


def test_wall_targets_distal_sides_and_trim_band():
    z = np.linspace(0.0, 200.0, 201)
    below = 200.0 - z
    t = wall_targets(z, below, 20.0, 5.0, 8.0, 7.0, 20.0)
    assert t[z <= 20].tolist() == pytest.approx([8.0] * 21)          # distal dome
    assert t[(z >= 50) & (z <= 170)] == pytest.approx(5.0)           # sides
    assert t[below <= 20] == pytest.approx(7.0)                      # band at the trim
    assert np.all(np.abs(np.diff(t)) < 0.5)                          # smooth changes
    assert wall_targets(z, below, 20.0, 5.0, 8.0, None, 20.0)[-1] == 5.0


def test_trim_band_is_built_and_measured(limb):
    s = build_transtibial(limb, TranstibialParams(trim_band_thickness_mm=7.5, **COARSE))
    assert solid_checks(s.mesh)["watertight"]
    q = SurfaceQuery(s.inner_surface)
    top = s.grid.outer[-4:].reshape(-1, 3)                           # the band's outer rows
    assert q.distance(top).min() >= 7.5 - 0.05
    mid = s.grid.outer[len(s.grid.outer) // 2].reshape(-1, 3)
    assert np.median(q.distance(mid)) < 5.5


def test_distal_fillet_fills_the_corner(limb):
    base = dict(adapter_plate_diameter_mm=44.0, adapter_bolt_circle_radius_mm=15.0,
                adapter_recess_diameter_mm=0.0, **COARSE)
    plain = build_transtibial(limb, TranstibialParams(**base))
    fillet = build_transtibial(limb, TranstibialParams(distal_blend_radius_mm=10.0, **base))
    for s in (plain, fillet):
        c = solid_checks(s.mesh)
        assert c["watertight"] and c["bodies"] == 1 and c["winding_consistent"]
    assert fillet.mesh.volume > plain.mesh.volume
    # A fillet of radius R in a corner whose air side spans the angle a fills the bisector
    # out to R (1 / sin(a / 2) - 1) from the corner: probe halfway there, in every direction
    # where that is at least 0.6 mm.  Air without the fillet, material with it.  All in the
    # interface's frame (the socket is set in flexion over its block: the block's axis is z).
    to_design = plain.adapter.interface_to_design
    assert fillet.adapter.interface_to_design == pytest.approx(to_design)
    rows = trimesh.transform_points(plain.grid.outer.reshape(-1, 3),
                                    np.linalg.inv(to_design)).reshape(plain.grid.outer.shape)
    rr = np.linalg.norm(rows[..., :2], axis=2)
    c = np.arange(rr.shape[1])

    def height_at(radius):
        i = np.argmax(rr >= radius, axis=0)
        f = (radius - rr[i - 1, c]) / (rr[i, c] - rr[i - 1, c])
        return rows[i - 1, c, 2] + f * (rows[i, c, 2] - rows[i - 1, c, 2])

    i_j = np.argmax(rr >= 22.0, axis=0)
    theta = np.arctan2(rows[i_j, c, 1], rows[i_j, c, 0])

    z_j = height_at(22.0)
    u = np.column_stack([np.full_like(z_j, 2.0), height_at(24.0) - z_j])   # along the shell
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.array([0.0, -1.0])                                              # down the block
    alpha = np.arccos(u @ v)
    reach = 10.0 * (1.0 / np.sin(alpha / 2) - 1.0)
    w = u + v
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    # ...where the whole fillet fits above its floor, 1 mm over the bed face (the tilt brings
    # the corner down to the disc on one side: the circle tangent there would reach below).
    centre_z = z_j - 10.0 / np.tan(alpha / 2)
    use = (reach >= 0.6) & (centre_z >= plain.adapter.interface.bottom_z_mm + 1.0)
    assert use.sum() >= 10
    rz = np.column_stack([np.full_like(z_j, 22.0), z_j]) + 0.5 * reach[:, None] * w
    probes = np.column_stack([rz[:, 0] * np.cos(theta), rz[:, 0] * np.sin(theta), rz[:, 1]])[use]
    probes = trimesh.transform_points(probes, to_design)
    assert plain.mesh.contains(probes).mean() < 0.1
    assert fillet.mesh.contains(probes).mean() > 0.9


def test_strength_warnings_follow_the_field_figures():
    petg, pla = get_material("petg"), get_material("pla")
    assert strength_warnings(TranstibialParams(wall_thickness_mm=6.0, distal_wall_thickness_mm=10.0), petg) == []
    w = strength_warnings(TranstibialParams(wall_thickness_mm=4.0), petg)
    assert any("failed in active users" in x for x in w)
    assert any("trim_band_thickness_mm" in x for x in w)
    w = strength_warnings(TranstibialParams(wall_thickness_mm=5.0, trim_band_thickness_mm=7.0), petg)
    assert len(w) == 1 and "below the 6 mm that lasted a year" in w[0]
    w = strength_warnings(TranstibialParams(wall_thickness_mm=6.0, distal_wall_thickness_mm=5.0), petg)
    assert len(w) == 1 and "distal end" in w[0]
    w = strength_warnings(TranstibialParams(wall_thickness_mm=6.0, distal_wall_thickness_mm=10.0), pla)
    assert len(w) == 1 and "not for a definitive socket" in w[0]
