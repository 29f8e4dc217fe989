"""What the comparison window takes from the core comparison: the deviation at every vertex
of the current limb, the common level, and a registration that does not slide a thinner limb
along its axis."""

import numpy as np
import pytest

from prosthetics.limb.compare import CompareParams, compare_limbs, icp_without_axial_slide
from prosthetics.limb.measure import proximal_rim_z


def radially_offset(mesh, offset_mm):
    """A copy with every vertex moved ``offset_mm`` away from the long axis (limb frame)."""
    out = mesh.copy()
    v = np.asarray(out.vertices, dtype=float)
    r = np.linalg.norm(v[:, :2], axis=1)
    unit = np.zeros_like(v)
    far = r > 1e-6
    unit[far, :2] = v[far, :2] / r[far, None]
    out.vertices = v + offset_mm * unit
    return out


def test_deviation_at_every_vertex_and_the_common_level(aligned_truth):
    a = aligned_truth.mesh
    b = radially_offset(a, 2.0)
    comp = compare_limbs(a, b, spacing_mm=20.0)
    r = comp.report
    top = min(proximal_rim_z(a), proximal_rim_z(b))
    assert comp.common_top_z_mm == pytest.approx(top) == pytest.approx(r["common_top_z_mm"], abs=0.01)
    dev = comp.vertex_deviation_mm()
    assert dev.shape == (len(comp.b.vertices),)
    below = comp.b.vertices[:, 2] < top
    assert np.array_equal(np.isfinite(dev), below)
    assert np.array_equal(dev[below], comp.deviation_mm)
    # B is 2 mm further from the axis everywhere: on the sides (most of the limb) that is
    # 2 mm along the normal; less on the distal dome.
    assert np.median(dev[below]) == pytest.approx(2.0, abs=0.15)
    assert r["deviation_mm"]["median"] == pytest.approx(np.median(comp.deviation_mm), abs=1e-3)
    # The distal ends stay level: no slide along the axis (the fitted uniform change leaves
    # a hundredth of a millimetre), and hardly any turn.
    assert abs(comp.b_to_a[2, 3]) < 0.02
    assert r["registration"]["refinement_deg"] < 0.3
    # Circumferences every 20 mm up to the common level, the change 2 pi x 2 mm on the sides.
    zs = [c["z_mm"] for c in r["circumferences"]]
    assert zs[0] == pytest.approx(20.0) and np.allclose(np.diff(zs), 20.0) and zs[-1] < top
    mid = [c["change_mm"] for c in r["circumferences"] if 60 <= c["z_mm"] <= top - 20]
    assert np.median(mid) == pytest.approx(4 * np.pi, rel=0.05)


def test_a_free_slide_hides_part_of_the_change(aligned_truth):
    """Why ICP keeps the distal ends level: let free, it sinks the thinner limb into the wider."""
    a = aligned_truth.mesh
    b = radially_offset(a, -2.0)
    locked = compare_limbs(a, b)
    free = compare_limbs(a, b, CompareParams(slide_along_axis=True))
    assert np.median(locked.deviation_mm) == pytest.approx(-2.0, abs=0.15)
    assert abs(free.b_to_a[2, 3]) > 1.0
    assert np.median(free.deviation_mm) > np.median(locked.deviation_mm) + 0.3
    # Volumes and circumferences do not depend on the registration.
    assert locked.report["volume_change_percent"] == free.report["volume_change_percent"]


def test_icp_without_axial_slide_recovers_a_turn_and_a_sideways_shift(aligned_truth):
    a = aligned_truth.mesh
    angle = np.radians(2.0)
    move = np.eye(4)
    move[:3, :3] = [[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0],
                    [0, 0, 1]]
    move[:3, 3] = [1.5, -1.0, 0.0]
    pts = np.asarray(a.vertices)[np.asarray(a.vertices)[:, 2] < proximal_rim_z(a) - 5.0]
    moved = pts @ move[:3, :3].T + move[:3, 3]
    t, rmse, fitness = icp_without_axial_slide(moved, a, 5.0, 60)
    back = moved @ t[:3, :3].T + t[:3, 3]
    assert np.abs(back - pts).max() < 0.05
    assert rmse < 0.05 and fitness > 0.99
    # Lifted along the axis, the points stay lifted: the height is the limb frames' to give.
    lifted = pts + [0.0, 0.0, 1.0]
    t, _, _ = icp_without_axial_slide(lifted, a, 5.0, 60)
    assert abs(t[2, 3]) < 0.01
    assert np.mean((lifted @ t[:3, :3].T + t[:3, 3])[:, 2] - pts[:, 2]) == pytest.approx(1.0, abs=0.02)
