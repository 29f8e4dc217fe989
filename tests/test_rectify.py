"""Landmarks and rectification by named zones."""

import numpy as np
import pytest

from prosthetics.design.session import _rectification_record, parameter_groups, resolve_template
from prosthetics.geometry.meshing import SurfaceQuery
from prosthetics.limb.landmarks import Side, guess_landmarks
from prosthetics.limb.measure import proximal_rim_z, sections
from prosthetics.sockets.transtibial import TranstibialParams, build_transtibial
from prosthetics.sockets.zones import ZONES, zone_weight


@pytest.fixture(scope="module")
def limb(aligned_truth):
    return aligned_truth.mesh


def test_landmarks_follow_the_side(limb):
    right = guess_landmarks(limb, Side.RIGHT)
    left = guess_landmarks(limb, Side.LEFT)
    top = proximal_rim_z(limb)
    mpt = right["mid_patellar_tendon"]
    assert mpt[1] > 20 and 0.6 * top < mpt[2] < top          # anterior, proximal third
    assert right["popliteal_fossa"][1] < -20                  # posterior
    assert right["popliteal_fossa"][2] == pytest.approx(mpt[2])
    # Right leg: lateral is +X; the fibular head is posterolateral, below the MPT.
    fh = right["fibular_head"]
    assert fh[0] > 20 and fh[1] < 0 and fh[2] == pytest.approx(mpt[2] - 20.0)
    assert left["fibular_head"][0] < -20
    assert right["medial_flare"][0] < 0 < right["lateral_flare"][0]
    assert left["medial_flare"][0] > 0 > left["lateral_flare"][0]
    assert right["distal_end"][2] == pytest.approx(0.0)
    set_mpt = guess_landmarks(limb, Side.RIGHT, mpt_height_mm=180.0)
    assert set_mpt["mid_patellar_tendon"][2] == 180.0
    assert set_mpt.source["mid_patellar_tendon"] == "mpt_height_mm"
    # Every landmark lies on the limb's surface.
    d = SurfaceQuery(limb).distance(np.array(list(right.points.values())))
    assert d.max() < 1e-3


def test_zone_weight_profile():
    w = zone_weight(np.array([0.0, 10.0, 15.0, 22.5, 30.0, 31.0]), size_mm=30.0, falloff_mm=15.0)
    assert w == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.0, 0.0])


@pytest.mark.parametrize("zone, depth", [("patellar_tendon", 4.0), ("fibular_head", -3.0),
                                         ("popliteal", 2.5)])
def test_a_zone_moves_the_surface_by_its_depth_and_nothing_outside(limb, zone, depth):
    # A level brim, so every zone's centre is on the cavity (the default posterior cut
    # runs below the popliteal landmark).
    p = TranstibialParams(reduction_percent=0.0, posterior_trim_drop_mm=0.0,
                          **{f"{zone}_depth_mm": depth})
    sock = build_transtibial(limb, p)
    exact = build_transtibial(limb, p.replace(**{f"{zone}_depth_mm": 0.0}))
    marks = sock.landmarks
    anchor = [marks[n] for n in ZONES[zone]]
    grid0, grid1 = exact.grid.inner, sock.grid.inner
    dist = np.linalg.norm(grid0 - anchor[0], axis=2)
    centre = np.unravel_index(np.argmin(dist), dist.shape)
    # At the centre: the surface moved by |depth| (measured surface to surface).
    moved = SurfaceQuery(exact.inner_surface).distance(grid1[centre][None])[0]
    assert moved == pytest.approx(abs(depth), abs=0.1)
    # Inward for a push-in, outward for a relief.
    r0, r1 = np.linalg.norm(grid0[centre][:2]), np.linalg.norm(grid1[centre][:2])
    assert np.sign(r0 - r1) == np.sign(depth)
    # Beyond the core and the fall-off nothing moves.
    outside = dist > 0.5 * getattr(p, f"{zone}_size_mm") + p.zone_falloff_mm
    assert np.abs(grid1 - grid0)[outside].max() < 0.1
    assert sock.mesh.is_watertight


def integrated_volume(mesh, z_top, step=0.5):
    """Volume (ml) by summing section areas: independent of the divergence theorem."""
    z = np.arange(step / 2, z_top, step)
    return sum(s.area_mm2 for s in sections(mesh, z) if s is not None) * step / 1000.0


