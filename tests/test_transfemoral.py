"""The transfemoral template on the thigh crop: brim heights per wall, the ischial seat."""

import numpy as np
import pytest

from prosthetics.errors import ParameterError
from prosthetics.limb.landmarks import Side
from prosthetics.limb.measure import proximal_rim_z
from prosthetics.printing.checks import measure_wall, solid_checks
from prosthetics.sockets.transfemoral import BrimStyle, TransfemoralParams, build_transfemoral

pytestmark = pytest.mark.slow
COARSE = dict(grid_rows=40, grid_columns=48)


def brim_at(sock, deg):
    top = sock.grid.inner[-1]
    theta = np.degrees(np.arctan2(top[:, 1], top[:, 0]))
    return top[np.argmin(np.abs(np.angle(np.exp(1j * np.radians(theta - deg)))))]


def test_ischial_containment_walls_rise_above_the_scan(aligned_thigh):
    p = TransfemoralParams(lateral_wall_mm=60.0, anterior_wall_mm=40.0,
                           medial_wall_mm=25.0, posterior_wall_mm=20.0, **COARSE)
    s = build_transfemoral(aligned_thigh, p)
    rim = proximal_rim_z(aligned_thigh)
    level = rim - 5.0                      # by default just under the top of the scan
    c = solid_checks(s.mesh)
    assert c["watertight"] and c["bodies"] == 1 and c["winding_consistent"]
    # Right leg: lateral +X, anterior +Y, medial -X, posterior -Y.
    for deg, h in ((0, 60.0), (90, 40.0), (180, 25.0), (-90, 20.0)):
        assert brim_at(s, deg)[2] == pytest.approx(level + h, abs=1.0), deg
    # Above the scanned skin the wall flares outward (12 degrees by default): the brim's
    # ring is wider than the limb's top.
    top = aligned_thigh.vertices[aligned_thigh.vertices[:, 2] > rim - 3.0]
    r_lateral = float(np.linalg.norm(brim_at(s, 0)[:2]))
    assert r_lateral > top[:, 0].max() + 5.0
    w = measure_wall(s.mesh, s.inner_surface, above_z_mm=s.wall_check_above_z_mm,
                     brim_clearance_mm=float(s.wall_target_mm.max()) + 0.5, n=20_000)
    assert w["min_wall_mm"] >= p.wall_thickness_mm - 0.1


def test_left_leg_swaps_the_medial_and_lateral_walls(aligned_thigh):
    p = TransfemoralParams(limb_side=Side.LEFT, ischial_level_mm=200.0, lateral_wall_mm=60.0,
                           medial_wall_mm=0.0, **COARSE)
    s = build_transfemoral(aligned_thigh, p)
    assert brim_at(s, 180)[2] == pytest.approx(260.0, abs=1.0)
    assert brim_at(s, 0)[2] == pytest.approx(200.0, abs=1.0)


def test_quadrilateral_seat_rolls_the_posterior_brim_out(aligned_thigh):
    kw = dict(ischial_level_mm=200.0, medial_wall_mm=0.0, posterior_wall_mm=0.0, **COARSE)
    ics = build_transfemoral(aligned_thigh, TransfemoralParams(
        brim_style=BrimStyle.ISCHIAL_CONTAINMENT, **kw))
    quad = build_transfemoral(aligned_thigh, TransfemoralParams(
        brim_style=BrimStyle.QUADRILATERAL, ischial_seat_width_mm=15.0, **kw))
    r = lambda s, deg: float(np.linalg.norm(brim_at(s, deg)[:2]))  # noqa: E731
    assert r(quad, -90) - r(ics, -90) == pytest.approx(15.0 * (1 - 0.03), abs=1.5)
    assert r(quad, 0) == pytest.approx(r(ics, 0), abs=0.1)      # lateral untouched
    assert solid_checks(quad.mesh)["watertight"]


def test_ischial_level_above_the_scan_is_a_parameter_error(aligned_thigh):
    with pytest.raises(ParameterError, match="ischial_level_mm"):
        build_transfemoral(aligned_thigh, TransfemoralParams(ischial_level_mm=590.0, **COARSE))


def test_rows_that_dip_below_the_row_under_them_are_raised():
    from prosthetics.sockets.engine import unfold_rows

    z = np.array([0.0, 10.0, 20.0, 19.0, 30.0])          # row 3 dips 1 mm below row 2
    rows = np.stack([np.stack([np.cos(a) * 50 + 0 * z, np.sin(a) * 50 + 0 * z, z], axis=-1)
                     for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)], axis=1)
    rows[:, 1, 2] = z + 0.5                                  # a column without a dip
    out = unfold_rows(rows)
    np.testing.assert_allclose(out[:, 0, 2], [0.0, 10.0, 20.0, 20.05, 30.0])
    assert np.all(np.diff(out[..., 2], axis=0) >= 0.05 - 1e-12)
    np.testing.assert_array_equal(out[..., :2], rows[..., :2])   # only heights move
    straight = rows.copy()
    straight[..., 2] = np.arange(5)[:, None] * 10.0
    assert unfold_rows(straight) is straight                   # nothing to unfold: untouched