def test_reported_volume_change_matches_the_measured_one(limb):
    preset = resolve_template("transtibial_ptb")
    params = parameter_groups(preset)["template"]
    sock = build_transtibial(limb, params)
    assert [z["zone"] for z in sock.zones] == list(ZONES)
    zt = sock.trim_lowest_z_mm
    rec = _rectification_record(sock, limb, zt)
    measured = 100 * (integrated_volume(sock.inner_surface, zt) / integrated_volume(limb, zt) - 1)
    assert rec["volume_change_percent"] == pytest.approx(measured, abs=0.1)
    assert rec["sock_ply_equivalent"] == pytest.approx(rec["volume_change_percent"] / 1.1, abs=0.01)
    assert rec["volume_change_percent"] < 0
    assert set(rec["landmarks"]["points_mm"]) >= {"mid_patellar_tendon", "fibular_head"}


def test_ptb_socket_is_printable(limb):
    from prosthetics.printing.checks import measure_wall, solid_checks

    params = parameter_groups(resolve_template("transtibial_ptb"))["template"]
    sock = build_transtibial(limb, params)
    c = solid_checks(sock.mesh)
    assert c["watertight"] and c["bodies"] == 1 and c["volume_positive"]
    w = measure_wall(sock.mesh, sock.inner_surface, sock.adapter.pedestal_top_z_mm + 1.0,
                     float(sock.wall_target_mm.max()) + 0.5)
    assert w["min_wall_mm"] >= params.wall_thickness_mm - 0.1


def test_landmarks_set_by_the_user_move_their_zones(limb, tmp_path):
    import json

    from prosthetics.errors import ParameterError
    from prosthetics.limb.landmarks import read_landmarks
    from prosthetics.sockets.engine import TemplateCache

    guess = guess_landmarks(limb, Side.RIGHT)
    fh = guess["fibular_head"] + np.array([0.0, 0.0, -25.0])      # 25 mm lower
    mpt = guess["mid_patellar_tendon"].copy()
    mpt[2] -= 10.0
    path = tmp_path / "marks.json"
    path.write_text(json.dumps({"points_mm": {"fibular_head": fh.tolist(),
                                              "mid_patellar_tendon": mpt.tolist()}}))
    cache = TemplateCache()
    cache.landmark_overrides = read_landmarks(path)
    p = TranstibialParams(reduction_percent=0.0, fibular_head_depth_mm=-3.0)
    sock = build_transtibial(limb, p, cache)
    marks = sock.landmarks
    np.testing.assert_allclose(marks["fibular_head"], fh)
    assert marks.source["fibular_head"] == "set by the user"
    # The MPT given sets the height the others are placed from.
    assert marks["popliteal_fossa"][2] == pytest.approx(mpt[2])
    # The relief is centred on the new point.  Its core is flat-topped (the full 3 mm over
    # 25 mm): some 40 grid points there move by 3 mm to within rounding, so the argmax of
    # the displacement is any of them (up to 13 mm from the point, changing with a 1e-6 mm
    # jitter of the scan or the numpy build).  The centre is the displacement-weighted mean
    # direction and height of the grid, compared with the point's along the surface.
    exact = build_transtibial(limb, p.replace(fibular_head_depth_mm=0.0), cache)
    grid = exact.grid.inner
    moved = np.linalg.norm(sock.grid.inner - grid, axis=2)           # (rows, cols), mm
    w = moved / moved.sum()
    z_c = float((w * grid[..., 2]).sum())
    theta_c = np.angle((w * np.exp(1j * np.arctan2(grid[..., 1], grid[..., 0]))).sum())
    arc = np.hypot(fh[0], fh[1]) * np.angle(np.exp(1j * (theta_c - np.arctan2(fh[1], fh[0]))))
    assert np.hypot(arc, z_c - fh[2]) < 2.0
    assert np.hypot(arc, z_c - guess["fibular_head"][2]) > 20.0      # not at the guess
    # The full depth where the point is: the grid point nearest it is in the core.
    near = np.unravel_index(np.argmin(np.linalg.norm(grid - fh, axis=2)), moved.shape)
    assert moved[near] == pytest.approx(3.0, abs=0.05)
    # Bad files say what is wrong.
    path.write_text(json.dumps({"points_mm": {"kneecap": [0, 0, 0]}}))
    with pytest.raises(ParameterError, match="unknown landmark 'kneecap'"):
        read_landmarks(path)
    path.write_text(json.dumps({"fibular_head": [0, 0]}))
    with pytest.raises(ParameterError, match="fibular_head must be three numbers"):
        read_landmarks(path)
